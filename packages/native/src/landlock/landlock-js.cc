// The Landlock exports: thin wrappers around one syscall each
// (landlockAbi, landlockCreateRuleset, landlockAddPathRule,
// landlockRestrictSelf, openPath), and the adapter of the all-threads
// enforcement (landlockRestrictThreads; the mechanism is threads.cc).
//
// Semantics: landlock(7), landlock_create_ruleset(2), landlock_add_rule(2),
// landlock_restrict_self(2) and the kernel's
// Documentation/userspace-api/landlock.rst. The UAPI structures are declared
// in linux/kernel-structs.h rather than taken from <linux/landlock.h>, whose
// installed copy may predate the ABI the running kernel offers.

#include <napi.h>

#include "../adapters.h"
#include "../linux/kernel-structs.h"  // LandlockRulesetAttrFs, LandlockPathBeneathAttr
#include "../napi-errors.h"           // ThrowErrno, ThrowInvalid, ThrowCode
#include "../syscall-fallbacks.h"     // SYS_landlock_*
#include "setxid.h"                   // kSigSetxid
#include "threads.h"

#include <fcntl.h>        // open, O_*
#include <sys/syscall.h>  // SYS_*
#include <unistd.h>       // syscall

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>

namespace seccomp_scopes {
namespace {

// ---------------------------------------------------------------- arguments

int64_t IntegerArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                   double min, double max) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsNumber()) {
    ThrowInvalid<Napi::TypeError>(env, std::string(fn) + ": " + name + " must be a number");
  }
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= min && v <= max) || v != static_cast<double>(static_cast<int64_t>(v))) {
    ThrowInvalid<Napi::RangeError>(env, std::string(fn) + ": " + name + " must be an integer in [" +
                                            std::to_string(static_cast<int64_t>(min)) + ", " +
                                            std::to_string(static_cast<int64_t>(max)) + "]");
  }
  return static_cast<int64_t>(v);
}

// ---------------------------------------------------------------- thin wrappers

// landlockAbi(): number
Napi::Value LandlockAbi(const Napi::CallbackInfo& info) {
  const long rc = syscall(SYS_landlock_create_ruleset, nullptr, 0, kLandlockCreateRulesetVersion);
  if (rc < 0) ThrowErrno(info.Env(), errno, "landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION)");
  return Napi::Number::New(info.Env(), static_cast<double>(rc));
}

// landlockCreateRuleset(handledAccessFs: number): number (fd, O_CLOEXEC)
Napi::Value LandlockCreateRuleset(const Napi::CallbackInfo& info) {
  const int64_t handled = IntegerArg(info, 0, "landlockCreateRuleset", "handledAccessFs", 1, 4294967295.0);
  LandlockRulesetAttrFs attr = {static_cast<uint64_t>(handled)};
  const long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0U);
  if (fd < 0) ThrowErrno(info.Env(), errno, "landlock_create_ruleset");
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

// landlockAddPathRule(rulesetFd: number, parentFd: number, allowedAccess: number): void
void LandlockAddPathRule(const Napi::CallbackInfo& info) {
  const int64_t ruleset = IntegerArg(info, 0, "landlockAddPathRule", "rulesetFd", 0, 2147483647.0);
  const int64_t parent = IntegerArg(info, 1, "landlockAddPathRule", "parentFd", 0, 2147483647.0);
  const int64_t allowed = IntegerArg(info, 2, "landlockAddPathRule", "allowedAccess", 1, 4294967295.0);
  LandlockPathBeneathAttr attr = {};
  attr.allowed_access = static_cast<uint64_t>(allowed);
  attr.parent_fd = static_cast<int32_t>(parent);
  if (syscall(SYS_landlock_add_rule, static_cast<int>(ruleset), kLandlockRulePathBeneath, &attr, 0U) != 0) {
    ThrowErrno(info.Env(), errno, "landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH)");
  }
}

// landlockRestrictSelf(rulesetFd: number, flags: number): void — calling thread only
// (every thread with LANDLOCK_RESTRICT_SELF_TSYNC on ABI >= 8).
void LandlockRestrictSelf(const Napi::CallbackInfo& info) {
  const int64_t ruleset = IntegerArg(info, 0, "landlockRestrictSelf", "rulesetFd", 0, 2147483647.0);
  const int64_t flags = IntegerArg(info, 1, "landlockRestrictSelf", "flags", 0, 4294967295.0);
  if (syscall(SYS_landlock_restrict_self, static_cast<int>(ruleset), static_cast<uint32_t>(flags)) != 0) {
    ThrowErrno(info.Env(), errno, "landlock_restrict_self");
  }
}

// openPath(path: string): number — open(path, O_PATH | O_CLOEXEC), following symlinks.
Napi::Value OpenPath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(env, "openPath: path must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) ThrowInvalid<Napi::TypeError>(env, "openPath: path must not contain NUL");
  const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "open(O_PATH)");
  return Napi::Number::New(env, fd);
}

