// A process' first pledge() from its entry in pledge()'s cache of compiled
// output (@seccomp-scopes/pledge filter-cache.ts, "a first call's entry"),
// found, trusted, checked and filled in in one call: firstCallLookup().
//
// A fresh Node process pays for each JavaScript function on its first call
// (V8 compiles it then) and interprets it cold; the first pledge() of a
// process is exactly such a call. So the steps that do not decide anything
// about the policy are done here: asking the kernel whether pledging works
// (SECCOMP_GET_ACTION_AVAIL), the /proc scan for io_uring instances
// (ring-replay.h ScanRings), the entry's key and file name, the trust rule
// (linux/owned-file.h ReadOwned, the same the command's launcher applies),
// the entry's check, its description (parsed by JavaScript's own JSON.parse,
// called from here) and the pid filled into its template. The entry holds
// compiled output of the one policy, written by filter-cache.ts
// storeFirstCall from what planPledge and the compiler gave; nothing here
// plans or compiles. Whatever does not fit answers `why`, and the caller
// plans the call itself (with the scan made here, so /proc is read once).

#include <napi.h>

#include "adapters.h"
#include "linux/owned-file.h"       // ReadOwned
#include "napi-errors.h"            // ThrowInvalid
#include "report/artifact-check.h"  // ArtifactCheckWords
#include "ring-replay.h"            // ScanRingsNowOrAhead, ParseRingFields

#include <linux/seccomp.h>  // SECCOMP_GET_ACTION_AVAIL
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace seccomp_scopes {
namespace {

constexpr uint32_t kEntryMagic = 0x454e5353;  // "SSNE", little-endian
constexpr size_t kEntryHeader = 20;           // magic, format, description length, check (two words)
constexpr size_t kMaxEntryBytes = 1 << 20;    // filter-cache.ts MAX_ENTRY_BYTES
constexpr size_t kMaxFilterBytes = 4096 * 8;  // BPF_MAXINSNS instructions

// The entry's key: the caller's prefix (build ids and the request, filter-cache.ts firstCallPrefix), then the
// io_uring and eventfd descriptors the plan adopts and lets be written, in ascending order, as JSON.
std::string KeyOf(const std::string& prefix, const std::vector<int>& rings, const std::vector<int>& eventfds) {
  std::string key = prefix + "{\"rings\":[";
  for (size_t i = 0; i < rings.size(); i++) key += (i ? "," : "") + std::to_string(rings[i]);
  key += "],\"eventFds\":[";
  for (size_t i = 0; i < eventfds.size(); i++) key += (i ? "," : "") + std::to_string(eventfds[i]);
  return key + "]}";
}

// The entry's file name: FNV-1a 32 of the key's UTF-8 bytes, 8 hex digits. Two keys sharing a name are harmless:
// the key is stored in the entry and compared whole.
std::string NameOf(const std::string& key) {
  uint32_t h = 0x811c9dc5u;
  for (const unsigned char c : key) h = (h ^ c) * 0x01000193u;
  char name[16];
  snprintf(name, sizeof name, "%08x", h);
  return std::string(name) + ".entry";
}

uint32_t U32le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

bool IsIndex(const Napi::Value& v, double below) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d >= 0 && d < below && std::floor(d) == d;
}

// The integers of a JavaScript array of numbers, or false when `v` is not one (each a descriptor number).
bool Descriptors(const Napi::Value& v, std::vector<int>* out) {
  if (!v.IsArray()) return false;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    const Napi::Value x = a.Get(i);
    if (!IsIndex(x, 2147483648.0)) return false;
    out->push_back(static_cast<int>(x.As<Napi::Number>().DoubleValue()));
  }
  return true;
}

// The request's inputs, checked (TypeError EINVAL otherwise).
struct Request {
  std::string dir, prefix;
  double pid = 0;
  uint32_t format = 0;
  bool little_endian = true;
  uint32_t read_implies_exec = 0;
  std::vector<uint32_t> actions;
  bool scan = true;  // else rings and eventfds are given
  std::vector<int> rings, eventfds;
};

