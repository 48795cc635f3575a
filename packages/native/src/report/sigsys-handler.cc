// The SIGSYS handler behind pledge()'s penalties.
//
// pledge() compiles its filter with SECCOMP_RET_TRAP as the penalty. The
// kernel then skips the offending syscall and sends SIGSYS to the thread that
// made it, with si_syscall, si_arch and the registers (seccomp(2)). The
// handler below:
//
//   1. formats ONE line (format.h) from tables built in TypeScript at
//      pledge() time (@seccomp-scopes/core buildReportTables) and copied
//      here; no malloc, no stdio, no locks: only stack buffers and raw
//      syscalls;
//   2. writes it to the report descriptor (write(2), allowed by the filter);
//   3. kill mode: calls exit_group(REPORT_EXIT_MAGIC), which the filter turns
//      into SECCOMP_RET_KILL_PROCESS, so every thread dies by SIGSYS;
//      errno mode: stores -errno in the return register and returns, so the
//      syscall appears to fail; each syscall is reported once.
//
// A call through a foreign ABI (the i386 entry or an x32 number on x86_64,
// AArch32 on aarch64) traps too when pledge() reports (the filter's
// `foreignAbi` action): the handler writes the foreign-ABI line (format.h)
// and kills, whatever the penalty, as the filter alone would.
//
// A read-only open (open/openat, access mode O_RDONLY, none of O_CREAT,
// O_TRUNC, O_TMPFILE: core's readOnlyOpenRules) that the Node runtime
// allowance traps instead of answering EACCES in the kernel while reports are
// on (node-runtime.ts; the facade says so with `refuseReadOnlyOpens`, and
// without it such an open is a violation like any other). The handler answers EACCES, as the
// kernel would have, whatever the penalty, after reporting the path once
// (`refused openat(...) with EACCES`): the path is copied from the caller
// through a pipe of its own (write(2) from the pointer, read(2) back: see
// CopyOwnString), page by page, so an unreadable address ends the copy with
// EFAULT instead of faulting in the handler, and no call names a process
// (the filter, inherited by every program the process executes, allows none
// for the reporter). When the address is bad, or the pipe is gone, replaced
// or busy too long, the report has no path. Without "stdio" in force
// nothing is copied and nothing reported (Node's own probes could not be
// told apart). Paths are remembered as 64-bit hashes in
// a fixed lock-free set; Node's own probes (Reporter::quiet_paths) are never
// reported.
//
// rt_sigaction(SIGSYS, act != NULL) is trapped too (reporterRules): the
// handler answers it with success, fills `oact` with its own action and stays
// in place. A SIGSYS that does not come from seccomp (kill -SYS) ends the
// process by SIGSYS as the default action would. An io_uring_enter on a ring
// adopted before the filter is replayed (ring-replay.cc), never reported.
//
// The handler may run on any thread (the libuv threadpool, a Worker, a native
// thread) while the JS thread is busy. The tables it reads are published with
// an atomic pointer and never freed (a later pledge() publishes new ones).

#include "sigsys-handler.h"

