// One violation report, text or JSON, from the report tables: what the
// SIGSYS handler writes and what formatViolation() returns. Plain C++,
// async-signal-safe (no allocation, no locks, no libc beyond memcpy): the
// caller provides the buffers.
#ifndef SECCOMP_SCOPES_REPORT_FORMAT_H_
#define SECCOMP_SCOPES_REPORT_FORMAT_H_

#include <cstddef>
#include <cstdint>

#include "tables-view.h"

namespace seccomp_scopes {

// A blocked call.
struct Violation {
  uint32_t nr = 0;
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  int64_t pid = 0, tid = 0;
  const char* comm = nullptr;  // null: the tables' comm
  size_t comm_len = 0;
  const char* path = nullptr;  // null: unknown
  size_t path_len = 0;
  // seccomp_data.arch of the call; 0: the tables' arch. Another audit arch
  // (i386 on x86_64, AArch32 on aarch64), or an x32 number on x86_64, makes
  // the report a foreign-ABI line (ForeignAbiName).
  uint32_t audit_arch = 0;
  // Not null: the call was not blocked by the penalty but answered with this
  // errno by a rule (the Node runtime's read-only opens, EACCES); the text
  // line says `refused <call> with <errno>` instead of `blocked <call>`.
  const char* refused_errno = nullptr;
};

// The foreign ABI a call came through ("i386", "x32", "AArch32", "foreign"
// for another audit arch), or nullptr for the tables' own ABI.
const char* ForeignAbiName(const Tables& t, uint32_t audit_arch, uint32_t nr);

// The name of syscall `nr` of that foreign ABI (the number as seccomp_data
// has it, x32 bit included), or nullptr when the tables of
// foreign-abi-names.h do not know it.
const char* ForeignSyscallName(const Tables& t, uint32_t audit_arch, uint32_t nr);

// What the JSON report says the penalty is.
struct Penalty {
  const char* name;        // "kill" | "errno"
  const char* errno_name;  // with "errno"
};

// One report line, newline included, into buf (cap bytes). `scratch` holds
// the call text while the line is assembled. Returns the length written.
// The text line reads
//   <comm>[<pid>]: pledge "<promises>" blocked <call>; it needs "<set>" or "<set>"
// (or "; no promise allows this"); the JSON object has process, pid, tid,
// syscall, nr, arch, args, raw, call, promises, needs, penalty and errno.
// A call through a foreign ABI (ForeignAbiName) reads
//   <comm>[<pid>]: pledge "<promises>" blocked <abi> syscall <nr> (<name>); no promise allows a foreign ABI
// (<nr> in hex for x32, "(<name>)" only when known), whatever the penalty: no
// promise allows it and the handler kills. Its JSON object adds "abi", has
// empty args and needs, and "penalty":"kill" (docs/reports.md).
// Attribution ("needs") follows violationNeeds in core: the matching rules'
// promise sets in order, without duplicates and supersets.
size_t FormatReport(const Tables& t, const Violation& v, bool json, const Penalty& penalty,
                    char* buf, size_t cap, char* scratch, size_t scratch_cap);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_REPORT_FORMAT_H_
