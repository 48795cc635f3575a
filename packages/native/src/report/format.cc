// The report formatter (format.h has the contract; report-tables.h the
// layout it reads): the call with its decoded arguments, the promise sets
// that would have allowed it, and the text or JSON line around them.

#include "format.h"

#include <cstring>

#include "foreign-abi-names.h"

namespace seccomp_scopes {

using namespace report;  // the layout's names: spec_field::, kind::, ... (this file only)

namespace {

uint64_t ConstValue(const Tables& t, uint32_t i) { return t.Q(t.Const(i) + constant_field::value); }
uint32_t PromiseNameOf(const Tables& t, uint32_t i) { return t.W(t.PromiseName(i) + promise_name_field::name); }

// Appends to a fixed buffer; past its end, characters are dropped and
// `overflow` is set. Async-signal-safe.
struct Out {
  char* buf;
  size_t cap;
  size_t len = 0;
  bool overflow = false;

  void Put(char c) {
    if (len < cap) buf[len++] = c; else overflow = true;
  }
  void Puts(const char* s) { while (*s) Put(*s++); }
  void PutN(const char* s, size_t n) { for (size_t i = 0; i < n; i++) Put(s[i]); }
  void Unsigned(uint64_t v, unsigned base) {
    char tmp[24];
    int n = 0;
    do {
      tmp[n++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v != 0);
    while (n > 0) Put(tmp[--n]);
  }
  void Signed(int64_t v) {
    if (v < 0) {
      Put('-');
      Unsigned(static_cast<uint64_t>(0) - static_cast<uint64_t>(v), 10);
    } else {
      Unsigned(static_cast<uint64_t>(v), 10);
    }
  }
  void Hex(uint64_t v) { Puts("0x"); Unsigned(v, 16); }
  // A string as a JSON string body (no quotes).
  void Json(const char* s, size_t n) {
    for (size_t i = 0; i < n; i++) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\') { Put('\\'); Put(static_cast<char>(c)); }
      else if (c == '\n') Puts("\\n");
      else if (c == '\t') Puts("\\t");
      else if (c < 0x20 || c == 0x7f) { Puts("\\u00"); Put("0123456789abcdef"[c >> 4]); Put("0123456789abcdef"[c & 15]); }
      else Put(static_cast<char>(c));
    }
  }
  void Json(const char* s) { Json(s, std::strlen(s)); }
};

size_t Strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

// ------------------------------------------------------------------ formatting

uint64_t Fit(uint64_t v, uint32_t width) { return width == 32 ? (v & 0xffffffffu) : v; }

bool GuardHolds(const Tables& t, size_t s, const uint64_t* args) {
  const uint32_t op = SpecGuardOp(t.W(s + spec_field::packed));
  if (op == guard_op::none) return true;
  const uint64_t v = args[t.W(s + spec_field::guardArg)] & t.Q(s + spec_field::guardMask);
  return op == guard_op::equals ? v == t.Q(s + spec_field::guardValue) : v != 0;
}

// A symbolic value: enum part, then flags, unknown bits in hex.
void Symbolic(const Tables& t, size_t s, uint64_t v, uint32_t width, Out* out) {
  const uint32_t en_start = t.W(s + spec_field::enumStart), en_count = t.W(s + spec_field::enumCount);
  const uint32_t fl_start = t.W(s + spec_field::flagStart), fl_count = t.W(s + spec_field::flagCount);
  const uint64_t enum_mask = t.Q(s + spec_field::enumMask);
  const bool hex_fallback = t.W(s + spec_field::fallback) == fallback::hex;
  bool first = true;
  auto sep = [&]() { if (!first) out->Put('|'); first = false; };

  uint64_t rest = v & ~enum_mask;
  if (en_count > 0) {
    const uint64_t e = v & enum_mask;
    bool found = false;
    for (uint32_t i = 0; i < en_count; i++) {
      const size_t c = t.Const(en_start + i);
      if (t.Q(c + constant_field::value) == e) {
        sep();
        out->Puts(t.Str(t.W(c + constant_field::name)));
        found = true;
        break;
      }
    }
    if (!found && (e != 0 || fl_count == 0 || rest == 0)) {
      sep();
      if (hex_fallback) out->Hex(e);
      else if (enum_mask == Fit(~0ull, width)) out->Signed(width == 32 ? static_cast<int32_t>(e) : static_cast<int64_t>(e));
      else out->Unsigned(e, 10);
    }
  }
  if (fl_count > 0) {
    // Greedy over flags sorted by bit count (composite names first), then
    // printed in ascending value.
    uint32_t chosen[64];
    int n = 0;
    uint64_t left = rest;
    for (uint32_t i = 0; i < fl_count && left != 0; i++) {
      const uint64_t f = t.Q(t.Const(fl_start + i) + constant_field::value);
      if (f != 0 && (left & f) == f) {
        chosen[n++] = fl_start + i;
        left &= ~f;
      }
    }
    for (int i = 1; i < n; i++) {
      for (int j = i; j > 0 && ConstValue(t, chosen[j - 1]) > ConstValue(t, chosen[j]); j--) {
        const uint32_t x = chosen[j];
        chosen[j] = chosen[j - 1];
        chosen[j - 1] = x;
      }
    }
    for (int i = 0; i < n; i++) {
      sep();
      out->Puts(t.Str(t.W(t.Const(chosen[i]) + constant_field::name)));
    }
    if (left != 0) {
      sep();
      out->Hex(left);
    }
    if (first && en_count == 0) {
      // Zero: a zero-valued name of the family (PROT_NONE), else 0.
      for (uint32_t i = 0; i < fl_count; i++) {
        const size_t c = t.Const(fl_start + i);
        if (t.Q(c + constant_field::value) == 0) {
          sep();
          out->Puts(t.Str(t.W(c + constant_field::name)));
          break;
        }
      }
      if (first) { sep(); out->Put('0'); }
    }
  } else if (first) {
    sep();
    out->Put('0');
  }
}

// A path string, quoted, with C escapes for quotes, backslashes and control bytes.
void QuotedPath(const char* p, size_t n, Out* out) {
  out->Put('"');
  for (size_t i = 0; i < n; i++) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '"' || c == '\\') { out->Put('\\'); out->Put(static_cast<char>(c)); }
    else if (c == '\n') out->Puts("\\n");
    else if (c == '\t') out->Puts("\\t");
    else if (c < 0x20 || c == 0x7f) { out->Puts("\\x"); out->Put("0123456789abcdef"[c >> 4]); out->Put("0123456789abcdef"[c & 15]); }
    else out->Put(static_cast<char>(c));
  }
  out->Put('"');
}

