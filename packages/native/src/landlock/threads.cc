// Enforcing one Landlock ruleset on every thread of the process, on kernels
// without LANDLOCK_RESTRICT_SELF_TSYNC (ABI < 8).
//
// landlock_restrict_self() restricts only the calling thread (and what it
// later creates). Before ABI 8 there is no kernel help for the others, so
// RestrictThreads() does what libcap's psx does for setuid: every other
// thread is sent a real-time signal whose handler restricts that thread,
// and /proc/self/task is rescanned until a scan finds no new thread.
// Threads that block that signal (Node's inspector thread blocks all it
// can) get glibc's SIGSETXID instead (setxid.cc; docs/unveil.md). The
// layout follows go-landlock's allthreads split: this file is the
// mechanism, plain C++; landlock-js.cc turns its report into JavaScript.
//
// Semantics: landlock(7), landlock_restrict_self(2), signal-safety(7),
// tgkill(2), proc(5).

#include "threads.h"

#include "../linux/clock.h"           // MonotonicMs
#include "../linux/fd.h"              // Fd
#include "../linux/proc.h"            // ScanTasks, ReadTaskSigBlk, SignalInMask
#include "../syscall-fallbacks.h"     // SYS_landlock_restrict_self
#include "setxid.h"

#include <fcntl.h>        // open, O_*
#include <signal.h>       // sigaction, SIGRTMIN, SI_TKILL
#include <sys/prctl.h>    // prctl, PR_SET_NO_NEW_PRIVS
#include <sys/syscall.h>  // SYS_*
#include <time.h>         // nanosleep
#include <unistd.h>       // syscall, getpid

#include <atomic>
#include <cerrno>
#include <set>
#include <string>
#include <vector>

namespace seccomp_scopes {
namespace {

// State shared with the signal handlers. Only lock-free atomics and a fixed
// array: a handler must be async-signal-safe (signal-safety(7)), so it
// reads these, makes raw syscalls (gettid, getpid, prctl,
// landlock_restrict_self), stores its result, and nothing else.
//
// One slot per signal sent: the thread it went to, the signal, and what
// became of it. kSent → kRunning → kDone | kFailed when the handler takes
// it; kSent → kAbandoned when the sender stops waiting (timeout), and
// kAbandoned → kDiscarded when the late signal arrives after all (it then
// does nothing). A signal whose thread finds no slot of its own in kSent or
// kAbandoned was not sent by us.
enum SlotState : int { kFree = 0, kSent = 1, kRunning = 2, kDone = 3, kFailed = 4, kAbandoned = 5, kDiscarded = 6 };
struct Slot {
  std::atomic<int> tid{0};
  std::atomic<int> sig{0};
  std::atomic<int> state{kFree};
  std::atomic<int> err{0};
};
constexpr int kMaxThreads = 4096;
Slot g_slots[kMaxThreads];
std::atomic<int> g_slot_count{0};
std::atomic<int> g_ruleset_fd{-1};
// True while a landlockRestrictThreads() call is sending and waiting: the
// only time a handler may call landlock_restrict_self.
std::atomic<bool> g_active{false};
static_assert(std::atomic<int>::is_always_lock_free, "the handlers need lock-free atomics");
static_assert(std::atomic<bool>::is_always_lock_free, "the handlers need lock-free atomics");

// One RestrictThreads() at a time in the process (callers may be on
// different Worker threads, each with its own JS realm).
std::atomic<bool> g_busy{false};

// Runs on the signalled thread: takes the oldest slot for (this thread,
// sig) that is waiting, and does the work if the call is still in
// progress. Returns whether a slot was taken, i.e. whether this delivery
// was one of ours.
bool TakeSlot(int sig) {
  const int self = static_cast<int>(syscall(SYS_gettid));
  const int n = g_slot_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    Slot& slot = g_slots[i];
    if (slot.tid.load(std::memory_order_acquire) != self || slot.sig.load(std::memory_order_acquire) != sig) continue;
    int expected = kSent;
    if (slot.state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) {
      int err = 0;
      if (!g_active.load(std::memory_order_acquire)) {
        slot.state.store(kDiscarded, std::memory_order_release);
        return true;
      }
      if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
        err = errno;
      } else if (syscall(SYS_landlock_restrict_self, g_ruleset_fd.load(std::memory_order_acquire), 0U) != 0) {
        err = errno;
      }
      slot.err.store(err, std::memory_order_relaxed);
      slot.state.store(err == 0 ? kDone : kFailed, std::memory_order_release);
      return true;
    }
    if (expected == kAbandoned && slot.state.compare_exchange_strong(expected, kDiscarded, std::memory_order_acq_rel)) {
      return true;
    }
    // Taken already by an earlier delivery: look further.
  }
  return false;
}

