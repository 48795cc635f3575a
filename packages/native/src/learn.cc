// Learn mode's in-process half (`pledge learn`, issue 14): the constants of
// preload/protocol.h the facade needs, and the marker call itself.
//
// The marker is a real system call made here, in native code, so that the
// learner's seccomp user notification sees it in order with the process's
// other calls: getppid(LEARN_MARKER_A, LEARN_MARKER_B, record, length). The
// kernel ignores getppid's arguments; with no learner it returns the parent's
// pid, which is never LEARN_ACK (LEARN_ACK > PID_MAX_LIMIT).

#include <napi.h>

#include "adapters.h"
#include "napi-errors.h"        // ThrowInvalid
#include "preload/protocol.h"   // LEARN_*

#include <sys/syscall.h>  // SYS_getppid
#include <unistd.h>       // syscall

#include <cstdint>
#include <string>

namespace seccomp_scopes {
namespace {

// learnProtocol(): { markerA, markerB, ack, recordMax, env }
Napi::Value LearnProtocol(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("markerA", Napi::BigInt::New(env, static_cast<uint64_t>(LEARN_MARKER_A)));
  o.Set("markerB", Napi::BigInt::New(env, static_cast<uint64_t>(LEARN_MARKER_B)));
  o.Set("ack", Napi::Number::New(env, LEARN_ACK));
  o.Set("recordMax", Napi::Number::New(env, LEARN_RECORD_MAX));
  o.Set("env", Napi::String::New(env, LEARN_ENV));
  return o;
}

// learnMark(record: string): number
// getppid(LEARN_MARKER_A, LEARN_MARKER_B, record.data(), record.size()) with
// the record's UTF-8 bytes (at most LEARN_RECORD_MAX); returns the kernel's
// (or the learner's) answer. The bytes stay alive until the call returns, so
// the learner can read them while the call waits for its answer.
Napi::Value LearnMark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowInvalid<Napi::TypeError>(env, "learnMark(record): record must be a string");
  }
  const std::string record = info[0].As<Napi::String>().Utf8Value();
  if (record.size() > LEARN_RECORD_MAX) {
    ThrowInvalid<Napi::RangeError>(env, "learnMark(record): the record is " + std::to_string(record.size()) +
                                            " bytes of UTF-8; at most " + std::to_string(LEARN_RECORD_MAX) + " are allowed");
  }
  const long answer = syscall(SYS_getppid, static_cast<unsigned long long>(LEARN_MARKER_A),
                              static_cast<unsigned long long>(LEARN_MARKER_B), record.data(), record.size());
  return Napi::Number::New(env, static_cast<double>(answer));
}

}  // namespace

void InitLearn(Napi::Env env, Napi::Object exports) {
  exports.Set("learnProtocol", Napi::Function::New(env, LearnProtocol, "learnProtocol"));
  exports.Set("learnMark", Napi::Function::New(env, LearnMark, "learnMark"));
}

}  // namespace seccomp_scopes
