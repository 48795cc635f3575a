// The seccomp and process primitives: each export is a thin, explicit
// wrapper around one syscall (prctl no_new_privs and seccomp mode, the
// filter install, gettid, exit_group, the personality, a descriptor's type). Policy (which flags to pass, whether
// to set no_new_privs first, what the filter contains) belongs to the
// JavaScript callers. Semantics follow prctl(2), seccomp(2) and the kernel's
// Documentation/userspace-api/seccomp_filter.rst.

#include <napi.h>

#include "adapters.h"
#include "napi-errors.h"  // ThrowErrno, ThrowInvalid

#include <linux/filter.h>   // struct sock_filter, struct sock_fprog, BPF_MAXINSNS
#include <linux/seccomp.h>  // SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_*
#include <sys/personality.h>  // personality
#include <sys/prctl.h>      // prctl, PR_*
#include <sys/stat.h>       // fstat, S_IS*
#include <sys/syscall.h>    // SYS_seccomp, SYS_gettid
#include <unistd.h>         // syscall

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace seccomp_scopes {
namespace {

constexpr const char* kSeccompSyscall = "seccomp(SECCOMP_SET_MODE_FILTER)";

// setNoNewPrivs(): void
// prctl(PR_SET_NO_NEW_PRIVS, 1): irrevocable for this thread and its
// descendants; required before SECCOMP_SET_MODE_FILTER without CAP_SYS_ADMIN.
void SetNoNewPrivs(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ThrowErrno(info.Env(), errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
}

// getNoNewPrivs(): boolean
Napi::Value GetNoNewPrivs(const Napi::CallbackInfo& info) {
  const int rc = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (rc < 0) ThrowErrno(info.Env(), errno, "prctl(PR_GET_NO_NEW_PRIVS)");
  return Napi::Boolean::New(info.Env(), rc == 1);
}

// getSeccompMode(): number — SECCOMP_MODE_DISABLED (0) or
// SECCOMP_MODE_FILTER (2). (Under SECCOMP_MODE_STRICT the call would be fatal.)
Napi::Value GetSeccompMode(const Napi::CallbackInfo& info) {
  const int rc = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  if (rc < 0) ThrowErrno(info.Env(), errno, "prctl(PR_GET_SECCOMP)");
  return Napi::Number::New(info.Env(), rc);
}

// getPersonality(): number — the process' execution domain and flags, personality(0xffffffff) (which queries without
// changing anything; personality(2)): what pledge() reads to refuse READ_IMPLIES_EXEC, without /proc.
Napi::Value GetPersonality(const Napi::CallbackInfo& info) {
  const int rc = personality(0xffffffff);
  if (rc < 0) ThrowErrno(info.Env(), errno, "personality");
  return Napi::Number::New(info.Env(), static_cast<uint32_t>(rc));
}

// fdType(fd: number): string — the file type of an open descriptor, fstat(2)'s S_IFMT of st_mode: 'fifo', 'socket',
// 'file', 'chr', 'dir', 'blk', 'link' or 'other'. Throws the errno of fstat (EBADF for a closed descriptor).
Napi::Value FdType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowInvalid<Napi::TypeError>(env, "fdType: fd must be a number");
  const double fd = info[0].As<Napi::Number>().DoubleValue();
  if (!(fd >= 0 && fd <= 0x7fffffff) || fd != static_cast<double>(static_cast<int>(fd))) {
    ThrowInvalid<Napi::RangeError>(env, "fdType: fd must be a descriptor number");
  }
  struct stat st;
  if (fstat(static_cast<int>(fd), &st) != 0) ThrowErrno(env, errno, "fstat");
  const char* type = S_ISFIFO(st.st_mode) ? "fifo" : S_ISSOCK(st.st_mode) ? "socket" : S_ISREG(st.st_mode) ? "file"
                   : S_ISCHR(st.st_mode) ? "chr" : S_ISDIR(st.st_mode) ? "dir" : S_ISBLK(st.st_mode) ? "blk"
                   : S_ISLNK(st.st_mode) ? "link" : "other";
  return Napi::String::New(env, type);
}

// seccompActionAvail(action: number): boolean
// seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action): true when the kernel
// supports the filter return action, false on EOPNOTSUPP; any other errno
// (ENOSYS: no seccomp() at all; EINVAL: no such operation; EPERM/EACCES: a
// sandbox refusing seccomp itself) is thrown. Changes nothing.
Napi::Value SeccompActionAvail(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    ThrowInvalid<Napi::TypeError>(env, "seccompActionAvail(action): action must be a number");
  }
  uint32_t action = info[0].As<Napi::Number>().Uint32Value();
  if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0) return Napi::Boolean::New(env, true);
  if (errno == EOPNOTSUPP) return Napi::Boolean::New(env, false);
  ThrowErrno(env, errno, "seccomp(SECCOMP_GET_ACTION_AVAIL)");
  return env.Undefined();
}

