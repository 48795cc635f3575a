// The reporter's N-API adapter: formatViolation(), installReporter() and
// the rest of reporter.ts's exports, and reportTablesLayout(), which exports
// report-tables.h (the tables' wire layout) so that TypeScript reads it from
// its one source. Arguments are checked and converted here; the tables
// parser (tables-view.cc), the formatter (format.cc) and the handler
// (sigsys-handler.cc) never see a JavaScript value.

#include <napi.h>

#include "../adapters.h"
#include "../linux/fd.h"    // Fd
#include "../linux/owned-file.h"  // ReadOwned, LinksOnPath
#include "../napi-errors.h"  // ThrowErrno, ThrowInvalid, ThrowCode
#include "artifact-check.h"
#include "format.h"
#include "report-tables.h"
#include "sigsys-handler.h"
#include "tables-view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace seccomp_scopes {
namespace {

std::vector<uint64_t> CopyTables(Napi::Env env, const Napi::Value& value, const char* what, Tables* t) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalid<Napi::TypeError>(env, std::string(what) + ": tables must be a Uint8Array (buildReportTables)");
  }
  auto bytes = value.As<Napi::Uint8Array>();
  std::vector<uint64_t> storage((bytes.ByteLength() + 7) / 8 + 1, 0);
  std::memcpy(storage.data(), bytes.Data(), bytes.ByteLength());
  if (const char* err = ParseTables(reinterpret_cast<const uint8_t*>(storage.data()), bytes.ByteLength(), t)) {
    ThrowInvalid<Napi::RangeError>(env, std::string(what) + ": " + err);
  }
  return storage;
}

uint64_t ToU64(Napi::Env env, const Napi::Value& v, const char* what) {
  if (v.IsBigInt()) {
    bool lossless = true;
    const uint64_t u = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) {
      bool lossless_signed = true;
      const int64_t s = v.As<Napi::BigInt>().Int64Value(&lossless_signed);
      if (!lossless_signed) ThrowInvalid<Napi::RangeError>(env, std::string(what) + " does not fit 64 bits");
      return static_cast<uint64_t>(s);
    }
    return u;
  }
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) ThrowInvalid<Napi::RangeError>(env, std::string(what) + " must be an integer");
    return static_cast<uint64_t>(static_cast<int64_t>(d));
  }
  ThrowInvalid<Napi::TypeError>(env, std::string(what) + " must be a bigint");
}

int64_t ToInt(Napi::Env env, const Napi::Object& o, const char* key, bool required, int64_t fallback, int64_t min, int64_t max) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) {
    if (required) ThrowInvalid<Napi::TypeError>(env, std::string(key) + " is required");
    return fallback;
  }
  if (!v.IsNumber()) ThrowInvalid<Napi::TypeError>(env, std::string(key) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) || d != static_cast<double>(static_cast<int64_t>(d))) {
    ThrowInvalid<Napi::RangeError>(env, std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int64_t>(d);
}

bool FormatIsJson(Napi::Env env, const Napi::Value& v, const char* what) {
  if (v.IsUndefined()) return false;
  if (v.IsString()) {
    const std::string f = v.As<Napi::String>().Utf8Value();
    if (f == "text") return false;
    if (f == "json") return true;
  }
  ThrowInvalid<Napi::TypeError>(env, std::string(what) + ": format must be 'text' or 'json'");
}

// formatViolation's optional string member `key`: false when undefined.
bool OptionalString(Napi::Env env, const Napi::Object& o, const char* key, std::string* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return false;
  if (!v.IsString()) ThrowInvalid<Napi::TypeError>(env, std::string("formatViolation: ") + key + " must be a string");
  *out = v.As<Napi::String>().Utf8Value();
  return true;
}

// formatViolation(tables, { nr, args, pid, tid, comm?, path?, auditArch? }, format): string
Napi::Value FormatViolationJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Tables t;
  std::vector<uint64_t> storage = CopyTables(env, info[0], "formatViolation", &t);
  if (info.Length() < 2 || !info[1].IsObject()) ThrowInvalid<Napi::TypeError>(env, "formatViolation: violation must be an object");
  Napi::Object o = info[1].As<Napi::Object>();
  Violation v;
  v.nr = static_cast<uint32_t>(ToInt(env, o, "nr", true, 0, 0, 0xffffffff));
  v.pid = ToInt(env, o, "pid", true, 0, INT32_MIN, INT32_MAX);
  v.tid = ToInt(env, o, "tid", true, 0, INT32_MIN, INT32_MAX);
  Napi::Value args = o.Get("args");
  if (!args.IsArray()) ThrowInvalid<Napi::TypeError>(env, "formatViolation: args must be an array of up to 6 bigints");
  Napi::Array a = args.As<Napi::Array>();
  if (a.Length() > 6) ThrowInvalid<Napi::RangeError>(env, "formatViolation: at most 6 args");
  for (uint32_t i = 0; i < a.Length(); i++) v.args[i] = ToU64(env, a.Get(i), "formatViolation: an argument");
  std::string comm, path;
  if (OptionalString(env, o, "comm", &comm)) {
    v.comm = comm.c_str();
    v.comm_len = comm.size();
  }
  if (OptionalString(env, o, "path", &path)) {
    v.path = path.c_str();
    v.path_len = path.size();
  }
  v.audit_arch = static_cast<uint32_t>(ToInt(env, o, "auditArch", false, 0, 0, 0xffffffff));
  const bool json = FormatIsJson(env, info[2], "formatViolation");
  const Penalty penalty{t.Str(t.penalty), t.errno_name == report::kNone ? "" : t.Str(t.errno_name)};
  const size_t extra = 6 * (path.size() + comm.size());
  std::vector<char> scratch(4096 + extra), line(16384 + 2 * extra);
  const size_t n = FormatReport(t, v, json, penalty, line.data(), line.size(), scratch.data(), scratch.size());
  return Napi::String::New(env, line.data(), n > 0 ? n - 1 : 0);  // without the newline
}

}  // namespace

