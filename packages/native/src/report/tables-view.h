// A validated, read-only view of the report tables (layout: report-tables.h),
// and the C++ names of that layout's constants. Parse() checks every offset,
// count and code the formatter will rely on; after it, readers trust them.
// Plain C++, no N-API; the readers (W, Q, Str, FindSyscall) are
// async-signal-safe, for the SIGSYS handler.
#ifndef SECCOMP_SCOPES_REPORT_TABLES_VIEW_H_
#define SECCOMP_SCOPES_REPORT_TABLES_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "report-tables.h"

namespace seccomp_scopes {
namespace report {

// report-tables.h's lists as constants: header::auditArch,
// spec_field::guardArg, kind::path, ...
#define SECCOMP_SCOPES_REPORT_CONSTANT(name, value) constexpr uint32_t name = value;
namespace header { REPORT_TABLES_HEADER(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace record_bytes { REPORT_TABLES_RECORD_BYTES(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace syscall_field { REPORT_TABLES_SYSCALL_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace spec_field { REPORT_TABLES_SPEC_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace constant_field { REPORT_TABLES_CONSTANT_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace rule_field { REPORT_TABLES_RULE_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace condition_field { REPORT_TABLES_CONDITION_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace value_field { REPORT_TABLES_VALUE_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace promise_name_field { REPORT_TABLES_PROMISE_NAME_FIELDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace packing { REPORT_TABLES_SPEC_PACKING(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace kind { REPORT_TABLES_KINDS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace guard_op { REPORT_TABLES_GUARD_OPS(SECCOMP_SCOPES_REPORT_CONSTANT) }
namespace fallback { REPORT_TABLES_FALLBACKS(SECCOMP_SCOPES_REPORT_CONSTANT) }
#undef SECCOMP_SCOPES_REPORT_CONSTANT

constexpr uint32_t kNone = REPORT_TABLES_NONE;

// The parts of a spec's packed word.
inline uint32_t SpecArg(uint32_t packed) { return (packed >> packing::arg) & 0xff; }
inline uint32_t SpecKind(uint32_t packed) { return (packed >> packing::kind) & 0xff; }
inline uint32_t SpecWidth(uint32_t packed) { return (packed >> packing::width) & 0xff; }
inline uint32_t SpecGuardOp(uint32_t packed) { return (packed >> packing::guardOp) & 0xff; }

}  // namespace report

// Every offset and count below was checked by ParseTables().
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
  uint32_t promises = report::kNone, comm = report::kNone, arch = report::kNone, penalty = report::kNone,
           errno_name = report::kNone;
  uint32_t in_force = 0;  // the promises in force, as a rule's promise bit set

  // The word (u32) and the u64 at byte offset `off`.
  uint32_t W(size_t off) const {
    uint32_t v;
    std::memcpy(&v, base + off, 4);
    return v;
  }
  uint64_t Q(size_t off) const { return W(off) | (static_cast<uint64_t>(W(off + 4)) << 32); }
  // The string a reference names ("" for kNone).
  const char* Str(uint32_t ref) const {
    return ref == report::kNone ? "" : reinterpret_cast<const char*>(base + str_off + ref);
  }

  // Byte offset of record i of each section.
  size_t Sys(uint32_t i) const { return sys_off + report::record_bytes::syscall * i; }
  size_t Spec(uint32_t i) const { return spec_off + report::record_bytes::spec * i; }
  size_t Const(uint32_t i) const { return const_off + report::record_bytes::constant * i; }
  size_t Rule(uint32_t i) const { return rule_off + report::record_bytes::rule * i; }
  size_t Cond(uint32_t i) const { return cond_off + report::record_bytes::condition * i; }
  size_t Val(uint32_t i) const { return val_off + report::record_bytes::value * i; }
  size_t PromiseName(uint32_t i) const { return prom_off + report::record_bytes::promiseName * i; }
};

// Checks `size` bytes at `data` (4-byte aligned, kept alive by the caller)
// and fills `t`. Returns an error message, or nullptr when the tables are
// good.
const char* ParseTables(const uint8_t* data, size_t size, Tables* t);

// Finds the syscall record of `nr` (its byte offset in *rec), or returns false.
bool FindSyscall(const Tables& t, uint32_t nr, size_t* rec);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_REPORT_TABLES_VIEW_H_
