// The supervisor's N-API adapter: supervise() (its options in, its
// callbacks as the supervisor's client, its result out) and
// preloadProtocol(). The only file of supervise/ that builds or reads
// JavaScript values; the supervisor (supervisor.cc) is plain C++.

#include <napi.h>

#include "../adapters.h"
#include "../napi-errors.h"        // ThrowErrno, ThrowInvalid
#include "../preload/protocol.h"   // PLEDGE_*
#include "supervisor.h"

#include <linux/filter.h>  // BPF_MAXINSNS
#include <sys/wait.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace seccomp_scopes {
namespace {

// The JavaScript callbacks of supervise().
struct Callbacks {
  Napi::Function on_filter, on_notify, on_event;
};

// The largest syscall number the loader window's table may name.
constexpr uint32_t kMaxWindowNr = 4096;

// Reads options.loaderWindow (supervise.ts: LoaderWindowEntry[]) into
// the window's per-number table.
void ParseLoaderWindow(Napi::Env env, Napi::Array entries, LoaderWindow* window) {
  auto bad = [&](const std::string& what) {
    ThrowInvalid<Napi::TypeError>(env, "supervise: options.loaderWindow: " + what);
  };
  auto u64 = [&](Napi::Value v, const char* what) {
    if (!v.IsBigInt()) bad(std::string(what) + " must be a bigint");
    bool lossless = false;
    const uint64_t out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) bad(std::string(what) + " must fit in 64 bits");
    return out;
  };
  for (uint32_t i = 0; i < entries.Length(); i++) {
    Napi::Value e = entries.Get(i);
    if (!e.IsObject()) bad("each entry must be an object");
    Napi::Object entry = e.As<Napi::Object>();
    Napi::Value nr = entry.Get("nr"), answer = entry.Get("answer"), when = entry.Get("when");
    if (!nr.IsNumber() || nr.As<Napi::Number>().Int64Value() < 0 || nr.As<Napi::Number>().Int64Value() >= kMaxWindowNr) bad("nr must be a syscall number");
    if (!answer.IsNumber()) bad("answer must be a number");
    const int32_t a = answer.As<Napi::Number>().Int32Value();
    if (a < static_cast<int32_t>(WindowAction::kContinue) || a > static_cast<int32_t>(WindowAction::kMapLoaderFile)) bad("answer must be 1, 2 or 3");
    if (!when.IsArray()) bad("when must be an array");
    WindowRule rule;
    rule.action = static_cast<WindowAction>(a);
    auto conditions = when.As<Napi::Array>();
    for (uint32_t j = 0; j < conditions.Length(); j++) {
      Napi::Value cv = conditions.Get(j);
      if (!cv.IsObject()) bad("each condition must be an object");
      Napi::Object c = cv.As<Napi::Object>();
      Napi::Value arg = c.Get("arg"), values = c.Get("values");
      if (!arg.IsNumber() || arg.As<Napi::Number>().Int32Value() < 0 || arg.As<Napi::Number>().Int32Value() > 5) bad("arg must be 0 to 5");
      if (!values.IsArray()) bad("values must be an array");
      WindowCondition cond;
      cond.arg = arg.As<Napi::Number>().Int32Value();
      cond.mask = u64(c.Get("mask"), "mask");
      cond.negate = c.Get("negate").ToBoolean().Value();
      auto vs = values.As<Napi::Array>();
      for (uint32_t k = 0; k < vs.Length(); k++) cond.values.push_back(u64(vs.Get(k), "each value"));
      rule.when.push_back(std::move(cond));
    }
    const size_t n = static_cast<size_t>(nr.As<Napi::Number>().Int64Value());
    if (window->rules.size() <= n) window->rules.resize(n + 1);
    window->rules[n].push_back(std::move(rule));
  }
}