// installReporter(tables, { fd, penalty, errno, errnoName, format, quiet, magic, refuseReadOnlyOpens, quietPaths }): void
// The body, shared with seccomp.cc's pledgeInstall (adapters.h).
void InstallReporterFrom(Napi::Env env, Napi::Value tables, Napi::Value options) {
  if (!kReporterSupported) ThrowCode(env, "ENOTSUP", "installReporter: the SIGSYS reporter supports x86_64 and aarch64 only");
  auto* r = new Reporter();
  try {
    r->storage = CopyTables(env, tables, "installReporter", &r->tables);
    if (!options.IsObject()) ThrowInvalid<Napi::TypeError>(env, "installReporter: options must be an object");
    Napi::Object o = options.As<Napi::Object>();
    r->fd = static_cast<int>(ToInt(env, o, "fd", false, 2, 0, INT32_MAX));
    Napi::Value pen = o.Get("penalty");
    const std::string penalty = pen.IsString() ? pen.As<Napi::String>().Utf8Value() : "";
    if (penalty != "kill" && penalty != "errno") ThrowInvalid<Napi::TypeError>(env, "installReporter: penalty must be 'kill' or 'errno'");
    r->kill = penalty == "kill";
    r->errno_value = static_cast<int>(ToInt(env, o, "errno", !r->kill, 0, 0, 4095));
    Napi::Value en = o.Get("errnoName");
    r->errno_name = en.IsString() ? en.As<Napi::String>().Utf8Value() : std::to_string(r->errno_value);
    r->json = FormatIsJson(env, o.Get("format"), "installReporter");
    Napi::Value q = o.Get("quiet");
    r->quiet = q.IsBoolean() && q.As<Napi::Boolean>().Value();
    r->magic = static_cast<uint32_t>(ToInt(env, o, "magic", true, 0, 0, 0xffffffff));
    Napi::Value ro = o.Get("refuseReadOnlyOpens");
    r->refuse_read_only_opens = ro.IsBoolean() && ro.As<Napi::Boolean>().Value();
    Napi::Value qp = o.Get("quietPaths");
    if (!qp.IsUndefined()) {
      if (!qp.IsArray()) ThrowInvalid<Napi::TypeError>(env, "installReporter: quietPaths must be an array of strings");
      Napi::Array a = qp.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (!e.IsString()) ThrowInvalid<Napi::TypeError>(env, "installReporter: quietPaths must be an array of strings");
        r->quiet_paths.push_back(e.As<Napi::String>().Utf8Value());
      }
    }
  } catch (...) {
    delete r;
    throw;
  }
  if (const int err = InstallReporter(r)) ThrowErrno(env, err, "sigaction(SIGSYS)");
}

