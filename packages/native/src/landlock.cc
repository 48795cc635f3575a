// Landlock primitives, and enforcing one ruleset on every thread of the
// process on kernels without LANDLOCK_RESTRICT_SELF_TSYNC.
//
// Semantics: landlock(7), landlock_create_ruleset(2), landlock_add_rule(2),
// landlock_restrict_self(2) and the kernel's
// Documentation/userspace-api/landlock.rst. The UAPI structures and
// constants are declared here rather than taken from <linux/landlock.h>,
// whose installed copy may predate the ABI the running kernel offers; their
// layout is fixed by the kernel's ABI.
//
// landlock_restrict_self() restricts only the calling thread (and what it
// later creates). Before ABI 8 there is no kernel help for the others, so
// LandlockRestrictThreads() does what libcap's psx does for setuid: every
// other thread is sent a real-time signal whose handler restricts that
// thread, and /proc/self/task is rescanned until a scan finds no new
// thread. Threads that block that signal (Node's inspector thread blocks
// all it can) get glibc's SIGSETXID instead, the signal glibc's own
// setuid() uses to reach every thread, with a handler that passes glibc's
// own deliveries on (see "Borrowing glibc's SIGSETXID" below and
// docs/unveil.md).

#include <napi.h>

#include "common.h"

#include <dirent.h>       // struct linux_dirent64 layout (d_reclen, d_name)
#include <fcntl.h>        // open, openat, O_*
#include <signal.h>       // sigaction, SIGRTMIN, SI_TKILL
#include <sys/prctl.h>    // prctl, PR_SET_NO_NEW_PRIVS
#include <sys/syscall.h>  // SYS_*
#include <time.h>         // clock_gettime, nanosleep
#include <unistd.h>       // syscall, read, close, lseek, getpid

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>


namespace seccomp_scopes {
namespace {

// include/uapi/linux/landlock.h
constexpr uint32_t kCreateRulesetVersion = 1U << 0;  // LANDLOCK_CREATE_RULESET_VERSION
constexpr int kRulePathBeneath = 1;                   // LANDLOCK_RULE_PATH_BENEATH

// struct landlock_ruleset_attr, first member only. The kernel accepts any
// size from the first member up (copy_struct_from_user); handling only
// file-system rights needs nothing more, on every ABI.
struct RulesetAttrFs {
  uint64_t handled_access_fs;
};

// struct landlock_path_beneath_attr (packed in the UAPI: 12 bytes).
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
static_assert(sizeof(PathBeneathAttr) == 12, "landlock_path_beneath_attr is 12 bytes");

// ---------------------------------------------------------------- arguments

int64_t IntegerArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                   double min, double max) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsNumber()) {
    ThrowInvalid<Napi::TypeError>(env, std::string(fn) + ": " + name + " must be a number");
  }
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= min && v <= max) || v != static_cast<double>(static_cast<int64_t>(v))) {
    ThrowInvalid<Napi::RangeError>(env, std::string(fn) + ": " + name + " must be an integer in [" +
                                            std::to_string(static_cast<int64_t>(min)) + ", " +
                                            std::to_string(static_cast<int64_t>(max)) + "]");
  }
  return static_cast<int64_t>(v);
}

// ---------------------------------------------------------------- thin wrappers

// landlockAbi(): number
Napi::Value LandlockAbi(const Napi::CallbackInfo& info) {
  const long rc = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  if (rc < 0) ThrowErrno(info.Env(), errno, "landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION)");
  return Napi::Number::New(info.Env(), static_cast<double>(rc));
}

// landlockCreateRuleset(handledAccessFs: number): number (fd, O_CLOEXEC)
Napi::Value LandlockCreateRuleset(const Napi::CallbackInfo& info) {
  const int64_t handled = IntegerArg(info, 0, "landlockCreateRuleset", "handledAccessFs", 1, 4294967295.0);
  RulesetAttrFs attr = {static_cast<uint64_t>(handled)};
  const long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0U);
  if (fd < 0) ThrowErrno(info.Env(), errno, "landlock_create_ruleset");
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

// landlockAddPathRule(rulesetFd: number, parentFd: number, allowedAccess: number): void
void LandlockAddPathRule(const Napi::CallbackInfo& info) {
  const int64_t ruleset = IntegerArg(info, 0, "landlockAddPathRule", "rulesetFd", 0, 2147483647.0);
  const int64_t parent = IntegerArg(info, 1, "landlockAddPathRule", "parentFd", 0, 2147483647.0);
  const int64_t allowed = IntegerArg(info, 2, "landlockAddPathRule", "allowedAccess", 1, 4294967295.0);
  PathBeneathAttr attr = {};
  attr.allowed_access = static_cast<uint64_t>(allowed);
  attr.parent_fd = static_cast<int32_t>(parent);
  if (syscall(SYS_landlock_add_rule, static_cast<int>(ruleset), kRulePathBeneath, &attr, 0U) != 0) {
    ThrowErrno(info.Env(), errno, "landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH)");
  }
}

