// Parsing and validating the report tables (tables-view.h has the contract,
// report-tables.h the layout).

#include "tables-view.h"

namespace seccomp_scopes {
namespace {

bool InRange(uint64_t off, uint64_t count, uint64_t rec, uint64_t size) {
  return off % 4 == 0 && off <= size && count <= (size - off) / (rec == 0 ? 1 : rec);
}
bool RangeOk(uint32_t start, uint32_t count, uint32_t total) {
  return static_cast<uint64_t>(start) + count <= total;
}

// The word of header index `i`.
uint32_t Header(const Tables& t, uint32_t index) { return t.W(4u * index); }

}  // namespace

const char* ParseTables(const uint8_t* data, size_t size, Tables* t) {
  using namespace report;  // the layout's names: header::, record_bytes::, spec_field::, ...
  if (size < REPORT_TABLES_HEADER_WORDS * 4) return "report tables are too short";
  t->base = data;
  t->size = size;
  if (Header(*t, header::magic) != REPORT_TABLES_MAGIC) return "report tables: bad magic (built for another byte order, or not report tables)";
  if (Header(*t, header::version) != REPORT_TABLES_VERSION) return "report tables: unsupported version";
  if (Header(*t, header::size) != size) return "report tables: the size in the header does not match";
  t->audit_arch = Header(*t, header::auditArch);
  t->pid = Header(*t, header::pid);
  t->str_off = Header(*t, header::strings); t->str_len = Header(*t, header::strings + 1);
  t->sys_off = Header(*t, header::syscalls); t->sys_count = Header(*t, header::syscalls + 1);
  t->spec_off = Header(*t, header::specs); t->spec_count = Header(*t, header::specs + 1);
  t->const_off = Header(*t, header::constants); t->const_count = Header(*t, header::constants + 1);
  t->rule_off = Header(*t, header::rules); t->rule_count = Header(*t, header::rules + 1);
  t->cond_off = Header(*t, header::conditions); t->cond_count = Header(*t, header::conditions + 1);
  t->val_off = Header(*t, header::values); t->val_count = Header(*t, header::values + 1);
  t->prom_off = Header(*t, header::promiseNames); t->prom_count = Header(*t, header::promiseNames + 1);
  t->promises = Header(*t, header::promises); t->comm = Header(*t, header::comm); t->arch = Header(*t, header::arch);
  t->penalty = Header(*t, header::penalty); t->errno_name = Header(*t, header::errnoName);
  t->in_force = Header(*t, header::inForce);
  if (!InRange(t->str_off, t->str_len, 1, size) || t->str_len == 0) return "report tables: bad string pool";
  if (t->base[t->str_off + t->str_len - 1] != 0) return "report tables: the string pool is not terminated";
  if (!InRange(t->sys_off, t->sys_count, record_bytes::syscall, size) ||
      !InRange(t->spec_off, t->spec_count, record_bytes::spec, size) ||
      !InRange(t->const_off, t->const_count, record_bytes::constant, size) ||
      !InRange(t->rule_off, t->rule_count, record_bytes::rule, size) ||
      !InRange(t->cond_off, t->cond_count, record_bytes::condition, size) ||
      !InRange(t->val_off, t->val_count, record_bytes::value, size) ||
      !InRange(t->prom_off, t->prom_count, record_bytes::promiseName, size)) {
    return "report tables: a section lies outside the tables";
  }
  if (t->prom_count > REPORT_TABLES_MAX_PROMISES) return "report tables: more than 32 promises";
  auto str_ok = [&](uint32_t ref, bool optional) { return (optional && ref == kNone) || ref < t->str_len; };
  if (!str_ok(t->promises, false) || !str_ok(t->comm, false) || !str_ok(t->arch, false) ||
      !str_ok(t->penalty, false) || !str_ok(t->errno_name, true)) {
    return "report tables: a header string is outside the pool";
  }
  for (uint32_t i = 0; i < t->prom_count; i++) {
    if (!str_ok(t->W(t->PromiseName(i) + promise_name_field::name), false)) return "report tables: a promise name is outside the pool";
  }
  uint32_t prev_nr = 0;
  for (uint32_t i = 0; i < t->sys_count; i++) {
    const size_t r = t->Sys(i);
    const uint32_t nr = t->W(r + syscall_field::nr);
    if (i > 0 && nr <= prev_nr) return "report tables: syscalls are not sorted by number";
    prev_nr = nr;
    if (!str_ok(t->W(r + syscall_field::name), false)) return "report tables: a syscall name is outside the pool";
    if (!RangeOk(t->W(r + syscall_field::specStart), t->W(r + syscall_field::specCount), t->spec_count)) {
      return "report tables: a syscall's specs are out of range";
    }
    if (!RangeOk(t->W(r + syscall_field::ruleStart), t->W(r + syscall_field::ruleCount), t->rule_count)) {
      return "report tables: a syscall's rules are out of range";
    }
  }
  for (uint32_t i = 0; i < t->spec_count; i++) {
    const size_t s = t->Spec(i);
    const uint32_t packed = t->W(s + spec_field::packed);
    const uint32_t arg = SpecArg(packed), k = SpecKind(packed), width = SpecWidth(packed), op = SpecGuardOp(packed);
    if (arg > 5 || k < kind::dec || k > kind::path || (width != 32 && width != 64) || op > guard_op::anyBit ||
        t->W(s + spec_field::guardArg) > 5) {
      return "report tables: a bad argument spec";
    }
    if (!str_ok(t->W(s + spec_field::label), true)) return "report tables: a spec label is outside the pool";
    if (!RangeOk(t->W(s + spec_field::enumStart), t->W(s + spec_field::enumCount), t->const_count) ||
        !RangeOk(t->W(s + spec_field::flagStart), t->W(s + spec_field::flagCount), t->const_count)) {
      return "report tables: a spec's constants are out of range";
    }
    if (t->W(s + spec_field::flagCount) > REPORT_TABLES_MAX_FAMILY_FLAGS) return "report tables: more than 64 flags in a family";
  }
  for (uint32_t i = 0; i < t->const_count; i++) {
    if (!str_ok(t->W(t->Const(i) + constant_field::name), false)) return "report tables: a constant name is outside the pool";
  }
  for (uint32_t i = 0; i < t->rule_count; i++) {
    const size_t r = t->Rule(i);
    if (t->prom_count < REPORT_TABLES_MAX_PROMISES && (t->W(r + rule_field::promises) >> t->prom_count) != 0) {
      return "report tables: a rule names an unknown promise";
    }
    if (!RangeOk(t->W(r + rule_field::condStart), t->W(r + rule_field::condCount), t->cond_count)) {
      return "report tables: a rule's conditions are out of range";
    }
  }
  for (uint32_t i = 0; i < t->cond_count; i++) {
    const size_t c = t->Cond(i);
    const uint32_t width = t->W(c + condition_field::width);
    if (t->W(c + condition_field::arg) > 5 || (width != 32 && width != 64) || t->W(c + condition_field::negate) > 1 ||
        !RangeOk(t->W(c + condition_field::valueStart), t->W(c + condition_field::valueCount), t->val_count)) {
      return "report tables: a bad condition";
    }
  }
  return nullptr;
}

bool FindSyscall(const Tables& t, uint32_t nr, size_t* rec) {
  uint32_t lo = 0, hi = t.sys_count;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const uint32_t v = t.W(t.Sys(mid) + report::syscall_field::nr);
    if (v == nr) {
      *rec = t.Sys(mid);
      return true;
    }
    if (v < nr) lo = mid + 1; else hi = mid;
  }
  return false;
}

}  // namespace seccomp_scopes