// The call, `openat(AT_FDCWD, flags=O_RDONLY)`, into `out`; the span of each
// shown argument is recorded (start, end) for the JSON `args`.
int FormatCall(const Tables& t, const Violation& v, Out* out, size_t spans[][2]) {
  size_t rec = 0;
  const bool known = FindSyscall(t, v.nr, &rec);
  if (known) {
    out->Puts(t.Str(t.W(rec + syscall_field::name)));
  } else {
    out->Puts("nr_");
    out->Unsigned(v.nr, 10);
  }
  out->Put('(');
  int shown = 0;
  if (known) {
    const uint32_t start = t.W(rec + syscall_field::specStart), count = t.W(rec + syscall_field::specCount);
    bool done[6] = {false, false, false, false, false, false};
    for (uint32_t i = 0; i < count; i++) {
      const size_t s = t.Spec(start + i);
      const uint32_t packed = t.W(s + spec_field::packed);
      const uint32_t arg = SpecArg(packed), k = SpecKind(packed), width = SpecWidth(packed);
      if (done[arg] || !GuardHolds(t, s, v.args)) continue;
      if (k == kind::path && v.path == nullptr) continue;
      done[arg] = true;
      if (shown > 0) out->Puts(", ");
      const size_t begin = out->len;
      const uint32_t label = t.W(s + spec_field::label);
      if (label != kNone) {
        out->Puts(t.Str(label));
        out->Put('=');
      }
      const uint64_t x = Fit(v.args[arg], width);
      switch (k) {
        case kind::dec: out->Signed(width == 32 ? static_cast<int32_t>(static_cast<uint32_t>(x)) : static_cast<int64_t>(x)); break;
        case kind::hex: out->Hex(x); break;
        case kind::oct: out->Put('0'); if (x != 0) out->Unsigned(x, 8); break;
        case kind::ptr: if (x == 0) out->Puts("NULL"); else out->Hex(x); break;
        case kind::path: QuotedPath(v.path, v.path_len, out); break;
        case kind::sym: Symbolic(t, s, x, width, out); break;
      }
      if (shown < 6) {
        spans[shown][0] = begin;
        spans[shown][1] = out->len;
      }
      shown++;
    }
  }
  out->Put(')');
  return shown;
}

