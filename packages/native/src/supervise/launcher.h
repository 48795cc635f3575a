// Starting the supervised program: the child side of fork (the launcher,
// up to its execve), the messages it sends the supervisor on the status
// pipe, and the forwarding of the supervisor's signals to it meanwhile.
// Plain C++, no N-API (supervisor.cc drives it; the sequence is drawn there).
#ifndef SECCOMP_SCOPES_SUPERVISE_LAUNCHER_H_
#define SECCOMP_SCOPES_SUPERVISE_LAUNCHER_H_

#include <linux/filter.h>  // struct sock_filter
#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seccomp_scopes {

// One message from the launcher to the supervisor on the status pipe.
struct LaunchMsg {
  int32_t tag;    // 'L': listener will be this descriptor; 'X': execve failed; 'E': set-up failed
  int32_t value;  // the descriptor, or the errno
  int32_t stage;  // for 'E': which step (LaunchStageCall)
};

// What a failed set-up step 'E' called, for the supervisor's error.
const char* LaunchStageCall(int32_t stage);

// A Landlock rule the launcher adds itself, because its path names the
// program's own /proc entries (/proc/self, /proc/thread-self): opened in
// the launcher, whose pid (and main thread's tid) the program keeps.
struct SelfRule {
  const char* path;
  uint64_t mask;  // LANDLOCK_ACCESS_FS_* rights
};

// Everything the child needs, prepared before fork: after fork in a
// multi-threaded process only async-signal-safe calls are allowed, so no
// allocation happens in the child.
struct ChildPlan {
  const char* file;
  char* const* argv;
  char* const* envp;
  int cmd_r;      // filter from the parent
  int cmd_w;      // (parent's end, closed)
  int status_r;   // (parent's end, closed)
  int status_w;   // messages to the parent
  int ruleset_fd;  // Landlock ruleset to enter before execve, or -1
  int keep_fd;     // descriptor to keep open across execve (the preload's ruleset), or -1
  const SelfRule* self_rules;  // added to ruleset_fd and keep_fd (those >= 0) before either is entered
  size_t self_rule_count;
  const int* inherit_fds;      // descriptors whose close-on-exec flag is cleared (passed to the program)
  size_t inherit_count;
  pid_t parent;
  struct sock_filter* filter_buf;  // BPF_MAXINSNS entries
};

// The child after fork: default signals, death with the parent, the filter
// read from cmd_r, the inherited descriptors kept open, no_new_privs, CAP_SYS_PTRACE dropped, Landlock, then
// seccomp(NEW_LISTENER) and execve. Never returns.
[[noreturn]] void ChildMain(const ChildPlan& p);

// ---------------------------------------------------------------- signals

// The signals forwarded to the child while it runs, and their previous
// actions.
struct SavedSignals {
  std::vector<int> signals;
  std::vector<struct sigaction> old;
};

// Installs the forwarding handler for `saved->signals`. Signals that arrive
// before ForwardTo() names the child are kept (the last one) and sent then.
void InstallForwarding(SavedSignals* saved);

// From now on, forwarded signals go to `child`; one that arrived before is
// sent now.
void ForwardTo(pid_t child);

// Restores the previous actions and forgets the child.
void RestoreSignals(const SavedSignals& saved);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_LAUNCHER_H_