// Reads supervise()'s options (supervise.ts: SuperviseOptions) into the
// configuration and the callbacks; throws before anything happens.
void Parse(Napi::Env env, Napi::Object options, SuperviseConfig* config, Callbacks* callbacks) {
  auto str = [&](const char* key) {
    Napi::Value v = options.Get(key);
    if (!v.IsString()) ThrowInvalid<Napi::TypeError>(env, std::string("supervise: options.") + key + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  };
  auto strings = [&](const char* key) {
    Napi::Value v = options.Get(key);
    if (!v.IsArray()) ThrowInvalid<Napi::TypeError>(env, std::string("supervise: options.") + key + " must be an array of strings");
    auto arr = v.As<Napi::Array>();
    std::vector<std::string> out;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value e = arr.Get(i);
      if (!e.IsString()) ThrowInvalid<Napi::TypeError>(env, std::string("supervise: options.") + key + " must be an array of strings");
      std::string s = e.As<Napi::String>().Utf8Value();
      if (s.find('\0') != std::string::npos) ThrowInvalid<Napi::TypeError>(env, std::string("supervise: options.") + key + " contains a NUL byte");
      out.push_back(std::move(s));
    }
    return out;
  };
  auto fn = [&](const char* key, bool required) {
    Napi::Value v = options.Get(key);
    if (!v.IsFunction()) {
      if (required || !v.IsUndefined()) ThrowInvalid<Napi::TypeError>(env, std::string("supervise: options.") + key + " must be a function");
      return Napi::Function();
    }
    return v.As<Napi::Function>();
  };
  auto num = [&](const char* key, double def) {
    Napi::Value v = options.Get(key);
    if (v.IsUndefined()) return def;
    if (!v.IsNumber()) ThrowInvalid<Napi::TypeError>(env, std::string("supervise: options.") + key + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  };
  config->file = str("file");
  config->argv = strings("argv");
  config->envp = strings("envp");
  if (config->argv.empty()) ThrowInvalid<Napi::RangeError>(env, "supervise: options.argv must not be empty");
  callbacks->on_filter = fn("onFilter", true);
  callbacks->on_notify = fn("onNotify", true);
  callbacks->on_event = fn("onEvent", false);
  config->ruleset_fd = static_cast<int>(num("rulesetFd", -1));
  config->keep_fd = static_cast<int>(num("keepFd", -1));
  Napi::Value self_rules = options.Get("selfRules");
  if (self_rules.IsArray()) {
    auto arr = self_rules.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value e = arr.Get(i);
      if (!e.IsObject()) ThrowInvalid<Napi::TypeError>(env, "supervise: options.selfRules: each entry must be { path, mask }");
      Napi::Value path = e.As<Napi::Object>().Get("path"), mask = e.As<Napi::Object>().Get("mask");
      if (!path.IsString() || !mask.IsNumber()) ThrowInvalid<Napi::TypeError>(env, "supervise: options.selfRules: each entry must be { path: string, mask: number }");
      const std::string p = path.As<Napi::String>().Utf8Value();
      if (p.find('\0') != std::string::npos) ThrowInvalid<Napi::TypeError>(env, "supervise: options.selfRules: a path contains a NUL byte");
      config->self_rules.push_back({p, static_cast<uint64_t>(mask.As<Napi::Number>().Int64Value())});
    }
  } else if (!self_rules.IsUndefined()) {
    ThrowInvalid<Napi::TypeError>(env, "supervise: options.selfRules must be an array");
  }
  config->loader = options.Get("loader").ToBoolean().Value();
  config->loader_timeout_ms = num("loaderTimeoutMs", 10000);
  Napi::Value identity = options.Get("programIdentity");
  if (identity.IsObject()) {
    Napi::Value dev = identity.As<Napi::Object>().Get("dev"), ino = identity.As<Napi::Object>().Get("ino");
    bool dev_ok = false, ino_ok = false;
    if (dev.IsBigInt()) config->program_dev = dev.As<Napi::BigInt>().Uint64Value(&dev_ok);
    if (ino.IsBigInt()) config->program_ino = ino.As<Napi::BigInt>().Uint64Value(&ino_ok);
    if (!dev_ok || !ino_ok) ThrowInvalid<Napi::TypeError>(env, "supervise: options.programIdentity must be { dev: bigint, ino: bigint } (64 bits each)");
    config->has_program_identity = true;
  } else if (!identity.IsUndefined()) {
    ThrowInvalid<Napi::TypeError>(env, "supervise: options.programIdentity must be { dev: bigint, ino: bigint }");
  }
  if (!options.Get("loaderPaths").IsUndefined()) config->window.paths = strings("loaderPaths");
  Napi::Value window = options.Get("loaderWindow");
  if (window.IsArray()) {
    ParseLoaderWindow(env, window.As<Napi::Array>(), &config->window);
  } else if (!window.IsUndefined()) {
    ThrowInvalid<Napi::TypeError>(env, "supervise: options.loaderWindow must be an array of entries");
  }
  Napi::Value pa = options.Get("pathArgs");
  if (pa.IsTypedArray() && pa.As<Napi::TypedArray>().TypedArrayType() == napi_int8_array) {
    auto arr = pa.As<Napi::Int8Array>();
    config->path_args.assign(arr.Data(), arr.Data() + arr.ElementLength());
  }
  config->learn = options.Get("learn").ToBoolean().Value();
  Napi::Value keys = options.Get("learnKeys");
  if (keys.IsTypedArray() && keys.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto arr = keys.As<Napi::Uint8Array>();
    config->learn_keys.assign(arr.Data(), arr.Data() + arr.ElementLength());
  } else if (!keys.IsUndefined()) {
    ThrowInvalid<Napi::TypeError>(env, "supervise: options.learnKeys must be a Uint8Array");
  }
  Napi::Value inherit = options.Get("inheritFds");
  if (inherit.IsArray()) {
    auto arr = inherit.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value e = arr.Get(i);
      if (!e.IsNumber() || e.As<Napi::Number>().Int32Value() < 3) ThrowInvalid<Napi::TypeError>(env, "supervise: options.inheritFds must be descriptors from 3 up");
      config->inherit_fds.push_back(e.As<Napi::Number>().Int32Value());
    }
  } else if (!inherit.IsUndefined()) {
    ThrowInvalid<Napi::TypeError>(env, "supervise: options.inheritFds must be an array");
  }
  Napi::Value sigs = options.Get("signals");
  if (sigs.IsArray()) {
    auto arr = sigs.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) config->signals.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  }
}

