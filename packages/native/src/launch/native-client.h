// The native launcher's SupervisorClient: decides the calls the supervised
// filter sends, and writes their report lines, from a policy cache entry
// alone, without JavaScript. It answers exactly as the command's
// JavaScript client (pledge-cli run.ts onNotify, with policy.ts and
// path-exceptions.ts) does for the options the launcher serves natively
// (no -e, -v, --report-format json; docs/cli.md "Launch and the
// policy cache"): the same tables, run by the same mechanisms (the judge
// filter run as the kernel would, core's path exceptions, the report
// formatter of report/format.cc).
#ifndef SECCOMP_SCOPES_LAUNCH_NATIVE_CLIENT_H_
#define SECCOMP_SCOPES_LAUNCH_NATIVE_CLIENT_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../report/tables-view.h"
#include "../supervise/supervisor.h"
#include "policy-entry.h"

namespace seccomp_scopes {

class NativeClient : public SupervisorClient {
 public:
  // `file`: the program as the command names it in warnings; `home`: $HOME
  // of the program's environment (null when unset), for core's `~/` probes.
  NativeClient(const PolicyEntry& entry, const std::string& file, const char* home);

  std::vector<uint8_t> Filter(pid_t pid) override;
  Verdict Decide(const SupervisedCall& call) override;
  void Event(const SupervisorEvent& event) override;

 private:
  enum class Judged { kAllow, kErrno, kViolation };
  Judged Judge(const SupervisedCall& call, uint32_t* err) const;
  std::string ReportLine(const SupervisedCall& call);
  bool HasPromise(const std::string& p) const;
  const EntryProbe* ProbeOf(const SupervisedCall& call, bool open, uint32_t flags, bool read_only) const;
  std::string OpenNeeds(const std::string& line, const SupervisedCall& call) const;

  const PolicyEntry& entry_;
  std::string file_;
  bool has_home_ = false;
  std::string home_;
  std::vector<uint8_t> judge_;                 // the judge filter for the child's pid
  std::vector<uint64_t> tables_;               // the report tables, 8-byte aligned, patched per pid
  uint32_t tables_pid_ = 0;
  std::set<std::pair<double, int>> reported_;  // errno penalty: (process, nr) reported once
  std::set<std::pair<std::pair<double, int>, std::string>> probes_reported_;  // probes: (process, nr, path) once
};

// `path` (absolute) as Node's path.posix.normalize spells it.
std::string NormalizePath(const std::string& path);

// core's canonicalPath: without `//`, `/./`, `/../` and a trailing slash, always absolute.
std::string CanonicalPath(const std::string& path);

// `s` as it reads after a round trip through a JavaScript string (invalid
// UTF-8 becomes U+FFFD, WHATWG's decoder): report lines are byte for byte
// those of the JavaScript client.
std::string AsJsString(const std::string& s);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LAUNCH_NATIVE_CLIENT_H_