bool FromUsByTgkill(const siginfo_t* info) {
  return info != nullptr && info->si_code == SI_TKILL && info->si_pid == static_cast<pid_t>(syscall(SYS_getpid));
}

// The handler of the real-time signal. Anything but tgkill() from this
// process finds no effect.
void RestrictHandler(int sig, siginfo_t* info, void* /*ucontext*/) {
  const int saved_errno = errno;
  if (FromUsByTgkill(info)) TakeSlot(sig);
  errno = saved_errno;
}

// A delivery of signal 33 is ours when it comes from this process by
// tgkill and finds a slot of ours waiting (setxid.h: SetxidClaim).
bool ClaimSetxid(const siginfo_t* info) {
  if (!FromUsByTgkill(info)) return false;
  const int saved_errno = errno;
  const bool ours = TakeSlot(kSigSetxid);
  errno = saved_errno;
  return ours;
}

// Whether one of our signals 33 may still arrive (a slot in kAbandoned):
// then our SIGSETXID handler must stay.
bool SetxidSignalMayArrive() {
  const int n = g_slot_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    if (g_slots[i].sig.load(std::memory_order_acquire) == kSigSetxid &&
        g_slots[i].state.load(std::memory_order_acquire) == kAbandoned) {
      return true;
    }
  }
  return false;
}

ThreadsFailure Errno(int err, const char* syscall) { return {ThreadsFailure::kErrno, err, syscall}; }

// A real-time signal nobody handles: from SIGRTMIN+6 (glibc reserves the
// first two real-time signals for itself and SIGRTMIN is the first one it
// hands out; applications and libraries that use real-time signals tend to
// take the first few) up to SIGRTMAX-1. Node and V8 use none of them.
// Returns 0 if every candidate has a handler or is ignored.
int ChooseSignal() {
  for (int sig = SIGRTMIN + 6; sig < SIGRTMAX; ++sig) {
    struct sigaction current = {};
    if (sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL) return sig;
  }
  return 0;
}

// How long a thread's SigBlk is re-read while it looks unreachable.
constexpr int kSettleMs = 100;

// Waits until none of `slots` is kSent or kRunning, or until the deadline.
void WaitForSlots(const std::vector<int>& slots, double deadline) {
  long sleep_ns = 50000;
  for (;;) {
    bool all = true;
    for (int index : slots) {
      const int st = g_slots[index].state.load(std::memory_order_acquire);
      if (st == kSent || st == kRunning) { all = false; break; }
    }
    if (all || MonotonicMs() >= deadline) return;
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, nullptr);
    if (sleep_ns < 1000000) sleep_ns *= 2;
  }
}

}  // namespace

