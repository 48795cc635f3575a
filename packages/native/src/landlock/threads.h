// Enforcing one Landlock ruleset on every thread of the process on kernels
// without LANDLOCK_RESTRICT_SELF_TSYNC (threads.cc has the design). Plain
// C++, no N-API; landlock/landlock-js.cc is its adapter
// (landlockRestrictThreads).
#ifndef SECCOMP_SCOPES_LANDLOCK_THREADS_H_
#define SECCOMP_SCOPES_LANDLOCK_THREADS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace seccomp_scopes {

// What happened to one thread.
struct ThreadResult {
  int tid;
  std::string result;  // restricted | failed | blocked | timeout | exited | untracked
  int err = 0;
  bool has_sigblk = false;
  uint64_t sigblk = 0;
  int signal = 0;      // the signal that reached it (0: none sent)
};

// The outcome of a call that ran (possibly aborted before changing anything).
struct ThreadsReport {
  int signal = 0;                    // the real-time signal used
  bool can_borrow = false;           // whether signal 33 could be used
  std::string setxid_unavailable;    // why not, when it could not
  bool setxid_handler_kept = false;  // our SIGSETXID handler stays (one of its signals may still arrive)
  int setxid_passed_on = 0;          // deliveries of 33 that were glibc's, during the call
  int self = 0;                      // the calling thread
  bool aborted = false;              // stop_if_blocked found an unreachable thread: nothing changed
  int rounds = 0;                    // scan-and-signal rounds
  bool incomplete = false;           // round limit hit, or /proc/self/task not rescanned
  std::vector<ThreadResult> threads;  // every thread seen, the calling one first
};

// Why a call did not run, or stopped half-way.
struct ThreadsFailure {
  enum Kind {
    kNone,     // it ran: see the report
    kBusy,     // another call is in progress (nothing changed)
    kNoSignal, // every real-time signal from SIGRTMIN+6 has a handler (nothing changed)
    kErrno,    // `syscall` failed with `err` (nothing changed)
    kPartial,  // sigaction(`signal`) failed with `err`: only the calling thread is restricted
  } kind = kNone;
  int err = 0;
  const char* syscall = "";
  int signal = 0;
};

// Restricts every thread with `ruleset_fd`, waiting up to `timeout_ms` per
// round for the signalled threads. With `stop_if_blocked`, a thread that
// cannot be reached makes it return an aborted report having changed
// nothing. One call at a time in the process.
ThreadsFailure RestrictThreads(int ruleset_fd, int64_t timeout_ms, bool stop_if_blocked, ThreadsReport* report);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LANDLOCK_THREADS_H_