namespace {

void InstallReporterJs(const Napi::CallbackInfo& info) {
  InstallReporterFrom(info.Env(), info[0], info.Length() < 2 ? info.Env().Undefined() : info[1]);
}

// uninstallReporter(): void — restores the SIGSYS action found by the first
// installReporter(). Only for a pledge() whose filter could not be installed:
// once a trapping filter is in force, the handler must stay.
void UninstallReporterJs(const Napi::CallbackInfo& info) {
  if (const int err = UninstallReporter()) ThrowErrno(info.Env(), err, "sigaction(SIGSYS)");
}

// rollbackReporter(): void — undoes the last installReporter() (the SIGSYS
// action as it was before the first one, or the previous tables), for a
// pledge() whose filter could not be installed.
void RollbackReporterJs(const Napi::CallbackInfo& info) {
  if (const int err = RollbackReporter()) ThrowErrno(info.Env(), err, "sigaction(SIGSYS)");
}

// reporterState(): { installed, penalty?, errno?, fd?, format?, quiet?, reports }
Napi::Value ReporterStateJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const Reporter* r = InstalledReporter();
  o.Set("installed", Napi::Boolean::New(env, r != nullptr));
  if (r) {
    o.Set("penalty", Napi::String::New(env, r->kill ? "kill" : "errno"));
    if (!r->kill) o.Set("errno", Napi::String::New(env, r->errno_name));
    o.Set("fd", Napi::Number::New(env, r->fd));
    o.Set("format", Napi::String::New(env, r->json ? "json" : "text"));
    o.Set("quiet", Napi::Boolean::New(env, r->quiet));
  }
  o.Set("reports", Napi::Number::New(env, static_cast<double>(ReportsWritten())));
  return o;
}

// reportTablesLayout(): every value of report-tables.h (reporter.ts
// documents the object's shape, ReportTablesLayout).
Napi::Value ReportTablesLayoutJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto number = [&](uint32_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
  Napi::Object o = Napi::Object::New(env);
  o.Set("magic", number(REPORT_TABLES_MAGIC));
  o.Set("version", number(REPORT_TABLES_VERSION));
  o.Set("headerWords", number(REPORT_TABLES_HEADER_WORDS));
  o.Set("none", number(REPORT_TABLES_NONE));
  o.Set("maxPromises", number(REPORT_TABLES_MAX_PROMISES));
  o.Set("maxFamilyFlags", number(REPORT_TABLES_MAX_FAMILY_FLAGS));
#define SECCOMP_SCOPES_SET(name, value) group.Set(#name, number(value));
#define SECCOMP_SCOPES_GROUP(parent, key, LIST) \
  {                                             \
    Napi::Object group = Napi::Object::New(env); \
    LIST(SECCOMP_SCOPES_SET)                    \
    parent.Set(key, group);                     \
  }
  SECCOMP_SCOPES_GROUP(o, "header", REPORT_TABLES_HEADER)
  Napi::Array reserved = Napi::Array::New(env);
#define SECCOMP_SCOPES_PUSH(index) reserved.Set(reserved.Length(), number(index));
  REPORT_TABLES_RESERVED_HEADER_WORDS(SECCOMP_SCOPES_PUSH)
#undef SECCOMP_SCOPES_PUSH
  o.Set("reservedHeaderWords", reserved);
  SECCOMP_SCOPES_GROUP(o, "recordBytes", REPORT_TABLES_RECORD_BYTES)
  Napi::Object fields = Napi::Object::New(env);
  SECCOMP_SCOPES_GROUP(fields, "syscall", REPORT_TABLES_SYSCALL_FIELDS)
  SECCOMP_SCOPES_GROUP(fields, "spec", REPORT_TABLES_SPEC_FIELDS)
  SECCOMP_SCOPES_GROUP(fields, "constant", REPORT_TABLES_CONSTANT_FIELDS)
  SECCOMP_SCOPES_GROUP(fields, "rule", REPORT_TABLES_RULE_FIELDS)
  SECCOMP_SCOPES_GROUP(fields, "condition", REPORT_TABLES_CONDITION_FIELDS)
  SECCOMP_SCOPES_GROUP(fields, "value", REPORT_TABLES_VALUE_FIELDS)
  SECCOMP_SCOPES_GROUP(fields, "promiseName", REPORT_TABLES_PROMISE_NAME_FIELDS)
  o.Set("fields", fields);
  SECCOMP_SCOPES_GROUP(o, "specPacking", REPORT_TABLES_SPEC_PACKING)
  SECCOMP_SCOPES_GROUP(o, "kinds", REPORT_TABLES_KINDS)
  SECCOMP_SCOPES_GROUP(o, "guardOps", REPORT_TABLES_GUARD_OPS)
  SECCOMP_SCOPES_GROUP(o, "fallbacks", REPORT_TABLES_FALLBACKS)
#undef SECCOMP_SCOPES_GROUP
#undef SECCOMP_SCOPES_SET
  return o;
}

