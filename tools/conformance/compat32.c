/*
 * compat32: the AArch32 half of probe.c's compat mode on aarch64. A static
 * 32-bit ARM (armhf) program, exec'd by the probe's child in place of the
 * syscall under test. It maps the shared page on fd 3 (compat32.h), installs
 * the filter the page holds (no_new_privs + seccomp(2), as the probe does
 * for native cases), then makes exactly one syscall with `svc #0`: arm EABI
 * getpid (20). The kernel sees AUDIT_ARCH_ARM, so a filter that checks the
 * arch kills it there. After arming it only stores to the page, then leaves
 * with a raw exit_group, which a working filter would kill as well: the
 * page, not the exit status, says how far it got.
 *
 * Build: arm-linux-gnueabihf-gcc -static -O2 -marm -o compat32 compat32.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat32.h"

#if !defined(__arm__) || defined(__aarch64__) || defined(__thumb__)
#error "compat32.c is the AArch32 (ARM state) helper: build it with arm-linux-gnueabihf-gcc -marm"
#endif

#define ARM_NR_getpid 20
#define ARM_NR_exit_group 248

static long svc1(long nr, long a0) {
  register long r0 __asm__("r0") = a0;
  register long r7 __asm__("r7") = nr;
  __asm__ volatile("svc #0" : "+r"(r0) : "r"(r7) : "memory");
  return r0;
}

static int give_up(volatile struct compat_page *page, enum compat_step step) {
  if (page) {
    page->failed_step = step;
    page->failed_errno = errno;
  }
  return 120 + (int)step;
}

int main(void) {
  void *p = mmap(NULL, sizeof(struct compat_page), PROT_READ | PROT_WRITE, MAP_SHARED, COMPAT_FD, 0);
  if (p == MAP_FAILED) return give_up(NULL, COMPAT_STEP_MMAP);
  volatile struct compat_page *page = p;
  if (page->magic != COMPAT_MAGIC || page->len == 0 || page->len > 4096) {
    errno = EINVAL;
    return give_up(page, COMPAT_STEP_PAGE);
  }
  struct sock_fprog prog = {(unsigned short)page->len, ((struct compat_page *)p)->filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return give_up(page, COMPAT_STEP_NO_NEW_PRIVS);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return give_up(page, COMPAT_STEP_SECCOMP);
  page->stage = COMPAT_ARMED;
  long r = svc1(ARM_NR_getpid, 0);
  page->ret = (int32_t)r;
  page->stage = COMPAT_RETURNED;
  svc1(ARM_NR_exit_group, 0);
  for (;;) {
  }
}
