// The seccomp and process primitives: each export is a thin, explicit
// wrapper around one syscall (prctl no_new_privs and seccomp mode, the
// filter install, gettid, exit_group, the personality, a descriptor's type),
// but pledgeInstall and processFacts, which make a fixed sequence of them in
// one call (a fresh process pays for every first call into the addon). Policy
// (which flags to pass, what the filter contains) belongs to the
// JavaScript callers. Semantics follow prctl(2), seccomp(2) and the kernel's
// Documentation/userspace-api/seccomp_filter.rst.

#include <napi.h>

#include "adapters.h"
#include "napi-errors.h"  // ThrowErrno, ThrowInvalid, ThrowCode
#include "report/sigsys-handler.h"  // RollbackReporter (pledgeInstall)
#include "ring-replay.h"  // ScanStillShows (pledgeInstall)

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

const char* TypeName(mode_t mode) {
  return S_ISFIFO(mode) ? "fifo" : S_ISSOCK(mode) ? "socket" : S_ISREG(mode) ? "file" : S_ISCHR(mode) ? "chr"
       : S_ISDIR(mode) ? "dir" : S_ISBLK(mode) ? "blk" : S_ISLNK(mode) ? "link" : "other";
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
  return Napi::String::New(env, TypeName(st.st_mode));
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

// The filter's program and flags, checked as installFilter takes them; throws EINVAL (TypeError, RangeError).
struct FilterArgs {
  std::vector<struct sock_filter> filter;
  unsigned int flags = 0;
};

FilterArgs CheckFilterArgs(Napi::Env env, Napi::Value program, Napi::Value flagsArg) {
  if (!program.IsTypedArray() || program.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalid<Napi::TypeError>(env, "installFilter: program must be a Buffer or Uint8Array");
  }
  if (!flagsArg.IsNumber()) {
    ThrowInvalid<Napi::TypeError>(env, "installFilter: flags must be a number");
  }

  auto bytes = program.As<Napi::Uint8Array>();
  const size_t size = bytes.ByteLength();
  const size_t insn = sizeof(struct sock_filter);  // 8
  if (size == 0 || size % insn != 0 || size / insn > BPF_MAXINSNS) {
    ThrowInvalid<Napi::RangeError>(
        env, "installFilter: program is " + std::to_string(size) +
                 " bytes; it must be a non-zero multiple of 8 bytes and at most " +
                 std::to_string(BPF_MAXINSNS) + " instructions");
  }

  const double flagsValue = flagsArg.As<Napi::Number>().DoubleValue();
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

  FilterArgs out;
  out.filter.resize(size / insn);
  std::memcpy(out.filter.data(), bytes.Data(), size);
  out.flags = flags;
  return out;
}

// seccomp(SECCOMP_SET_MODE_FILTER) of checked arguments; throws the errno, or TSYNC_FAILED with the thread's id.
void SetModeFilter(Napi::Env env, FilterArgs& args) {
  struct sock_fprog prog = {};
  prog.len = static_cast<unsigned short>(args.filter.size());
  prog.filter = args.filter.data();

  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, args.flags, &prog);
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

// installFilter(program: Uint8Array, flags: number): void
//
// `program` is the raw array of struct sock_filter (8 bytes per instruction,
// native endian). Its bytes are copied into a properly aligned vector, so the
// view may start at any offset. no_new_privs is NOT set here.
void InstallFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FilterArgs args = CheckFilterArgs(env, info[0], info.Length() < 2 ? env.Undefined() : info[1]);
  SetModeFilter(env, args);
}

// pledgeInstall's `expect`, checked (TypeError EINVAL otherwise): the rings (descriptor, inode when given) and the
// eventfds a plan was made from.
void ExpectedOf(Napi::Env env, Napi::Value v, std::vector<ExpectedRing>* rings, std::vector<int>* eventfds) {
  const char* usage = "pledgeInstall: expect must be { rings: [{ fd, ino? }], eventFds: [fd] } of descriptor numbers";
  auto fd_of = [&](Napi::Value x) {
    const double d = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 0x7fffffff) || d != static_cast<double>(static_cast<int>(d))) ThrowInvalid<Napi::TypeError>(env, usage);
    return static_cast<int>(d);
  };
  if (!v.IsObject()) ThrowInvalid<Napi::TypeError>(env, usage);
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value r = o.Get("rings"), e = o.Get("eventFds");
  if (!r.IsArray() || !e.IsArray()) ThrowInvalid<Napi::TypeError>(env, usage);
  Napi::Array ra = r.As<Napi::Array>(), ea = e.As<Napi::Array>();
  for (uint32_t i = 0; i < ra.Length(); i++) {
    Napi::Value x = ra.Get(i);
    if (!x.IsObject()) ThrowInvalid<Napi::TypeError>(env, usage);
    ExpectedRing ring;
    ring.fd = fd_of(x.As<Napi::Object>().Get("fd"));
    Napi::Value ino = x.As<Napi::Object>().Get("ino");
    if (!ino.IsUndefined()) {
      if (!ino.IsNumber()) ThrowInvalid<Napi::TypeError>(env, usage);
      ring.has_ino = true;
      ring.ino = ino.As<Napi::Number>().DoubleValue();
    }
    rings->push_back(ring);
  }
  for (uint32_t i = 0; i < ea.Length(); i++) eventfds->push_back(fd_of(ea.Get(i)));
}