// landlockRestrictSelf(rulesetFd: number, flags: number): void — calling thread only
// (every thread with LANDLOCK_RESTRICT_SELF_TSYNC on ABI >= 8).
void LandlockRestrictSelf(const Napi::CallbackInfo& info) {
  const int64_t ruleset = IntegerArg(info, 0, "landlockRestrictSelf", "rulesetFd", 0, 2147483647.0);
  const int64_t flags = IntegerArg(info, 1, "landlockRestrictSelf", "flags", 0, 4294967295.0);
  if (syscall(SYS_landlock_restrict_self, static_cast<int>(ruleset), static_cast<uint32_t>(flags)) != 0) {
    ThrowErrno(info.Env(), errno, "landlock_restrict_self");
  }
}

// openPath(path: string): number — open(path, O_PATH | O_CLOEXEC), following symlinks.
Napi::Value OpenPath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(env, "openPath: path must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) ThrowInvalid<Napi::TypeError>(env, "openPath: path must not contain NUL");
  const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "open(O_PATH)");
  return Napi::Number::New(env, fd);
}

// ---------------------------------------------------------------- every thread

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

// ---- Borrowing glibc's SIGSETXID
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
constexpr int kSigSetxid = 33;

#if defined(__GLIBC__) && (defined(__x86_64__) || defined(__aarch64__))
#define SECCOMP_SCOPES_CAN_BORROW_SETXID 1
// struct sigaction as rt_sigaction(2) takes it on x86_64 and arm64 (both
// define SA_RESTORER): handler, flags, restorer, mask (sigsetsize 8).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};
using SigactionFn = void (*)(int, siginfo_t*, void*);
KernelSigaction g_setxid_saved = {};       // glibc's, while ours is installed
std::atomic<SigactionFn> g_setxid_chain{nullptr};
bool g_setxid_installed = false;           // changed only under g_busy
std::atomic<int> g_setxid_passed_on{0};    // deliveries handed to glibc's handler (diagnostics)

void SetxidHandler(int sig, siginfo_t* info, void* ucontext) {
  if (FromUsByTgkill(info)) {
    const int saved_errno = errno;
    const bool ours = TakeSlot(kSigSetxid);
    errno = saved_errno;
    if (ours) return;
  }
  // Not one of ours: glibc's (its handler does its own checks).
  g_setxid_passed_on.fetch_add(1, std::memory_order_relaxed);
  const SigactionFn chain = g_setxid_chain.load(std::memory_order_acquire);
  if (chain != nullptr) chain(sig, info, ucontext);
}

int RawSigaction(int sig, const KernelSigaction* act, KernelSigaction* old) {
  return syscall(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t)) == 0 ? 0 : errno;
}
#endif

// Why signal 33 cannot be used here, or "" if it can: glibc on x86_64 or
// arm64, the switch SECCOMP_SCOPES_NO_SETXID unset, and 33 handled with
// SA_SIGINFO (glibc installs its handler when the second thread starts).
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

// Installs SetxidHandler in place of glibc's. Returns 0 or an errno.
int InstallSetxidHandler() {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
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
  return ENOTSUP;
#endif
}

// Puts glibc's handler back, unless one of our signals 33 may still arrive
// (a slot in kAbandoned): then ours stays, passing everything else on.
// Returns whether glibc's handler is back.
bool RestoreSetxidHandler() {
#ifdef SECCOMP_SCOPES_CAN_BORROW_SETXID
  if (!g_setxid_installed) return true;
  const int n = g_slot_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    if (g_slots[i].sig.load(std::memory_order_acquire) == kSigSetxid &&
        g_slots[i].state.load(std::memory_order_acquire) == kAbandoned) {
      return false;
    }
  }
  if (RawSigaction(kSigSetxid, &g_setxid_saved, nullptr) != 0) return false;
  g_setxid_installed = false;
  return true;
#else
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

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { if (fd_ >= 0) close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
 private:
  int fd_;
};

