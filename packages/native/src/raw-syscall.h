// Syscalls made without the C library: no PLT, no errno, safe in a signal
// handler. Returns the kernel's answer (-errno on failure). Shared by the
// SIGSYS reporter (reporter.cc) and the io_uring replay (ring-replay.cc).
#ifndef SECCOMP_SCOPES_RAW_SYSCALL_H_
#define SECCOMP_SCOPES_RAW_SYSCALL_H_

#include <sys/syscall.h>
#include <unistd.h>

namespace seccomp_scopes {

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

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_RAW_SYSCALL_H_
