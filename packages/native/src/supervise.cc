// The `pledge` command's launcher and supervisor: runs a program under a
// seccomp filter whose refusals are decided by this process, so that
// programs we do not control can be given promises, a start-up window for
// the dynamic loader, and readable reports.
//
//   parent (this process)                 child (the launcher, then the program)
//   ---------------------                 --------------------------------------
//   PR_SET_DUMPABLE 0
//   fork ------------------------------>  signals to default, PDEATHSIG, dumpable
//   filter = onFilter(pid) (JS)
//   write the filter ------------------>  read it
//                                         no_new_privs; CAP_SYS_PTRACE dropped;
//                                         Landlock (rulesetFd: the rules, or a
//                                         dynamic program's start-up domain)
//                                         n = lowest free descriptor
//   read n  <--------------------------   write n
//                                         seccomp(NEW_LISTENER) -> descriptor n
//   pidfd_getfd(child, n) = listener      execve(program)  (notified: waits)
//   CONTINUE the execve -------------->   the program starts
//
// The filter (compiled in TypeScript) allows the promises in the kernel and
// returns SECCOMP_RET_USER_NOTIF for everything else, for execve/execveat,
// and for the preload's marker (preload/protocol.h). The supervisor loop
// polls the listener and a pidfd of the child, and decides each
// notification:
//
// - before the program runs: the launcher's own execve, and its write of a
//   failed execve's errno, are let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE);
// - during the loader window (dynamic programs, until the marker or an
//   execve): the calls the dynamic loader makes are let through (path
//   metadata, thread set-up, PROT_EXEC mappings of the loader's files, ...
//   see WindowDecision), except read-only opens, which the supervisor
//   performs itself for the loader's files only (SECCOMP_IOCTL_NOTIF_ADDFD);
// - everything else is handed to a JavaScript callback, which reports it and
//   answers: continue, an errno, or kill (SIGSYS; SIGKILL when SIGSYS would
//   not end the process, or has not within a grace period).
//
// Each process whose calls reach JavaScript is named by a number that is
// never reused (SupervisedCall.process), kept with a pidfd: when that shows
// the process ended, JavaScript is told ("process-exit") before any later
// call, so a process that gets a pid again is never taken for the one that
// had it (the policy remembers per process whether it called execve).
//
// Paths named by a call are read from the child (process_vm_readv), and the
// notification is checked with SECCOMP_IOCTL_NOTIF_ID_VALID after reading,
// so a report never describes a task that has been replaced meanwhile.
//
// Semantics: seccomp(2), seccomp_unotify(2), pidfd_open(2), pidfd_getfd(2),
// the kernel's Documentation/userspace-api/seccomp_filter.rst.

#include <napi.h>

#include "common.h"
#include "preload/protocol.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#ifndef SECCOMP_IOCTL_NOTIF_ADDFD
struct seccomp_notif_addfd {
  __u64 id;
  __u32 flags;
  __u32 srcfd;
  __u32 newfd;
  __u32 newfd_flags;
};
#define SECCOMP_IOCTL_NOTIF_ADDFD _IOW('!', 3, struct seccomp_notif_addfd)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SETFD
#define SECCOMP_ADDFD_FLAG_SETFD (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

namespace seccomp_scopes {
namespace {

// ------------------------------------------------------------ signals

// The child being supervised, for the forwarding handler (0: none yet).
std::atomic<pid_t> g_child{0};
// A forwarded signal that arrived before the child existed.
std::atomic<int> g_pending{0};
static_assert(std::atomic<pid_t>::is_always_lock_free, "the handler needs lock-free atomics");

// Forwards a signal to the child. Signals the terminal sends to the whole
// foreground process group (si_code SI_KERNEL: ^C, ^\, hang-up) already
// reach the child, which shares our process group; forwarding them too
// would deliver them twice. Async-signal-safe: kill(2) and atomics only.
void ForwardSignal(int sig, siginfo_t* info, void* /*ucontext*/) {
  const int saved = errno;
  if (info == nullptr || info->si_code != SI_KERNEL) {
    const pid_t child = g_child.load();
    if (child > 0) kill(child, sig);
    else g_pending.store(sig);
  }
  errno = saved;
}

struct SavedSignals {
  std::vector<int> signals;
  std::vector<struct sigaction> old;
};

void InstallForwarding(SavedSignals* saved) {
  struct sigaction sa = {};
  sa.sa_sigaction = ForwardSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  saved->old.resize(saved->signals.size());
  for (size_t i = 0; i < saved->signals.size(); i++) sigaction(saved->signals[i], &sa, &saved->old[i]);
}

void RestoreSignals(const SavedSignals& saved) {
  for (size_t i = 0; i < saved.signals.size(); i++) sigaction(saved.signals[i], &saved.old[i], nullptr);
  g_child.store(0);
  g_pending.store(0);
}

// ------------------------------------------------------------ the launcher (child side)

// One message from the launcher to the supervisor on the status pipe.
struct LaunchMsg {
  int32_t tag;    // 'L': listener will be this descriptor; 'X': execve failed; 'E': set-up failed
  int32_t value;  // the descriptor, or the errno
  int32_t stage;  // for 'E': which step ('N' no_new_privs, 'R' Landlock, 'P' probe, 'S' seccomp)
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
  pid_t parent;
  struct sock_filter* filter_buf;  // BPF_MAXINSNS entries
};

bool ReadFull(int fd, void* buf, size_t len) {
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    const ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

void WriteMsg(int fd, int32_t tag, int32_t value, int32_t stage) {
  const LaunchMsg msg = {tag, value, stage};
  ssize_t n;
  do n = write(fd, &msg, sizeof msg);
  while (n < 0 && errno == EINTR);
}

[[noreturn]] void ChildFail(const ChildPlan& p, int stage, int err) {
  WriteMsg(p.status_w, 'E', err, stage);
  _exit(125);
}

// The program must not be able to ptrace (or open /proc/PID/mem of) the
// supervisor. The supervisor is not dumpable (PR_SET_DUMPABLE 0), which
// stops a program of the same user; a program with CAP_SYS_PTRACE (root)
// would pass that check, so the launcher takes CAP_SYS_PTRACE out of the
// bounding set (it cannot come back with execve, even for root or a file
// with capabilities: no_new_privs), the ambient, inheritable, permitted
// and effective sets. Returns 0, or the errno of the step that failed.
int DropPtraceCapability() {
  if (prctl(PR_CAPBSET_READ, CAP_SYS_PTRACE, 0, 0, 0) == 1 &&
      prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) != 0) {
    // Without CAP_SETPCAP the bounding set cannot change; that is only a
    // problem for a process that could use CAP_SYS_PTRACE at all.
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &hdr, data) != 0) return errno;
    const bool holds = (data[CAP_TO_INDEX(CAP_SYS_PTRACE)].permitted & CAP_TO_MASK(CAP_SYS_PTRACE)) != 0;
    if (holds) return errno == 0 ? EPERM : errno;
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_PTRACE, 0, 0);  // EINVAL on old kernels: no ambient set
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) != 0) return errno;
  const uint32_t bit = CAP_TO_MASK(CAP_SYS_PTRACE);
  auto& d = data[CAP_TO_INDEX(CAP_SYS_PTRACE)];
  if (((d.effective | d.permitted | d.inheritable) & bit) == 0) return 0;
  d.effective &= ~bit;
  d.permitted &= ~bit;
  d.inheritable &= ~bit;
  if (syscall(SYS_capset, &hdr, data) != 0) return errno;
  return 0;
}