struct linux_dirent64_hdr {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// The thread ids in /proc/self/task, read afresh from an already-open
// directory (so it keeps working after this thread is restricted: Landlock
// checks directory access when a directory is opened, not when it is read).
// Returns 0 or an errno.
int ScanTasks(int task_fd, std::vector<int>* out) {
  out->clear();
  if (lseek(task_fd, 0, SEEK_SET) < 0) return errno;
  alignas(8) char buf[8192];
  for (;;) {
    const long n = syscall(SYS_getdents64, task_fd, buf, sizeof(buf));
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<linux_dirent64_hdr*>(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      out->push_back(std::atoi(d->d_name));
    }
  }
}

// SigBlk of a thread from /proc/self/task/<tid>/status. Returns false when
// it cannot be read (the thread exited, or this thread may no longer open it).
bool ReadSigBlk(int task_fd, int tid, uint64_t* mask) {
  const std::string rel = std::to_string(tid) + "/status";
  const int fd = openat(task_fd, rel.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Fd guard(fd);
  std::string text;
  char buf[2048];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  const size_t at = text.find("\nSigBlk:");
  if (at == std::string::npos) return false;
  *mask = std::strtoull(text.c_str() + at + 8, nullptr, 16);
  return true;
}

bool Blocks(uint64_t sigblk, int sig) { return (sigblk >> (sig - 1)) & 1U; }

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

double NowMs() {
  struct timespec ts = {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct ThreadResult {
  int tid;
  std::string result;  // restricted | failed | blocked | timeout | exited | untracked
  int err = 0;
  bool has_sigblk = false;
  uint64_t sigblk = 0;
  int signal = 0;      // the signal that reached it (0: none sent)
};

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Waits until none of `slots` is kSent or kRunning, or until the deadline.
void WaitForSlots(const std::vector<int>& slots, double deadline) {
  long sleep_ns = 50000;
  for (;;) {
    bool all = true;
    for (int index : slots) {
      const int st = g_slots[index].state.load(std::memory_order_acquire);
      if (st == kSent || st == kRunning) { all = false; break; }
    }
    if (all || NowMs() >= deadline) return;
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, nullptr);
    if (sleep_ns < 1000000) sleep_ns *= 2;
  }
}

// landlockRestrictThreads(rulesetFd: number, timeoutMs: number, stopIfBlocked: boolean): Report
//
// 1. Opens /proc/self/task, picks the real-time signal, and reads every
//    other thread's SigBlk. A thread that blocks the real-time signal is to
//    be reached with glibc's SIGSETXID (33) instead, where that can be done
//    (SetxidUnavailable); a thread that blocks both, or one that blocks the
//    real-time signal where 33 cannot be used, is unreachable. If
//    `stopIfBlocked` and one is, returns { aborted: true } having changed
//    nothing.
// 2. Restricts the calling thread (prctl(PR_SET_NO_NEW_PRIVS) +
//    landlock_restrict_self); throws if that fails, having changed nothing
//    else.
// 3. Installs the handler(s), tgkill()s each thread with its signal, waits
//    up to `timeoutMs` for their results, rescans /proc/self/task and
//    repeats for threads it has not seen yet, until a scan finds none (at
//    most 64 rounds). A new thread's SigBlk usually cannot be read any more
//    (this thread is restricted and /proc is not unveiled): it gets the
//    real-time signal, and if it has not answered by the deadline, 33.
// 4. Sets the real-time signal to SIG_IGN (which discards any copy still
//    pending, so a thread that never ran the handler cannot later die of
//    the default action) and restores its previous disposition; puts
//    glibc's SIGSETXID handler back (RestoreSetxidHandler).
Napi::Value LandlockRestrictThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t ruleset = IntegerArg(info, 0, "landlockRestrictThreads", "rulesetFd", 0, 2147483647.0);
  const int64_t timeout_ms = IntegerArg(info, 1, "landlockRestrictThreads", "timeoutMs", 1, 600000.0);
  if (info.Length() < 3 || !info[2].IsBoolean()) {
    ThrowInvalid<Napi::TypeError>(env, "landlockRestrictThreads: stopIfBlocked must be a boolean");
  }
  const bool stop_if_blocked = info[2].As<Napi::Boolean>().Value();

  bool expected_idle = false;
  if (!g_busy.compare_exchange_strong(expected_idle, true)) {
    Napi::Error error = Napi::Error::New(env, "landlockRestrictThreads: another call is in progress");
    error.Set("code", Napi::String::New(env, "EBUSY"));
    throw error;
  }
  struct BusyGuard { ~BusyGuard() { g_busy.store(false); } } busy_guard;

  const int task_raw = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (task_raw < 0) ThrowErrno(env, errno, "open(/proc/self/task)");
  Fd task_fd(task_raw);

  const int sig = ChooseSignal();
  if (sig == 0) {
    Napi::Error error = Napi::Error::New(env, "landlockRestrictThreads: every real-time signal from SIGRTMIN+6 has a handler; none is free");
    error.Set("code", Napi::String::New(env, "EAGAIN"));
    throw error;
  }
  const std::string setxid_unavailable = SetxidUnavailable();
  const bool can_borrow = setxid_unavailable.empty();

  const pid_t pid = static_cast<pid_t>(syscall(SYS_getpid));
  const int self = static_cast<int>(syscall(SYS_gettid));
  std::vector<ThreadResult> results;
  std::set<int> seen = {self};

  std::vector<int> tids;
  if (const int err = ScanTasks(task_fd.get(), &tids)) ThrowErrno(env, err, "getdents64(/proc/self/task)");

  // Step 1: pre-flight, before anything changes.
  struct Pending { int tid; bool known; uint64_t sigblk; };
  // The signal for a thread: the real-time one, 33, or 0 (unreachable).
  auto signal_for = [&](const Pending& p) {
    if (!p.known || !Blocks(p.sigblk, sig)) return sig;
    if (can_borrow && !Blocks(p.sigblk, kSigSetxid)) return kSigSetxid;
    return 0;
  };
  std::vector<Pending> first;
  bool any_unreachable = false;
  for (int tid : tids) {
    if (tid == self) continue;
    Pending p = {tid, false, 0};
    p.known = ReadSigBlk(task_fd.get(), tid, &p.sigblk);
    // A signal is blocked while its own handler runs (and sa_mask with
    // it): a thread in glibc's SIGSETXID handler, during a setuid() on
    // another thread, shows 33 blocked for a moment. Only a mask that stays
    // so for kSettleMs makes a thread unreachable.
    for (int waited = 0; p.known && signal_for(p) == 0 && waited < kSettleMs; waited += 2) {
      struct timespec ts = {0, 2000000};
      nanosleep(&ts, nullptr);
      p.known = ReadSigBlk(task_fd.get(), tid, &p.sigblk);
    }
    if (!p.known) p.known = ReadSigBlk(task_fd.get(), tid, &p.sigblk);  // exited meanwhile: stays unknown
    first.push_back(p);
    if (signal_for(p) == 0) any_unreachable = true;
  }

  bool setxid_restored = true;
  const int passed_on_before = SetxidPassedOn();
  auto make_report = [&](bool aborted, int rounds, bool incomplete) {
    Napi::Object report = Napi::Object::New(env);
    report.Set("signal", Napi::Number::New(env, sig));
    report.Set("setxidSignal", can_borrow ? Napi::Value(Napi::Number::New(env, kSigSetxid)) : env.Null());
    if (!can_borrow) report.Set("setxidUnavailable", Napi::String::New(env, setxid_unavailable));
    report.Set("setxidHandlerKept", Napi::Boolean::New(env, !setxid_restored));
    // SIGSETXID deliveries that were not ours (glibc's setuid() broadcast on
    // another thread, during the call), passed on to glibc's handler.
    report.Set("setxidPassedOn", Napi::Number::New(env, SetxidPassedOn() - passed_on_before));
    report.Set("self", Napi::Number::New(env, self));
    report.Set("aborted", Napi::Boolean::New(env, aborted));
    report.Set("rounds", Napi::Number::New(env, rounds));
    report.Set("incomplete", Napi::Boolean::New(env, incomplete));
    Napi::Array list = Napi::Array::New(env, results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      const ThreadResult& r = results[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("tid", Napi::Number::New(env, r.tid));
      o.Set("result", Napi::String::New(env, r.result));
      if (r.signal != 0) o.Set("signal", Napi::Number::New(env, r.signal));
      if (r.err != 0) {
        o.Set("errno", Napi::Number::New(env, r.err));
        o.Set("code", Napi::String::New(env, ErrnoName(r.err)));
      }
      if (r.has_sigblk) o.Set("sigblk", Napi::String::New(env, Hex64(r.sigblk)));
      list.Set(static_cast<uint32_t>(i), o);
    }
    report.Set("threads", list);
    return report;
  };

  if (stop_if_blocked && any_unreachable) {
    for (const Pending& p : first) {
      if (signal_for(p) == 0) results.push_back({p.tid, "blocked", 0, true, p.sigblk});
    }
    return make_report(true, 0, false);
  }

  // Step 2: the calling thread.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ThrowErrno(env, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  if (syscall(SYS_landlock_restrict_self, static_cast<int>(ruleset), 0U) != 0) {
    ThrowErrno(env, errno, "landlock_restrict_self");
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
    Napi::Error error = Napi::Error::New(env, std::string("sigaction(") + std::to_string(sig) + ") failed: " + ErrnoName(err) +
                                                  "; only the calling thread was restricted");
    error.Set("code", Napi::String::New(env, ErrnoName(err)));
    error.Set("errno", Napi::Number::New(env, err));
    error.Set("syscall", Napi::String::New(env, "sigaction"));
    error.Set("partial", Napi::Boolean::New(env, true));
    throw error;
  }
  int setxid_install_err = -1;  // -1: not tried yet

  // Sends `s` to `p.tid` with a new slot; records the outcome in `r`.
  // Returns the slot index, or -1 if nothing is outstanding.
  auto send = [&](const Pending& p, int s, ThreadResult* r) -> int {
    r->signal = s;
    if (s == kSigSetxid) {
      if (setxid_install_err < 0) setxid_install_err = InstallSetxidHandler();
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
    WaitForSlots(indices, NowMs() + static_cast<double>(timeout_ms));
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
        WaitForSlots(again, NowMs() + static_cast<double>(timeout_ms));
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
      const bool known = ReadSigBlk(task_fd.get(), tid, &mask);
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
  WaitForSlots(running, NowMs() + static_cast<double>(timeout_ms));
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
  setxid_restored = RestoreSetxidHandler();
  for (ThreadResult& r : results) {
    if (r.result.empty()) r.result = "timeout";
  }

  return make_report(false, rounds, incomplete);
}

// ---------------------------------------------------------------- unveil lock state
//
// unveil() is per process, but every Worker has its own JS module state;
// the lock lives here so that all of them see it. 0 open, 1 locking, 2 locked.
std::atomic<int> g_unveil_state{0};
std::mutex g_unveil_report_mutex;
std::string g_unveil_report;

// unveilClaim(): boolean — open → locking; false if not open.
Napi::Value UnveilClaim(const Napi::CallbackInfo& info) {
  int expected = 0;
  return Napi::Boolean::New(info.Env(), g_unveil_state.compare_exchange_strong(expected, 1));
}

// unveilRelease(): void — locking → open (a lock that changed nothing).
void UnveilRelease(const Napi::CallbackInfo& /*info*/) {
  int expected = 1;
  g_unveil_state.compare_exchange_strong(expected, 0);
}

// unveilCommit(report: string): void — → locked, keeping the report (JSON) for every realm.
void UnveilCommit(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) ThrowInvalid<Napi::TypeError>(info.Env(), "unveilCommit: report must be a string");
  {
    std::lock_guard<std::mutex> lock(g_unveil_report_mutex);
    g_unveil_report = info[0].As<Napi::String>().Utf8Value();
  }
  g_unveil_state.store(2);
}

// unveilState(): { state: 'open' | 'locking' | 'locked', report?: string }
Napi::Value UnveilState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  const int state = g_unveil_state.load();
  out.Set("state", Napi::String::New(env, state == 0 ? "open" : state == 1 ? "locking" : "locked"));
  if (state == 2) {
    std::lock_guard<std::mutex> lock(g_unveil_report_mutex);
    out.Set("report", Napi::String::New(env, g_unveil_report));
  }
  return out;
}

}  // namespace

void InitLandlock(Napi::Env env, Napi::Object exports) {
  exports.Set("landlockAbi", Napi::Function::New(env, LandlockAbi, "landlockAbi"));
  exports.Set("landlockCreateRuleset", Napi::Function::New(env, LandlockCreateRuleset, "landlockCreateRuleset"));
  exports.Set("landlockAddPathRule", Napi::Function::New(env, LandlockAddPathRule, "landlockAddPathRule"));
  exports.Set("landlockRestrictSelf", Napi::Function::New(env, LandlockRestrictSelf, "landlockRestrictSelf"));
  exports.Set("landlockRestrictThreads", Napi::Function::New(env, LandlockRestrictThreads, "landlockRestrictThreads"));
  exports.Set("openPath", Napi::Function::New(env, OpenPath, "openPath"));
  exports.Set("unveilClaim", Napi::Function::New(env, UnveilClaim, "unveilClaim"));
  exports.Set("unveilRelease", Napi::Function::New(env, UnveilRelease, "unveilRelease"));
  exports.Set("unveilCommit", Napi::Function::New(env, UnveilCommit, "unveilCommit"));
  exports.Set("unveilState", Napi::Function::New(env, UnveilState, "unveilState"));
}

}  // namespace seccomp_scopes
