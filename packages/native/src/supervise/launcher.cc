// The launcher (the child side of fork, up to the program's execve) and
// the forwarding of the supervisor's signals to the child (launcher.h has
// the contract; supervisor.cc the whole sequence).
//
// Semantics: fork(2) in a multi-threaded process (only async-signal-safe
// calls in the child), prctl(2) (PDEATHSIG, DUMPABLE, NO_NEW_PRIVS,
// CAPBSET_DROP, CAP_AMBIENT), capabilities(7), landlock_restrict_self(2),
// seccomp(2) with SECCOMP_FILTER_FLAG_NEW_LISTENER.

#include "launcher.h"

#include "../linux/kernel-structs.h"  // LandlockPathBeneathAttr
#include "../syscall-fallbacks.h"  // SYS_landlock_add_rule, SYS_landlock_restrict_self

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

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

// ------------------------------------------------------------ the launcher

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

}  // namespace

const char* LaunchStageCall(int32_t stage) {
  return stage == 'N' ? "prctl(PR_SET_NO_NEW_PRIVS)"
         : stage == 'R' ? "landlock_restrict_self"
         : stage == 'O' ? "open (a -v path under /proc/self, in the program)"
         : stage == 'A' ? "landlock_add_rule (a -v path under /proc/self, in the program)"
         : stage == 'K' ? "fcntl(F_SETFD)"
         : stage == 'C' ? "dropping CAP_SYS_PTRACE (prctl(PR_CAPBSET_DROP), capset)"
         : stage == 'P' ? "open(\"/\", O_PATH)"
                        : "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)";
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
  // So does Node with every descriptor it inherited (3 and up): those the
  // command was given pass to the program, as env(1) passes them.
  for (size_t i = 0; i < p.inherit_count; i++) {
    const int fd = p.inherit_fds[i];
    if (fd <= 2 || fd == p.cmd_r || fd == p.status_w) continue;
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
  // -v rules on /proc/self or /proc/thread-self: this process' entries are
  // the program's (same pid, and its main thread's tid, after execve).
  for (size_t i = 0; i < p.self_rule_count; i++) {
    const int fd = open(p.self_rules[i].path, O_PATH | O_CLOEXEC);
    if (fd < 0) ChildFail(p, 'O', errno);
    LandlockPathBeneathAttr attr = {};
    attr.allowed_access = p.self_rules[i].mask;
    attr.parent_fd = fd;
    for (const int ruleset : {p.ruleset_fd, p.keep_fd}) {
      if (ruleset >= 0 && syscall(SYS_landlock_add_rule, ruleset, kLandlockRulePathBeneath, &attr, 0) != 0) ChildFail(p, 'A', errno);
    }
    close(fd);
  }
  if (p.ruleset_fd >= 0) {
    // The domain outlives this execve (the program runs in it): on Landlock
    // ABI 7 (Linux 6.15) its denials are only logged to the audit subsystem
    // after an execve when asked (LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON).
    const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kLandlockCreateRulesetVersion);
    const unsigned log_flags = abi >= SECCOMP_SCOPES_LANDLOCK_ABI_LOG_FLAGS ? LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON : 0U;
    if (syscall(SYS_landlock_restrict_self, p.ruleset_fd, log_flags) != 0) ChildFail(p, 'R', errno);
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

// ------------------------------------------------------------ signals

void InstallForwarding(SavedSignals* saved) {
  g_pending.store(0);
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

void ForwardTo(pid_t child) {
  g_child.store(child);
  if (const int sig = g_pending.exchange(0)) kill(child, sig);
}

}  // namespace seccomp_scopes
