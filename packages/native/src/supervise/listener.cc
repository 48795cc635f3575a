// The user-notification listener (listener.h has the contract).
//
// Semantics: seccomp_unotify(2), seccomp(2) SECCOMP_GET_NOTIF_SIZES; the
// kernel's Documentation/userspace-api/seccomp_filter.rst.

#include "listener.h"

#include "../linux/kernel-structs.h"  // seccomp_notif_addfd, SECCOMP_ADDFD_FLAG_SEND
#include "supervisor.h"               // SuperviseError

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace seccomp_scopes {

Listener::~Listener() {
  if (fd_ >= 0) close(fd_);
}

void Listener::Prepare() {
  struct seccomp_notif_sizes sizes = {};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) throw SuperviseError(errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)");
  req_buf_.assign(std::max<size_t>(sizes.seccomp_notif, sizeof(struct seccomp_notif)), 0);
  resp_buf_.assign(std::max<size_t>(sizes.seccomp_notif_resp, sizeof(struct seccomp_notif_resp)), 0);
}

const struct seccomp_notif* Listener::Receive() {
  auto* req = reinterpret_cast<struct seccomp_notif*>(req_buf_.data());
  std::memset(req, 0, req_buf_.size());
  if (ioctl(fd_, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
    if (errno == EINTR || errno == ENOENT) return nullptr;
    throw SuperviseError(errno, "ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
  }
  return req;
}

void Listener::Send(uint64_t id, bool cont, int err, int64_t val) {
  auto* resp = reinterpret_cast<struct seccomp_notif_resp*>(resp_buf_.data());
  std::memset(resp, 0, resp_buf_.size());
  resp->id = id;
  if (cont) resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else if (err != 0) resp->error = -err;
  else resp->val = val;
  while (ioctl(fd_, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0) {
    if (errno == EINTR) continue;
    if (errno != ENOENT) throw SuperviseError(errno, "ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
    break;
  }
}

bool Listener::StillPending(uint64_t id) {
  uint64_t check = id;
  return ioctl(fd_, SECCOMP_IOCTL_NOTIF_ID_VALID, &check) == 0;
}

void Listener::HandOver(uint64_t id, int fd, uint32_t newfd_flags) {
  struct seccomp_notif_addfd add = {};
  add.id = id;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = static_cast<uint32_t>(fd);
  add.newfd_flags = newfd_flags;
  long r = ioctl(fd_, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
  if (r < 0 && errno == EINVAL) {
    // Before Linux 5.14 (no ADDFD_FLAG_SEND): add it, then answer with its number.
    add.flags = 0;
    r = ioctl(fd_, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
    if (r >= 0) Return(id, r);
  }
  const int add_err = errno;
  if (r < 0 && add_err != ENOENT) Deny(id, add_err == EINVAL ? EACCES : add_err);  // ENOENT: the call is gone
}

}  // namespace seccomp_scopes
