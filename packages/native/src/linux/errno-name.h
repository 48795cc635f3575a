// The symbolic name of an errno value ("EINVAL"), for error objects and
// messages. Plain C++, no N-API.
#ifndef SECCOMP_SCOPES_LINUX_ERRNO_NAME_H_
#define SECCOMP_SCOPES_LINUX_ERRNO_NAME_H_

#include <cerrno>
#include <cstring>
#include <string>

namespace seccomp_scopes {

// glibc >= 2.32 has strerrorname_np(); elsewhere a small table covers what
// these syscalls can return, and anything else falls back to the decimal
// number.
inline std::string ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (const char* name = strerrorname_np(err)) return name;
#else
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case EFAULT: return "EFAULT";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case E2BIG: return "E2BIG";
    case ENOMSG: return "ENOMSG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
  }
#endif
  return std::to_string(err);
}

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_ERRNO_NAME_H_