Request RequestOf(Napi::Env env, const Napi::CallbackInfo& info) {
  const char* usage = "firstCallLookup({ dir, prefix, pid, format, littleEndian, readImpliesExec, actions, rings?, eventFds? })";
  if (info.Length() < 1 || !info[0].IsObject()) ThrowInvalid<Napi::TypeError>(env, std::string(usage) + ": an object is needed");
  Napi::Object o = info[0].As<Napi::Object>();
  Request r;
  const Napi::Value dir = o.Get("dir"), prefix = o.Get("prefix"), pid = o.Get("pid"), format = o.Get("format");
  const Napi::Value little = o.Get("littleEndian"), rie = o.Get("readImpliesExec"), actions = o.Get("actions");
  if (!dir.IsString() || !prefix.IsString() || !IsIndex(pid, 4294967296.0) || !IsIndex(format, 4294967296.0) || !little.IsBoolean() ||
      !IsIndex(rie, 4294967296.0) || !actions.IsArray()) {
    ThrowInvalid<Napi::TypeError>(env, std::string(usage) + ": dir and prefix strings, pid, format and readImpliesExec unsigned integers, littleEndian a boolean, actions an array");
  }
  r.dir = dir.As<Napi::String>().Utf8Value();
  if (r.dir.empty() || r.dir[0] != '/') ThrowInvalid<Napi::TypeError>(env, std::string(usage) + ": dir must be an absolute path");
  r.prefix = prefix.As<Napi::String>().Utf8Value();
  r.pid = pid.As<Napi::Number>().DoubleValue();
  r.format = format.As<Napi::Number>().Uint32Value();
  r.little_endian = little.As<Napi::Boolean>().Value();
  r.read_implies_exec = rie.As<Napi::Number>().Uint32Value();
  Napi::Array a = actions.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    const Napi::Value x = a.Get(i);
    if (!IsIndex(x, 4294967296.0)) ThrowInvalid<Napi::TypeError>(env, std::string(usage) + ": actions must be SECCOMP_RET_* values");
    r.actions.push_back(x.As<Napi::Number>().Uint32Value());
  }
  const Napi::Value rings = o.Get("rings"), eventfds = o.Get("eventFds");
  if (!rings.IsUndefined() || !eventfds.IsUndefined()) {
    if (!Descriptors(rings, &r.rings) || !Descriptors(eventfds, &r.eventfds)) {
      ThrowInvalid<Napi::TypeError>(env, std::string(usage) + ": rings and eventFds must both be arrays of descriptor numbers");
    }
    r.scan = false;
  }
  return r;
}

// Whether the kernel offers each filter return action asked for (SECCOMP_GET_ACTION_AVAIL) and no_new_privs can be
// read: what pledge.ts checkAvailability asks, without its messages (a miss asks again there, and says why).
bool Available(const std::vector<uint32_t>& actions) {
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) < 0) return false;
  for (uint32_t action : actions) {
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) return false;
  }
  return true;
}

Napi::Object Why(Napi::Env env, const char* why) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("why", Napi::String::New(env, why));
  return out;
}

Napi::Uint8Array Bytes(Napi::Env env, const uint8_t* p, size_t n) {
  Napi::Uint8Array array = Napi::Uint8Array::New(env, n);
  if (n > 0) std::memcpy(array.Data(), p, n);
  return array;
}

