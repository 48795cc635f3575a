// The kill penalty (penalty.h has the contract).
//
// SIGSYS to the thread that made the call, as seccomp's own KILL would.
// When SIGSYS cannot end the process (caught, ignored or blocked), the call
// fails with ENOSYS and the process gets SIGKILL. When it does not die of
// SIGSYS within kSigsysGraceMs, or makes another notified call meanwhile
// (other threads, or the call restarted after a SIGSYS handler: those fail
// with ENOSYS, unreported), it gets SIGKILL too. Signals go through pidfds:
// never to a process that reused the id.

#include "penalty.h"

#include "../linux/clock.h"        // MonotonicMs
#include "../linux/proc.h"         // SignalIsFatal
#include "../syscall-fallbacks.h"  // SYS_pidfd_open, SYS_pidfd_send_signal

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace seccomp_scopes {
namespace {

// How long a process that got SIGSYS for the kill penalty may take to die
// of it before it gets SIGKILL (a handler installed between our look at
// its signal state and the signal, by another thread, would survive it).
constexpr double kSigsysGraceMs = 200;

}  // namespace

Kills::~Kills() {
  for (auto& k : killed_) if (k.second.pidfd >= 0) close(k.second.pidfd);
}

bool Kills::Penalize(pid_t tgid, pid_t tid) {
  auto it = killed_.find(tgid);
  if (it == killed_.end()) {
    const long pidfd = syscall(SYS_pidfd_open, tgid, 0);
    it = killed_.emplace(tgid, Killing{static_cast<int>(pidfd), 0, false}).first;
  }
  const bool fatal = SignalIsFatal(tgid, tid, SIGSYS);
  syscall(SYS_tgkill, tgid, tid, SIGSYS);
  if (fatal && it->second.deadline == 0) it->second.deadline = MonotonicMs() + kSigsysGraceMs;
  return fatal;
}

void Kills::SigKill(pid_t tgid) {
  auto it = killed_.find(tgid);
  if (it != killed_.end()) SigKill(tgid, &it->second);
}

void Kills::SigKill(pid_t tgid, Killing* k) {
  if (k->sigkilled) return;
  k->sigkilled = true;
  if (k->pidfd >= 0) syscall(SYS_pidfd_send_signal, k->pidfd, SIGKILL, nullptr, 0);
  if (tgid == child_) child_sigkilled_ = true;
}

bool Kills::BeingKilled(pid_t tgid) {
  auto it = killed_.find(tgid);
  if (it == killed_.end()) return false;
  struct pollfd p = {it->second.pidfd, POLLIN, 0};
  if (it->second.pidfd >= 0 && poll(&p, 1, 0) == 0) return true;  // still the same, still alive
  if (it->second.pidfd >= 0) close(it->second.pidfd);
  killed_.erase(it);
  return false;
}

void Kills::Enforce(bool all) {
  const double now = MonotonicMs();
  for (auto it = killed_.begin(); it != killed_.end();) {
    Killing& k = it->second;
    struct pollfd p = {k.pidfd, POLLIN, 0};
    if (k.pidfd < 0 || poll(&p, 1, 0) != 0) {
      if (k.pidfd >= 0) close(k.pidfd);
      it = killed_.erase(it);
      continue;
    }
    if (all || (k.deadline > 0 && now >= k.deadline)) SigKill(it->first, &k);
    ++it;
  }
}

double Kills::NextDeadline() const {
  double next = 0;
  for (const auto& k : killed_) {
    if (k.second.sigkilled || k.second.deadline == 0) continue;
    if (next == 0 || k.second.deadline < next) next = k.second.deadline;
  }
  return next;
}

}  // namespace seccomp_scopes