// The promise sets that would have allowed the call (see violationNeeds in
// core): the matching rules' sets in order, only the `handled` ones when any
// handled rule matches (the nscd probe points to getpw/dns, not to unix),
// each without the promises already in force (unless one set is wholly in
// force), without duplicates and supersets.
bool RuleMatches(const Tables& t, size_t r, const Violation& v) {
  const uint32_t cstart = t.W(r + rule_field::condStart), ccount = t.W(r + rule_field::condCount);
  for (uint32_t k = 0; k < ccount; k++) {
    const size_t c = t.Cond(cstart + k);
    const uint64_t x = Fit(v.args[t.W(c + condition_field::arg)], t.W(c + condition_field::width)) & t.Q(c + condition_field::mask);
    bool hit = false;
    const uint32_t vstart = t.W(c + condition_field::valueStart), vcount = t.W(c + condition_field::valueCount);
    for (uint32_t j = 0; j < vcount && !hit; j++) hit = t.Q(t.Val(vstart + j) + value_field::value) == x;
    if (t.W(c + condition_field::negate) ? hit : !hit) return false;
  }
  return true;
}

int Needs(const Tables& t, const Violation& v, uint32_t* sets, int max) {
  size_t rec = 0;
  if (!FindSyscall(t, v.nr, &rec)) return 0;
  const uint32_t start = t.W(rec + syscall_field::ruleStart), count = t.W(rec + syscall_field::ruleCount);
  bool handled_only = false;
  for (uint32_t i = 0; i < count && !handled_only; i++) {
    const size_t r = t.Rule(start + i);
    handled_only = t.W(r + rule_field::handled) != 0 && RuleMatches(t, r, v);
  }
  // A matching set wholly in force (another, stricter filter refused the
  // call): nothing is missing, so the full sets are shown.
  uint32_t in_force = t.in_force;
  for (uint32_t i = 0; i < count && in_force != 0; i++) {
    const size_t r = t.Rule(start + i);
    if (handled_only && t.W(r + rule_field::handled) == 0) continue;
    if ((t.W(r + rule_field::promises) & ~t.in_force) == 0 && RuleMatches(t, r, v)) in_force = 0;
  }
  int n = 0;
  for (uint32_t i = 0; i < count; i++) {
    const size_t r = t.Rule(start + i);
    if (handled_only && t.W(r + rule_field::handled) == 0) continue;
    if (!RuleMatches(t, r, v)) continue;
    const uint32_t bits = t.W(r + rule_field::promises) & ~in_force;
    if (bits == 0) continue;
    bool dup = false;
    for (int j = 0; j < n && !dup; j++) dup = sets[j] == bits;
    if (!dup && n < max) sets[n++] = bits;
  }
  int m = 0;
  for (int i = 0; i < n; i++) {
    bool superset = false;
    for (int j = 0; j < n && !superset; j++) superset = j != i && (sets[j] & sets[i]) == sets[j] && sets[j] != sets[i];
    if (!superset) sets[m++] = sets[i];
  }
  return m;
}

void PromiseSet(const Tables& t, uint32_t bits, bool json, Out* out) {
  bool first = true;
  for (uint32_t i = 0; i < t.prom_count; i++) {
    if (!(bits & (1u << i))) continue;
    if (json) {
      if (!first) out->Put(',');
      out->Put('"');
      out->Json(t.Str(PromiseNameOf(t, i)));
      out->Put('"');
    } else {
      if (!first) out->Put(' ');
      out->Puts(t.Str(PromiseNameOf(t, i)));
    }
    first = false;
  }
}