// The supervisor's client: each call is a synchronous call into JavaScript
// on this thread; a JavaScript exception propagates through the supervisor
// (which kills and reaps the child) out of supervise().
class JsClient : public SupervisorClient {
 public:
  // Made in supervise()'s own scope, so the property names stay valid
  // across the per-call scopes: a name given as a C string would be
  // converted and looked up again on every Set.
  JsClient(Napi::Env env, const Callbacks& callbacks) : env_(env), callbacks_(callbacks) {
    for (const char* name : kKeyNames) keys_.push_back(Napi::String::New(env, name));
  }

  std::vector<uint8_t> Filter(pid_t pid) override {
    Napi::HandleScope scope(env_);
    Napi::Value bytes = callbacks_.on_filter.Call({Napi::Number::New(env_, pid)});
    if (!bytes.IsTypedArray() || bytes.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowInvalid<Napi::TypeError>(env_, "supervise: onFilter must return a Uint8Array");
    }
    auto program = bytes.As<Napi::Uint8Array>();
    const size_t size = program.ByteLength();
    if (size == 0 || size % 8 != 0 || size / 8 > BPF_MAXINSNS) {
      ThrowInvalid<Napi::RangeError>(env_, "supervise: the filter must be a non-zero multiple of 8 bytes, at most 4096 instructions");
    }
    return std::vector<uint8_t>(program.Data(), program.Data() + size);
  }

  Verdict Decide(const SupervisedCall& c) override {
    // supervise() runs the whole supervision in one native call: without a
    // scope per call, every call's values would live until it returns.
    Napi::HandleScope scope(env_);
    Napi::Object n = Napi::Object::New(env_);
    n.Set(keys_[kPid], Napi::Number::New(env_, c.pid));
    n.Set(keys_[kTid], Napi::Number::New(env_, c.tid));
    n.Set(keys_[kNr], Napi::Number::New(env_, c.nr));
    n.Set(keys_[kArch], Napi::Number::New(env_, c.arch));
    Napi::Array args = Napi::Array::New(env_, 6);
    for (uint32_t i = 0; i < 6; i++) args.Set(i, Napi::BigInt::New(env_, c.args[i]));
    n.Set(keys_[kArgs], args);
    n.Set(keys_[kIp], Napi::BigInt::New(env_, c.ip));
    if (c.has_path) n.Set(keys_[kPath], Napi::String::New(env_, c.path));
    if (!c.comm.empty()) n.Set(keys_[kComm], Napi::String::New(env_, c.comm));
    if (c.process != 0) n.Set(keys_[kProcess], Napi::Number::New(env_, c.process));
    if (c.start_time != 0) n.Set(keys_[kStartTime], Napi::Number::New(env_, static_cast<double>(c.start_time)));
    n.Set(keys_[kPhase], Napi::String::New(env_, PhaseName(c.phase)));
    n.Set(keys_[kMain], Napi::Boolean::New(env_, c.main));
    n.Set(keys_[kForeign], Napi::Boolean::New(env_, c.foreign));
    if (c.has_record) n.Set(keys_[kRecord], Napi::String::New(env_, c.record));
    Napi::Value verdict = callbacks_.on_notify.Call({n});
    Verdict out;
    out.value = -1;
    if (verdict.IsNumber()) {
      out.value = verdict.As<Napi::Number>().DoubleValue();
    } else if (verdict.IsObject() && verdict.As<Napi::Object>().Get("openPaths").IsArray()) {
      // { openPaths }: the supervisor performs the open itself over these paths.
      auto arr = verdict.As<Napi::Object>().Get("openPaths").As<Napi::Array>();
      out.emulate_open = true;
      out.value = 0;
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value e = arr.Get(i);
        if (!e.IsString()) ThrowInvalid<Napi::TypeError>(env_, "supervise: onNotify's openPaths must be strings");
        out.open_paths.push_back(e.As<Napi::String>().Utf8Value());
      }
      Napi::Value dir_file = verdict.As<Napi::Object>().Get("directoryFile");
      if (dir_file.IsString()) out.directory_file = dir_file.As<Napi::String>().Utf8Value();
      else if (!dir_file.IsUndefined()) ThrowInvalid<Napi::TypeError>(env_, "supervise: onNotify's directoryFile must be a string");
    }
    return out;
  }

  void Event(const SupervisorEvent& e) override {
    if (callbacks_.on_event.IsEmpty()) return;
    Napi::HandleScope scope(env_);
    Napi::Object o = Napi::Object::New(env_);
    if (e.kind == SupervisorEvent::kLoaderTimeout) o.Set("timeoutMs", Napi::Number::New(env_, e.timeout_ms));
    if (e.kind == SupervisorEvent::kProcessExit) {
      o.Set("pid", Napi::Number::New(env_, e.pid));
      o.Set("process", Napi::Number::New(env_, e.process));
    }
    o.Set("event", Napi::String::New(env_, EventName(e.kind)));
    callbacks_.on_event.Call({o});
  }

 private:
  enum KeyIndex { kPid, kTid, kNr, kArch, kArgs, kIp, kPath, kComm, kProcess, kStartTime, kPhase, kMain, kForeign, kRecord };
  static constexpr const char* kKeyNames[] = {"pid", "tid", "nr", "arch", "args", "ip", "path", "comm", "process", "startTime", "phase", "main", "foreign", "record"};

  Napi::Env env_;
  const Callbacks& callbacks_;
  std::vector<Napi::String> keys_;
};

