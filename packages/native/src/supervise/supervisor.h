// The `pledge` command's supervisor: runs a program under a seccomp filter
// whose refusals it decides, through a client (the N-API adapter,
// supervise-js.cc) that supplies the filter, judges calls and hears events.
// Plain C++, no N-API; supervisor.cc has the design.
#ifndef SECCOMP_SCOPES_SUPERVISE_SUPERVISOR_H_
#define SECCOMP_SCOPES_SUPERVISE_SUPERVISOR_H_

#include <sys/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "loader-window.h"

namespace seccomp_scopes {

// What to run and how (supervise.ts: SuperviseOptions).
struct SuperviseConfig {
  std::string file;                     // given to execve(2)
  std::vector<std::string> argv, envp;  // argv non-empty
  int ruleset_fd = -1;                  // Landlock ruleset the launcher enters, or -1
  int keep_fd = -1;                     // kept open across execve (the preload's ruleset), or -1
  struct ProcSelfRule {
    std::string path;                   // /proc/self/..., /proc/thread-self/...: opened by the launcher
    uint64_t mask = 0;
  };
  std::vector<ProcSelfRule> self_rules;  // added by the launcher to ruleset_fd and keep_fd
  bool loader = false;                  // a dynamic program: the loader window lasts until the marker
  double loader_timeout_ms = 10000;
  // The file the command inspected to decide on the window (fstat of the
  // descriptor its ELF header was read through): the window is granted
  // only while /proc/PID/exe of the child is that file (device and inode),
  // checked at its first window decision. A program swapped in after the
  // inspection gets no window (SupervisorEvent::kProgramChanged).
  bool has_program_identity = false;
  uint64_t program_dev = 0, program_ino = 0;
  LoaderWindow window;
  std::vector<int8_t> path_args;        // per syscall number: its path argument, or -1
  std::vector<int> signals;             // forwarded to the child
  std::vector<int> inherit_fds;         // descriptors (3 and up) the program gets: close-on-exec cleared in the launcher
  // Learn mode (`pledge learn`): nothing is enforced. Every notified call is
  // recorded through the client and answered SECCOMP_USER_NOTIF_FLAG_CONTINUE,
  // or with the errno the client gives (never killed); the learn marker (preload/protocol.h) is
  // answered LEARN_ACK with its record given to the client. Only the learner
  // sets this: CONTINUE re-reads pointers after the decision (TOCTOU), so
  // it is never an enforcing answer to a call decided on memory.
  bool learn = false;
  // Learn mode: per syscall number, which parts of a call tell it apart
  // from the ones already recorded in the same process image (bits 0-5:
  // argument i; bit 6: the path string; bit 7: never the same, always
  // recorded). A call equal on those to one recorded is let through without
  // calling the client. Empty, or a number past the end: always recorded.
  std::vector<uint8_t> learn_keys;
};

// Where the child is: before the program runs, in its loader window, or past it.
enum class Phase { kExec, kLoader, kRunning };
const char* PhaseName(Phase p);

// One notified call handed to the client (supervise.ts: SupervisedCall).
struct SupervisedCall {
  pid_t pid = 0;   // thread group of the caller
  pid_t tid = 0;
  int nr = 0;
  uint32_t arch = 0;
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  uint64_t ip = 0;
  bool has_path = false;   // path: the string behind the call's path argument
  std::string path;
  std::string comm;        // "" when unknown
  double process = 0;      // 0 when unknown (ProcessNames)
  uint64_t start_time = 0;  // 0 when unknown
  Phase phase = Phase::kExec;
  bool main = false;       // the caller is the child itself
  bool foreign = false;    // a call through another ABI (audit arch, or x32's number bit): it is killed
  bool has_record = false;  // learn mode: the learn marker's record (UTF-8 JSON), read from the caller
  std::string record;
};

// Something the supervisor tells as it goes (supervise.ts: SuperviseEvent).
struct SupervisorEvent {
  enum Kind { kExec, kLoaderDone, kLoaderTimeout, kProcessExit, kProgramChanged } kind;
  double timeout_ms = 0;  // kLoaderTimeout
  pid_t pid = 0;          // kProcessExit
  double process = 0;     // kProcessExit
};
const char* EventName(SupervisorEvent::Kind kind);

// The supervisor's client. Any of these may throw: the child is then
// killed and reaped, and the exception propagates out of Supervise().
class SupervisorClient {
 public:
  virtual ~SupervisorClient() = default;
  // The filter for child `pid` (struct sock_filter bytes, 1 to BPF_MAXINSNS
  // instructions), called once right after fork.
  virtual std::vector<uint8_t> Filter(pid_t pid) = 0;
  // The verdict on a call: 0 lets it run, > 0 fails it with that errno,
  // < 0 kills the caller (the penalty). A foreign-ABI call is killed
  // whatever the verdict.
  // A verdict with `open_paths` set asks the supervisor to perform the
  // call (an open or openat) itself: OpenForChild over those paths
  // (files, or directories ending in '/'), the descriptor handed over with
  // SECCOMP_IOCTL_NOTIF_ADDFD (the command's path exceptions).
  struct Verdict {
    double value = 0;
    bool emulate_open = false;
    std::vector<std::string> open_paths;
    std::string directory_file;  // OpenRules::directory_file
  };
  virtual Verdict Decide(const SupervisedCall& call) = 0;
  virtual void Event(const SupervisorEvent& event) = 0;
};

// How the supervision ended (supervise.ts: SuperviseResult).
struct SuperviseOutcome {
  pid_t pid = 0;
  int wait_status = 0;      // as waitpid(2) reports it
  int exec_errno = 0;       // of a failed execve, or 0
  bool violation_kill = false;
  int violations = 0;
  std::string loader_end;   // marker | timeout | exec | static | changed | none
  std::string unveil_error;  // "" unless unveil could not be applied (the child was killed)
};

// A step that failed (the child, if any, was killed and reaped first).
class SuperviseError : public std::runtime_error {
 public:
  SuperviseError(int err, const std::string& syscall) : std::runtime_error(syscall), err_(err) {}
  int err() const { return err_; }
  const char* syscall() const { return what(); }

 private:
  int err_;
};

// Forks the launcher, supervises the child until it ends, and reaps it.
// Blocks the calling thread; the client is called on it.
SuperviseOutcome Supervise(const SuperviseConfig& config, SupervisorClient* client);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_SUPERVISOR_H_
