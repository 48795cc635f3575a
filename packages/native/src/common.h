// Helpers shared by the addon's translation units: errno naming and the
// error objects thrown to JavaScript.
#ifndef SECCOMP_SCOPES_NATIVE_COMMON_H_
#define SECCOMP_SCOPES_NATIVE_COMMON_H_

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <sys/syscall.h>

// Syscalls newer than some C libraries' headers. Since Linux 5.x new
// syscalls get one number on every architecture (the unified table in
// include/uapi/asm-generic/unistd.h and arch/*/syscall.tbl), so these
// fallbacks hold on x86_64 and aarch64 alike. The one place they are written.
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

namespace seccomp_scopes {

// Symbolic name of an errno value ("EINVAL"). glibc >= 2.32 has
// strerrorname_np(); elsewhere a small table covers what these syscalls can
// return, and anything else falls back to the decimal number.
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

// Throws Error("<syscall> failed: <NAME> (<strerror>)") carrying
// { code, errno, syscall }, in the style of Node's own system errors.
[[noreturn]] inline void ThrowErrno(Napi::Env env, int err, const char* syscall) {
  const std::string name = ErrnoName(err);
  Napi::Error error = Napi::Error::New(
      env, std::string(syscall) + " failed: " + name + " (" + std::strerror(err) + ")");
  error.Set("code", Napi::String::New(env, name));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  throw error;
}

// Argument validation failure, raised before any syscall is made. It has a
// `code` of 'EINVAL' but deliberately no `errno`/`syscall`: the kernel was
// never asked.
template <typename ErrorT>
[[noreturn]] void ThrowInvalid(Napi::Env env, const std::string& message) {
  ErrorT error = ErrorT::New(env, message);
  error.Set("code", Napi::String::New(env, "EINVAL"));
  throw error;
}

// Registers the Landlock primitives (landlock.cc) on `exports`.
void InitLandlock(Napi::Env env, Napi::Object exports);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_NATIVE_COMMON_H_