#include "../linux/kernel-structs.h"  // KernelSigaction, kKernelSigsetBytes, SYS_SECCOMP
#include "../linux/raw-syscall.h"     // RawSyscall, ReadArgs, SetReturn
#include "../ring-replay.h"           // ReplayRingEnter
#include "format.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace seccomp_scopes {
namespace {

std::atomic<Reporter*> g_reporter{nullptr};
std::atomic<bool> g_dying{false};
std::atomic<uint64_t> g_reported[64];  // one bit per syscall number below 4096 (errno mode)
std::atomic<unsigned long> g_reports{0};
bool g_installed = false;
// What the last installReporter() replaced, for rollbackReporter().
struct Rollback {
  bool valid;
  bool was_installed;
  Reporter* reporter;
} g_rollback = {false, false, nullptr};
struct sigaction g_previous;
KernelSigaction g_kernel_action;  // what an emulated rt_sigaction(SIGSYS) query returns

[[noreturn]] void Die(const Reporter* r) {
  // The filter turns exit_group(magic) into SECCOMP_RET_KILL_PROCESS: every
  // thread dies by SIGSYS. Without it the status alone would still read 159.
  for (;;) RawSyscall(SYS_exit_group, r ? static_cast<long>(static_cast<int32_t>(r->magic)) : 128 + SIGSYS);
}

// The argument registers of a call through the compat entry: on x86_64 the
// i386 ones (ebx, ecx, edx, esi, edi, ebp); AArch32's r0-r5 are x0-x5, as
// ReadArgs already has them.
void ReadCompatArgs(const ucontext_t* uc, uint64_t* args) {
#if defined(__x86_64__)
  const greg_t* g = uc->uc_mcontext.gregs;
  const int regs[6] = {REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP};
  for (int i = 0; i < 6; i++) args[i] = static_cast<uint64_t>(g[regs[i]]) & 0xffffffffu;
#else
  (void)uc;
  (void)args;
#endif
}

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const long w = RawSyscall(SYS_write, fd, reinterpret_cast<long>(p), static_cast<long>(n));
    if (w == -EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void Report(const Reporter* r, uint32_t nr, const uint64_t* args, uint32_t audit_arch = 0) {
  Violation v;
  v.nr = nr;
  v.audit_arch = audit_arch;
  for (int i = 0; i < 6; i++) v.args[i] = args[i];
  v.pid = RawSyscall(SYS_getpid);
  v.tid = RawSyscall(SYS_gettid);
  char line[4096];
  char scratch[2048];
  const Penalty penalty{r->kill ? "kill" : "errno", r->kill ? "" : r->errno_name.c_str()};
  const size_t n = FormatReport(r->tables, v, r->json, penalty, line, sizeof line, scratch, sizeof scratch);
  WriteAll(r->fd, line, n);
  g_reports.fetch_add(1, std::memory_order_relaxed);
}

// Flags of open(2) the read-only open rule tests (same values on x86_64 and aarch64).
constexpr uint32_t kOpenAccMode = 03, kOpenCreat = 0100, kOpenTrunc = 01000, kOpenTmpfile = 020000000;

// The path argument's index when `nr` is a read-only open, else -1.
int ReadOnlyOpenPathArg(uint32_t nr, const uint64_t* args) {
  int path_arg = -1, flags_arg = -1;
  if (nr == SYS_openat) { path_arg = 1; flags_arg = 2; }
#ifdef SYS_open
  if (nr == SYS_open) { path_arg = 0; flags_arg = 1; }
#endif
  if (path_arg < 0) return -1;
  const uint32_t flags = static_cast<uint32_t>(args[flags_arg]);
  return (flags & (kOpenAccMode | kOpenCreat | kOpenTrunc | kOpenTmpfile)) == 0 ? path_arg : -1;
}

// The own-memory copy: a pipe, made when the reporter is installed (before
// the filter that traps into it), O_NONBLOCK and O_CLOEXEC. write(2) of a
// user pointer lets the kernel copy from it (EFAULT for a bad address, no
// signal), and read(2) brings the bytes back. No call that names a process:
// a filter allowing one on the pledged pid would let every program the
// process executes (the filter is inherited) read its memory. Used only
// while "stdio" is in force, which allows write, read, fstat and
// fcntl(F_GETFL) on any descriptor; one handler at a time (g_copy_busy:
// another waits for it, a bounded spin).
std::atomic<int> g_copy_r{-1}, g_copy_w{-1};
uint64_t g_copy_dev = 0, g_copy_ino = 0;  // the pipe's, set with the descriptors
std::atomic<bool> g_copy_busy{false};

// Whether `fd` is still the copy pipe (the program may have closed or
// replaced the descriptor) and non-blocking.
bool IsCopyPipe(int fd) {
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
  if (!S_ISFIFO(st.st_mode) || static_cast<uint64_t>(st.st_dev) != g_copy_dev || static_cast<uint64_t>(st.st_ino) != g_copy_ino) return false;
  const long fl = RawSyscall(SYS_fcntl, fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

// Empties the pipe (non-blocking reads until EAGAIN).
void DrainCopyPipe(int rfd) {
  char sink[512];
  for (int i = 0; i < 256; i++) {
    const long n = RawSyscall(SYS_read, rfd, reinterpret_cast<long>(sink), sizeof sink);
    if (n == -EINTR) continue;
    if (n <= 0) return;
  }
}

// Copies the NUL-terminated string at `addr` of this process into `buf`
// (at most cap - 1 bytes) without touching it directly: through the copy
// pipe, one piece per 4 KiB page (at most PIPE_BUF bytes, written whole), so
// an unmapped page ends the copy with EFAULT. Returns the string's length,
// or -1 when unreadable, not terminated within cap - 1 bytes, or when the
// pipe is missing, replaced or in use by another thread's handler.
long CopyOwnString(uint64_t addr, char* buf, size_t cap) {
  const int rfd = g_copy_r.load(std::memory_order_acquire), wfd = g_copy_w.load(std::memory_order_acquire);
  if (addr == 0 || cap < 2 || rfd < 0 || wfd < 0) return -1;
  // Another thread's handler copies: wait for it (a short copy; bounded, then no path).
  for (long spins = 0; g_copy_busy.exchange(true, std::memory_order_acquire); spins++) {
    if (spins >= (1L << 22)) return -1;
  }
  long result = -1;
  if (IsCopyPipe(rfd) && IsCopyPipe(wfd)) {
    DrainCopyPipe(rfd);
    size_t got = 0;
    while (got < cap - 1) {
      const uint64_t at = addr + got;
      size_t n = 4096 - (at & 4095);
      if (n > cap - 1 - got) n = cap - 1 - got;
      long w;
      do w = RawSyscall(SYS_write, wfd, static_cast<long>(at), static_cast<long>(n)); while (w == -EINTR);
      if (w <= 0) break;
      size_t back = 0;
      while (back < static_cast<size_t>(w)) {
        const long r = RawSyscall(SYS_read, rfd, reinterpret_cast<long>(buf + got + back), static_cast<long>(static_cast<size_t>(w) - back));
        if (r == -EINTR) continue;
        if (r <= 0) break;
        back += static_cast<size_t>(r);
      }
      if (back != static_cast<size_t>(w)) break;
      bool ended = false;
      for (size_t i = got; i < got + back; i++) {
        if (buf[i] == '\0') { result = static_cast<long>(i); ended = true; break; }
      }
      if (ended) break;
      got += back;
    }
    DrainCopyPipe(rfd);  // leaves nothing behind after a partial copy
  }
  g_copy_busy.store(false, std::memory_order_release);
  return result;
}

// Makes the copy pipe once (before the filter: pipe2 needs no promise then).
void MakeCopyPipe() {
  if (g_copy_w.load(std::memory_order_acquire) >= 0) return;
  int fds[2];
  if (RawSyscall(SYS_pipe2, reinterpret_cast<long>(fds), O_NONBLOCK | O_CLOEXEC) != 0) return;
  struct stat st;
  if (RawSyscall(SYS_fstat, fds[0], reinterpret_cast<long>(&st)) != 0) {
    RawSyscall(SYS_close, fds[0]);
    RawSyscall(SYS_close, fds[1]);
    return;
  }
  g_copy_dev = static_cast<uint64_t>(st.st_dev);
  g_copy_ino = static_cast<uint64_t>(st.st_ino);
  g_copy_r.store(fds[0], std::memory_order_release);
  g_copy_w.store(fds[1], std::memory_order_release);
}

// Whether the promise "stdio" is in force in `t` (the copy's calls need it).
bool StdioInForce(const Tables& t) {
  for (uint32_t i = 0; i < t.prom_count && i < 32; i++) {
    if ((t.in_force & (1u << i)) && std::strcmp(t.Str(t.W(t.PromiseName(i) + report::promise_name_field::name)), "stdio") == 0) return true;
  }
  return false;
}

bool IsQuietPath(const Reporter* r, const char* p, size_t n) {
  for (const std::string& q : r->quiet_paths) {
    const size_t qn = q.size();
    if (qn > 0 && q[qn - 1] == '*') {
      if (n >= qn - 1 && std::memcmp(p, q.data(), qn - 1) == 0) return true;
    } else if (qn == n && std::memcmp(p, q.data(), n) == 0) {
      return true;
    }
  }
  return false;
}

// Paths reported once: FNV-1a hashes in an open-addressed set (0 = empty).
// When it is full, a new path is reported every time.
constexpr size_t kPathSlots = 1024;
std::atomic<uint64_t> g_paths[kPathSlots];

bool FirstTimePath(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  if (h == 0) h = 1;
  for (size_t i = 0; i < kPathSlots; i++) {
    std::atomic<uint64_t>& slot = g_paths[(h + i) % kPathSlots];
    uint64_t seen = slot.load(std::memory_order_relaxed);
    if (seen == 0 && slot.compare_exchange_strong(seen, h)) return true;
    if (seen == h) return false;
  }
  return true;
}

// A read-only open trapped by the runtime allowance: report once, answer EACCES.
void RefuseReadOnlyOpen(const Reporter* r, uint32_t nr, const uint64_t* args, int path_arg) {
  if (r->quiet) return;
  const int64_t pid = RawSyscall(SYS_getpid);
  // A forked child (another pid) shares the copy pipe with its parent: no copy, no report.
  if (static_cast<uint32_t>(pid) != r->tables.pid) return;
  char path[4096];
  // Without "stdio" no path can be copied, so Node's own probes cannot be told from
  // the program's opens: answered EACCES, unreported.
  if (!r->copy_paths) return;
  const long n = CopyOwnString(args[path_arg], path, sizeof path);
  if (n >= 0 && IsQuietPath(r, path, static_cast<size_t>(n))) return;
  if (n >= 0 && !FirstTimePath(path, static_cast<size_t>(n))) return;
  Violation v;
  v.nr = nr;
  for (int i = 0; i < 6; i++) v.args[i] = args[i];
  v.pid = pid;
  v.tid = RawSyscall(SYS_gettid);
  if (n >= 0) {
    v.path = path;
    v.path_len = static_cast<size_t>(n);
  }
  v.refused_errno = "EACCES";
  char line[4096];
  char scratch[2048];
  const Penalty penalty{"errno", "EACCES"};
  const size_t len = FormatReport(r->tables, v, r->json, penalty, line, sizeof line, scratch, sizeof scratch);
  WriteAll(r->fd, line, len);
  g_reports.fetch_add(1, std::memory_order_relaxed);
}

void SigsysHandler(int sig, siginfo_t* info, void* context) {
  (void)sig;
  const int saved_errno = errno;
  Reporter* r = g_reporter.load(std::memory_order_acquire);
  auto* uc = static_cast<ucontext_t*>(context);
  if (r == nullptr || info->si_code != SYS_SECCOMP) {
    Die(r);  // not a seccomp trap: SIGSYS's default action ends the process too
  }
  uint64_t args[6];
  ReadArgs(uc, args);
  const uint32_t nr = static_cast<uint32_t>(info->si_syscall);
  const uint32_t audit_arch = static_cast<uint32_t>(info->si_arch);

  // A foreign ABI (another audit arch, an x32 number): no promise allows it. Report, then kill.
  if (ForeignAbiName(r->tables, audit_arch, nr) != nullptr) {
    if (audit_arch != r->tables.audit_arch) ReadCompatArgs(uc, args);
    if (!g_dying.exchange(true) && !r->quiet) Report(r, nr, args, audit_arch);
    Die(r);
  }

  // rt_sigaction(SIGSYS, act != NULL): keep the handler, answer success.
  if (nr == SYS_rt_sigaction && static_cast<int32_t>(args[0]) == SIGSYS && args[1] != 0) {
    if (args[3] != static_cast<uint64_t>(kKernelSigsetBytes)) {
      SetReturn(uc, -EINVAL);
    } else {
      if (args[2] != 0) std::memcpy(reinterpret_cast<void*>(args[2]), &g_kernel_action, sizeof g_kernel_action);
      SetReturn(uc, 0);
    }
    errno = saved_errno;
    return;
  }

  // io_uring_enter on a ring adopted before the filter: replayed, never a violation.
  long replayed = 0;
  if (nr == SYS_io_uring_enter && ReplayRingEnter(args, &replayed)) {
    SetReturn(uc, replayed);
    errno = saved_errno;
    return;
  }

  // A read-only open the Node runtime allowance traps (see above): only where
  // the filter was built with that allowance; elsewhere (the C library) it is
  // a violation like any other.
  if (const int path_arg = ReadOnlyOpenPathArg(nr, args); r->refuse_read_only_opens && path_arg >= 0 && audit_arch == r->tables.audit_arch) {
    RefuseReadOnlyOpen(r, nr, args, path_arg);
    SetReturn(uc, -EACCES);
    errno = saved_errno;
    return;
  }

  if (r->kill) {
    if (!g_dying.exchange(true) && !r->quiet) Report(r, nr, args);
    Die(r);
  }
  bool first = true;
  if (nr < 64 * 64) {
    const uint64_t bit = 1ull << (nr % 64);
    first = (g_reported[nr / 64].fetch_or(bit) & bit) == 0;
  }
  if (first && !r->quiet) Report(r, nr, args);
  SetReturn(uc, -static_cast<long>(r->errno_value));
  errno = saved_errno;
}

}  // namespace

int InstallReporter(Reporter* r) {
  // The strictest penalty wins, as across stacked filters: once kill, always kill.
  Reporter* previous = g_reporter.load(std::memory_order_acquire);
  g_rollback = {true, g_installed, previous};
  if (previous && previous->kill) r->kill = true;
  // Paths of refused read-only opens are copied through the pipe while "stdio" allows its calls.
  r->copy_paths = r->refuse_read_only_opens && !r->quiet && StdioInForce(r->tables);
  if (r->copy_paths) MakeCopyPipe();
  if (!g_installed) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = SigsysHandler;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    g_reporter.store(r, std::memory_order_release);
    if (sigaction(SIGSYS, &sa, &g_previous) != 0) {
      const int err = errno;
      g_reporter.store(previous, std::memory_order_release);
      delete r;
      return err;
    }
    // What an emulated rt_sigaction(SIGSYS) query answers: the kernel's view.
    std::memset(&g_kernel_action, 0, sizeof g_kernel_action);
    RawSyscall(SYS_rt_sigaction, SIGSYS, 0, reinterpret_cast<long>(&g_kernel_action), kKernelSigsetBytes);
    g_installed = true;
  } else {
    g_reporter.store(r, std::memory_order_release);
  }
  // The previous Reporter is kept: a handler on another thread may be reading it.
  return 0;
}

int UninstallReporter() {
  if (!g_installed) return 0;
  if (sigaction(SIGSYS, &g_previous, nullptr) != 0) return errno;
  g_installed = false;
  g_reporter.store(nullptr, std::memory_order_release);
  return 0;
}

int RollbackReporter() {
  if (!g_rollback.valid) return 0;
  g_rollback.valid = false;
  if (!g_rollback.was_installed) {
    if (g_installed && sigaction(SIGSYS, &g_previous, nullptr) != 0) return errno;
    g_installed = false;
    g_reporter.store(nullptr, std::memory_order_release);
  } else {
    g_reporter.store(g_rollback.reporter, std::memory_order_release);
  }
  return 0;
}

const Reporter* InstalledReporter() {
  const Reporter* r = g_reporter.load(std::memory_order_acquire);
  return g_installed ? r : nullptr;
}

unsigned long ReportsWritten() { return g_reports.load(); }

}  // namespace seccomp_scopes