// installFilter(program: Uint8Array, flags: number): void
//
// `program` is the raw array of struct sock_filter (8 bytes per instruction,
// native endian). Its bytes are copied into a properly aligned vector, so the
// view may start at any offset. no_new_privs is NOT set here.
void InstallFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();

  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalid<Napi::TypeError>(env, "installFilter: program must be a Buffer or Uint8Array");
  }
  if (info.Length() < 2 || !info[1].IsNumber()) {
    ThrowInvalid<Napi::TypeError>(env, "installFilter: flags must be a number");
  }

  auto bytes = info[0].As<Napi::Uint8Array>();
  const size_t size = bytes.ByteLength();
  const size_t insn = sizeof(struct sock_filter);  // 8
  if (size == 0 || size % insn != 0 || size / insn > BPF_MAXINSNS) {
    ThrowInvalid<Napi::RangeError>(
        env, "installFilter: program is " + std::to_string(size) +
                 " bytes; it must be a non-zero multiple of 8 bytes and at most " +
                 std::to_string(BPF_MAXINSNS) + " instructions");
  }

  const double flagsValue = info[1].As<Napi::Number>().DoubleValue();
  if (!(flagsValue >= 0 && flagsValue <= 0xffffffff) ||
      flagsValue != static_cast<double>(static_cast<uint32_t>(flagsValue))) {
    ThrowInvalid<Napi::RangeError>(env, "installFilter: flags must be an unsigned 32-bit integer");
  }
  const auto flags = static_cast<unsigned int>(flagsValue);
  // With NEW_LISTENER the kernel returns a notification fd, which this
  // primitive has no way to hand back (and would misreport as a TSYNC tid).
  if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    ThrowInvalid<Napi::RangeError>(
        env, "installFilter: SECCOMP_FILTER_FLAG_NEW_LISTENER is not supported");
  }

  std::vector<struct sock_filter> filter(size / insn);
  std::memcpy(filter.data(), bytes.Data(), size);
  struct sock_fprog prog = {};
  prog.len = static_cast<unsigned short>(filter.size());
  prog.filter = filter.data();

  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) ThrowErrno(env, errno, kSeccompSyscall);
  if (rc > 0) {
    // TSYNC (without TSYNC_ESRCH): rc is the id of a thread that could not be
    // synchronised (it has diverged seccomp state or no_new_privs). Nothing
    // was installed.
    Napi::Error error = Napi::Error::New(
        env, std::string(kSeccompSyscall) + " failed: thread " + std::to_string(rc) +
                 " could not be synchronized (SECCOMP_FILTER_FLAG_TSYNC)");
    error.Set("code", Napi::String::New(env, "TSYNC_FAILED"));
    error.Set("syscall", Napi::String::New(env, kSeccompSyscall));
    error.Set("tid", Napi::Number::New(env, static_cast<double>(rc)));
    throw error;
  }
}

// exitGroup(status): never returns — exit_group(2) at once: no atexit
// handlers, no destructors, no flush. For a process pledged without the
// calls a normal exit makes (pledge("")).
void ExitGroup(const Napi::CallbackInfo& info) {
  const int status = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  for (;;) syscall(SYS_exit_group, status);
}

// gettid(): number — kernel thread id of the calling thread (for tests).
Napi::Value GetTid(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(syscall(SYS_gettid)));
}

}  // namespace

void InitSeccomp(Napi::Env env, Napi::Object exports) {
  exports.Set("setNoNewPrivs", Napi::Function::New(env, SetNoNewPrivs, "setNoNewPrivs"));
  exports.Set("getNoNewPrivs", Napi::Function::New(env, GetNoNewPrivs, "getNoNewPrivs"));
  exports.Set("getSeccompMode", Napi::Function::New(env, GetSeccompMode, "getSeccompMode"));
  exports.Set("getPersonality", Napi::Function::New(env, GetPersonality, "getPersonality"));
  exports.Set("fdType", Napi::Function::New(env, FdType, "fdType"));
  exports.Set("seccompActionAvail", Napi::Function::New(env, SeccompActionAvail, "seccompActionAvail"));
  exports.Set("installFilter", Napi::Function::New(env, InstallFilter, "installFilter"));
  exports.Set("gettid", Napi::Function::New(env, GetTid, "gettid"));
  exports.Set("exitGroup", Napi::Function::New(env, ExitGroup, "exitGroup"));
}

}  // namespace seccomp_scopes
