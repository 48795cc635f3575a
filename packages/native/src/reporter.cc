// Violation reports: the SIGSYS handler behind pledge()'s penalties, and the
// same formatter callable from JavaScript.
//
// pledge() compiles its filter with SECCOMP_RET_TRAP as the penalty. The
// kernel then skips the offending syscall and sends SIGSYS to the thread that
// made it, with si_syscall, si_arch and the registers (seccomp(2)). The
// handler below:
//
//   1. formats ONE line from tables built in TypeScript at pledge() time
//      (@seccomp-scopes/core buildReportTables) and copied here; no malloc,
//      no stdio, no locks: only stack buffers and raw syscalls;
//   2. writes it to the report descriptor (write(2), allowed by the filter);
//   3. kill mode: calls exit_group(REPORT_EXIT_MAGIC), which the filter turns
//      into SECCOMP_RET_KILL_PROCESS, so every thread dies by SIGSYS;
//      errno mode: stores -errno in the return register and returns, so the
//      syscall appears to fail; each syscall is reported once.
//
// rt_sigaction(SIGSYS, act != NULL) is trapped too (reporterRules): the
// handler answers it with success, fills `oact` with its own action and stays
// in place. A SIGSYS that does not come from seccomp (kill -SYS) ends the
// process by SIGSYS as the default action would.
//
// The handler may run on any thread (the libuv threadpool, a Worker, a native
// thread) while the JS thread is busy. The tables it reads are published with
// an atomic pointer and never freed (a later pledge() publishes new ones).

#include <napi.h>

#include "common.h"  // ThrowErrno, ThrowInvalid
#include "raw-syscall.h"  // RawSyscall
#include "ring-replay.h"  // ReplayRingEnter

#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1  // si_code of a seccomp SIGSYS (asm-generic/siginfo.h)
#endif

namespace {

using seccomp_scopes::ThrowErrno;
using seccomp_scopes::ThrowInvalid;
using seccomp_scopes::RawSyscall;

// ------------------------------------------------------------------ tables

constexpr uint32_t kTablesMagic = 0x54525353;  // 'SSRT'
constexpr uint32_t kTablesVersion = 1;
constexpr uint32_t kNone = 0xffffffff;
constexpr uint32_t kHeaderWords = 28;

enum Kind : uint32_t { kDec = 1, kHex = 2, kOct = 3, kSym = 4, kPtr = 5, kPath = 6 };

// A validated view of the tables (see buildReportTables for the layout).
// Every offset and count was checked by Parse(); readers trust them.
struct Tables {
  const uint8_t* base = nullptr;
  size_t size = 0;
  uint32_t audit_arch = 0, pid = 0;
  uint32_t str_off = 0, str_len = 0;
  uint32_t sys_off = 0, sys_count = 0;
  uint32_t spec_off = 0, spec_count = 0;
  uint32_t const_off = 0, const_count = 0;
  uint32_t rule_off = 0, rule_count = 0;
  uint32_t cond_off = 0, cond_count = 0;
  uint32_t val_off = 0, val_count = 0;
  uint32_t prom_off = 0, prom_count = 0;
  uint32_t promises = kNone, comm = kNone, arch = kNone, penalty = kNone, errno_name = kNone;

  uint32_t W(size_t off) const {
    uint32_t v;
    std::memcpy(&v, base + off, 4);
    return v;
  }
  uint64_t Q(size_t off) const { return W(off) | (static_cast<uint64_t>(W(off + 4)) << 32); }
  const char* Str(uint32_t ref) const { return ref == kNone ? "" : reinterpret_cast<const char*>(base + str_off + ref); }

