// A file descriptor closed when it goes out of scope.
#ifndef SECCOMP_SCOPES_LINUX_FD_H_
#define SECCOMP_SCOPES_LINUX_FD_H_

#include <unistd.h>

namespace seccomp_scopes {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_FD_H_