// Core's artifactCheck (report/tables.ts) of n bytes at p: two 32-bit multiplicative hashes over the little-endian u32
// words, the tail bytes into the first, as 16 hex digits (first hash first).
Napi::String ArtifactCheckOf(Napi::Env env, const uint8_t* p, size_t n) {
  uint32_t a, b;
  ArtifactCheckWords(p, n, &a, &b);
  char hex[17];
  snprintf(hex, sizeof hex, "%08x%08x", a, b);
  return Napi::String::New(env, hex, 16);
}

// artifactCheck(bytes): string — core's artifactCheck (report/tables.ts): two 32-bit multiplicative hashes over the
// little-endian u32 words of `bytes`, the tail bytes into the first, as 16 hex digits (first hash first). Here for a
// fresh process: 52 KB in some 20 us, where WebAssembly's first use costs 0.5 ms and interpreted JavaScript 1.2 ms.
Napi::Value ArtifactCheckJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalid<Napi::TypeError>(env, "artifactCheck: bytes must be a Uint8Array");
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  return ArtifactCheckOf(env, bytes.Data(), bytes.ByteLength());
}

// readArtifactFile(path, maxBytes): { regular, uid, mode, size, bytes? } — a file opened without following a final
// link (O_NOFOLLOW), its fstat (regular file, owner, mode bits, size) and, when it is a regular file of at most
// maxBytes, its bytes, all in one call (a fresh process' first fs.openSync/fstatSync/readSync costs 0.3-0.5 ms). The
// caller decides whether to trust it from the fstat it gets. Throws the errno of open, fstat or read.
Napi::Value ReadArtifactFileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    ThrowInvalid<Napi::TypeError>(env, "readArtifactFile: path must be a string and maxBytes a number");
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const double max_bytes = info[1].As<Napi::Number>().DoubleValue();
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "open");
  Fd guard(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) ThrowErrno(env, errno, "fstat");
  Napi::Object out = Napi::Object::New(env);
  const bool regular = S_ISREG(st.st_mode);
  out.Set("regular", Napi::Boolean::New(env, regular));
  out.Set("uid", Napi::Number::New(env, st.st_uid));
  out.Set("mode", Napi::Number::New(env, st.st_mode & 07777));
  out.Set("size", Napi::Number::New(env, static_cast<double>(st.st_size)));
  if (!regular || static_cast<double>(st.st_size) > max_bytes) return out;
  Napi::Buffer<uint8_t> bytes = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.Length()) {
    const ssize_t n = read(fd, bytes.Data() + got, bytes.Length() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno(env, errno, "read");
    if (n == 0) break;  // shrank since fstat: the bytes read so far (their check fails)
    got += static_cast<size_t>(n);
  }
  out.Set("bytes", Napi::Uint8Array::New(env, got, bytes.ArrayBuffer(), 0));
  return out;
}

// dirTrustFacts(dir): { self, real, ancestors } — what deciding whether a directory's path can be changed by another
// user needs, read in one call (a fresh process' first fs.lstatSync/statSync/realpathSync cost 0.2-0.3 ms): `self`,
// the lstat of `dir` ({ uid, mode, isDir }); `real`, its realpath(3); `ancestors`, the stat (links followed) of every
// directory above `dir` and above `real`, up to /, in that order ({ path, uid, mode }, mode with the file type bits
// cleared); `links`, every symbolic link met resolving `dir` ({ path, uid }: linux/owned-file.h LinksOnPath). The
// caller decides (pledge's filter-cache.ts). Throws the errno of the first call that fails.
Napi::Value DirTrustFactsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(env, "dirTrustFacts: dir must be a string");
  const std::string dir = info[0].As<Napi::String>().Utf8Value();
  if (dir.empty() || dir[0] != '/') ThrowInvalid<Napi::TypeError>(env, "dirTrustFacts: dir must be an absolute path");
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) ThrowErrno(env, errno, "lstat");
  Napi::Object self = Napi::Object::New(env);
  self.Set("uid", Napi::Number::New(env, st.st_uid));
  self.Set("mode", Napi::Number::New(env, st.st_mode & 07777));
  self.Set("isDir", Napi::Boolean::New(env, S_ISDIR(st.st_mode)));
  char* resolved = realpath(dir.c_str(), nullptr);
  if (resolved == nullptr) ThrowErrno(env, errno, "realpath");
  const std::string real(resolved);
  free(resolved);
  Napi::Array ancestors = Napi::Array::New(env);
  for (const std::string& start : {dir, real}) {
    std::string d = start;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    while (d != "/") {
      const size_t slash = d.find_last_of('/');
      d = slash == 0 ? "/" : d.substr(0, slash);
      if (stat(d.c_str(), &st) != 0) ThrowErrno(env, errno, "stat");
      Napi::Object a = Napi::Object::New(env);
      a.Set("path", Napi::String::New(env, d));
      a.Set("uid", Napi::Number::New(env, st.st_uid));
      a.Set("mode", Napi::Number::New(env, st.st_mode & 07777));
      ancestors.Set(ancestors.Length(), a);
    }
  }
  std::vector<std::pair<std::string, uid_t>> found;
  errno = 0;
  if (!LinksOnPath(dir, &found)) ThrowErrno(env, errno != 0 ? errno : ELOOP, "lstat");
  Napi::Array links = Napi::Array::New(env);
  for (const auto& link : found) {
    Napi::Object l = Napi::Object::New(env);
    l.Set("path", Napi::String::New(env, link.first));
    l.Set("uid", Napi::Number::New(env, link.second));
    links.Set(links.Length(), l);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("self", self);
  out.Set("real", Napi::String::New(env, real));
  out.Set("ancestors", ancestors);
  out.Set("links", links);
  return out;
}