// ---------------------------------------------------------------- every thread

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// landlockRestrictThreads(rulesetFd: number, timeoutMs: number, stopIfBlocked: boolean): Report
//
// RestrictThreads (threads.cc) does the work; this turns its failure into
// the error landlock.ts documents and its report into the Report object.
Napi::Value LandlockRestrictThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t ruleset = IntegerArg(info, 0, "landlockRestrictThreads", "rulesetFd", 0, 2147483647.0);
  const int64_t timeout_ms = IntegerArg(info, 1, "landlockRestrictThreads", "timeoutMs", 1, 600000.0);
  if (info.Length() < 3 || !info[2].IsBoolean()) {
    ThrowInvalid<Napi::TypeError>(env, "landlockRestrictThreads: stopIfBlocked must be a boolean");
  }
  const bool stop_if_blocked = info[2].As<Napi::Boolean>().Value();

  ThreadsReport r;
  const ThreadsFailure failure = RestrictThreads(static_cast<int>(ruleset), timeout_ms, stop_if_blocked, &r);
  switch (failure.kind) {
    case ThreadsFailure::kNone:
      break;
    case ThreadsFailure::kBusy:
      ThrowCode(env, "EBUSY", "landlockRestrictThreads: another call is in progress");
    case ThreadsFailure::kNoSignal:
      ThrowCode(env, "EAGAIN", "landlockRestrictThreads: every real-time signal from SIGRTMIN+6 has a handler; none is free");
    case ThreadsFailure::kErrno:
      ThrowErrno(env, failure.err, failure.syscall);
    case ThreadsFailure::kPartial: {
      Napi::Error error = Napi::Error::New(env, std::string("sigaction(") + std::to_string(failure.signal) + ") failed: " +
                                                    ErrnoName(failure.err) + "; only the calling thread was restricted");
      error.Set("code", Napi::String::New(env, ErrnoName(failure.err)));
      error.Set("errno", Napi::Number::New(env, failure.err));
      error.Set("syscall", Napi::String::New(env, failure.syscall));
      error.Set("partial", Napi::Boolean::New(env, true));
      throw error;
    }
  }

  Napi::Object report = Napi::Object::New(env);
  report.Set("signal", Napi::Number::New(env, r.signal));
  report.Set("setxidSignal", r.can_borrow ? Napi::Value(Napi::Number::New(env, kSigSetxid)) : env.Null());
  if (!r.can_borrow) report.Set("setxidUnavailable", Napi::String::New(env, r.setxid_unavailable));
  report.Set("setxidHandlerKept", Napi::Boolean::New(env, r.setxid_handler_kept));
  report.Set("setxidPassedOn", Napi::Number::New(env, r.setxid_passed_on));
  report.Set("self", Napi::Number::New(env, r.self));
  report.Set("aborted", Napi::Boolean::New(env, r.aborted));
  report.Set("rounds", Napi::Number::New(env, r.rounds));
  report.Set("incomplete", Napi::Boolean::New(env, r.incomplete));
  Napi::Array list = Napi::Array::New(env, r.threads.size());
  for (size_t i = 0; i < r.threads.size(); ++i) {
    const ThreadResult& t = r.threads[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("tid", Napi::Number::New(env, t.tid));
    o.Set("result", Napi::String::New(env, t.result));
    if (t.signal != 0) o.Set("signal", Napi::Number::New(env, t.signal));
    if (t.err != 0) {
      o.Set("errno", Napi::Number::New(env, t.err));
      o.Set("code", Napi::String::New(env, ErrnoName(t.err)));
    }
    if (t.has_sigblk) o.Set("sigblk", Napi::String::New(env, Hex64(t.sigblk)));
    list.Set(static_cast<uint32_t>(i), o);
  }
  report.Set("threads", list);
  return report;
}

}  // namespace

void InitLandlock(Napi::Env env, Napi::Object exports) {
  exports.Set("landlockAbi", Napi::Function::New(env, LandlockAbi, "landlockAbi"));
  exports.Set("landlockCreateRuleset", Napi::Function::New(env, LandlockCreateRuleset, "landlockCreateRuleset"));
  exports.Set("landlockAddPathRule", Napi::Function::New(env, LandlockAddPathRule, "landlockAddPathRule"));
  exports.Set("landlockRestrictSelf", Napi::Function::New(env, LandlockRestrictSelf, "landlockRestrictSelf"));
  exports.Set("landlockRestrictThreads", Napi::Function::New(env, LandlockRestrictThreads, "landlockRestrictThreads"));
  exports.Set("openPath", Napi::Function::New(env, OpenPath, "openPath"));
}

}  // namespace seccomp_scopes