[[noreturn]] void ChildMain(const ChildPlan& p) {
  // The program gets default dispositions and an empty mask: Node ignores
  // SIGPIPE, and ignored signals would survive execve.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
  // Die with the supervisor: without it, refused calls would fail with
  // ENOSYS instead of being stopped.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid() != p.parent) _exit(125);
  // The supervisor made itself non-dumpable before fork; the launcher must
  // be dumpable for the supervisor's pidfd_getfd (execve decides again for
  // the program, as usual).
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  close(p.cmd_w);
  close(p.status_r);
  // Node marks its standard descriptors close-on-exec; the program needs them.
  for (int fd = 0; fd <= 2; fd++) {
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }

  uint32_t len = 0;
  if (!ReadFull(p.cmd_r, &len, sizeof len) || len == 0 || len > BPF_MAXINSNS) _exit(125);
  if (!ReadFull(p.cmd_r, p.filter_buf, len * sizeof(struct sock_filter))) _exit(125);
  close(p.cmd_r);

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail(p, 'N', errno);
  if (const int err = DropPtraceCapability()) ChildFail(p, 'C', err);
  if (p.ruleset_fd >= 0) {
    if (syscall(SYS_landlock_restrict_self, p.ruleset_fd, 0) != 0) ChildFail(p, 'R', errno);
    close(p.ruleset_fd);
  }
  if (p.keep_fd >= 0) {
    const int flags = fcntl(p.keep_fd, F_GETFD);
    if (flags < 0 || fcntl(p.keep_fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) ChildFail(p, 'K', errno);
  }
  // The listener will take the lowest free descriptor; tell the parent which.
  const int probe = open("/", O_PATH | O_CLOEXEC);
  if (probe < 0) ChildFail(p, 'P', errno);
  close(probe);
  WriteMsg(p.status_w, 'L', probe, 0);

  struct sock_fprog prog = {};
  prog.len = static_cast<unsigned short>(len);
  prog.filter = p.filter_buf;
  const long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (listener < 0) ChildFail(p, 'S', errno);

  // Notified: waits until the supervisor holds the listener and lets it run.
  execve(p.file, p.argv, p.envp);
  const int err = errno;
  WriteMsg(p.status_w, 'X', err, 0);  // notified too when the promises lack stdio; let through
  _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

// ------------------------------------------------------------ reading the child

// Reads a NUL-terminated string at `addr` in task `tid`, page by page, up
// to 4096 bytes. False when nothing could be read (a bad pointer).
bool ReadRemoteString(pid_t tid, uint64_t addr, std::string* out) {
  if (addr == 0) return false;
  char buf[4096];
  size_t got = 0;
  while (got < sizeof buf) {
    const uint64_t at = addr + got;
    size_t chunk = 4096 - static_cast<size_t>(at & 4095);
    if (chunk > sizeof buf - got) chunk = sizeof buf - got;
    struct iovec local = {buf + got, chunk};
    struct iovec remote = {reinterpret_cast<void*>(static_cast<uintptr_t>(at)), chunk};
    const ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) break;
    if (const void* nul = memchr(buf + got, 0, static_cast<size_t>(n))) {
      out->assign(buf, static_cast<const char*>(nul) - buf);
      return true;
    }
    got += static_cast<size_t>(n);
  }
  if (got == 0) return false;
  out->assign(buf, got);
  return true;
}

// Small /proc file, whole.
std::string ReadProc(const std::string& path) {
  std::string out;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// The value of `Field:` in a /proc status file, or "".
std::string StatusField(const std::string& status, const char* field) {
  const std::string key = std::string("\n") + field + ":";
  size_t at = status.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  while (at < status.size() && (status[at] == ' ' || status[at] == '\t')) at++;
  const size_t end = status.find('\n', at);
  return status.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

pid_t TgidOf(pid_t tid) {
  const std::string status = ReadProc("/proc/" + std::to_string(tid) + "/status");
  const std::string tgid = StatusField("\n" + status, "Tgid");
  return tgid.empty() ? tid : static_cast<pid_t>(std::stol(tgid));
}

// The start time of process `pid` (/proc/<pid>/stat field 22, clock ticks
// since boot), or 0 when it cannot be read. With the pid it names one
// process for good: a pid is reused only by a process started later.
uint64_t StartTimeOf(pid_t pid) {
  const std::string stat = ReadProc("/proc/" + std::to_string(pid) + "/stat");
  // Field 2 (comm) is in parentheses and may hold anything: count from the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  size_t at = close + 1;
  for (int field = 3; field < 22; field++) {
    at = stat.find(' ', at + 1);
    if (at == std::string::npos) return 0;
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(stat.c_str() + at + 1, &end, 10);
  if (errno != 0 || end == stat.c_str() + at + 1) return 0;
  return static_cast<uint64_t>(v);
}

std::string CommOf(pid_t pid) {
  std::string comm = ReadProc("/proc/" + std::to_string(pid) + "/comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

int ThreadCount(pid_t pid) {
  const std::string status = ReadProc("/proc/" + std::to_string(pid) + "/status");
  const std::string threads = StatusField("\n" + status, "Threads");
  return threads.empty() ? -1 : std::stoi(threads);
}

// Whether single-threaded process `pid` has child processes
// (/proc/PID/task/PID/children, CONFIG_PROC_CHILDREN). Unknown counts as yes:
// a child made with clone(CLONE_VM|CLONE_FILES) shares the memory and the
// descriptors the supervisor just looked at, and could swap them.
bool HasChildProcesses(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char c;
  const ssize_t n = read(fd, &c, 1);
  close(fd);
  return n != 0;
}

bool MaskHas(const std::string& hex, int sig) {
  if (hex.empty()) return true;  // unknown: assume the signal would not kill
  const uint64_t mask = std::stoull(hex, nullptr, 16);
  return (mask >> (sig - 1)) & 1U;
}

// Whether SIGSYS sent to thread `tid` ends process `tgid`: not ignored, not
// caught, not blocked by that thread.
bool SigsysIsFatal(pid_t tgid, pid_t tid) {
  const std::string proc = "\n" + ReadProc("/proc/" + std::to_string(tgid) + "/status");
  const std::string task = "\n" + ReadProc("/proc/" + std::to_string(tgid) + "/task/" + std::to_string(tid) + "/status");
  return !MaskHas(StatusField(proc, "SigIgn"), SIGSYS) && !MaskHas(StatusField(proc, "SigCgt"), SIGSYS) &&
         !MaskHas(StatusField(task, "SigBlk"), SIGSYS);
}

double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// ------------------------------------------------------------ the loader window

// O_TMPFILE without O_DIRECTORY, as the kernel spells it (glibc's
// __O_TMPFILE includes O_DIRECTORY).
constexpr uint64_t kTmpfileBit = 020000000;

bool ReadOnlyOpenFlags(uint64_t flags) {
  return (flags & (O_ACCMODE | O_CREAT | O_TRUNC | kTmpfileBit)) == O_RDONLY;
}

bool IsMarker(const struct seccomp_data& d) {
  return d.nr == SYS_getppid && d.args[0] == PLEDGE_MARKER_A && d.args[1] == PLEDGE_MARKER_B;
}

// What the window lets through is decided in Supervisor::WindowDecision:
// the dynamic loader (and the C library's start-up, and the constructors
// initialised before the preload's) may map and read its libraries, look at
// paths, and set up the thread and signal state; nothing that writes,
// creates, executes, connects or signals another process.
//
// Calls decided on their registers alone (CONTINUE is safe for them):
bool LoaderAllowsByRegisters(const struct seccomp_data& d) {
  const long nr = d.nr;
  switch (nr) {
    case SYS_prlimit64: return d.args[2] == 0;  // reading a limit only
    case SYS_fcntl: {
      const uint32_t cmd = static_cast<uint32_t>(d.args[1]);
      return cmd == F_GETFD || cmd == F_SETFD || cmd == F_GETFL || cmd == F_DUPFD_CLOEXEC;
    }
    case SYS_ioctl: return static_cast<uint32_t>(d.args[1]) == TCGETS;  // isatty()
    case SYS_getppid: return !IsMarker(d);
    case SYS_read: case SYS_pread64: case SYS_readv: case SYS_close: case SYS_lseek:
    case SYS_fstat: case SYS_newfstatat: case SYS_statx: case SYS_faccessat:
    case SYS_readlinkat: case SYS_getcwd:
#ifdef SYS_stat
    case SYS_stat: case SYS_lstat: case SYS_access: case SYS_readlink:
#endif
#ifdef SYS_faccessat2
    case SYS_faccessat2:
#endif
    case SYS_munmap: case SYS_brk: case SYS_mremap:
#ifdef SYS_arch_prctl
    case SYS_arch_prctl:
#endif
    case SYS_set_tid_address: case SYS_set_robust_list: case SYS_rseq: case SYS_getrandom: case SYS_futex:
    case SYS_rt_sigaction: case SYS_rt_sigprocmask: case SYS_sigaltstack:
    case SYS_getpid: case SYS_gettid: case SYS_getuid: case SYS_geteuid: case SYS_getgid: case SYS_getegid:
    case SYS_uname: case SYS_sched_getaffinity: case SYS_sched_yield: case SYS_clock_gettime:
    case SYS_gettimeofday:
#ifdef SYS_getrlimit
    case SYS_getrlimit:
#endif
    case SYS_landlock_restrict_self:  // the preload entering the unveil domain: only restricts
      return true;
    default:
      return false;
  }
}

// Whether `path` (as the kernel resolved it) is one of the loader's files,
// or beneath one of its directories (entries that end with '/').
bool UnderLoaderPaths(const std::vector<std::string>& roots, const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  for (const auto& r : roots) {
    if (!r.empty() && r.back() == '/') {
      if (path.size() > r.size() && path.compare(0, r.size(), r) == 0) return true;
    } else if (path == r) {
      return true;
    }
  }
  return false;
}

std::string ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// ------------------------------------------------------------ the supervisor

enum class Phase { kExec, kLoader, kRunning };

const char* PhaseName(Phase p) {
  switch (p) {
    case Phase::kExec: return "exec";
    case Phase::kLoader: return "loader";
    case Phase::kRunning: return "running";
  }
  return "?";
}

struct Fds {
  int cmd_r = -1, cmd_w = -1, status_r = -1, status_w = -1, pidfd = -1, listener = -1;
  void Close(int* fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  ~Fds() {
    Close(&cmd_r); Close(&cmd_w); Close(&status_r); Close(&status_w); Close(&pidfd); Close(&listener);
  }
};

class Supervisor {
 public:
  Supervisor(Napi::Env env, Napi::Object options) : env_(env), options_(options) {}
  ~Supervisor() {
    for (auto& k : killed_) if (k.second.pidfd >= 0) close(k.second.pidfd);
    for (auto& t : tracked_) close(t.second.pidfd);
  }

  Napi::Value Run();

 private:
  void Parse();
  void KillAndReap();
  [[noreturn]] void Fail(int err, const std::string& syscall);
  void SetupFailed(const LaunchMsg& msg);
  bool ReadMsg(LaunchMsg* msg, int timeout_ms);
  void FetchListener(int target_fd);
  void DrainStatus();
  void Respond(uint64_t id, bool cont, int err);
  void RespondValue(uint64_t id, int64_t val);
  void HandleNotification();
  enum class Window { kNotMine, kContinue, kEmulateOpen };
  Window WindowDecision(const struct seccomp_data& d, pid_t tid);
  void EmulateOpen(uint64_t id, const struct seccomp_data& d, pid_t tid);
  void Penalize(uint64_t id, pid_t tgid, pid_t tid);
  struct Killing {
    int pidfd;         // -1: pidfd_open failed (the process was already gone)
    double deadline;   // when SIGSYS has not ended it by then: SIGKILL (0: none set)
    bool sigkilled;
  };
  bool BeingKilled(pid_t tgid);
  void SigKill(pid_t tgid, Killing* k);
  void EnforceKills(bool all);
  double NextKillDeadline() const;
  void Event(const char* name, Napi::Object extra);
  void EnterRunning(const char* how);
  void ForgetEnded();
  double IdentifyProcess(pid_t tgid);

  Napi::Env env_;
  Napi::Object options_;
  Napi::Function on_filter_, on_notify_, on_event_;
  std::string file_;
  std::vector<std::string> argv_, envp_;
  int ruleset_fd_ = -1, keep_fd_ = -1;
  bool loader_ = false;
  double loader_timeout_ms_ = 10000;
  // The loader's files and directories ('/'-terminated), as realpath(3)
  // spells them: what the window's read-only opens may reach.
  std::vector<std::string> loader_paths_;
  // madvise advice allowed in the window: stdio's (from the core catalog).
  std::set<uint32_t> loader_madvise_;
  std::vector<int8_t> path_args_;
  SavedSignals signals_;

  Fds fds_;
  pid_t child_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  Phase phase_ = Phase::kExec;
  double loader_deadline_ = 0;
  std::string loader_end_ = "none";
  int exec_errno_ = 0;
  int launcher_status_fd_ = -1;
  bool child_penalized_ = false;  // the kill penalty was applied to the child
  bool child_sigkilled_ = false;  // ... and it was sent SIGKILL by us
  bool violation_kill_ = false;   // the child died of the penalty
  int violations_ = 0;
  std::string unveil_error_;
  std::map<pid_t, Killing> killed_;  // processes being killed
  // The processes whose calls JavaScript has been given, each with a pidfd
  // (so that its end is seen, and a later process that gets its pid is told
  // apart) and the number that names it there (SupervisedCall.process).
  struct Tracked {
    int pidfd;
    double id;
  };
  std::map<pid_t, Tracked> tracked_;
  double next_process_id_ = 1;
  struct seccomp_notif_sizes sizes_ = {};
  std::vector<uint8_t> req_buf_, resp_buf_;
};

void Supervisor::Parse() {
  auto str = [&](const char* key) {
    Napi::Value v = options_.Get(key);
    if (!v.IsString()) ThrowInvalid<Napi::TypeError>(env_, std::string("supervise: options.") + key + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  };
  auto strings = [&](const char* key) {
    Napi::Value v = options_.Get(key);
    if (!v.IsArray()) ThrowInvalid<Napi::TypeError>(env_, std::string("supervise: options.") + key + " must be an array of strings");
    auto arr = v.As<Napi::Array>();
    std::vector<std::string> out;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value e = arr.Get(i);
      if (!e.IsString()) ThrowInvalid<Napi::TypeError>(env_, std::string("supervise: options.") + key + " must be an array of strings");
      std::string s = e.As<Napi::String>().Utf8Value();
      if (s.find('\0') != std::string::npos) ThrowInvalid<Napi::TypeError>(env_, std::string("supervise: options.") + key + " contains a NUL byte");
      out.push_back(std::move(s));
    }
    return out;
  };
  auto fn = [&](const char* key, bool required) {
    Napi::Value v = options_.Get(key);
    if (!v.IsFunction()) {
      if (required || !v.IsUndefined()) ThrowInvalid<Napi::TypeError>(env_, std::string("supervise: options.") + key + " must be a function");
      return Napi::Function();
    }
    return v.As<Napi::Function>();
  };
  auto num = [&](const char* key, double def) {
    Napi::Value v = options_.Get(key);
    if (v.IsUndefined()) return def;
    if (!v.IsNumber()) ThrowInvalid<Napi::TypeError>(env_, std::string("supervise: options.") + key + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  };
  file_ = str("file");
  argv_ = strings("argv");
  envp_ = strings("envp");
  if (argv_.empty()) ThrowInvalid<Napi::RangeError>(env_, "supervise: options.argv must not be empty");
  on_filter_ = fn("onFilter", true);
  on_notify_ = fn("onNotify", true);
  on_event_ = fn("onEvent", false);
  ruleset_fd_ = static_cast<int>(num("rulesetFd", -1));
  keep_fd_ = static_cast<int>(num("keepFd", -1));
  loader_ = options_.Get("loader").ToBoolean().Value();
  loader_timeout_ms_ = num("loaderTimeoutMs", 10000);
  if (!options_.Get("loaderPaths").IsUndefined()) loader_paths_ = strings("loaderPaths");
  Napi::Value madv = options_.Get("loaderMadvise");
  if (madv.IsArray()) {
    auto arr = madv.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) loader_madvise_.insert(arr.Get(i).As<Napi::Number>().Uint32Value());
  } else if (!madv.IsUndefined()) {
    ThrowInvalid<Napi::TypeError>(env_, "supervise: options.loaderMadvise must be an array of numbers");
  }
  Napi::Value pa = options_.Get("pathArgs");
  if (pa.IsTypedArray() && pa.As<Napi::TypedArray>().TypedArrayType() == napi_int8_array) {
    auto arr = pa.As<Napi::Int8Array>();
    path_args_.assign(arr.Data(), arr.Data() + arr.ElementLength());
  }
  Napi::Value sigs = options_.Get("signals");
  if (sigs.IsArray()) {
    auto arr = sigs.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) signals_.signals.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  }
}

void Supervisor::KillAndReap() {
  if (child_ > 0 && !reaped_) {
    kill(child_, SIGKILL);
    while (waitpid(child_, &wait_status_, 0) < 0 && errno == EINTR) {}
    reaped_ = true;
  }
  RestoreSignals(signals_);
}

void Supervisor::Fail(int err, const std::string& syscall) {
  KillAndReap();
  ThrowErrno(env_, err, syscall.c_str());
}

void Supervisor::SetupFailed(const LaunchMsg& msg) {
  const char* what = msg.stage == 'N' ? "prctl(PR_SET_NO_NEW_PRIVS)"
                     : msg.stage == 'R' ? "landlock_restrict_self"
                     : msg.stage == 'K' ? "fcntl(F_SETFD)"
                     : msg.stage == 'C' ? "dropping CAP_SYS_PTRACE (prctl(PR_CAPBSET_DROP), capset)"
                     : msg.stage == 'P' ? "open(\"/\", O_PATH)"
                                        : "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)";
  Fail(msg.value, std::string("launcher: ") + what);
}

// Reads one launcher message; false on EOF or timeout.
bool Supervisor::ReadMsg(LaunchMsg* msg, int timeout_ms) {
  struct pollfd p = {fds_.status_r, POLLIN, 0};
  const double deadline = NowMs() + timeout_ms;
  for (;;) {
    const int left = static_cast<int>(deadline - NowMs());
    if (left <= 0) return false;
    const int n = poll(&p, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const ssize_t r = read(fds_.status_r, msg, sizeof *msg);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return r == static_cast<ssize_t>(sizeof *msg);
  }
}

// Takes the listener from the child: it exists once the child's seccomp()
// returned, which pidfd_getfd finds out (EBADF until then).
void Supervisor::FetchListener(int target_fd) {
  const double deadline = NowMs() + 10000;
  for (;;) {
    const long fd = syscall(SYS_pidfd_getfd, fds_.pidfd, target_fd, 0);
    if (fd >= 0) {
      char link[64] = {};
      const std::string path = "/proc/self/fd/" + std::to_string(fd);
      const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
      if (n > 0 && std::strstr(link, "seccomp notify") != nullptr) {
        fds_.listener = static_cast<int>(fd);
        return;
      }
      close(static_cast<int>(fd));
    } else if (errno != EBADF) {
      Fail(errno, "pidfd_getfd");
    }
    // Not there yet. The launcher holds its end of the status pipe until
    // its execve, which waits for us: anything on the pipe now is a failure.
    struct pollfd p = {fds_.status_r, POLLIN, 0};
    if (poll(&p, 1, 1) > 0) {
      LaunchMsg msg;
      if (ReadMsg(&msg, 100) && msg.tag == 'E') SetupFailed(msg);
      Fail(ECHILD, "launcher (ended before installing its filter)");
    }
    if (NowMs() > deadline) Fail(ETIMEDOUT, "pidfd_getfd (waiting for the launcher's filter)");
  }
}

// Non-blocking: the launcher's 'X' (execve failed) and the end of the
// pipe, which the successful execve closes (close-on-exec) before the new
// program makes any system call.
void Supervisor::DrainStatus() {
  while (fds_.status_r >= 0) {
    LaunchMsg msg;
    const ssize_t r = read(fds_.status_r, &msg, sizeof msg);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;  // EAGAIN: nothing yet
    if (r == 0) {
      fds_.Close(&fds_.status_r);
      if (exec_errno_ == 0 && phase_ == Phase::kExec) {
        if (loader_) {
          phase_ = Phase::kLoader;
          loader_deadline_ = NowMs() + loader_timeout_ms_;
          Event("exec", Napi::Object::New(env_));
        } else {
          Event("exec", Napi::Object::New(env_));
          EnterRunning("static");
        }
      }
      return;
    }
    if (r == static_cast<ssize_t>(sizeof msg) && msg.tag == 'X') exec_errno_ = msg.value;
  }
}

void Supervisor::Respond(uint64_t id, bool cont, int err) {
  auto* resp = reinterpret_cast<struct seccomp_notif_resp*>(resp_buf_.data());
  std::memset(resp, 0, resp_buf_.size());
  resp->id = id;
  if (cont) resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else resp->error = -err;
  while (ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0) {
    if (errno == EINTR) continue;
    // ENOENT: the task was killed or its call interrupted meanwhile.
    if (errno != ENOENT) Fail(errno, "ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
    break;
  }
}

void Supervisor::Event(const char* name, Napi::Object extra) {
  if (on_event_.IsEmpty()) return;
  extra.Set("event", Napi::String::New(env_, name));
  on_event_.Call({extra});
}

// Drops the tracked processes that have ended, telling JavaScript
// ("process-exit" with their pid and number) before any call of a process
// that may have got one of their pids.
void Supervisor::ForgetEnded() {
  if (tracked_.empty()) return;
  std::vector<struct pollfd> p;
  std::vector<pid_t> pids;
  p.reserve(tracked_.size());
  for (const auto& t : tracked_) {
    p.push_back({t.second.pidfd, POLLIN, 0});
    pids.push_back(t.first);
  }
  int n;
  do n = poll(p.data(), p.size(), 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return;
  std::vector<std::pair<pid_t, double>> ended;
  for (size_t i = 0; i < p.size(); i++) {
    if (p[i].revents == 0) continue;
    auto it = tracked_.find(pids[i]);
    ended.emplace_back(it->first, it->second.id);
    close(it->second.pidfd);
    tracked_.erase(it);
  }
  for (const auto& e : ended) {
    Napi::Object o = Napi::Object::New(env_);
    o.Set("pid", Napi::Number::New(env_, e.first));
    o.Set("process", Napi::Number::New(env_, e.second));
    Event("process-exit", o);
  }
}

// The number of process `tgid`, whose thread has a call pending (the
// caller checks it still is afterwards, with ID_VALID): a tracked process
// that has not ended holds its pid, so it is this one; otherwise a pidfd is
// opened now, while the pid is held by the waiting caller. 0: unknown
// (pidfd_open failed, e.g. EMFILE).
double Supervisor::IdentifyProcess(pid_t tgid) {
  auto it = tracked_.find(tgid);
  if (it != tracked_.end()) return it->second.id;
  const long fd = syscall(SYS_pidfd_open, tgid, 0);
  if (fd < 0) return 0;  // (pidfds are close-on-exec)
  const double id = next_process_id_++;
  tracked_[tgid] = {static_cast<int>(fd), id};
  return id;
}

void Supervisor::EnterRunning(const char* how) {
  phase_ = Phase::kRunning;
  loader_end_ = how;
}

void Supervisor::RespondValue(uint64_t id, int64_t val) {
  auto* resp = reinterpret_cast<struct seccomp_notif_resp*>(resp_buf_.data());
  std::memset(resp, 0, resp_buf_.size());
  resp->id = id;
  resp->val = val;
  while (ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0) {
    if (errno == EINTR) continue;
    if (errno != ENOENT) Fail(errno, "ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
    break;
  }
}

// How long a process that got SIGSYS for the kill penalty may take to die
// of it before it gets SIGKILL (a handler installed between our look at
// its signal state and the signal, by another thread, would survive it).
constexpr double kSigsysGraceMs = 200;

// The kill penalty: SIGSYS to the thread that made the call, as seccomp's
// own KILL would. When SIGSYS cannot end the process (caught, ignored or
// blocked), the call fails with ENOSYS and the process gets SIGKILL. When
// it does not die of SIGSYS within kSigsysGraceMs, or makes another
// notified call meanwhile, it gets SIGKILL too.
void Supervisor::Penalize(uint64_t id, pid_t tgid, pid_t tid) {
  // Further calls of this process (other threads, or the call restarted
  // after a SIGSYS handler) fail with ENOSYS, unreported, and SIGKILL it.
  auto it = killed_.find(tgid);
  if (it == killed_.end()) {
    const long pidfd = syscall(SYS_pidfd_open, tgid, 0);
    it = killed_.emplace(tgid, Killing{static_cast<int>(pidfd), 0, false}).first;
  }
  if (tgid == child_) child_penalized_ = true;
  const bool fatal = SigsysIsFatal(tgid, tid);
  syscall(SYS_tgkill, tgid, tid, SIGSYS);
  if (!fatal) {
    Respond(id, false, ENOSYS);
    SigKill(tgid, &it->second);
  } else if (it->second.deadline == 0) {
    it->second.deadline = NowMs() + kSigsysGraceMs;
  }
}

void Supervisor::SigKill(pid_t tgid, Killing* k) {
  if (k->sigkilled) return;
  k->sigkilled = true;
  // Through the pidfd: never a process that reused the id.
  if (k->pidfd >= 0) syscall(SYS_pidfd_send_signal, k->pidfd, SIGKILL, nullptr, 0);
  if (tgid == child_) child_sigkilled_ = true;
}

// Whether `tgid` is a process this supervisor is killing (and not a new
// process that got the same id).
bool Supervisor::BeingKilled(pid_t tgid) {
  auto it = killed_.find(tgid);
  if (it == killed_.end()) return false;
  struct pollfd p = {it->second.pidfd, POLLIN, 0};
  if (it->second.pidfd >= 0 && poll(&p, 1, 0) == 0) return true;  // still the same, still alive
  if (it->second.pidfd >= 0) close(it->second.pidfd);
  killed_.erase(it);
  return false;
}

// SIGKILL for the processes whose SIGSYS grace is over (all of them when
// `all`: the supervisor is about to stop answering); forgets the dead.
void Supervisor::EnforceKills(bool all) {
  const double now = NowMs();
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

double Supervisor::NextKillDeadline() const {
  double next = 0;
  for (const auto& k : killed_) {
    if (k.second.sigkilled || k.second.deadline == 0) continue;
    if (next == 0 || k.second.deadline < next) next = k.second.deadline;
  }
  return next;
}

// The loader window's answer for a call of the child's main thread.
Supervisor::Window Supervisor::WindowDecision(const struct seccomp_data& d, pid_t tid) {
  const long nr = d.nr;
#ifdef SYS_open
  if (nr == SYS_open) return ReadOnlyOpenFlags(d.args[1] & 0xffffffffU) ? Window::kEmulateOpen : Window::kNotMine;
#endif
  if (nr == SYS_openat) return ReadOnlyOpenFlags(d.args[2] & 0xffffffffU) ? Window::kEmulateOpen : Window::kNotMine;
  if (nr == SYS_madvise) {
    return loader_madvise_.count(static_cast<uint32_t>(d.args[2])) ? Window::kContinue : Window::kNotMine;
  }
  if (nr == SYS_mmap || nr == SYS_mprotect) {
    const uint32_t prot = static_cast<uint32_t>(d.args[2]);
    if ((prot & PROT_EXEC) == 0) return Window::kContinue;
    // Executable memory only for the loader's own files: never writable at
    // the same time, never anonymous, and only while the process has one
    // thread and no child process (so that the descriptor we looked at is
    // the one the call will use).
    if ((prot & PROT_WRITE) != 0 || ThreadCount(child_) != 1 || HasChildProcesses(child_)) return Window::kNotMine;
    // mprotect(PROT_EXEC) is never let through: pages of a loader file mapped
    // writable and private may have been rewritten since (text relocations and
    // executable stacks are refused with it; the loader needs neither for
    // ordinary libraries).
    if (nr == SYS_mprotect) return Window::kNotMine;
    if (nr == SYS_mmap) {
      const uint32_t flags = static_cast<uint32_t>(d.args[3]);
      const int fd = static_cast<int>(d.args[4]);
      if ((flags & MAP_ANONYMOUS) != 0 || fd < 0) return Window::kNotMine;
      const std::string file = ReadLink("/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd));
      return UnderLoaderPaths(loader_paths_, file) ? Window::kContinue : Window::kNotMine;
    }
    return Window::kNotMine;
  }
  return LoaderAllowsByRegisters(d) ? Window::kContinue : Window::kNotMine;
}

// A read-only open in the window is never let through: the path is read
// from the child once, opened here (O_PATH first, so nothing is opened
// for real before the checks), accepted only when the file it names is a
// regular file among the loader's files (as the kernel resolved it:
// /proc/self/fd), and then opened read-only here and put in the child
// with SECCOMP_IOCTL_NOTIF_ADDFD as the call's result. Whatever the child
// changes in its memory afterwards, it gets this file or nothing.
void Supervisor::EmulateOpen(uint64_t id, const struct seccomp_data& d, pid_t tid) {
  int dirfd = AT_FDCWD;
  uint64_t path_addr = d.args[1];
  uint32_t flags = static_cast<uint32_t>(d.args[2]);
#ifdef SYS_open
  if (d.nr == SYS_open) {
    path_addr = d.args[0];
    flags = static_cast<uint32_t>(d.args[1]);
  } else
#endif
  {
    dirfd = static_cast<int>(d.args[0]);
  }
  std::string path;
  if (!ReadRemoteString(tid, path_addr, &path)) return Respond(id, false, EFAULT);
  if (path.size() >= 4096) return Respond(id, false, ENAMETOOLONG);
  if (path.empty()) return Respond(id, false, ENOENT);
  uint64_t check = id;
  if (ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &check) != 0) return;

  int base = -1;
  if (path[0] != '/') {
    // Relative to the child's working directory or directory descriptor.
    const std::string dir = "/proc/" + std::to_string(tid) + (dirfd == AT_FDCWD ? std::string("/cwd") : "/fd/" + std::to_string(dirfd));
    base = open(dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (base < 0) return Respond(id, false, dirfd == AT_FDCWD ? ENOENT : (errno == ENOTDIR ? ENOTDIR : EBADF));
  }
  const int pfd = openat(base >= 0 ? base : AT_FDCWD, path.c_str(), O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY)));
  const int open_err = errno;
  if (base >= 0) close(base);
  if (pfd < 0) return Respond(id, false, open_err);
  struct stat st;
  int err = 0;
  if (fstat(pfd, &st) != 0) err = errno;
  else if (S_ISLNK(st.st_mode)) err = ELOOP;
  else if (!S_ISREG(st.st_mode)) err = EACCES;
  std::string resolved;
  if (err == 0) {
    resolved = ReadLink("/proc/self/fd/" + std::to_string(pfd));
    // Never a file of /proc or /sys (they would name this supervisor, or the
    // system), whatever the lists say.
    if (resolved.compare(0, 6, "/proc/") == 0 || resolved.compare(0, 5, "/sys/") == 0) err = EACCES;
    else if (!UnderLoaderPaths(loader_paths_, resolved)) err = EACCES;
  }
  int fd = -1;
  if (err == 0) {
    fd = open(("/proc/self/fd/" + std::to_string(pfd)).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) err = errno;
  }
  // A file allowed through a directory (not named one by one: ld.so.cache,
  // ld.so.preload, the preload, LD_PRELOAD's) must be an ELF object: the
  // loader reads nothing else there.
  if (err == 0 && std::find(loader_paths_.begin(), loader_paths_.end(), resolved) == loader_paths_.end()) {
    unsigned char magic[4] = {0, 0, 0, 0};
    if (pread(fd, magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic) ||
        magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' || magic[3] != 'F') {
      close(fd);
      fd = -1;
      err = EACCES;
    }
  }
  close(pfd);
  if (err != 0) return Respond(id, false, err);

  struct seccomp_notif_addfd add = {};
  add.id = id;
  add.flags = SECCOMP_ADDFD_FLAG_SEND;
  add.srcfd = static_cast<uint32_t>(fd);
  add.newfd_flags = flags & O_CLOEXEC;
  long r = ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
  if (r < 0 && errno == EINVAL) {
    // Before Linux 5.14 (no ADDFD_FLAG_SEND): add it, then answer with its number.
    add.flags = 0;
    r = ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
    if (r >= 0) RespondValue(id, r);
  }
  const int add_err = errno;
  close(fd);
  if (r < 0 && add_err != ENOENT) Respond(id, false, add_err == EINVAL ? EACCES : add_err);  // ENOENT: the call is gone
}

void Supervisor::HandleNotification() {
  auto* req = reinterpret_cast<struct seccomp_notif*>(req_buf_.data());
  std::memset(req, 0, req_buf_.size());
  if (ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
    if (errno == EINTR || errno == ENOENT) return;  // ENOENT: the task died before we took it
    Fail(errno, "ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
  }
  const struct seccomp_data& d = req->data;
  const pid_t tid = static_cast<pid_t>(req->pid);
  const uint64_t id = req->id;

  if (phase_ == Phase::kExec) DrainStatus();
  if (phase_ == Phase::kExec) {
    // Only the launcher runs: its execve, and its report of a failed one.
    const bool launcher = tid == child_;
    if (launcher && d.nr == SYS_execve) return Respond(id, true, 0);
    if (launcher && d.nr == SYS_write && static_cast<int>(d.args[0]) == launcher_status_fd_) return Respond(id, true, 0);
    return Respond(id, false, EPERM);
  }
  if (phase_ == Phase::kLoader && tid == child_) {
    if (IsMarker(d)) {
      // The marker's argument is the preload's account of its
      // landlock_restrict_self: it is only believed when it reports a
      // failure (which kills the program). Security never rests on it: the
      // launcher already put the program in the start-up domain (the -v
      // rules plus reading the loader's files), so a forged marker, or a
      // preload kept from entering the rules-only domain, leaves the
      // program in that domain.
      const uint64_t landlock = d.args[2];
      if (keep_fd_ >= 0 && landlock != PLEDGE_LANDLOCK_OK) {
        const int err = landlock == PLEDGE_LANDLOCK_NONE ? ENOENT : static_cast<int>(landlock & 0xffffffffU);
        unveil_error_ = "the program's start-up could not enter the unveil domain: landlock_restrict_self: " + ErrnoName(err);
      } else if (keep_fd_ >= 0 && ThreadCount(child_) > 1) {
        unveil_error_ = "the program started threads before unveil could be applied";
      }
      if (!unveil_error_.empty()) {
        kill(child_, SIGKILL);
        return Respond(id, false, EPERM);
      }
      EnterRunning("marker");
      Event("loader-done", Napi::Object::New(env_));
      return Respond(id, true, 0);
    }
    switch (WindowDecision(d, tid)) {
      case Window::kContinue: return Respond(id, true, 0);
      case Window::kEmulateOpen: return EmulateOpen(id, d, tid);
      case Window::kNotMine: break;
    }
  }

  // Everything else is for the policy in JavaScript.
  const pid_t tgid = TgidOf(tid);
  if (BeingKilled(tgid)) {
    SigKill(tgid, &killed_[tgid]);
    return Respond(id, false, ENOSYS);
  }
  ForgetEnded();
  const double process = IdentifyProcess(tgid);
  const std::string comm = CommOf(tgid);
  // Read while the caller waits (checked below with ID_VALID): the process
  // `tgid` names cannot end meanwhile, so this is its start time.
  const uint64_t start_time = StartTimeOf(tgid);
  std::string path;
  bool has_path = false;
  if (d.nr >= 0 && static_cast<size_t>(d.nr) < path_args_.size()) {
    const int8_t a = path_args_[static_cast<size_t>(d.nr)];
    if (a >= 0 && a < 6) has_path = ReadRemoteString(tid, d.args[a], &path);
  }
  // What was read belongs to this call only if the call is still pending.
  uint64_t check = id;
  if (ioctl(fds_.listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &check) != 0) return;

  Napi::Object n = Napi::Object::New(env_);
  n.Set("pid", Napi::Number::New(env_, tgid));
  n.Set("tid", Napi::Number::New(env_, tid));
  n.Set("nr", Napi::Number::New(env_, d.nr));
  n.Set("arch", Napi::Number::New(env_, d.arch));
  Napi::Array args = Napi::Array::New(env_, 6);
  for (uint32_t i = 0; i < 6; i++) args.Set(i, Napi::BigInt::New(env_, static_cast<uint64_t>(d.args[i])));
  n.Set("args", args);
  n.Set("ip", Napi::BigInt::New(env_, static_cast<uint64_t>(d.instruction_pointer)));
  if (has_path) n.Set("path", Napi::String::New(env_, path));
  if (!comm.empty()) n.Set("comm", Napi::String::New(env_, comm));
  if (process != 0) n.Set("process", Napi::Number::New(env_, process));
  if (start_time != 0) n.Set("startTime", Napi::Number::New(env_, static_cast<double>(start_time)));
  n.Set("phase", Napi::String::New(env_, PhaseName(phase_)));
  n.Set("main", Napi::Boolean::New(env_, tgid == child_));

  Napi::Value verdict = on_notify_.Call({n});
  // 0: let it run; > 0: fail with that errno; < 0: kill.
  const double v = verdict.IsNumber() ? verdict.As<Napi::Number>().DoubleValue() : -1;
  if (v == 0) {
    if ((d.nr == SYS_execve || d.nr == SYS_execveat) && tgid == child_ && phase_ == Phase::kLoader) {
      // The program executes another before the marker: the window was for
      // this program's loader, not the next one's. It ends now. Under -v
      // the unveil domain was never entered: the program is killed.
      if (keep_fd_ >= 0) {
        unveil_error_ = "the program executed another program before unveil could be applied";
        kill(child_, SIGKILL);
        return Respond(id, false, EPERM);
      }
      EnterRunning("exec");
    }
    return Respond(id, true, 0);
  }
  violations_++;
  if (v > 0) return Respond(id, false, static_cast<int>(v));
  Penalize(id, tgid, tid);
}

Napi::Value Supervisor::Run() {
  Parse();
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes_) != 0) ThrowErrno(env_, errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)");
  req_buf_.assign(std::max<size_t>(sizes_.seccomp_notif, sizeof(struct seccomp_notif)), 0);
  resp_buf_.assign(std::max<size_t>(sizes_.seccomp_notif_resp, sizeof(struct seccomp_notif_resp)), 0);

  // Prepared before fork (see ChildPlan).
  std::vector<char*> argv, envp;
  for (auto& s : argv_) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envp_) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<struct sock_filter> filter_buf(BPF_MAXINSNS);

  int cmd[2], status[2];
  if (pipe2(cmd, O_CLOEXEC) != 0) ThrowErrno(env_, errno, "pipe2");
  fds_.cmd_r = cmd[0];
  fds_.cmd_w = cmd[1];
  if (pipe2(status, O_CLOEXEC) != 0) ThrowErrno(env_, errno, "pipe2");
  fds_.status_r = status[0];
  fds_.status_w = status[1];

  ChildPlan plan = {file_.c_str(), argv.data(), envp.data(), fds_.cmd_r, fds_.cmd_w, fds_.status_r, fds_.status_w,
                    ruleset_fd_, keep_fd_, getpid(), filter_buf.data()};

  // The program must not ptrace this process nor open its /proc/PID/mem
  // (see DropPtraceCapability for root). Not undone: descendants of the
  // program may outlive the supervision.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) ThrowErrno(env_, errno, "prctl(PR_SET_DUMPABLE)");

  g_pending.store(0);
  InstallForwarding(&signals_);
  child_ = fork();
  if (child_ < 0) {
    const int err = errno;
    RestoreSignals(signals_);
    ThrowErrno(env_, err, "fork");
  }
  if (child_ == 0) ChildMain(plan);
  g_child.store(child_);
  if (const int sig = g_pending.exchange(0)) kill(child_, sig);
  fds_.Close(&fds_.cmd_r);
  launcher_status_fd_ = fds_.status_w;  // the launcher writes a failed execve's errno there
  fds_.Close(&fds_.status_w);

  const long pidfd = syscall(SYS_pidfd_open, child_, 0);
  if (pidfd < 0) Fail(errno, "pidfd_open");
  fds_.pidfd = static_cast<int>(pidfd);

  // The filter, for this child (its pid is in the "signals to itself" rules).
  Napi::Value bytes;
  try {
    bytes = on_filter_.Call({Napi::Number::New(env_, child_)});
  } catch (...) {
    KillAndReap();
    throw;
  }
  if (!bytes.IsTypedArray() || bytes.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    KillAndReap();
    ThrowInvalid<Napi::TypeError>(env_, "supervise: onFilter must return a Uint8Array");
  }
  auto program = bytes.As<Napi::Uint8Array>();
  const size_t size = program.ByteLength();
  if (size == 0 || size % 8 != 0 || size / 8 > BPF_MAXINSNS) {
    KillAndReap();
    ThrowInvalid<Napi::RangeError>(env_, "supervise: the filter must be a non-zero multiple of 8 bytes, at most 4096 instructions");
  }
  std::vector<uint8_t> message(4 + size);
  const uint32_t len = static_cast<uint32_t>(size / 8);
  std::memcpy(message.data(), &len, 4);
  std::memcpy(message.data() + 4, program.Data(), size);
  for (size_t off = 0; off < message.size();) {
    const ssize_t n = write(fds_.cmd_w, message.data() + off, message.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail(errno, "write (filter to the launcher)");
    off += static_cast<size_t>(n);
  }
  fds_.Close(&fds_.cmd_w);

  LaunchMsg msg;
  if (!ReadMsg(&msg, 10000)) Fail(ECHILD, "launcher (ended or timed out before installing its filter)");
  if (msg.tag == 'E') SetupFailed(msg);
  if (msg.tag != 'L') Fail(EPROTO, "launcher protocol");
  FetchListener(msg.value);
  fcntl(fds_.status_r, F_SETFL, O_NONBLOCK);

  try {
    for (;;) {
      int timeout = 1000;
      if (phase_ == Phase::kLoader) {
        const double left = loader_deadline_ - NowMs();
        if (left <= 0) {
          if (keep_fd_ >= 0) {
            unveil_error_ = "the program never signalled the end of its start-up, so unveil could not be applied";
            kill(child_, SIGKILL);
          }
          EnterRunning("timeout");
          Napi::Object e = Napi::Object::New(env_);
          e.Set("timeoutMs", Napi::Number::New(env_, loader_timeout_ms_));
          Event("loader-timeout", e);
          continue;
        }
        timeout = std::min(timeout, static_cast<int>(left) + 1);
      }
      if (const double next = NextKillDeadline()) timeout = std::max(0, std::min(timeout, static_cast<int>(next - NowMs()) + 1));
      struct pollfd p[3] = {{fds_.listener, POLLIN, 0}, {fds_.pidfd, POLLIN, 0}, {fds_.status_r, POLLIN, 0}};
      const int n = poll(p, 3, timeout);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail(errno, "poll");
      if (!killed_.empty()) EnforceKills(false);
      if (p[2].revents) DrainStatus();
      if (p[0].revents & POLLIN) {
        HandleNotification();
        continue;
      }
      if (p[1].revents & POLLIN) break;  // the child has ended
      if (p[0].revents & (POLLHUP | POLLERR)) {
        // No task uses the filter any more: the child is ending.
        struct pollfd w = {fds_.pidfd, POLLIN, 0};
        while (poll(&w, 1, -1) < 0 && errno == EINTR) {}
        break;
      }
    }
  } catch (...) {
    KillAndReap();
    throw;
  }
  // Processes still being killed will not be answered any more.
  EnforceKills(true);
  while (waitpid(child_, &wait_status_, 0) < 0) {
    if (errno != EINTR) Fail(errno, "waitpid");
  }
  reaped_ = true;
  // A violation kill only when the child died of the penalty: SIGSYS, or
  // the SIGKILL we sent after it.
  violation_kill_ = child_penalized_ && WIFSIGNALED(wait_status_) &&
                    (WTERMSIG(wait_status_) == SIGSYS || (WTERMSIG(wait_status_) == SIGKILL && child_sigkilled_));
  if (fds_.status_r >= 0) DrainStatus();
  RestoreSignals(signals_);

  Napi::Object result = Napi::Object::New(env_);
  result.Set("pid", Napi::Number::New(env_, child_));
  if (WIFEXITED(wait_status_)) {
    result.Set("status", Napi::Number::New(env_, WEXITSTATUS(wait_status_)));
    result.Set("signal", env_.Null());
  } else {
    result.Set("status", env_.Null());
    result.Set("signal", Napi::Number::New(env_, WIFSIGNALED(wait_status_) ? WTERMSIG(wait_status_) : 0));
  }
  result.Set("execErrno", exec_errno_ ? Napi::Value(Napi::Number::New(env_, exec_errno_)) : env_.Null());
  if (exec_errno_) {
    result.Set("execCode", Napi::String::New(env_, ErrnoName(exec_errno_)));
    result.Set("execMessage", Napi::String::New(env_, std::strerror(exec_errno_)));
  }
  result.Set("violationKill", Napi::Boolean::New(env_, violation_kill_));
  result.Set("violations", Napi::Number::New(env_, violations_));
  result.Set("loaderEnd", Napi::String::New(env_, loader_end_));
  if (!unveil_error_.empty()) result.Set("unveilError", Napi::String::New(env_, unveil_error_));
  return result;
}

// supervise(options): { pid, status, signal, execErrno, violationKill, violations, loaderEnd, unveilError? }
Napi::Value Supervise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) ThrowInvalid<Napi::TypeError>(env, "supervise: options must be an object");
  Supervisor s(env, info[0].As<Napi::Object>());
  return s.Run();
}

// preloadProtocol(): the constants of preload/protocol.h the TypeScript side
// needs (the marker the supervised filter routes here, the environment
// variable of the unveil ruleset), so that the header is their only source.
Napi::Value PreloadProtocol(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("markerA", Napi::BigInt::New(env, static_cast<uint64_t>(PLEDGE_MARKER_A)));
  o.Set("markerB", Napi::BigInt::New(env, static_cast<uint64_t>(PLEDGE_MARKER_B)));
  o.Set("envLandlockFd", Napi::String::New(env, PLEDGE_ENV_LANDLOCK_FD));
  o.Set("preloadName", Napi::String::New(env, PLEDGE_PRELOAD_NAME));
  return o;
}

}  // namespace

void InitSupervise(Napi::Env env, Napi::Object exports) {
  exports.Set("supervise", Napi::Function::New(env, Supervise, "supervise"));
  exports.Set("preloadProtocol", Napi::Function::New(env, PreloadProtocol, "preloadProtocol"));
}

}  // namespace seccomp_scopes
