// Process-wide state for the facade: what pledge() and unveil() have done,
// seen alike from every JavaScript realm (the main thread and each Worker
// load their own copy of the JS modules, but this shared object once).
//
// - A process lock, held by one thread at a time around a whole pledge() or
//   unveil() call, so that two realms cannot both plan from the same state.
//   A lock whose owner thread has ended (a Worker terminated mid-call) is
//   taken over: tgkill(pid, owner, 0) answers ESRCH.
// - Named string slots (JSON written by the facade), read and replaced under
//   a short internal mutex.

#include <napi.h>

#include "adapters.h"
#include "linux/clock.h"        // MonotonicMs
#include "linux/raw-syscall.h"  // RawSyscall
#include "napi-errors.h"        // ThrowCode, ThrowInvalid

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <string>

namespace {

using seccomp_scopes::MonotonicMs;
using seccomp_scopes::RawSyscall;
using seccomp_scopes::ThrowCode;
using seccomp_scopes::ThrowInvalid;

std::atomic<long> g_owner{0};  // tid holding the process lock, 0 when free
std::mutex g_slots_mutex;
std::map<std::string, std::string>* g_slots = new std::map<std::string, std::string>();  // never freed: outlives every realm

long Tid() { return RawSyscall(SYS_gettid); }

bool Alive(long tid) { return RawSyscall(SYS_tgkill, RawSyscall(SYS_getpid), tid, 0) != -ESRCH; }

// processLock(timeoutMs): void — waits up to timeoutMs for the lock.
void ProcessLockJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowInvalid<Napi::TypeError>(env, "processLock: timeoutMs must be a number");
  const double timeout_ms = info[0].As<Napi::Number>().DoubleValue();
  const long me = Tid();
  const double start = MonotonicMs();
  for (;;) {
    long owner = 0;
    if (g_owner.compare_exchange_strong(owner, me)) return;
    if (owner == me) ThrowCode(env, "EDEADLK", "processLock: this thread already holds the pledge/unveil lock (a call from inside pledge() or unveil()?)");
    if (!Alive(owner) && g_owner.compare_exchange_strong(owner, me)) return;  // its thread ended mid-call
    const double waited = MonotonicMs() - start;
    if (waited >= timeout_ms) {
      ThrowCode(env, "EBUSY", "processLock: thread " + std::to_string(owner) + " has been inside pledge() or unveil() for " +
                                  std::to_string(static_cast<long>(waited)) + " ms");
    }
    struct timespec pause = {0, 200 * 1000};
    nanosleep(&pause, nullptr);
  }
}

// processUnlock(): void — only the holder may release.
void ProcessUnlockJs(const Napi::CallbackInfo& info) {
  long me = Tid();
  if (!g_owner.compare_exchange_strong(me, 0)) ThrowCode(info.Env(), "EPERM", "processUnlock: this thread does not hold the lock");
}

// sharedGet(key): string | undefined
Napi::Value SharedGetJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(env, "sharedGet: key must be a string");
  const std::string key = info[0].As<Napi::String>().Utf8Value();
  std::lock_guard<std::mutex> guard(g_slots_mutex);
  auto it = g_slots->find(key);
  if (it == g_slots->end()) return env.Undefined();
  return Napi::String::New(env, it->second);
}

// sharedSet(key, value | undefined): void
void SharedSetJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(env, "sharedSet: key must be a string");
  const std::string key = info[0].As<Napi::String>().Utf8Value();
  const bool erase = info.Length() < 2 || info[1].IsUndefined();
  if (!erase && !info[1].IsString()) ThrowInvalid<Napi::TypeError>(env, "sharedSet: value must be a string or undefined");
  const std::string value = erase ? std::string() : info[1].As<Napi::String>().Utf8Value();
  std::lock_guard<std::mutex> guard(g_slots_mutex);
  if (erase) g_slots->erase(key); else (*g_slots)[key] = value;
}

}  // namespace

namespace seccomp_scopes {

void InitProcessState(Napi::Env env, Napi::Object exports) {
  exports.Set("processLock", Napi::Function::New(env, ProcessLockJs, "processLock"));
  exports.Set("processUnlock", Napi::Function::New(env, ProcessUnlockJs, "processUnlock"));
  exports.Set("sharedGet", Napi::Function::New(env, SharedGetJs, "sharedGet"));
  exports.Set("sharedSet", Napi::Function::New(env, SharedSetJs, "sharedSet"));
}

}  // namespace seccomp_scopes
