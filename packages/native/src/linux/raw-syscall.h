// The per-architecture code of the addon, in one place: the syscall
// instruction, and where a signal's ucontext keeps a system call's arguments
// and return value. With kernel-structs.h (struct layouts) this is the only
// file that tests __x86_64__ / __aarch64__; a new architecture adds its case
// to each function here (docs/adding-an-architecture.md).
//
// Everything here is async-signal-safe: no libc, no errno, no allocation.
// Used by the SIGSYS handler (report/sigsys-handler.cc), the io_uring replay
// (ring-replay.cc) and the process lock (process-state.cc).
#ifndef SECCOMP_SCOPES_LINUX_RAW_SYSCALL_H_
#define SECCOMP_SCOPES_LINUX_RAW_SYSCALL_H_

#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>

#if defined(__x86_64__) || defined(__aarch64__)
// RawSyscall, ReadArgs and SetReturn are real on this architecture (not the
// libc fallback and the no-ops below); the SIGSYS reporter needs them.
#define SECCOMP_SCOPES_ARCH_KNOWN 1
#endif

namespace seccomp_scopes {

#ifdef SECCOMP_SCOPES_ARCH_KNOWN
constexpr bool kArchKnown = true;
#else
constexpr bool kArchKnown = false;
#endif

// A system call made without the C library: no PLT, no errno, safe in a
// signal handler. Returns the kernel's answer (-errno on failure).
inline long RawSyscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0) {
#if defined(__x86_64__)
  long ret;
  register long r10 __asm__("r10") = a3;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a0;
  register long x1 __asm__("x1") = a1;
  register long x2 __asm__("x2") = a2;
  register long x3 __asm__("x3") = a3;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#else
  return syscall(nr, a0, a1, a2, a3);
#endif
}

// The six argument registers of the system call a seccomp SIGSYS
// interrupted (SECCOMP_RET_TRAP), from the handler's ucontext.
inline void ReadArgs(const ucontext_t* uc, uint64_t* args) {
#if defined(__x86_64__)
  const greg_t* g = uc->uc_mcontext.gregs;
  args[0] = static_cast<uint64_t>(g[REG_RDI]);
  args[1] = static_cast<uint64_t>(g[REG_RSI]);
  args[2] = static_cast<uint64_t>(g[REG_RDX]);
  args[3] = static_cast<uint64_t>(g[REG_R10]);
  args[4] = static_cast<uint64_t>(g[REG_R8]);
  args[5] = static_cast<uint64_t>(g[REG_R9]);
#elif defined(__aarch64__)
  for (int i = 0; i < 6; i++) args[i] = uc->uc_mcontext.regs[i];
#else
  (void)uc;
  for (int i = 0; i < 6; i++) args[i] = 0;
#endif
}

// Sets what the interrupted system call returns once the handler returns.
inline void SetReturn(ucontext_t* uc, long value) {
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RAX] = value;
#elif defined(__aarch64__)
  uc->uc_mcontext.regs[0] = static_cast<uint64_t>(value);
#else
  (void)uc;
  (void)value;
#endif
}

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_RAW_SYSCALL_H_