// firstCallLookup(request): the first call's entry for this process, filled in for `pid`, or why not. See first-call.ts.
Napi::Value FirstCallLookupJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Request r = RequestOf(env, info);
  // No filter binds the process (one may refuse what follows, and the entry is a first call's), pledging works here,
  // and personality(2) has no READ_IMPLIES_EXEC (pledge() refuses that: the caller's path says so).
  const int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  if (mode != 0) return Why(env, "filtered");
  if (!Available(r.actions)) return Why(env, "unavailable");
  const int persona = personality(0xffffffff);
  if (persona < 0 || (static_cast<uint32_t>(persona) & r.read_implies_exec) != 0) return Why(env, "personality");

  // The io_uring instances and eventfds (io-uring.ts decides from the same scan when this cannot: a ring whose
  // fdinfo does not read plainly, one with a submission-polling thread, such a thread alone).
  std::vector<int> rings = r.rings, eventfds = r.eventfds;
  struct Adopt {
    int fd;
    double sq_entries, cq_entries;
    bool has_ino;
    double ino;
  };
  std::vector<Adopt> adopt;
  RingScanResult scan;
  if (r.scan) {
    const char* what = "";
    if (ScanRingsNowOrAhead(&scan, &what) != 0) return Why(env, "scan");
    bool plain = scan.tasks.empty();
    for (const ScannedFd& f : scan.fds) {
      if (!f.ring) {
        eventfds.push_back(f.fd);
        continue;
      }
      RingFields fields;
      if (!f.fdinfo_read || !ParseRingFields(f.fdinfo, &fields) || fields.sq_thread != -1) {
        plain = false;
        continue;
      }
      rings.push_back(f.fd);
      adopt.push_back({f.fd, fields.sq_mask + 1, fields.cq_mask + 1, fields.has_ino, fields.ino});
    }
    if (!plain) {
      Napi::Object out = Why(env, "rings");
      out.Set("scan", RingScanToJs(env, scan));
      return out;
    }
    std::sort(adopt.begin(), adopt.end(), [](const Adopt& a, const Adopt& b) { return a.fd < b.fd; });
  }
  std::sort(rings.begin(), rings.end());
  std::sort(eventfds.begin(), eventfds.end());
  const std::string key = KeyOf(r.prefix, rings, eventfds);
  const std::string name = NameOf(key);
  // On a miss the caller plans the call and stores its entry under this key, with this scan's rings.
  auto miss = [&](const char* why) {
    Napi::Object out = Why(env, why);
    out.Set("key", Napi::String::New(env, key));
    out.Set("name", Napi::String::New(env, name));
    if (r.scan) out.Set("scan", RingScanToJs(env, scan));
    return out;
  };

  std::vector<uint8_t> file;
  const std::string read = ReadOwned(r.dir, name, kMaxEntryBytes, &file);
  if (!read.empty()) return miss(read.rfind("miss", 0) == 0 ? "absent" : "untrusted");
  // The header (filter-cache.ts encodeEntry): magic, format, description length, the check of all after the header.
  if (file.size() < kEntryHeader || U32le(file.data()) != kEntryMagic || U32le(file.data() + 4) != r.format) return miss("format");
  const size_t length = U32le(file.data() + 8);
  const size_t at = kEntryHeader + ((length + 3) & ~static_cast<size_t>(3));
  if (length > file.size() || at > file.size()) return miss("format");
  uint32_t first, second;
  ArtifactCheckWords(file.data() + kEntryHeader, file.size() - kEntryHeader, &first, &second);
  if (first != U32le(file.data() + 12) || second != U32le(file.data() + 16)) return miss("check");

  // The description { key, unit, slots, extra }, by JSON.parse itself.
  Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
  Napi::Value d;
  try {
    d = json.Get("parse").As<Napi::Function>().Call(json, {Napi::String::New(env, reinterpret_cast<const char*>(file.data() + kEntryHeader), length)});
  } catch (const Napi::Error&) {
    return miss("description");
  }
  if (!d.IsObject()) return miss("description");
  Napi::Object desc = d.As<Napi::Object>();
  const Napi::Value stored_key = desc.Get("key"), unit = desc.Get("unit"), slots = desc.Get("slots"), extra_value = desc.Get("extra");
  if (!stored_key.IsString() || stored_key.As<Napi::String>().Utf8Value() != key) return miss("key");
  const size_t size = file.size() - at;
  if (!unit.IsNumber() || unit.As<Napi::Number>().DoubleValue() != 4 || size == 0 || size % 4 != 0 || !slots.IsArray() || !extra_value.IsObject()) {
    return miss("description");
  }
  // The extra: where the filter ends (the report tables follow it when there is a reporter), the pids the templates
  // list beside the pid (those are planned, never filled in).
  Napi::Object extra = extra_value.As<Napi::Object>();
  const Napi::Value filter_bytes = extra.Get("filterBytes"), collide = extra.Get("collide");
  if (!IsIndex(filter_bytes, static_cast<double>(std::min(size, kMaxFilterBytes)) + 1) || !collide.IsArray()) return miss("description");
  const size_t filter_size = static_cast<size_t>(filter_bytes.As<Napi::Number>().DoubleValue());
  if (filter_size == 0 || filter_size % 8 != 0) return miss("description");
  if (extra.Get("reporter").IsUndefined() != (filter_size == size)) return miss("description");
  Napi::Array colliding = collide.As<Napi::Array>();
  for (uint32_t i = 0; i < colliding.Length(); i++) {
    const Napi::Value c = colliding.Get(i);
    if (c.IsNumber() && c.As<Napi::Number>().DoubleValue() == r.pid) return miss("pid");
  }

  // The pid into each slot (a 32-bit word of the template, in the arch's byte order: core fillPidTemplate).
  std::vector<uint8_t> bytes(file.begin() + static_cast<long>(at), file.end());
  Napi::Array slot_list = slots.As<Napi::Array>();
  const uint32_t pid = static_cast<uint32_t>(r.pid);
  for (uint32_t i = 0; i < slot_list.Length(); i++) {
    const Napi::Value s = slot_list.Get(i);
    if (!IsIndex(s, static_cast<double>(size / 4))) return miss("description");
    uint8_t* w = bytes.data() + static_cast<size_t>(s.As<Napi::Number>().DoubleValue()) * 4;
    for (int k = 0; k < 4; k++) w[r.little_endian ? k : 3 - k] = static_cast<uint8_t>(pid >> (8 * k));
  }

  Napi::Object out = Napi::Object::New(env);
  out.Set("key", Napi::String::New(env, key));
  out.Set("name", Napi::String::New(env, name));
  out.Set("filter", Bytes(env, bytes.data(), filter_size));
  if (filter_size < size) out.Set("tables", Bytes(env, bytes.data() + filter_size, size - filter_size));
  out.Set("extra", extra);
  if (r.scan) {
    Napi::Array list = Napi::Array::New(env, adopt.size());
    for (size_t i = 0; i < adopt.size(); i++) {
      Napi::Object ring = Napi::Object::New(env);
      ring.Set("fd", Napi::Number::New(env, adopt[i].fd));
      ring.Set("sqEntries", Napi::Number::New(env, adopt[i].sq_entries));
      ring.Set("cqEntries", Napi::Number::New(env, adopt[i].cq_entries));
      if (adopt[i].has_ino) ring.Set("ino", Napi::Number::New(env, adopt[i].ino));
      list.Set(static_cast<uint32_t>(i), ring);
    }
    out.Set("rings", list);
  }
  out.Set("facts", ProcessFactsObject(env));
  return out;
}

