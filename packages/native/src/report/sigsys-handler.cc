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

#include <signal.h>
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
