// unveil()'s process-wide lock state: unveil() is per process, but every
// Worker has its own JS module state; the lock lives here so that all of
// them see it (unveilClaim, unveilRelease, unveilCommit, unveilState).

#include <napi.h>

#include "../adapters.h"
#include "../napi-errors.h"  // ThrowInvalid

#include <atomic>
#include <mutex>
#include <string>

namespace seccomp_scopes {
namespace {

// 0 open, 1 locking, 2 locked.
std::atomic<int> g_unveil_state{0};
std::mutex g_unveil_report_mutex;
std::string g_unveil_report;

// unveilClaim(): boolean — open → locking; false if not open.
Napi::Value UnveilClaim(const Napi::CallbackInfo& info) {
  int expected = 0;
  return Napi::Boolean::New(info.Env(), g_unveil_state.compare_exchange_strong(expected, 1));
}

// unveilRelease(): void — locking → open (a lock that changed nothing).
void UnveilRelease(const Napi::CallbackInfo& /*info*/) {
  int expected = 1;
  g_unveil_state.compare_exchange_strong(expected, 0);
}

// unveilCommit(report: string): void — → locked, keeping the report (JSON) for every realm.
void UnveilCommit(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(info.Env(), "unveilCommit: report must be a string");
  {
    std::lock_guard<std::mutex> lock(g_unveil_report_mutex);
    g_unveil_report = info[0].As<Napi::String>().Utf8Value();
  }
  g_unveil_state.store(2);
}

// unveilState(): { state: 'open' | 'locking' | 'locked', report?: string }
Napi::Value UnveilState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  const int state = g_unveil_state.load();
  out.Set("state", Napi::String::New(env, state == 0 ? "open" : state == 1 ? "locking" : "locked"));
  if (state == 2) {
    std::lock_guard<std::mutex> lock(g_unveil_report_mutex);
    out.Set("report", Napi::String::New(env, g_unveil_report));
  }
  return out;
}

}  // namespace

void InitUnveilState(Napi::Env env, Napi::Object exports) {
  exports.Set("unveilClaim", Napi::Function::New(env, UnveilClaim, "unveilClaim"));
  exports.Set("unveilRelease", Napi::Function::New(env, UnveilRelease, "unveilRelease"));
  exports.Set("unveilCommit", Napi::Function::New(env, UnveilCommit, "unveilCommit"));
  exports.Set("unveilState", Napi::Function::New(env, UnveilState, "unveilState"));
}

}  // namespace seccomp_scopes