// firstCallKey(prefix, rings, eventFds): { key, name } — the key and file name firstCallLookup uses for these
// descriptors: what filter-cache.ts storeFirstCall writes an entry under.
Napi::Value FirstCallKeyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int> rings, eventfds;
  if (info.Length() < 3 || !info[0].IsString() || !Descriptors(info[1], &rings) || !Descriptors(info[2], &eventfds)) {
    ThrowInvalid<Napi::TypeError>(env, "firstCallKey(prefix, rings, eventFds): a string and two arrays of descriptor numbers");
  }
  std::sort(rings.begin(), rings.end());
  std::sort(eventfds.begin(), eventfds.end());
  const std::string key = KeyOf(info[0].As<Napi::String>().Utf8Value(), rings, eventfds);
  Napi::Object out = Napi::Object::New(env);
  out.Set("key", Napi::String::New(env, key));
  out.Set("name", Napi::String::New(env, NameOf(key)));
  return out;
}

}  // namespace

void InitFirstCall(Napi::Env env, Napi::Object exports) {
  exports.Set("firstCallLookup", Napi::Function::New(env, FirstCallLookupJs, "firstCallLookup"));
  exports.Set("firstCallKey", Napi::Function::New(env, FirstCallKeyJs, "firstCallKey"));
}

}  // namespace seccomp_scopes
