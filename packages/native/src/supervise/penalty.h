// The `pledge` command's kill penalty: the processes being killed, each
// held by a pidfd so that a process that later gets the same pid is never
// signalled (penalty.cc has the rules). Plain C++, no N-API.
#ifndef SECCOMP_SCOPES_SUPERVISE_PENALTY_H_
#define SECCOMP_SCOPES_SUPERVISE_PENALTY_H_

#include <sys/types.h>

#include <functional>
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

  // SIGKILL to process `tgid` at once, before its refused call is answered,
  // so that nothing of it runs after the call (no SIGSYS handler, no
  // return from the call). `still_same` is asked after the pidfd is opened
  // and must tell whether the refused call is still pending (then `tgid`
  // still names the process that made it); when it is not, nothing is sent.
  // Returns whether SIGKILL was sent.
  bool Penalize(pid_t tgid, const std::function<bool()>& still_same);

  // Whether `tgid` is a process being killed (and not a new process that
  // got the same id); forgets it when it has ended.
  bool BeingKilled(pid_t tgid);

  // Forgets the processes that have ended.
  void Forget();

  bool Empty() const { return killed_.empty(); }

  // Whether the child was sent SIGKILL by Kills.
  bool ChildSigkilled() const { return child_sigkilled_; }

 private:
  std::map<pid_t, int> killed_;  // tgid -> pidfd
  pid_t child_ = -1;
  bool child_sigkilled_ = false;
};

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_PENALTY_H_