// The text after "blocked " for a foreign-ABI call: "<abi> syscall <nr> (<name>)".
// The text line's start: `comm[pid]: pledge "promises` (the caller adds the verb).
void LinePrefix(const Tables& t, const Violation& v, Out* out) {
  const char* comm = v.comm ? v.comm : t.Str(t.comm);
  const size_t comm_len = v.comm ? v.comm_len : Strlen(comm);
  for (size_t i = 0; i < comm_len; i++) {
    const unsigned char c = static_cast<unsigned char>(comm[i]);
    out->Put(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  out->Put('[');
  out->Signed(v.pid);
  out->Puts("]: pledge \"");
  out->Puts(t.Str(t.promises));
}

// The JSON "raw" array's contents: the six argument registers in hex.
void RawArgs(const Violation& v, Out* out) {
  for (int i = 0; i < 6; i++) {
    if (i > 0) out->Put(',');
    out->Put('"');
    out->Hex(v.args[i]);
    out->Put('"');
  }
}

void ForeignCall(const Tables& t, const Violation& v, const char* abi, Out* out) {
  out->Puts(abi);
  out->Puts(" syscall ");
  if (std::strcmp(abi, "x32") == 0) out->Hex(v.nr); else out->Unsigned(v.nr, 10);
  if (std::strcmp(abi, "foreign") == 0) {
    out->Puts(" (audit arch ");
    out->Hex(v.audit_arch);
    out->Put(')');
  }
  const char* name = ForeignSyscallName(t, v.audit_arch, v.nr);
  if (name) {
    out->Puts(" (");
    out->Puts(name);
    out->Put(')');
  }
}

template <size_t N>
const char* FindName(const foreign_abi::Name (&names)[N], uint32_t nr) {
  size_t lo = 0, hi = N;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (names[mid].nr == nr) return names[mid].name;
    if (names[mid].nr < nr) lo = mid + 1; else hi = mid;
  }
  return nullptr;
}

constexpr uint32_t kAuditArchX86_64 = 0xc000003e, kAuditArchI386 = 0x40000003;
constexpr uint32_t kAuditArchAarch64 = 0xc00000b7, kAuditArchArm = 0x40000028;
constexpr uint32_t kX32SyscallBit = 0x40000000;

}  // namespace

const char* ForeignAbiName(const Tables& t, uint32_t audit_arch, uint32_t nr) {
  const uint32_t arch = audit_arch == 0 ? t.audit_arch : audit_arch;
  if (arch == t.audit_arch) return t.audit_arch == kAuditArchX86_64 && (nr & kX32SyscallBit) ? "x32" : nullptr;
  if (t.audit_arch == kAuditArchX86_64 && arch == kAuditArchI386) return "i386";
  if (t.audit_arch == kAuditArchAarch64 && arch == kAuditArchArm) return "AArch32";
  return "foreign";
}

const char* ForeignSyscallName(const Tables& t, uint32_t audit_arch, uint32_t nr) {
  const char* abi = ForeignAbiName(t, audit_arch, nr);
  if (abi == nullptr) return nullptr;
  if (std::strcmp(abi, "i386") == 0) return FindName(foreign_abi::kI386Names, nr);
  if (std::strcmp(abi, "x32") == 0) return FindName(foreign_abi::kX32Names, nr & ~kX32SyscallBit);
  if (std::strcmp(abi, "AArch32") == 0) return FindName(foreign_abi::kArmEabiNames, nr);
  return nullptr;
}

namespace {

size_t FormatForeign(const Tables& t, const Violation& v, const char* abi, bool json, char* buf, size_t cap,
                     char* scratch, size_t scratch_cap) {
  Out call{scratch, scratch_cap};
  ForeignCall(t, v, abi, &call);
  const char* comm = v.comm ? v.comm : t.Str(t.comm);
  const size_t comm_len = v.comm ? v.comm_len : Strlen(comm);
  Out out{buf, cap > 0 ? cap - 1 : 0};
  if (!json) {
    LinePrefix(t, v, &out);
    out.Puts("\" blocked ");
    out.PutN(call.buf, call.len);
    out.Puts("; no promise allows a foreign ABI");
  } else {
    const char* name = ForeignSyscallName(t, v.audit_arch, v.nr);
    out.Puts("{\"process\":\"");
    out.Json(comm, comm_len);
    out.Puts("\",\"pid\":");
    out.Signed(v.pid);
    out.Puts(",\"tid\":");
    out.Signed(v.tid);
    out.Puts(",\"syscall\":");
    if (name) {
      out.Put('"');
      out.Json(name);
      out.Put('"');
    } else {
      out.Puts("null");
    }
    out.Puts(",\"nr\":");
    out.Unsigned(v.nr, 10);
    out.Puts(",\"arch\":\"");
    out.Json(t.Str(t.arch));
    out.Puts("\",\"abi\":\"");
    out.Json(abi);
    out.Puts("\",\"args\":[],\"raw\":[");
    RawArgs(v, &out);
    out.Puts("],\"call\":\"");
    out.Json(call.buf, call.len);
    out.Puts("\",\"promises\":\"");
    out.Json(t.Str(t.promises));
    out.Puts("\",\"needs\":[],\"penalty\":\"kill\"}");
  }
  buf[out.len++] = '\n';
  return out.len;
}

}  // namespace