  // Records.
  size_t Sys(uint32_t i) const { return sys_off + 24u * i; }
  size_t Spec(uint32_t i) const { return spec_off + 56u * i; }
  size_t Const(uint32_t i) const { return const_off + 16u * i; }
  size_t Rule(uint32_t i) const { return rule_off + 16u * i; }
  size_t Cond(uint32_t i) const { return cond_off + 32u * i; }
  size_t Val(uint32_t i) const { return val_off + 8u * i; }
};

bool InRange(uint64_t off, uint64_t count, uint64_t rec, uint64_t size) {
  return off % 4 == 0 && off <= size && count <= (size - off) / (rec == 0 ? 1 : rec);
}
bool RangeOk(uint32_t start, uint32_t count, uint32_t total) {
  return static_cast<uint64_t>(start) + count <= total;
}

// Checks everything the formatter will rely on. Returns an error message or nullptr.
const char* Parse(const uint8_t* data, size_t size, Tables* t) {
  if (size < kHeaderWords * 4) return "report tables are too short";
  t->base = data;
  t->size = size;
  if (t->W(0) != kTablesMagic) return "report tables: bad magic (built for another byte order, or not report tables)";
  if (t->W(1 * 4) != kTablesVersion) return "report tables: unsupported version";
  if (t->W(2 * 4) != size) return "report tables: the size in the header does not match";
  t->audit_arch = t->W(3 * 4);
  t->pid = t->W(4 * 4);
  t->str_off = t->W(6 * 4); t->str_len = t->W(7 * 4);
  t->sys_off = t->W(8 * 4); t->sys_count = t->W(9 * 4);
  t->spec_off = t->W(10 * 4); t->spec_count = t->W(11 * 4);
  t->const_off = t->W(12 * 4); t->const_count = t->W(13 * 4);
  t->rule_off = t->W(14 * 4); t->rule_count = t->W(15 * 4);
  t->cond_off = t->W(16 * 4); t->cond_count = t->W(17 * 4);
  t->val_off = t->W(18 * 4); t->val_count = t->W(19 * 4);
  t->prom_off = t->W(20 * 4); t->prom_count = t->W(21 * 4);
  t->promises = t->W(22 * 4); t->comm = t->W(23 * 4); t->arch = t->W(24 * 4);
  t->penalty = t->W(25 * 4); t->errno_name = t->W(26 * 4);
  if (!InRange(t->str_off, t->str_len, 1, size) || t->str_len == 0) return "report tables: bad string pool";
  if (t->base[t->str_off + t->str_len - 1] != 0) return "report tables: the string pool is not terminated";
  if (!InRange(t->sys_off, t->sys_count, 24, size) || !InRange(t->spec_off, t->spec_count, 56, size) ||
      !InRange(t->const_off, t->const_count, 16, size) || !InRange(t->rule_off, t->rule_count, 16, size) ||
      !InRange(t->cond_off, t->cond_count, 32, size) || !InRange(t->val_off, t->val_count, 8, size) ||
      !InRange(t->prom_off, t->prom_count, 4, size)) {
    return "report tables: a section lies outside the tables";
  }
  if (t->prom_count > 32) return "report tables: more than 32 promises";
  auto str_ok = [&](uint32_t ref, bool optional) { return (optional && ref == kNone) || ref < t->str_len; };
  if (!str_ok(t->promises, false) || !str_ok(t->comm, false) || !str_ok(t->arch, false) ||
      !str_ok(t->penalty, false) || !str_ok(t->errno_name, true)) {
    return "report tables: a header string is outside the pool";
  }
  for (uint32_t i = 0; i < t->prom_count; i++) {
    if (!str_ok(t->W(t->prom_off + 4u * i), false)) return "report tables: a promise name is outside the pool";
  }
  uint32_t prev_nr = 0;
  for (uint32_t i = 0; i < t->sys_count; i++) {
    const size_t r = t->Sys(i);
    const uint32_t nr = t->W(r);
    if (i > 0 && nr <= prev_nr) return "report tables: syscalls are not sorted by number";
    prev_nr = nr;
    if (!str_ok(t->W(r + 4), false)) return "report tables: a syscall name is outside the pool";
    if (!RangeOk(t->W(r + 8), t->W(r + 12), t->spec_count)) return "report tables: a syscall's specs are out of range";
    if (!RangeOk(t->W(r + 16), t->W(r + 20), t->rule_count)) return "report tables: a syscall's rules are out of range";
  }
  for (uint32_t i = 0; i < t->spec_count; i++) {
    const size_t s = t->Spec(i);
    const uint32_t w0 = t->W(s);
    const uint32_t arg = w0 & 0xff, kind = (w0 >> 8) & 0xff, width = (w0 >> 16) & 0xff, op = w0 >> 24;
    if (arg > 5 || kind < kDec || kind > kPath || (width != 32 && width != 64) || op > 2 || t->W(s + 32) > 5) {
      return "report tables: a bad argument spec";
    }
    if (!str_ok(t->W(s + 4), true)) return "report tables: a spec label is outside the pool";
    if (!RangeOk(t->W(s + 8), t->W(s + 12), t->const_count) || !RangeOk(t->W(s + 16), t->W(s + 20), t->const_count)) {
      return "report tables: a spec's constants are out of range";
    }
    if (t->W(s + 20) > 64) return "report tables: more than 64 flags in a family";
  }
  for (uint32_t i = 0; i < t->const_count; i++) {
    if (!str_ok(t->W(t->Const(i) + 8), false)) return "report tables: a constant name is outside the pool";
  }
  for (uint32_t i = 0; i < t->rule_count; i++) {
    const size_t r = t->Rule(i);
    if (t->prom_count < 32 && (t->W(r) >> t->prom_count) != 0) return "report tables: a rule names an unknown promise";
    if (!RangeOk(t->W(r + 4), t->W(r + 8), t->cond_count)) return "report tables: a rule's conditions are out of range";
  }
  for (uint32_t i = 0; i < t->cond_count; i++) {
    const size_t c = t->Cond(i);
    if (t->W(c) > 5 || (t->W(c + 4) != 32 && t->W(c + 4) != 64) || t->W(c + 8) > 1 ||
        !RangeOk(t->W(c + 12), t->W(c + 16), t->val_count)) {
      return "report tables: a bad condition";
    }
  }
  return nullptr;
}

// Finds the syscall record of `nr`, or returns false.
bool FindSyscall(const Tables& t, uint32_t nr, size_t* rec) {
  uint32_t lo = 0, hi = t.sys_count;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const uint32_t v = t.W(t.Sys(mid));
    if (v == nr) {
      *rec = t.Sys(mid);
      return true;
    }
    if (v < nr) lo = mid + 1; else hi = mid;
  }
  return false;
}

