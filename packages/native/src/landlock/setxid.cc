// Borrowing glibc's SIGSETXID.
//
// Threads that block the real-time signal (Node's inspector thread blocks
// every signal it can) are reached the way glibc's own setuid() reaches
// every thread: with SIGSETXID, signal 33 (__SIGRTMIN + 1, nptl/pthreadP.h),
// which glibc keeps unblocked in every thread (pthread_sigmask and
// sigprocmask remove it from any mask; since BZ #28361 even during thread
// exit). glibc's sigaction() refuses 32 and 33, so the handler is swapped
// with a raw rt_sigaction, keeping glibc's flags (SA_ONSTACK | SA_SIGINFO |
// SA_RESTART), mask and restorer, and only for as long as it is needed.
//
// glibc's handler (__nptl_setxid_sighandler) acts on every SIGSETXID with
// si_code SI_TKILL from this pid: it runs the syscall in the static
// `xidcmd` and decrements its counter. Fed a signal glibc did not send, it
// would dereference a stale or NULL xidcmd. A setuid() on another thread
// during the lock sends exactly such signals (SI_TKILL, our pid), so the
// two cannot be told apart by their siginfo. What keeps them apart is
// counting, per thread: every tgkill(33) we send has a slot; each delivery
// of 33 to a thread takes that thread's waiting slot if there is one (ours,
// or glibc's arriving first: either way one delivery), and otherwise goes
// to glibc's handler. Signal 33 is a real-time signal, so deliveries queue
// and none is merged: if we sent n and glibc m to a thread, n take a slot
// and m reach glibc's handler, which is all glibc counts on. glibc's
// handler may run later than it would have (after our signal instead of
// its own), never more or fewer times. The slot for a signal that may still
// arrive (a timeout) is kept, and so is our handler, until it does.
//
// Only glibc on x86_64 and arm64: the raw rt_sigaction needs the kernel's
// struct sigaction (linux/kernel-structs.h), and 33 is glibc's SIGSETXID.

#include "setxid.h"

#include "../linux/errno-name.h"      // ErrnoName
#include "../linux/kernel-structs.h"  // KernelSigaction, kKernelSigsetBytes
#include "../linux/raw-syscall.h"     // SECCOMP_SCOPES_ARCH_KNOWN

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace seccomp_scopes {
namespace {

#if defined(__GLIBC__) && defined(SECCOMP_SCOPES_ARCH_KNOWN)
#define SECCOMP_SCOPES_CAN_BORROW_SETXID 1

using SigactionFn = void (*)(int, siginfo_t*, void*);
KernelSigaction g_setxid_saved = {};       // glibc's, while ours is installed
std::atomic<SigactionFn> g_setxid_chain{nullptr};
bool g_setxid_installed = false;           // changed only by one RestrictThreads() at a time
std::atomic<int> g_setxid_passed_on{0};    // deliveries handed to glibc's handler (diagnostics)
std::atomic<SetxidClaim> g_setxid_claim{nullptr};  // the borrower's: was this delivery ours?

void SetxidHandler(int sig, siginfo_t* info, void* ucontext) {
  const SetxidClaim claim = g_setxid_claim.load(std::memory_order_acquire);
  if (claim != nullptr && claim(info)) return;
  // Not one of ours: glibc's (its handler does its own checks).
  g_setxid_passed_on.fetch_add(1, std::memory_order_relaxed);
  const SigactionFn chain = g_setxid_chain.load(std::memory_order_acquire);
  if (chain != nullptr) chain(sig, info, ucontext);
}

int RawSigaction(int sig, const KernelSigaction* act, KernelSigaction* old) {
  return syscall(SYS_rt_sigaction, sig, act, old, kKernelSigsetBytes) == 0 ? 0 : errno;
}
#endif

}  // namespace

std::string SetxidUnavailable() {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
  const char* off = std::getenv("SECCOMP_SCOPES_NO_SETXID");
  if (off != nullptr && off[0] != '\0' && std::strcmp(off, "0") != 0) return "disabled by SECCOMP_SCOPES_NO_SETXID";
  if (g_setxid_installed) return "";
  KernelSigaction current = {};
  if (const int err = RawSigaction(kSigSetxid, nullptr, &current)) return "rt_sigaction(33) failed: " + ErrnoName(err);
  if ((current.flags & SA_SIGINFO) == 0 || current.handler == nullptr ||
      current.handler == reinterpret_cast<void*>(SIG_IGN)) {
    return "signal 33 has no SA_SIGINFO handler (glibc's SIGSETXID handler is not installed)";
  }
  return "";
#else
  return "borrowing glibc's SIGSETXID needs glibc on x86_64 or aarch64";
#endif
}

int InstallSetxidHandler(SetxidClaim claim) {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
  g_setxid_claim.store(claim, std::memory_order_release);
  if (g_setxid_installed) return 0;
  KernelSigaction current = {};
  if (const int err = RawSigaction(kSigSetxid, nullptr, &current)) return err;
  if ((current.flags & SA_SIGINFO) == 0 || current.handler == nullptr ||
      current.handler == reinterpret_cast<void*>(SIG_IGN)) {
    return ENOTSUP;
  }
  g_setxid_saved = current;
  g_setxid_chain.store(reinterpret_cast<SigactionFn>(current.handler), std::memory_order_release);
  KernelSigaction ours = current;
  ours.handler = reinterpret_cast<void*>(&SetxidHandler);
  if (const int err = RawSigaction(kSigSetxid, &ours, nullptr)) return err;
  g_setxid_installed = true;
  return 0;
#else
  (void)claim;
  return ENOTSUP;
#endif
}

bool RestoreSetxidHandler(bool keep) {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
  if (!g_setxid_installed) return true;
  if (keep) return false;
  if (RawSigaction(kSigSetxid, &g_setxid_saved, nullptr) != 0) return false;
  g_setxid_installed = false;
  return true;
#else
  (void)keep;
  return true;
#endif
}

bool SetxidHandlerInstalled() {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
  return g_setxid_installed;
#else
  return false;
#endif
}

int SetxidPassedOn() {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
  return g_setxid_passed_on.load(std::memory_order_relaxed);
#else
  return 0;
#endif
}

}  // namespace seccomp_scopes
