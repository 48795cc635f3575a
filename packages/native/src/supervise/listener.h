// The supervisor's end of a seccomp user-notification listener
// (seccomp_unotify(2)): receiving notifications, answering them, checking
// that one is still pending, and handing a descriptor over as a call's
// result. Plain C++, no N-API.
#ifndef SECCOMP_SCOPES_SUPERVISE_LISTENER_H_
#define SECCOMP_SCOPES_SUPERVISE_LISTENER_H_

#include <linux/seccomp.h>

#include <cstdint>
#include <vector>

namespace seccomp_scopes {

class Listener {
 public:
  Listener() = default;
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Sizes the buffers for this kernel (SECCOMP_GET_NOTIF_SIZES). Throws
  // SuperviseError.
  void Prepare();
  // Takes ownership of the listener descriptor.
  void Adopt(int fd) { fd_ = fd; }
  int fd() const { return fd_; }

  // The next notification, or null when there was none to take (EINTR, or
  // ENOENT: the task died before we took it). Valid until the next call.
  // Throws SuperviseError.
  const struct seccomp_notif* Receive();

  // Answers: let the call run (SECCOMP_USER_NOTIF_FLAG_CONTINUE), fail it
  // with `err`, or return `val`. A call that is gone meanwhile (ENOENT: the
  // task was killed or its call interrupted) is no error. Throws
  // SuperviseError.
  void Continue(uint64_t id) { Send(id, true, 0, 0); }
  void Deny(uint64_t id, int err) { Send(id, false, err, 0); }
  void Return(uint64_t id, int64_t val) { Send(id, false, 0, val); }

  // Whether the call is still pending (SECCOMP_IOCTL_NOTIF_ID_VALID): what
  // was read from the caller since belongs to this call.
  bool StillPending(uint64_t id);

  // Puts descriptor `fd` (which the caller still closes) in the calling
  // process as the call's result (SECCOMP_IOCTL_NOTIF_ADDFD), with
  // `newfd_flags` (O_CLOEXEC or 0). Answers the call, or fails it when the
  // descriptor cannot be added.
  void HandOver(uint64_t id, int fd, uint32_t newfd_flags);

 private:
  void Send(uint64_t id, bool cont, int err, int64_t val);

  int fd_ = -1;
  std::vector<uint8_t> req_buf_, resp_buf_;
};

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_LISTENER_H_