// supervise(options): { pid, status, signal, execErrno, violationKill, violations, loaderEnd, unveilError? }
Napi::Value SuperviseJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) ThrowInvalid<Napi::TypeError>(env, "supervise: options must be an object");
  SuperviseConfig config;
  Callbacks callbacks;
  Parse(env, info[0].As<Napi::Object>(), &config, &callbacks);
  JsClient client(env, callbacks);
  SuperviseOutcome out;
  try {
    out = Supervise(config, &client);
  } catch (const SuperviseError& e) {
    ThrowErrno(env, e.err(), e.syscall());
  }

  const int ws = out.wait_status;
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, out.pid));
  if (WIFEXITED(ws)) {
    result.Set("status", Napi::Number::New(env, WEXITSTATUS(ws)));
    result.Set("signal", env.Null());
  } else {
    result.Set("status", env.Null());
    result.Set("signal", Napi::Number::New(env, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0));
  }
  result.Set("execErrno", out.exec_errno ? Napi::Value(Napi::Number::New(env, out.exec_errno)) : env.Null());
  if (out.exec_errno) {
    result.Set("execCode", Napi::String::New(env, ErrnoName(out.exec_errno)));
    result.Set("execMessage", Napi::String::New(env, std::strerror(out.exec_errno)));
  }
  result.Set("violationKill", Napi::Boolean::New(env, out.violation_kill));
  result.Set("violations", Napi::Number::New(env, out.violations));
  result.Set("loaderEnd", Napi::String::New(env, out.loader_end));
  if (!out.unveil_error.empty()) result.Set("unveilError", Napi::String::New(env, out.unveil_error));
  return result;
}

// preloadProtocol(): the constants of preload/protocol.h the TypeScript side
// needs (the marker the supervised filter routes here, the environment
// variable of the unveil ruleset), so that the header is their only source.
Napi::Value PreloadProtocol(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("markerA", Napi::BigInt::New(env, static_cast<uint64_t>(PLEDGE_MARKER_A)));
  o.Set("markerB", Napi::BigInt::New(env, static_cast<uint64_t>(PLEDGE_MARKER_B)));
  o.Set("envLandlockFd", Napi::String::New(env, PLEDGE_ENV_LANDLOCK_FD));
  o.Set("preloadName", Napi::String::New(env, PLEDGE_PRELOAD_NAME));
  return o;
}

}  // namespace

void InitSupervise(Napi::Env env, Napi::Object exports) {
  exports.Set("supervise", Napi::Function::New(env, SuperviseJs, "supervise"));
  exports.Set("preloadProtocol", Napi::Function::New(env, PreloadProtocol, "preloadProtocol"));
}

}  // namespace seccomp_scopes