// readOwnedFile(dir, name, maxBytes, checkFrom?): { bytes, check? } | { why } — `dir`/`name` read when it is a file
// of the user's own in a cache directory no other user can change (linux/owned-file.h ReadOwned: the rule the
// command's native launcher applies to its policy cache; @seccomp-scopes/pledge filter-cache.ts applies the same
// where the addon is not used), with, as readArtifactFile, `check` of the bytes from checkFrom on; else `why` it was
// not read ("miss: ..." or "refused: ..."). One call for pledge()'s cache entries (a fresh process pays for each
// call and each JavaScript function on its first use).
Napi::Value ReadOwnedFileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber() ||
      (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNumber())) {
    ThrowInvalid<Napi::TypeError>(env, "readOwnedFile: dir and name must be strings, maxBytes a number, checkFrom a number or undefined");
  }
  const std::string dir = info[0].As<Napi::String>().Utf8Value();
  const std::string name = info[1].As<Napi::String>().Utf8Value();
  if (dir.empty() || dir[0] != '/') ThrowInvalid<Napi::TypeError>(env, "readOwnedFile: dir must be an absolute path");
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    ThrowInvalid<Napi::TypeError>(env, "readOwnedFile: name must be a file name (no slash)");
  }
  const double max_bytes = info[2].As<Napi::Number>().DoubleValue();
  std::vector<uint8_t> bytes;
  const std::string why = ReadOwned(dir, name, max_bytes < 0 ? 0 : static_cast<size_t>(max_bytes), &bytes);
  Napi::Object out = Napi::Object::New(env);
  if (!why.empty()) {
    out.Set("why", Napi::String::New(env, why));
    return out;
  }
  Napi::Uint8Array array = Napi::Uint8Array::New(env, bytes.size());
  if (!bytes.empty()) std::memcpy(array.Data(), bytes.data(), bytes.size());
  out.Set("bytes", array);
  if (info.Length() > 3 && info[3].IsNumber()) {
    const double from = info[3].As<Napi::Number>().DoubleValue();
    if (from >= 0 && static_cast<double>(bytes.size()) >= from) {
      const size_t at = static_cast<size_t>(from);
      out.Set("check", ArtifactCheckOf(env, bytes.data() + at, bytes.size() - at));
    }
  }
  return out;
}

}  // namespace

void InitReporter(Napi::Env env, Napi::Object exports) {
  exports.Set("formatViolation", Napi::Function::New(env, FormatViolationJs, "formatViolation"));
  exports.Set("installReporter", Napi::Function::New(env, InstallReporterJs, "installReporter"));
  exports.Set("uninstallReporter", Napi::Function::New(env, UninstallReporterJs, "uninstallReporter"));
  exports.Set("rollbackReporter", Napi::Function::New(env, RollbackReporterJs, "rollbackReporter"));
  exports.Set("reporterState", Napi::Function::New(env, ReporterStateJs, "reporterState"));
  exports.Set("reportTablesLayout", Napi::Function::New(env, ReportTablesLayoutJs, "reportTablesLayout"));
  exports.Set("artifactCheck", Napi::Function::New(env, ArtifactCheckJs, "artifactCheck"));
  exports.Set("readArtifactFile", Napi::Function::New(env, ReadArtifactFileJs, "readArtifactFile"));
  exports.Set("dirTrustFacts", Napi::Function::New(env, DirTrustFactsJs, "dirTrustFacts"));
  exports.Set("readOwnedFile", Napi::Function::New(env, ReadOwnedFileJs, "readOwnedFile"));
}

}  // namespace seccomp_scopes
