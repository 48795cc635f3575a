// Helpers shared by the addon's translation units: errno naming and the
// error objects thrown to JavaScript.
#ifndef SECCOMP_SCOPES_NATIVE_COMMON_H_
#define SECCOMP_SCOPES_NATIVE_COMMON_H_

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

// Syscall numbers newer than some C libraries' headers (plain C, shared
// with the preload object and the conformance probes).
#include "syscall-fallbacks.h"

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
