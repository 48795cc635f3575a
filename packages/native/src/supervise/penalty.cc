// The kill penalty (penalty.h has the contract).
//
// The process that made the refused call gets SIGKILL through a pidfd
// before the call is answered: the call never returns and no code of the
// process runs after it (a SIGSYS, as seccomp's own KILL_PROCESS sends,
// could be caught, and the call would return). The report comes from the
// supervisor, so nothing is lost. Further notified calls of a process
// being killed (its other threads) fail with ENOSYS, unreported. Signals go
// through pidfds: never to a process that reused the id.

#include "penalty.h"

#include "../syscall-fallbacks.h"  // SYS_pidfd_open, SYS_pidfd_send_signal

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace seccomp_scopes {

Kills::~Kills() {
  for (auto& k : killed_) if (k.second >= 0) close(k.second);
}

bool Kills::Penalize(pid_t tgid, const std::function<bool()>& still_same) {
  if (BeingKilled(tgid)) return true;  // SIGKILL already sent
  const long pidfd = syscall(SYS_pidfd_open, tgid, 0);
  if (pidfd < 0) return false;  // gone already
  // The pidfd names whatever process has the id now: it is the caller
  // only if the call is still pending (a waiting thread keeps it alive).
  if (!still_same()) {
    close(static_cast<int>(pidfd));
    return false;
  }
  syscall(SYS_pidfd_send_signal, static_cast<int>(pidfd), SIGKILL, nullptr, 0);
  killed_.emplace(tgid, static_cast<int>(pidfd));
  if (tgid == child_) child_sigkilled_ = true;
  return true;
}

bool Kills::BeingKilled(pid_t tgid) {
  auto it = killed_.find(tgid);
  if (it == killed_.end()) return false;
  struct pollfd p = {it->second, POLLIN, 0};
  if (poll(&p, 1, 0) == 0) return true;  // still the same, still dying
  close(it->second);
  killed_.erase(it);
  return false;
}

void Kills::Forget() {
  for (auto it = killed_.begin(); it != killed_.end();) {
    struct pollfd p = {it->second, POLLIN, 0};
    if (poll(&p, 1, 0) != 0) {
      close(it->second);
      it = killed_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace seccomp_scopes
