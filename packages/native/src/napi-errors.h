// The error objects the N-API adapters throw to JavaScript (index.ts
// documents them as NativeError). Only adapters (the *-js.cc files and the
// thin wrappers) include this; the mechanisms beneath them are plain C++.
#ifndef SECCOMP_SCOPES_NATIVE_NAPI_ERRORS_H_
#define SECCOMP_SCOPES_NATIVE_NAPI_ERRORS_H_

#include <napi.h>

#include <cstring>
#include <string>

#include "linux/errno-name.h"

namespace seccomp_scopes {

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

// Throws Error(message) with only a `code` (EBUSY, EAGAIN, ENOTSUP, ...):
// a refusal of this addon's own, not a syscall's.
[[noreturn]] inline void ThrowCode(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_NATIVE_NAPI_ERRORS_H_