// ------------------------------------------------------------------ output

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

struct Violation {
  uint32_t nr = 0;
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  int64_t pid = 0, tid = 0;
  const char* comm = nullptr;  // null: the tables' comm
  size_t comm_len = 0;
  const char* path = nullptr;  // null: unknown
  size_t path_len = 0;
};

struct Penalty {
  const char* name;        // "kill" | "errno"
  const char* errno_name;  // with "errno"
};

uint64_t Fit(uint64_t v, uint32_t width) { return width == 32 ? (v & 0xffffffffu) : v; }

bool GuardHolds(const Tables& t, size_t s, const uint64_t* args) {
  const uint32_t op = t.W(s) >> 24;
  if (op == 0) return true;
  const uint64_t v = args[t.W(s + 32)] & t.Q(s + 40);
  return op == 1 ? v == t.Q(s + 48) : v != 0;
}

// A symbolic value: enum part, then flags, unknown bits in hex.
void Symbolic(const Tables& t, size_t s, uint64_t v, uint32_t width, Out* out) {
  const uint32_t en_start = t.W(s + 8), en_count = t.W(s + 12);
  const uint32_t fl_start = t.W(s + 16), fl_count = t.W(s + 20);
  const uint64_t enum_mask = t.Q(s + 24);
  const bool hex_fallback = t.W(s + 36) == 1;
  bool first = true;
  auto sep = [&]() { if (!first) out->Put('|'); first = false; };

  uint64_t rest = v & ~enum_mask;
  if (en_count > 0) {
    const uint64_t e = v & enum_mask;
    bool found = false;
    for (uint32_t i = 0; i < en_count; i++) {
      const size_t c = t.Const(en_start + i);
      if (t.Q(c) == e) {
        sep();
        out->Puts(t.Str(t.W(c + 8)));
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
      const uint64_t f = t.Q(t.Const(fl_start + i));
      if (f != 0 && (left & f) == f) {
        chosen[n++] = fl_start + i;
        left &= ~f;
      }
    }
    for (int i = 1; i < n; i++) {
      for (int j = i; j > 0 && t.Q(t.Const(chosen[j - 1])) > t.Q(t.Const(chosen[j])); j--) {
        const uint32_t x = chosen[j];
        chosen[j] = chosen[j - 1];
        chosen[j - 1] = x;
      }
    }
    for (int i = 0; i < n; i++) {
      sep();
      out->Puts(t.Str(t.W(t.Const(chosen[i]) + 8)));
    }
    if (left != 0) {
      sep();
      out->Hex(left);
    }
    if (first && en_count == 0) {
      // Zero: a zero-valued name of the family (PROT_NONE), else 0.
      for (uint32_t i = 0; i < fl_count; i++) {
        const size_t c = t.Const(fl_start + i);
        if (t.Q(c) == 0) {
          sep();
          out->Puts(t.Str(t.W(c + 8)));
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
    out->Puts(t.Str(t.W(rec + 4)));
  } else {
    out->Puts("nr_");
    out->Unsigned(v.nr, 10);
  }
  out->Put('(');
  int shown = 0;
  if (known) {
    const uint32_t start = t.W(rec + 8), count = t.W(rec + 12);
    bool done[6] = {false, false, false, false, false, false};
    for (uint32_t i = 0; i < count; i++) {
      const size_t s = t.Spec(start + i);
      const uint32_t w0 = t.W(s);
      const uint32_t arg = w0 & 0xff, kind = (w0 >> 8) & 0xff, width = (w0 >> 16) & 0xff;
      if (done[arg] || !GuardHolds(t, s, v.args)) continue;
      if (kind == kPath && v.path == nullptr) continue;
      done[arg] = true;
      if (shown > 0) out->Puts(", ");
      const size_t begin = out->len;
      const uint32_t label = t.W(s + 4);
      if (label != kNone) {
        out->Puts(t.Str(label));
        out->Put('=');
      }
      const uint64_t x = Fit(v.args[arg], width);
      switch (kind) {
        case kDec: out->Signed(width == 32 ? static_cast<int32_t>(static_cast<uint32_t>(x)) : static_cast<int64_t>(x)); break;
        case kHex: out->Hex(x); break;
        case kOct: out->Put('0'); if (x != 0) out->Unsigned(x, 8); break;
        case kPtr: if (x == 0) out->Puts("NULL"); else out->Hex(x); break;
        case kPath: QuotedPath(v.path, v.path_len, out); break;
        case kSym: Symbolic(t, s, x, width, out); break;
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
// core): matching rules' sets in order, without duplicates and supersets.
int Needs(const Tables& t, const Violation& v, uint32_t* sets, int max) {
  size_t rec = 0;
  if (!FindSyscall(t, v.nr, &rec)) return 0;
  const uint32_t start = t.W(rec + 16), count = t.W(rec + 20);
  int n = 0;
  for (uint32_t i = 0; i < count; i++) {
    const size_t r = t.Rule(start + i);
    bool match = true;
    const uint32_t cstart = t.W(r + 4), ccount = t.W(r + 8);
    for (uint32_t k = 0; k < ccount && match; k++) {
      const size_t c = t.Cond(cstart + k);
      const uint64_t x = Fit(v.args[t.W(c)], t.W(c + 4)) & t.Q(c + 20);
      bool hit = false;
      const uint32_t vstart = t.W(c + 12), vcount = t.W(c + 16);
      for (uint32_t j = 0; j < vcount && !hit; j++) hit = t.Q(t.Val(vstart + j)) == x;
      match = t.W(c + 8) ? !hit : hit;
    }
    if (!match) continue;
    const uint32_t bits = t.W(r);
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
      out->Json(t.Str(t.W(t.prom_off + 4u * i)));
      out->Put('"');
    } else {
      if (!first) out->Put(' ');
      out->Puts(t.Str(t.W(t.prom_off + 4u * i)));
    }
    first = false;
  }
}

// One report line, newline included, into buf (cap bytes). `scratch` holds
// the call text while the line is assembled. Returns the length written.
size_t FormatReport(const Tables& t, const Violation& v, bool json, const Penalty& penalty,
                    char* buf, size_t cap, char* scratch, size_t scratch_cap) {
  Out call{scratch, scratch_cap};
  size_t spans[6][2];
  const int shown = FormatCall(t, v, &call, spans);
  uint32_t sets[64];
  const int nsets = Needs(t, v, sets, 64);
  const char* comm = v.comm ? v.comm : t.Str(t.comm);
  const size_t comm_len = v.comm ? v.comm_len : Strlen(comm);

  Out out{buf, cap > 0 ? cap - 1 : 0};  // one byte kept for the newline
  if (!json) {
    for (size_t i = 0; i < comm_len; i++) {
      const unsigned char c = static_cast<unsigned char>(comm[i]);
      out.Put(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    }
    out.Put('[');
    out.Signed(v.pid);
    out.Puts("]: pledge \"");
    out.Puts(t.Str(t.promises));
    out.Puts("\" blocked ");
    out.PutN(call.buf, call.len);
    if (call.overflow) out.Puts("...");
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
      out.Json(t.Str(t.W(rec + 4)));
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
    for (int i = 0; i < 6; i++) {
      if (i > 0) out.Put(',');
      out.Put('"');
      out.Hex(v.args[i]);
      out.Put('"');
    }
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

#if defined(__x86_64__) || defined(__aarch64__)
constexpr bool kHandlerSupported = true;
#else
constexpr bool kHandlerSupported = false;
#endif

void ReadArgs(const ucontext_t* uc, uint64_t* args) {
#if defined(__x86_64__)
  const greg_t* g = uc->uc_mcontext.gregs;
  args[0] = static_cast<uint64_t>(g[REG_RDI]);
  args[1] = static_cast<uint64_t>(g[REG_RSI]);
  args[2] = static_cast<uint64_t>(g[REG_RDX]);
  args[3] = static_cast<uint64_t>(g[REG_R10]);
  args[4] = static_cast<uint64_t>(g[REG_R8]);
  args[5] = static_cast<uint64_t>(g[REG_R9]);
#elif defined(__aarch64__)
  for (int i = 0; i < 6; i++) args[i] = uc->uc_mcontext.regs[i];
#else
  (void)uc;
  for (int i = 0; i < 6; i++) args[i] = 0;
#endif
}

void SetReturn(ucontext_t* uc, long value) {
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = value;
#elif defined(__aarch64__)
  uc->uc_mcontext.regs[0] = static_cast<uint64_t>(value);
#else
  (void)uc;
  (void)value;
#endif
}

// ------------------------------------------------------------------ the handler

// The kernel's struct sigaction for rt_sigaction(2) on x86_64 and aarch64
// (both define SA_RESTORER): what an emulated query returns.
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

struct Reporter {
  std::vector<uint64_t> storage;  // the tables, 8-byte aligned
  Tables tables;
  int fd = 2;
  bool kill = true;
  int errno_value = 0;
  std::string errno_name;
  bool json = false;
  bool quiet = false;
  uint32_t magic = 0;
};

std::atomic<Reporter*> g_reporter{nullptr};
std::atomic<bool> g_dying{false};
std::atomic<uint64_t> g_reported[64];  // one bit per syscall number below 4096 (errno mode)
std::atomic<unsigned long> g_reports{0};
bool g_installed = false;
// What the last installReporter() replaced, for rollbackReporter().
struct Rollback {
  bool valid;
  bool was_installed;
  Reporter* reporter;
} g_rollback = {false, false, nullptr};
struct sigaction g_previous;
KernelSigaction g_kernel_action;

[[noreturn]] void Die(const Reporter* r) {
  // The filter turns exit_group(magic) into SECCOMP_RET_KILL_PROCESS: every
  // thread dies by SIGSYS. Without it the status alone would still read 159.
  for (;;) RawSyscall(SYS_exit_group, r ? static_cast<long>(static_cast<int32_t>(r->magic)) : 128 + SIGSYS);
}

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const long w = RawSyscall(SYS_write, fd, reinterpret_cast<long>(p), static_cast<long>(n));
    if (w == -EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void Report(const Reporter* r, uint32_t nr, const uint64_t* args) {
  Violation v;
  v.nr = nr;
  for (int i = 0; i < 6; i++) v.args[i] = args[i];
  v.pid = RawSyscall(SYS_getpid);
  v.tid = RawSyscall(SYS_gettid);
  char line[4096];
  char scratch[2048];
  const Penalty penalty{r->kill ? "kill" : "errno", r->kill ? "" : r->errno_name.c_str()};
  const size_t n = FormatReport(r->tables, v, r->json, penalty, line, sizeof line, scratch, sizeof scratch);
  WriteAll(r->fd, line, n);
  g_reports.fetch_add(1, std::memory_order_relaxed);
}

void SigsysHandler(int sig, siginfo_t* info, void* context) {
  (void)sig;
  const int saved_errno = errno;
  Reporter* r = g_reporter.load(std::memory_order_acquire);
  auto* uc = static_cast<ucontext_t*>(context);
  if (r == nullptr || info->si_code != SYS_SECCOMP || static_cast<uint32_t>(info->si_arch) != r->tables.audit_arch) {
    Die(r);  // not a seccomp trap: SIGSYS's default action ends the process too
  }
  uint64_t args[6];
  ReadArgs(uc, args);
  const uint32_t nr = static_cast<uint32_t>(info->si_syscall);

  // rt_sigaction(SIGSYS, act != NULL): keep the handler, answer success.
  if (nr == SYS_rt_sigaction && static_cast<int32_t>(args[0]) == SIGSYS && args[1] != 0) {
    if (args[3] != 8) {
      SetReturn(uc, -EINVAL);
    } else {
      if (args[2] != 0) std::memcpy(reinterpret_cast<void*>(args[2]), &g_kernel_action, sizeof g_kernel_action);
      SetReturn(uc, 0);
    }
    errno = saved_errno;
    return;
  }

  // io_uring_enter on a ring adopted before the filter: replayed, never a violation.
  long replayed = 0;
  if (nr == SYS_io_uring_enter && seccomp_scopes::ReplayRingEnter(args, &replayed)) {
    SetReturn(uc, replayed);
    errno = saved_errno;
    return;
  }

  if (r->kill) {
    if (!g_dying.exchange(true) && !r->quiet) Report(r, nr, args);
    Die(r);
  }
  bool first = true;
  if (nr < 64 * 64) {
    const uint64_t bit = 1ull << (nr % 64);
    first = (g_reported[nr / 64].fetch_or(bit) & bit) == 0;
  }
  if (first && !r->quiet) Report(r, nr, args);
  SetReturn(uc, -static_cast<long>(r->errno_value));
  errno = saved_errno;
}

// ------------------------------------------------------------------ JS API

std::vector<uint64_t> CopyTables(Napi::Env env, const Napi::Value& value, const char* what, Tables* t) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalid<Napi::TypeError>(env, std::string(what) + ": tables must be a Uint8Array (buildReportTables)");
  }
  auto bytes = value.As<Napi::Uint8Array>();
  std::vector<uint64_t> storage((bytes.ByteLength() + 7) / 8 + 1, 0);
  std::memcpy(storage.data(), bytes.Data(), bytes.ByteLength());
  if (const char* err = Parse(reinterpret_cast<const uint8_t*>(storage.data()), bytes.ByteLength(), t)) {
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

// formatViolation(tables, { nr, args, pid, tid, comm?, path? }, format): string
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
  Napi::Value c = o.Get("comm");
  if (!c.IsUndefined()) {
    if (!c.IsString()) ThrowInvalid<Napi::TypeError>(env, "formatViolation: comm must be a string");
    comm = c.As<Napi::String>().Utf8Value();
    v.comm = comm.c_str();
    v.comm_len = comm.size();
  }
  Napi::Value p = o.Get("path");
  if (!p.IsUndefined()) {
    if (!p.IsString()) ThrowInvalid<Napi::TypeError>(env, "formatViolation: path must be a string");
    path = p.As<Napi::String>().Utf8Value();
    v.path = path.c_str();
    v.path_len = path.size();
  }
  const bool json = FormatIsJson(env, info[2], "formatViolation");
  const Penalty penalty{t.Str(t.penalty), t.errno_name == kNone ? "" : t.Str(t.errno_name)};
  const size_t extra = 6 * (path.size() + comm.size());
  std::vector<char> scratch(4096 + extra), line(16384 + 2 * extra);
  const size_t n = FormatReport(t, v, json, penalty, line.data(), line.size(), scratch.data(), scratch.size());
  return Napi::String::New(env, line.data(), n > 0 ? n - 1 : 0);  // without the newline
}

// installReporter(tables, { fd, penalty, errno, errnoName, format, quiet, magic }): void
void InstallReporterJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!kHandlerSupported) {
    Napi::Error e = Napi::Error::New(env, "installReporter: the SIGSYS reporter supports x86_64 and aarch64 only");
    e.Set("code", Napi::String::New(env, "ENOTSUP"));
    throw e;
  }
  auto* r = new Reporter();
  try {
    r->storage = CopyTables(env, info[0], "installReporter", &r->tables);
    if (info.Length() < 2 || !info[1].IsObject()) ThrowInvalid<Napi::TypeError>(env, "installReporter: options must be an object");
    Napi::Object o = info[1].As<Napi::Object>();
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
  } catch (...) {
    delete r;
    throw;
  }
  // The strictest penalty wins, as across stacked filters: once kill, always kill.
  Reporter* previous = g_reporter.load(std::memory_order_acquire);
  g_rollback = {true, g_installed, previous};
  if (previous && previous->kill) r->kill = true;
  if (!g_installed) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = SigsysHandler;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    g_reporter.store(r, std::memory_order_release);
    if (sigaction(SIGSYS, &sa, &g_previous) != 0) {
      const int err = errno;
      g_reporter.store(previous, std::memory_order_release);
      delete r;
      ThrowErrno(env, err, "sigaction(SIGSYS)");
    }
    // What an emulated rt_sigaction(SIGSYS) query answers: the kernel's view.
    std::memset(&g_kernel_action, 0, sizeof g_kernel_action);
    RawSyscall(SYS_rt_sigaction, SIGSYS, 0, reinterpret_cast<long>(&g_kernel_action), 8);
    g_installed = true;
  } else {
    g_reporter.store(r, std::memory_order_release);
  }
  // The previous Reporter is kept: a handler on another thread may be reading it.
}

// uninstallReporter(): void — restores the SIGSYS action found by the first
// installReporter(). Only for a pledge() whose filter could not be installed:
// once a trapping filter is in force, the handler must stay.
void UninstallReporterJs(const Napi::CallbackInfo& info) {
  if (!g_installed) return;
  if (sigaction(SIGSYS, &g_previous, nullptr) != 0) ThrowErrno(info.Env(), errno, "sigaction(SIGSYS)");
  g_installed = false;
  g_reporter.store(nullptr, std::memory_order_release);
}

// rollbackReporter(): void — undoes the last installReporter() (the SIGSYS
// action as it was before the first one, or the previous tables), for a
// pledge() whose filter could not be installed.
void RollbackReporterJs(const Napi::CallbackInfo& info) {
  if (!g_rollback.valid) return;
  g_rollback.valid = false;
  if (!g_rollback.was_installed) {
    if (g_installed && sigaction(SIGSYS, &g_previous, nullptr) != 0) ThrowErrno(info.Env(), errno, "sigaction(SIGSYS)");
    g_installed = false;
    g_reporter.store(nullptr, std::memory_order_release);
  } else {
    g_reporter.store(g_rollback.reporter, std::memory_order_release);
  }
}

// reporterState(): { installed, penalty?, errno?, fd?, format?, quiet?, reports }
Napi::Value ReporterStateJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const Reporter* r = g_reporter.load(std::memory_order_acquire);
  o.Set("installed", Napi::Boolean::New(env, g_installed && r != nullptr));
  if (g_installed && r) {
    o.Set("penalty", Napi::String::New(env, r->kill ? "kill" : "errno"));
    if (!r->kill) o.Set("errno", Napi::String::New(env, r->errno_name));
    o.Set("fd", Napi::Number::New(env, r->fd));
    o.Set("format", Napi::String::New(env, r->json ? "json" : "text"));
    o.Set("quiet", Napi::Boolean::New(env, r->quiet));
  }
  o.Set("reports", Napi::Number::New(env, static_cast<double>(g_reports.load())));
  return o;
}

}  // namespace

namespace seccomp_scopes {

void InitReporter(Napi::Env env, Napi::Object exports) {
  exports.Set("formatViolation", Napi::Function::New(env, FormatViolationJs, "formatViolation"));
  exports.Set("installReporter", Napi::Function::New(env, InstallReporterJs, "installReporter"));
  exports.Set("uninstallReporter", Napi::Function::New(env, UninstallReporterJs, "uninstallReporter"));
  exports.Set("rollbackReporter", Napi::Function::New(env, RollbackReporterJs, "rollbackReporter"));
  exports.Set("reporterState", Napi::Function::New(env, ReporterStateJs, "reporterState"));
}

}  // namespace seccomp_scopes