size_t FormatReport(const Tables& t, const Violation& v, bool json, const Penalty& penalty,
                    char* buf, size_t cap, char* scratch, size_t scratch_cap) {
  if (const char* abi = ForeignAbiName(t, v.audit_arch, v.nr)) return FormatForeign(t, v, abi, json, buf, cap, scratch, scratch_cap);
  Out call{scratch, scratch_cap};
  size_t spans[6][2];
  const int shown = FormatCall(t, v, &call, spans);
  uint32_t sets[64];
  const int nsets = Needs(t, v, sets, 64);
  const char* comm = v.comm ? v.comm : t.Str(t.comm);
  const size_t comm_len = v.comm ? v.comm_len : Strlen(comm);

  Out out{buf, cap > 0 ? cap - 1 : 0};  // one byte kept for the newline
  if (!json) {
    LinePrefix(t, v, &out);
    out.Puts(v.refused_errno ? "\" refused " : "\" blocked ");
    out.PutN(call.buf, call.len);
    if (call.overflow) out.Puts("...");
    if (v.refused_errno) {
      out.Puts(" with ");
      out.Puts(v.refused_errno);
    }
    if (nsets == 0) {
      out.Puts("; no promise allows this");
    } else {
      out.Puts("; it needs ");
      for (int i = 0; i < nsets; i++) {
        if (i > 0) out.Puts(" or ");
        out.Put('"');
        PromiseSet(t, sets[i], false, &out);
        out.Put('"');
      }
    }
  } else {
    size_t rec = 0;
    const bool known = FindSyscall(t, v.nr, &rec);
    out.Puts("{\"process\":\"");
    out.Json(comm, comm_len);
    out.Puts("\",\"pid\":");
    out.Signed(v.pid);
    out.Puts(",\"tid\":");
    out.Signed(v.tid);
    out.Puts(",\"syscall\":");
    if (known) {
      out.Put('"');
      out.Json(t.Str(t.W(rec + syscall_field::name)));
      out.Put('"');
    } else {
      out.Puts("null");
    }
    out.Puts(",\"nr\":");
    out.Unsigned(v.nr, 10);
    out.Puts(",\"arch\":\"");
    out.Json(t.Str(t.arch));
    out.Puts("\",\"args\":[");
    for (int i = 0; i < shown && i < 6; i++) {
      if (i > 0) out.Put(',');
      out.Put('"');
      out.Json(call.buf + spans[i][0], (spans[i][1] > call.len ? call.len : spans[i][1]) - spans[i][0]);
      out.Put('"');
    }
    out.Puts("],\"raw\":[");
    RawArgs(v, &out);
    out.Puts("],\"call\":\"");
    out.Json(call.buf, call.len);
    out.Puts("\",\"promises\":\"");
    out.Json(t.Str(t.promises));
    out.Puts("\",\"needs\":[");
    for (int i = 0; i < nsets; i++) {
      if (i > 0) out.Put(',');
      out.Put('[');
      PromiseSet(t, sets[i], true, &out);
      out.Put(']');
    }
    out.Puts("],\"penalty\":\"");
    out.Json(penalty.name);
    out.Put('"');
    if (penalty.errno_name && penalty.errno_name[0]) {
      out.Puts(",\"errno\":\"");
      out.Json(penalty.errno_name);
      out.Put('"');
    }
    out.Put('}');
  }
  if (out.overflow && out.cap >= 3) {
    out.len = out.cap - 3;
    out.buf[out.len++] = '.';
    out.buf[out.len++] = '.';
    out.buf[out.len++] = '.';
  }
  buf[out.len++] = '\n';
  return out.len;
}

}  // namespace seccomp_scopes