// 1. Opens /proc/self/task, picks the real-time signal, and reads every
//    other thread's SigBlk. A thread that blocks the real-time signal is to
//    be reached with glibc's SIGSETXID (33) instead, where that can be done
//    (SetxidUnavailable); a thread that blocks both, or one that blocks the
//    real-time signal where 33 cannot be used, is unreachable. If
//    `stop_if_blocked` and one is, returns an aborted report having changed
//    nothing.
// 2. Restricts the calling thread (prctl(PR_SET_NO_NEW_PRIVS) +
//    landlock_restrict_self); fails (kErrno) if that fails, having changed
//    nothing else.
// 3. Installs the handler(s), tgkill()s each thread with its signal, waits
//    up to `timeout_ms` for their results, rescans /proc/self/task and
//    repeats for threads it has not seen yet, until a scan finds none (at
//    most 64 rounds). A new thread's SigBlk usually cannot be read any more
//    (this thread is restricted and /proc is not unveiled): it gets the
//    real-time signal, and if it has not answered by the deadline, 33.
// 4. Sets the real-time signal to SIG_IGN (which discards any copy still
//    pending, so a thread that never ran the handler cannot later die of
//    the default action) and restores its previous disposition; puts
//    glibc's SIGSETXID handler back (RestoreSetxidHandler).
ThreadsFailure RestrictThreads(int ruleset, int64_t timeout_ms, bool stop_if_blocked, ThreadsReport* report) {
  bool expected_idle = false;
  if (!g_busy.compare_exchange_strong(expected_idle, true)) return {ThreadsFailure::kBusy};
  struct BusyGuard { ~BusyGuard() { g_busy.store(false); } } busy_guard;

  const int task_raw = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (task_raw < 0) return Errno(errno, "open(/proc/self/task)");
  Fd task_fd(task_raw);

  const int sig = ChooseSignal();
  if (sig == 0) return {ThreadsFailure::kNoSignal};
  report->signal = sig;
  report->setxid_unavailable = SetxidUnavailable();
  const bool can_borrow = report->setxid_unavailable.empty();
  report->can_borrow = can_borrow;

  const pid_t pid = static_cast<pid_t>(syscall(SYS_getpid));
  const int self = static_cast<int>(syscall(SYS_gettid));
  report->self = self;
  std::vector<ThreadResult>& results = report->threads;
  std::set<int> seen = {self};

  std::vector<int> tids;
  if (const int err = ScanTasks(task_fd.get(), &tids)) return Errno(err, "getdents64(/proc/self/task)");

  // Step 1: pre-flight, before anything changes.
  struct Pending { int tid; bool known; uint64_t sigblk; };
  // The signal for a thread: the real-time one, 33, or 0 (unreachable).
  auto signal_for = [&](const Pending& p) {
    if (!p.known || !SignalInMask(p.sigblk, sig)) return sig;
    if (can_borrow && !SignalInMask(p.sigblk, kSigSetxid)) return kSigSetxid;
    return 0;
  };
  std::vector<Pending> first;
  bool any_unreachable = false;
  for (int tid : tids) {
    if (tid == self) continue;
    Pending p = {tid, false, 0};
    p.known = ReadTaskSigBlk(task_fd.get(), tid, &p.sigblk);
    // A signal is blocked while its own handler runs (and sa_mask with
    // it): a thread in glibc's SIGSETXID handler, during a setuid() on
    // another thread, shows 33 blocked for a moment. Only a mask that stays
    // so for kSettleMs makes a thread unreachable.
    for (int waited = 0; p.known && signal_for(p) == 0 && waited < kSettleMs; waited += 2) {
      struct timespec ts = {0, 2000000};
      nanosleep(&ts, nullptr);
      p.known = ReadTaskSigBlk(task_fd.get(), tid, &p.sigblk);
    }
    if (!p.known) p.known = ReadTaskSigBlk(task_fd.get(), tid, &p.sigblk);  // exited meanwhile: stays unknown
    first.push_back(p);
    if (signal_for(p) == 0) any_unreachable = true;
  }

  const int passed_on_before = SetxidPassedOn();
  // SIGSETXID deliveries that were not ours (glibc's setuid() broadcast on
  // another thread, during the call), passed on to glibc's handler.
  auto finish = [&](bool aborted, int rounds, bool incomplete) {
    report->setxid_passed_on = SetxidPassedOn() - passed_on_before;
    report->aborted = aborted;
    report->rounds = rounds;
    report->incomplete = incomplete;
    return ThreadsFailure{};
  };

  if (stop_if_blocked && any_unreachable) {
    for (const Pending& p : first) {
      if (signal_for(p) == 0) results.push_back({p.tid, "blocked", 0, true, p.sigblk});
    }
    return finish(true, 0, false);
  }

  // Step 2: the calling thread.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Errno(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  if (syscall(SYS_landlock_restrict_self, static_cast<int>(ruleset), 0U) != 0) {
    return Errno(errno, "landlock_restrict_self");
  }
  results.push_back({self, "restricted"});

  // Step 3: every other thread. Slots of an earlier call are kept while
  // our SIGSETXID handler is (one of its signals may still arrive).
  if (!SetxidHandlerInstalled()) g_slot_count.store(0, std::memory_order_release);
  const int first_slot = g_slot_count.load(std::memory_order_acquire);
  g_ruleset_fd.store(static_cast<int>(ruleset), std::memory_order_release);
  g_active.store(true, std::memory_order_release);
  struct sigaction handler = {};
  handler.sa_sigaction = RestrictHandler;
  sigfillset(&handler.sa_mask);
  handler.sa_flags = SA_SIGINFO | SA_RESTART;
  struct sigaction previous = {};
  if (sigaction(sig, &handler, &previous) != 0) {
    // The calling thread is restricted already; say so rather than pretend.
    const int err = errno;
    g_active.store(false, std::memory_order_release);
    ThreadsFailure partial{ThreadsFailure::kPartial, err, "sigaction"};
    partial.signal = sig;
    return partial;
  }
  int setxid_install_err = -1;  // -1: not tried yet

  // Sends `s` to `p.tid` with a new slot; records the outcome in `r`.
  // Returns the slot index, or -1 if nothing is outstanding.
  auto send = [&](const Pending& p, int s, ThreadResult* r) -> int {
    r->signal = s;
    if (s == kSigSetxid) {
      if (setxid_install_err < 0) setxid_install_err = InstallSetxidHandler(ClaimSetxid);
      if (setxid_install_err != 0) {
        r->result = "failed";
        r->err = setxid_install_err;
        return -1;
      }
    }
    const int index = g_slot_count.load(std::memory_order_relaxed);
    if (index >= kMaxThreads) {
      r->result = "failed";
      r->err = E2BIG;
      return -1;
    }
    Slot& slot = g_slots[index];
    slot.tid.store(p.tid, std::memory_order_relaxed);
    slot.sig.store(s, std::memory_order_relaxed);
    slot.err.store(0, std::memory_order_relaxed);
    slot.state.store(kSent, std::memory_order_release);
    g_slot_count.store(index + 1, std::memory_order_release);
    for (int attempt = 0;; ++attempt) {
      if (syscall(SYS_tgkill, pid, p.tid, s) == 0) {
        r->result = "timeout";
        return index;
      }
      const int err = errno;
      int was = kSent;
      if (slot.state.compare_exchange_strong(was, kFree)) {
        r->result = err == ESRCH ? "exited" : "failed";
        r->err = err == ESRCH ? 0 : err;
        return -1;
      }
      // A delivery of 33 from glibc took the slot before our signal was
      // queued: ours must still be sent, or glibc's handler would miss one.
      if (err != EAGAIN || attempt >= 1000) {
        r->result = err == ESRCH ? "exited" : "failed";
        r->err = err == ESRCH ? 0 : err;
        return -1;
      }
      struct timespec ts = {0, 100000};
      nanosleep(&ts, nullptr);
    }
  };
  auto settle = [&](int index, ThreadResult* r) {
    const int st = g_slots[index].state.load(std::memory_order_acquire);
    if (st == kDone) {
      r->result = "restricted";
    } else if (st == kFailed) {
      r->result = "failed";
      r->err = g_slots[index].err.load(std::memory_order_relaxed);
    }
  };

  int rounds = 0;
  bool incomplete = false;
  std::vector<Pending> batch = first;
  constexpr int kMaxRounds = 64;
  for (;;) {
    if (batch.empty()) break;
    if (rounds == kMaxRounds) {
      incomplete = true;
      for (const Pending& p : batch) results.push_back({p.tid, "untracked", 0, p.known, p.sigblk});
      break;
    }
    ++rounds;
    struct Sent { int slot; size_t result; const Pending* p; };
    std::vector<Sent> sent;
    for (const Pending& p : batch) {
      seen.insert(p.tid);
      const int s = signal_for(p);
      if (s == 0) {
        results.push_back({p.tid, "blocked", 0, true, p.sigblk});
        continue;
      }
      results.push_back({p.tid, "", 0, p.known, p.sigblk});
      const int index = send(p, s, &results.back());
      if (index >= 0) sent.push_back({index, results.size() - 1, &p});
    }
    std::vector<int> indices;
    for (const Sent& s : sent) indices.push_back(s.slot);
    WaitForSlots(indices, MonotonicMs() + static_cast<double>(timeout_ms));
    for (const Sent& s : sent) settle(s.slot, &results[s.result]);

    // Threads whose SigBlk was unknown and that did not answer the
    // real-time signal: they may block it. Try 33, once.
    if (can_borrow) {
      std::vector<Sent> retry;
      for (const Sent& s : sent) {
        ThreadResult& r = results[s.result];
        if (s.p->known || r.signal != sig || r.result != "timeout") continue;
        int was = kSent;
        if (!g_slots[s.slot].state.compare_exchange_strong(was, kAbandoned)) {
          settle(s.slot, &r);
          continue;
        }
        const int index = send(*s.p, kSigSetxid, &r);
        if (index >= 0) retry.push_back({index, s.result, s.p});
      }
      if (!retry.empty()) {
        std::vector<int> again;
        for (const Sent& s : retry) again.push_back(s.slot);
        WaitForSlots(again, MonotonicMs() + static_cast<double>(timeout_ms));
        for (const Sent& s : retry) settle(s.slot, &results[s.result]);
      }
    }

    std::vector<int> now;
    const int scan_err = ScanTasks(task_fd.get(), &now);
    const std::set<int> alive(now.begin(), now.end());
    for (ThreadResult& r : results) {
      if (r.result == "timeout" && scan_err == 0 && alive.count(r.tid) == 0) r.result = "exited";  // ended before it ran the handler
    }
    if (scan_err != 0) {
      incomplete = true;
      break;
    }
    batch.clear();
    for (int tid : now) {
      if (seen.count(tid) != 0) continue;
      uint64_t mask = 0;
      // Usually unreadable now (this thread is restricted); then the
      // real-time signal is sent, and 33 if it gets no answer.
      const bool known = ReadTaskSigBlk(task_fd.get(), tid, &mask);
      batch.push_back({tid, known, mask});
    }
  }

  // Step 4: stop. A signal not yet handled finds its slot abandoned and
  // does nothing; wait (bounded) for handlers running right now, which
  // still use the ruleset descriptor.
  const int last_slot = g_slot_count.load(std::memory_order_acquire);
  std::vector<int> running;
  for (int i = first_slot; i < last_slot; ++i) {
    int was = kSent;
    if (!g_slots[i].state.compare_exchange_strong(was, kAbandoned) && was == kRunning) running.push_back(i);
  }
  WaitForSlots(running, MonotonicMs() + static_cast<double>(timeout_ms));
  g_active.store(false, std::memory_order_release);
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(sig, &ignore, nullptr);
  // SIG_IGN discarded every copy of the real-time signal still pending, so
  // none of its abandoned slots can be taken any more: close them, or a
  // later call's delivery to the same thread id would take one of them.
  for (int i = first_slot; i < last_slot; ++i) {
    if (g_slots[i].sig.load(std::memory_order_acquire) != sig) continue;
    int was = kAbandoned;
    g_slots[i].state.compare_exchange_strong(was, kDiscarded);
  }
  sigaction(sig, &previous, nullptr);
  report->setxid_handler_kept = !RestoreSetxidHandler(SetxidSignalMayArrive());
  for (ThreadResult& r : results) {
    if (r.result.empty()) r.result = "timeout";
  }

  return finish(false, rounds, incomplete);
}

}  // namespace seccomp_scopes
