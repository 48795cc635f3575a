// The native launcher's SupervisorClient: decides the calls the supervised
// filter sends, and writes their report lines, from a policy cache entry
// alone, without JavaScript. It answers exactly as the command's
// JavaScript client (pledge-cli run.ts onNotify, with policy.ts and
// path-exceptions.ts) does for the options the launcher serves natively
// (no -v, --report-format json; docs/cli.md "Launch and the
// policy cache"): the same tables, run by the same mechanisms (the judge
// filter run as the kernel would, core's path exceptions, the report
// formatter of report/format.cc).
#ifndef SECCOMP_SCOPES_LAUNCH_NATIVE_CLIENT_H_
#define SECCOMP_SCOPES_LAUNCH_NATIVE_CLIENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../report/tables-view.h"
#include "../supervise/loader-window.h"  // NormalizePath, CanonicalPath
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
  Judged Judge(const SupervisedCall& call, uint32_t* err);
  std::string ReportLine(const SupervisedCall& call, bool after);
  bool HasPromise(const std::string& p, bool after) const;
  const EntryProbe* ProbeOf(const SupervisedCall& call, bool open, uint32_t flags, bool read_only) const;
  std::string OpenNeeds(const std::string& line, const SupervisedCall& call, bool after) const;
  std::string StatNeeds(const std::string& line, const SupervisedCall& call, bool after) const;
  // The sets of promises in `needs` not all held (before or after the exec).
  std::vector<std::vector<std::string>> Unmet(const std::vector<std::vector<std::string>>& needs, bool after) const;

  // policy.ts Policy (-e): whether a process called execve since the launch,
  // remembered per process (its number, else its start time), placed by its
  // nearest remembered ancestor when new. Same steps, same answers.
  struct Remembered {
    double process = 0;                // 0: unknown
    std::optional<uint64_t> start;
    bool execed = false;
  };
  bool PromisesAfter(const SupervisedCall& call);  // promisesOf: the execpromises?
  bool HasExeced(const SupervisedCall& call);
  std::optional<bool> Cached(pid_t pid, double process, std::optional<uint64_t> start) const;
  void Remember(const SupervisedCall& call, std::optional<uint64_t> start, bool execed);
  void Sweep();
  std::optional<uint64_t> StartOf(const SupervisedCall& call) const;
  std::map<pid_t, Remembered> execed_;
  size_t sweep_at_ = 4096;
  pid_t child_ = 0;
  bool same_sets_ = true;  // -e names the same promises as -p (or there is no -e)

  const PolicyEntry& entry_;
  std::string file_;
  bool has_home_ = false;
  std::string home_;
  std::vector<uint8_t> judge_, after_judge_;   // the judge filters for the child's pid
  std::vector<uint64_t> tables_;               // the report tables, 8-byte aligned, patched per pid
  uint32_t tables_pid_ = 0;
  int tables_set_ = -1;
  // errno penalty: (process, set, nr) reported once; probes: (process, set, nr, path).
  std::set<std::pair<std::pair<double, int>, int>> reported_;
  std::set<std::pair<std::pair<std::pair<double, int>, int>, std::string>> probes_reported_;
};

// NormalizePath, CanonicalPath: ../supervise/loader-window.h.

// `s` as it reads after a round trip through a JavaScript string (invalid
// UTF-8 becomes U+FFFD, WHATWG's decoder): report lines are byte for byte
// those of the JavaScript client.
std::string AsJsString(const std::string& s);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LAUNCH_NATIVE_CLIENT_H_
