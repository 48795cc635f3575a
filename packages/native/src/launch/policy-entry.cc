// Reading a policy cache entry (see policy-entry.h).

#include "policy-entry.h"

#include <cstring>

namespace seccomp_scopes {

uint64_t Fnv1a64(const uint8_t* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; i++) {
    h ^= data[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {

constexpr uint32_t kMagic = 0x43505353;    // 'SSPC'
constexpr uint32_t kEndMark = 0x21444e45;  // 'END!'
constexpr uint32_t kMaxCount = 1u << 20;

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  bool ok() const { return ok_; }
  bool done() const { return off_ == n_; }
  uint32_t U32() {
    uint32_t v = 0;
    if (!Take(4)) return 0;
    std::memcpy(&v, p_ + off_ - 4, 4);
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    if (!Take(8)) return 0;
    std::memcpy(&v, p_ + off_ - 8, 8);
    return v;
  }
  std::vector<uint8_t> Blob() {
    const uint32_t len = U32();
    if (!Take(len)) return {};
    return std::vector<uint8_t>(p_ + off_ - len, p_ + off_);
  }
  std::string Str() {
    const uint32_t len = U32();
    if (!Take(len)) return {};
    return std::string(reinterpret_cast<const char*>(p_ + off_ - len), len);
  }
  uint32_t Count() {
    const uint32_t c = U32();
    if (c > kMaxCount || c > n_ - off_) ok_ = false;  // every item takes at least a byte
    return ok_ ? c : 0;
  }

 private:
  bool Take(size_t k) {
    if (!ok_ || k > n_ - off_) {
      ok_ = false;
      return false;
    }
    off_ += k;
    return true;
  }
  const uint8_t* p_;
  size_t n_;
  size_t off_ = 0;
  bool ok_ = true;
};

void ReadTemplate(Reader* r, PidTemplate* t) {
  t->bytes = r->Blob();
  const uint32_t n = r->Count();
  for (uint32_t i = 0; i < n; i++) t->slots.push_back(r->U32());
}

std::vector<std::string> ReadStrings(Reader* r) {
  std::vector<std::string> out;
  const uint32_t n = r->Count();
  for (uint32_t i = 0; i < n; i++) out.push_back(r->Str());
  return out;
}

std::vector<EntryException> ReadExceptions(Reader* r) {
  std::vector<EntryException> out;
  const uint32_t n = r->Count();
  for (uint32_t i = 0; i < n; i++) {
    EntryException e;
    e.path = r->Str();
    e.read_write = r->U32() != 0;
    e.requires_ = ReadStrings(r);
    for (uint32_t j = 0, m = r->Count(); j < m; j++) {
      std::string dir = r->Str();
      std::string file = r->Str();
      e.directory_files.emplace_back(std::move(dir), std::move(file));
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool SlotsFit(const PidTemplate& t, bool filter) {
  const size_t unit = filter ? 8 : 4;
  if (t.bytes.empty() || t.bytes.size() % unit != 0) return false;
  for (uint32_t s : t.slots) {
    const size_t at = filter ? static_cast<size_t>(s) * 8 + 4 : static_cast<size_t>(s) * 4;
    if (at + 4 > t.bytes.size()) return false;
  }
  return true;
}

}  // namespace

std::vector<uint8_t> WithPid(const PidTemplate& t, uint32_t pid, bool filter) {
  std::vector<uint8_t> out = t.bytes;
  for (uint32_t s : t.slots) std::memcpy(out.data() + (filter ? static_cast<size_t>(s) * 8 + 4 : static_cast<size_t>(s) * 4), &pid, 4);
  return out;
}

std::string ParsePolicyEntry(const std::vector<uint8_t>& bytes, PolicyEntry* e) {
  if (bytes.size() < 16) return "too short";
  uint32_t magic, version;
  uint64_t sum;
  std::memcpy(&magic, bytes.data(), 4);
  std::memcpy(&version, bytes.data() + 4, 4);
  std::memcpy(&sum, bytes.data() + 8, 8);
  if (magic != kMagic || version != 1) return "not an entry of this format";
  if (Fnv1a64(bytes.data() + 16, bytes.size() - 16) != sum) return "checksum mismatch";
  Reader r(bytes.data() + 16, bytes.size() - 16);
  const std::vector<uint8_t> key = r.Blob();
  e->key.assign(key.begin(), key.end());
  e->format = r.Str();
  e->arch = r.Str();
  for (uint32_t i = 0, n = r.Count(); i < n; i++) {
    EntryDep d;
    d.kind = r.U32() == 1 ? EntryDep::kStat : EntryDep::kReal;
    d.path = r.Str();
    if (d.kind == EntryDep::kStat) {
      d.dev = r.U64(); d.ino = r.U64(); d.size = r.U64(); d.mtime_ns = r.U64(); d.ctime_ns = r.U64();
    } else {
      d.real = r.Str();
    }
    e->deps.push_back(std::move(d));
  }
  e->file = r.Str();
  e->loader = r.U32() != 0;
  e->loader_timeout_ms = r.U32();
  e->has_program_identity = r.U32() != 0;
  e->program_dev = r.U64();
  e->program_ino = r.U64();
  e->messages = ReadStrings(&r);
  e->has_preload = r.U32() != 0;
  e->preload = r.Str();
  ReadTemplate(&r, &e->filter);
  ReadTemplate(&r, &e->judge);
  ReadTemplate(&r, &e->tables);
  e->penalty_kill = r.U32() != 0;
  e->errno_value = r.U32();
  e->quiet = r.U32() != 0;
  e->promises = ReadStrings(&r);
  const std::vector<uint8_t> pa = r.Blob();
  e->path_args.assign(pa.begin(), pa.end());
  e->window.paths = ReadStrings(&r);
  for (uint32_t i = 0, n = r.Count(); i < n; i++) {
    const uint32_t nr = r.U32();
    WindowRule rule;
    const uint32_t action = r.U32();
    if (action < 1 || action > 3 || nr >= 4096) return "bad loader window entry";
    rule.action = static_cast<WindowAction>(action);
    for (uint32_t j = 0, m = r.Count(); j < m; j++) {
      WindowCondition c;
      c.arg = static_cast<int>(r.U32());
      c.negate = r.U32() != 0;
      c.mask = r.U64();
      for (uint32_t k = 0, v = r.Count(); k < v; k++) c.values.push_back(r.U64());
      if (c.arg < 0 || c.arg > 5) return "bad loader window condition";
      rule.when.push_back(std::move(c));
    }
    if (!r.ok()) break;
    if (e->window.rules.size() <= nr) e->window.rules.resize(nr + 1);
    e->window.rules[nr].push_back(std::move(rule));
  }
  e->exceptions_active = r.U32() != 0;
  e->precise_refuse = r.U32() != 0;
  e->exceptions = ReadExceptions(&r);
  e->open_paths = ReadStrings(&r);
  for (uint32_t i = 0, n = r.Count(); i < n; i++) e->precise_stat.push_back(r.U32());
  e->stat_paths = ReadStrings(&r);
  for (uint32_t i = 0, n = r.Count(); i < n; i++) e->precise_fstat.push_back(r.U32());
  for (uint32_t i = 0, n = r.Count(); i < n; i++) e->needs_groups.push_back(ReadExceptions(&r));
  for (uint32_t i = 0, n = r.Count(); i < n; i++) {
    std::string promise = r.Str();
    e->stat_groups.emplace_back(std::move(promise), ReadStrings(&r));
  }
  for (uint32_t i = 0, n = r.Count(); i < n; i++) e->stat_syscalls.push_back(r.U32());
  for (uint32_t i = 0, n = r.Count(); i < n; i++) {
    EntryProbe p;
    for (uint32_t j = 0, m = r.Count(); j < m; j++) p.nrs.push_back(r.U32());
    p.has_path = r.U32() != 0;
    p.path = r.Str();
    p.access = static_cast<int>(r.U32());
    p.errno_value = r.U32();
    p.errno_name = r.Str();
    p.quiet = r.U32() != 0;
    p.needs = ReadStrings(&r);
    if (p.access < 0 || p.access > 2 || p.errno_value == 0 || p.errno_value > 4095) return "bad path probe";
    e->probes.push_back(std::move(p));
  }
  e->node = r.U32() != 0;
  e->node_start_files = ReadStrings(&r);
  e->has_after = r.U32() != 0;
  if (e->has_after) {
    ReadTemplate(&r, &e->after.judge);
    ReadTemplate(&r, &e->after.tables);
    e->after.promises = ReadStrings(&r);
    e->after.exceptions_active = r.U32() != 0;
    e->after.precise_refuse = r.U32() != 0;
    e->after.exceptions = ReadExceptions(&r);
    e->after.open_paths = ReadStrings(&r);
    for (uint32_t i = 0, n = r.Count(); i < n; i++) e->after.precise_stat.push_back(r.U32());
    e->after.stat_paths = ReadStrings(&r);
    for (uint32_t i = 0, n = r.Count(); i < n; i++) e->after.precise_fstat.push_back(r.U32());
  }
  const uint32_t end = r.U32();
  if (!r.ok() || end != kEndMark || !r.done()) return "truncated or malformed";
  if (!SlotsFit(e->filter, true) || !SlotsFit(e->judge, true) || !SlotsFit(e->tables, false)) return "bad pid slots";
  if (e->has_after && (!SlotsFit(e->after.judge, true) || !SlotsFit(e->after.tables, false) || e->after.judge.bytes.size() / 8 > 4096)) return "bad pid slots";
  if (e->filter.bytes.size() / 8 > 4096 || e->judge.bytes.size() / 8 > 4096) return "filter too long";
  return "";
}

}  // namespace seccomp_scopes