// pledgeInstall(program, flags, tables?, reporterOptions?, expect?): void — pledge()'s last step in one call, in this
// order: the SIGSYS reporter (installReporter(tables, reporterOptions), when tables is not undefined), with `expect`
// a last look at /proc/self (ScanStillShows: the rings and eventfds the plan was made from, no submission-polling
// thread; otherwise ECHANGED, the reporter rolled back, nothing else done), no_new_privs
// (prctl(PR_SET_NO_NEW_PRIVS) unless already set), the filter (installFilter(program, flags)). The arguments are all
// checked first: a bad program or flags (EINVAL) changes nothing. When no_new_privs or the filter fails, the
// reporter this call installed is rolled back (the handler and tables in force before it) and the error thrown (as
// setNoNewPrivs or installFilter throw it: code, errno, syscall, tid) carries `noNewPrivsSet`: whether no_new_privs
// is set now and was not before this call (it cannot be cleared); so does the EINVAL of a bad program (false). A
// failing installReporter, or a failing rollback, throws its own error (no `noNewPrivsSet`), as installReporter and
// rollbackReporter do. Sources: prctl(2), seccomp(2).
void PledgeInstall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FilterArgs args;
  try {
    args = CheckFilterArgs(env, info.Length() < 1 ? env.Undefined() : info[0], info.Length() < 2 ? env.Undefined() : info[1]);
  } catch (Napi::Error& e) {
    e.Set("noNewPrivsSet", Napi::Boolean::New(env, false));  // nothing done
    throw;
  }
  const bool reporter = info.Length() >= 3 && !info[2].IsUndefined();
  // expect: { rings: [{ fd, ino? }], eventFds: [fd] }, what the plan was made from, looked at again just before the
  // filter (ring-replay.h ScanStillShows).
  const bool expecting = info.Length() >= 5 && !info[4].IsUndefined();
  std::vector<ExpectedRing> rings;
  std::vector<int> eventfds;
  if (expecting) {
    try {
      ExpectedOf(env, info[4], &rings, &eventfds);
    } catch (Napi::Error& e) {
      e.Set("noNewPrivsSet", Napi::Boolean::New(env, false));  // nothing done
      throw;
    }
  }
  const int had = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (had < 0) ThrowErrno(env, errno, "prctl(PR_GET_NO_NEW_PRIVS)");
  if (reporter) InstallReporterFrom(env, info[2], info.Length() < 4 ? env.Undefined() : info[3]);
  try {
    std::string why;
    if (expecting && !ScanStillShows(rings, eventfds, &why)) {
      ThrowCode(env, "ECHANGED", "pledgeInstall: the process' io_uring instances or eventfds changed while pledge() ran: " + why);
    }
    if (had != 1 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ThrowErrno(env, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    SetModeFilter(env, args);
  } catch (Napi::Error& e) {
    // Nothing installed: the reporter back as it was (its own failure thrown instead, as rollbackReporter throws
    // it); say whether this call left no_new_privs set.
    if (reporter) {
      if (const int err = RollbackReporter()) ThrowErrno(env, err, "sigaction(SIGSYS)");
    }
    e.Set("noNewPrivsSet", Napi::Boolean::New(env, had != 1 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1));
    throw;
  }
}

// processFacts(): { seccompMode, personality?, fd1?, fd2? } — what pledge() reads of the process before its first
// filter, in one call: prctl(PR_GET_SECCOMP) (as getSeccompMode, which every promise set allows), and only when that
// is 0 (no filter, which might refuse them), personality(0xffffffff) (as getPersonality; -1 when it fails) and the
// file types of descriptors 1 and 2 (as fdType; null when fstat fails: closed). Changes nothing.
Napi::Value ProcessFacts(const Napi::CallbackInfo& info) {
  return ProcessFactsObject(info.Env());
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

// processFacts()'s object (also firstCallLookup's `facts`: first-call.cc).
Napi::Object ProcessFactsObject(Napi::Env env) {
  const int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  if (mode < 0) ThrowErrno(env, errno, "prctl(PR_GET_SECCOMP)");
  Napi::Object o = Napi::Object::New(env);
  o.Set("seccompMode", Napi::Number::New(env, mode));
  if (mode != 0) return o;
  const int persona = personality(0xffffffff);
  o.Set("personality", Napi::Number::New(env, persona < 0 ? -1.0 : static_cast<double>(static_cast<uint32_t>(persona))));
  for (int fd = 1; fd <= 2; fd++) {
    struct stat st;
    o.Set(fd == 1 ? "fd1" : "fd2", fstat(fd, &st) != 0 ? env.Null() : Napi::Value(Napi::String::New(env, TypeName(st.st_mode))));
  }
  return o;
}

void InitSeccomp(Napi::Env env, Napi::Object exports) {
  exports.Set("setNoNewPrivs", Napi::Function::New(env, SetNoNewPrivs, "setNoNewPrivs"));
  exports.Set("getNoNewPrivs", Napi::Function::New(env, GetNoNewPrivs, "getNoNewPrivs"));
  exports.Set("getSeccompMode", Napi::Function::New(env, GetSeccompMode, "getSeccompMode"));
  exports.Set("getPersonality", Napi::Function::New(env, GetPersonality, "getPersonality"));
  exports.Set("fdType", Napi::Function::New(env, FdType, "fdType"));
  exports.Set("seccompActionAvail", Napi::Function::New(env, SeccompActionAvail, "seccompActionAvail"));
  exports.Set("installFilter", Napi::Function::New(env, InstallFilter, "installFilter"));
  exports.Set("pledgeInstall", Napi::Function::New(env, PledgeInstall, "pledgeInstall"));
  exports.Set("processFacts", Napi::Function::New(env, ProcessFacts, "processFacts"));
  exports.Set("gettid", Napi::Function::New(env, GetTid, "gettid"));
  exports.Set("exitGroup", Napi::Function::New(env, ExitGroup, "exitGroup"));
}

}  // namespace seccomp_scopes
