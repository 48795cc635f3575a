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
// RestrictThreads() does what libcap's psx does for setuid: every other
// thread is sent a real-time signal whose handler restricts that thread,
// and /proc/self/task is rescanned until a scan finds no new thread.

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

// The Landlock syscalls have the same numbers on every architecture that
// uses the generic table (x86_64, aarch64, riscv64, ...).
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

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

// State shared with the signal handler. Only lock-free atomics and a fixed
// array: the handler must be async-signal-safe (signal-safety(7)), so it
// reads these, makes raw syscalls (gettid, getpid, prctl,
// landlock_restrict_self) and stores its result. Nothing else.
enum SlotState : int { kFree = 0, kSent = 1, kRunning = 2, kDone = 3, kFailed = 4 };
struct Slot {
  std::atomic<int> tid{0};
  std::atomic<int> state{kFree};
  std::atomic<int> err{0};
};
constexpr int kMaxThreads = 4096;
Slot g_slots[kMaxThreads];
std::atomic<int> g_slot_count{0};
std::atomic<int> g_ruleset_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs lock-free atomics");

// One RestrictThreads() at a time in the process (callers may be on
// different Worker threads, each with its own JS realm).
std::atomic<bool> g_busy{false};

void RestrictHandler(int /*sig*/, siginfo_t* info, void* /*ucontext*/) {
  const int saved_errno = errno;
  // Only act on tgkill() from this process (si_code SI_TKILL, si_pid us):
  // anything else sending this signal finds no effect.
  if (info != nullptr && info->si_code == SI_TKILL && info->si_pid == static_cast<pid_t>(syscall(SYS_getpid))) {
    const int self = static_cast<int>(syscall(SYS_gettid));
    const int n = g_slot_count.load(std::memory_order_acquire);
    for (int i = 0; i < n; ++i) {
      Slot& slot = g_slots[i];
      if (slot.tid.load(std::memory_order_acquire) != self) continue;
      int expected = kSent;
      if (!slot.state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) break;
      int err = 0;
      if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
        err = errno;
      } else if (syscall(SYS_landlock_restrict_self, g_ruleset_fd.load(std::memory_order_acquire), 0U) != 0) {
        err = errno;
      }
      slot.err.store(err, std::memory_order_relaxed);
      slot.state.store(err == 0 ? kDone : kFailed, std::memory_order_release);
      break;
    }
  }
  errno = saved_errno;
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
};

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// landlockRestrictThreads(rulesetFd: number, timeoutMs: number, stopIfBlocked: boolean): Report
//
// 1. Opens /proc/self/task, picks the signal, and reads every other
//    thread's SigBlk. If `stopIfBlocked` and a thread blocks the signal,
//    returns { aborted: true } having changed nothing.
// 2. Restricts the calling thread (prctl(PR_SET_NO_NEW_PRIVS) +
//    landlock_restrict_self); throws if that fails, having changed nothing
//    else.
// 3. Installs the handler, tgkill()s each thread that does not block the
//    signal, waits up to `timeoutMs` for their results, rescans
//    /proc/self/task and repeats for threads it has not seen yet, until a
//    scan finds none (at most 64 rounds).
// 4. Sets the signal to SIG_IGN (which discards any copy still pending, so
//    a thread that never ran the handler cannot later die of the default
//    action) and then restores the previous disposition.
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

  const pid_t pid = static_cast<pid_t>(syscall(SYS_getpid));
  const int self = static_cast<int>(syscall(SYS_gettid));
  std::vector<ThreadResult> results;
  std::set<int> seen = {self};

  std::vector<int> tids;
  if (const int err = ScanTasks(task_fd.get(), &tids)) ThrowErrno(env, err, "getdents64(/proc/self/task)");

  // Step 1: pre-flight, before anything changes.
  struct Pending { int tid; bool known; uint64_t sigblk; };
  std::vector<Pending> first;
  bool any_blocked = false;
  for (int tid : tids) {
    if (tid == self) continue;
    uint64_t mask = 0;
    const bool known = ReadSigBlk(task_fd.get(), tid, &mask);
    if (known && Blocks(mask, sig)) any_blocked = true;
    first.push_back({tid, known, mask});
  }

  auto make_report = [&](bool aborted, int rounds, bool incomplete) {
    Napi::Object report = Napi::Object::New(env);
    report.Set("signal", Napi::Number::New(env, sig));
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

  if (stop_if_blocked && any_blocked) {
    for (const Pending& p : first) {
      if (p.known && Blocks(p.sigblk, sig)) results.push_back({p.tid, "blocked", 0, true, p.sigblk});
    }
    return make_report(true, 0, false);
  }

  // Step 2: the calling thread.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ThrowErrno(env, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  if (syscall(SYS_landlock_restrict_self, static_cast<int>(ruleset), 0U) != 0) {
    ThrowErrno(env, errno, "landlock_restrict_self");
  }
  results.push_back({self, "restricted"});

  // Step 3: every other thread.
  g_ruleset_fd.store(static_cast<int>(ruleset), std::memory_order_release);
  g_slot_count.store(0, std::memory_order_release);
  struct sigaction handler = {};
  handler.sa_sigaction = RestrictHandler;
  sigfillset(&handler.sa_mask);
  handler.sa_flags = SA_SIGINFO | SA_RESTART;
  struct sigaction previous = {};
  if (sigaction(sig, &handler, &previous) != 0) {
    // The calling thread is restricted already; say so rather than pretend.
    const int err = errno;
    Napi::Error error = Napi::Error::New(env, std::string("sigaction(") + std::to_string(sig) + ") failed: " + ErrnoName(err) +
                                                  "; only the calling thread was restricted");
    error.Set("code", Napi::String::New(env, ErrnoName(err)));
    error.Set("errno", Napi::Number::New(env, err));
    error.Set("syscall", Napi::String::New(env, "sigaction"));
    error.Set("partial", Napi::Boolean::New(env, true));
    throw error;
  }

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
    std::vector<std::pair<int, size_t>> sent;  // slot index, result index
    for (const Pending& p : batch) {
      seen.insert(p.tid);
      if (p.known && Blocks(p.sigblk, sig)) {
        results.push_back({p.tid, "blocked", 0, true, p.sigblk});
        continue;
      }
      const int index = g_slot_count.load(std::memory_order_relaxed);
      if (index >= kMaxThreads) {
        results.push_back({p.tid, "failed", E2BIG, p.known, p.sigblk});
        continue;
      }
      Slot& slot = g_slots[index];
      slot.tid.store(p.tid, std::memory_order_relaxed);
      slot.err.store(0, std::memory_order_relaxed);
      slot.state.store(kSent, std::memory_order_release);
      g_slot_count.store(index + 1, std::memory_order_release);
      if (syscall(SYS_tgkill, pid, p.tid, sig) != 0) {
        const int err = errno;
        int was = kSent;
        slot.state.compare_exchange_strong(was, kFree);
        results.push_back({p.tid, err == ESRCH ? "exited" : "failed", err == ESRCH ? 0 : err, p.known, p.sigblk});
        continue;
      }
      results.push_back({p.tid, "timeout", 0, p.known, p.sigblk});
      sent.push_back({index, results.size() - 1});
    }

    // Wait for this round's handlers.
    const double deadline = NowMs() + static_cast<double>(timeout_ms);
    long sleep_ns = 50000;
    for (;;) {
      bool all = true;
      for (const auto& s : sent) {
        const int st = g_slots[s.first].state.load(std::memory_order_acquire);
        if (st == kSent || st == kRunning) { all = false; break; }
      }
      if (all || NowMs() >= deadline) break;
      struct timespec ts = {0, sleep_ns};
      nanosleep(&ts, nullptr);
      if (sleep_ns < 1000000) sleep_ns *= 2;
    }

    std::vector<int> now;
    const int scan_err = ScanTasks(task_fd.get(), &now);
    const std::set<int> alive(now.begin(), now.end());
    for (const auto& s : sent) {
      ThreadResult& r = results[s.second];
      const int st = g_slots[s.first].state.load(std::memory_order_acquire);
      if (st == kDone) {
        r.result = "restricted";
      } else if (st == kFailed) {
        r.result = "failed";
        r.err = g_slots[s.first].err.load(std::memory_order_relaxed);
      } else if (scan_err == 0 && alive.count(r.tid) == 0) {
        r.result = "exited";  // ended before it ran the handler
      }  // else stays "timeout"
    }
    if (scan_err != 0) {
      incomplete = true;
      break;
    }
    batch.clear();
    for (int tid : now) {
      if (seen.count(tid) != 0) continue;
      uint64_t mask = 0;
      // Usually unreadable now (this thread is restricted); then the signal
      // is sent anyway and a thread that blocks it shows up as "timeout".
      const bool known = ReadSigBlk(task_fd.get(), tid, &mask);
      batch.push_back({tid, known, mask});
    }
  }

  // Step 4: discard what is still pending, then restore.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(sig, &ignore, nullptr);
  sigaction(sig, &previous, nullptr);
  g_slot_count.store(0, std::memory_order_release);

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
