// The process-wide SIGSYS handler behind pledge()'s penalties, and its
// state: which tables and penalty are in force (sigsys-handler.cc has the
// design). Plain C++, no N-API; report/reporter-js.cc is its adapter.
#ifndef SECCOMP_SCOPES_REPORT_SIGSYS_HANDLER_H_
#define SECCOMP_SCOPES_REPORT_SIGSYS_HANDLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "../linux/raw-syscall.h"  // kArchKnown
#include "tables-view.h"

namespace seccomp_scopes {

// The handler reads the trapped call's registers from its ucontext
// (linux/raw-syscall.h): x86_64 and aarch64 only.
constexpr bool kReporterSupported = kArchKnown;

// What the handler does with a trap. Never freed once installed: a handler
// on another thread may be reading it.
struct Reporter {
  std::vector<uint64_t> storage;  // the tables, 8-byte aligned
  Tables tables;                  // parsed, over `storage`
  int fd = 2;
  bool kill = true;
  int errno_value = 0;
  std::string errno_name;
  bool json = false;
  bool quiet = false;
  uint32_t magic = 0;             // REPORT_EXIT_MAGIC: exit_group() status the filter turns into KILL_PROCESS
  // The filter's runtime allowance traps read-only opens for the handler to
  // refuse with EACCES (the Node facade's filters only): without this, a
  // trapped read-only open is a violation like any other (the C library).
  bool refuse_read_only_opens = false;
  // Read-only opens the Node runtime allowance answers with EACCES that stay
  // unreported: Node's own start-up probes (node-runtime.ts PROBES). An
  // entry ending in '*' is a prefix. Read-only once installed.
  std::vector<std::string> quiet_paths;
  // Set by InstallReporter(): refused read-only opens get their path copied
  // (through the handler's pipe) and reported; only while "stdio" is in
  // force, without it they are answered EACCES unreported.
  bool copy_paths = false;
};

// Publishes `r` (taking ownership) and installs the handler on the first
// call. Once a penalty is kill it stays kill. Returns 0, or the errno of
// sigaction(2), having deleted `r` and changed nothing but what
// RollbackReporter() would undo.
int InstallReporter(Reporter* r);

// Restores the SIGSYS action from before the first InstallReporter().
// Returns 0 or the errno of sigaction(2).
int UninstallReporter();

// Undoes the last InstallReporter(): the tables in force before it, or the
// SIGSYS action from before the first one. Returns 0 or the errno of
// sigaction(2).
int RollbackReporter();

// The reporter in force, or null when the handler is not installed.
const Reporter* InstalledReporter();

// Reports written so far by the handler in this process.
unsigned long ReportsWritten();

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_REPORT_SIGSYS_HANDLER_H_
