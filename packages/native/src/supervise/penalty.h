// The `pledge` command's kill penalty: the processes being killed, each
// held by a pidfd so that a process that later gets the same pid is never
// signalled (penalty.cc has the rules). Plain C++, no N-API.
#ifndef SECCOMP_SCOPES_SUPERVISE_PENALTY_H_
#define SECCOMP_SCOPES_SUPERVISE_PENALTY_H_

#include <sys/types.h>

#include <map>

namespace seccomp_scopes {

class Kills {
 public:
  Kills() = default;
  ~Kills();
  Kills(const Kills&) = delete;
  Kills& operator=(const Kills&) = delete;

  // The supervised child, for ChildSigkilled().
  void SetChild(pid_t child) { child_ = child; }

  // SIGSYS to thread `tid` of process `tgid`, as seccomp's own KILL would.
  // Returns whether SIGSYS will end the process; when it will not (caught,
  // ignored or blocked), the caller fails the call with ENOSYS and calls
  // SigKill(tgid). When it does not die within the grace period, Enforce()
  // sends SIGKILL.
  bool Penalize(pid_t tgid, pid_t tid);

  // Whether `tgid` is a process being killed (and not a new process that
  // got the same id); forgets it when it has ended.
  bool BeingKilled(pid_t tgid);

  // SIGKILL to a process being killed, once, through its pidfd.
  void SigKill(pid_t tgid);

  // SIGKILL for the processes whose SIGSYS grace is over (all of them when
  // `all`: the supervisor is about to stop answering); forgets the dead.
  void Enforce(bool all);

  // The earliest grace deadline still running (MonotonicMs), or 0.
  double NextDeadline() const;

  bool Empty() const { return killed_.empty(); }

  // Whether the child was sent SIGKILL by Kills.
  bool ChildSigkilled() const { return child_sigkilled_; }

 private:
  struct Killing {
    int pidfd;         // -1: pidfd_open failed (the process was already gone)
    double deadline;   // when SIGSYS has not ended it by then: SIGKILL (0: none set)
    bool sigkilled;
  };
  void SigKill(pid_t tgid, Killing* k);

  std::map<pid_t, Killing> killed_;
  pid_t child_ = -1;
  bool child_sigkilled_ = false;
};

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_PENALTY_H_
