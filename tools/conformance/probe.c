/*
 * probe: runs syscalls under seccomp filters and reports what the kernel
 * did, for the conformance tests. Each case runs in its own forked child,
 * which installs the filter (no_new_privs + seccomp(2)) and makes exactly
 * one raw syscall; the parent reports how the child ended. The filter is
 * never installed in the probe's own process.
 *
 * Protocol, one request per line on stdin (numbers in decimal or 0x hex):
 *   F <hex bytes of struct sock_filter[]>   the filter for the following cases
 *   C <id> <mode> <nr> <a0> <a1> <a2> <a3> <a4> <a5> [<name>]
 *        mode: n = native syscall(2), c = the compat entry (getpid there,
 *        whatever nr says: i386 int 0x80 on x86_64; on aarch64 the AArch32
 *        helper, see below)
 *        name: the syscall's name. When given and this probe's C library
 *        knows it (the table built in with -DPROBE_SYSCALL_NAMES), the call
 *        is made with the C library's number, as a real program would make
 *        it, whatever nr says; a different nr is reported first (M line).
 *   Q                                        quit
 * Output, one line per case:
 *   R <id> kill             killed by SIGSYS (the filter's KILL action)
 *   R <id> errno <n>        the call returned -1 with errno n
 *   R <id> ret <v>          the call returned v >= 0 (reported as 0)
 *   R <id> signal <n>       ended by another signal (e.g. the 2 s alarm)
 *   R <id> error <text>     the probe could not run the case
 * and before it, when a name was given:
 *   M <id> <name> <nr> <libc nr>   the requester's number is not the C library's
 *   U <id> <name>                  the C library has no such syscall; nr was used
 * The child's exit status carries the result (exit_group is allowed by
 * every filter under test), so nothing but the syscall under test runs
 * after the filter is installed.
 *
 * Compat mode on aarch64: a 64-bit process cannot switch to AArch32, so the
 * child execs a static AArch32 helper (compat32.c, path in argv[1], default
 * /compat32) instead. The filter under test forbids execve, so the helper
 * installs it itself: the child passes the filter, and gets the result back,
 * in a shared memory page (struct compat_page, compat32.h) on fd 3; after
 * arming, the helper makes one `svc #0` (arm getpid) and only stores to that
 * page. The page tells "killed at the call" from "the call returned" even
 * when the helper is killed later, at its exit_group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__aarch64__)
#include <sys/mman.h>
#include "compat32.h"
#endif

/* Syscall names this C library knows, with its numbers. */
struct named_syscall {
  const char *name;
  long nr;
};
static const struct named_syscall named_syscalls[] = {
#ifdef PROBE_SYSCALL_NAMES
#include PROBE_SYSCALL_NAMES
#endif
    {NULL, -1},
};

/* The C library's number for a syscall name, or -1. */
static long libc_nr(const char *name) {
  for (const struct named_syscall *s = named_syscalls; s->name; s++)
    if (strcmp(s->name, name) == 0) return s->nr;
  return -1;
}

static struct sock_filter filter[4096];
static unsigned short filter_len;

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int load_filter(const char *hex) {
  size_t n = strlen(hex);
  while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == '\r' || hex[n - 1] == ' ')) n--;
  if (n % 16 != 0 || n / 16 > 4096 || n == 0) return -1;
  unsigned char *bytes = (unsigned char *)filter;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    bytes[i] = (unsigned char)(hi * 16 + lo);
  }
  filter_len = (unsigned short)(n / 16);
  return 0;
}

static long compat_getpid(void) {
#if defined(__x86_64__)
  long ret;
  /* i386 getpid is 20; seccomp sees AUDIT_ARCH_I386. */
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
  return ret;
#else
  errno = ENOSYS;
  return -1;
#endif
}

#if defined(__aarch64__)
static const char *compat_helper = "/compat32";
static struct compat_page *compat_shared;
static int compat_fd = -1;

/* The shared page for the AArch32 helper, created once (fd not close-on-exec). */
static int compat_setup(void) {
  if (compat_shared) return 0;
  int fd = (int)syscall(SYS_memfd_create, "probe-compat32", 0);
  if (fd < 0 || ftruncate(fd, sizeof(struct compat_page)) != 0) return -1;
  void *p = mmap(NULL, sizeof(struct compat_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return -1;
  compat_shared = p;
  compat_fd = fd;
  return 0;
}

/* In the forked child: hand the filter to the AArch32 helper and exec it. */
static void compat_exec(void) {
  if (dup2(compat_fd, COMPAT_FD) < 0) _exit(252);
  char *argv[] = {(char *)compat_helper, NULL};
  char *envp[] = {NULL};
  execve(compat_helper, argv, envp);
  compat_shared->exec_errno = errno;
  _exit(252);
}

/* Reports a compat case from the page and the helper's wait status. */
static void compat_report(const char *id, int status) {
  volatile struct compat_page *s = compat_shared;
  if (s->stage == COMPAT_RETURNED) {
    /* The call went through; how the helper ended afterwards does not matter. */
    if (s->ret < 0 && s->ret > -4096) printf("R %s errno %d\n", id, (int)-s->ret);
    else printf("R %s ret 0\n", id);
  } else if (s->stage == COMPAT_ARMED && WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGSYS) printf("R %s kill\n", id);
    else printf("R %s signal %d\n", id, WTERMSIG(status));
  } else if (s->exec_errno) {
    printf("R %s error exec %s: %s (no AArch32 support?)\n", id, compat_helper, strerror(s->exec_errno));
  } else if (s->failed_step) {
    printf("R %s error AArch32 helper failed at step %u: %s\n", id, s->failed_step, strerror(s->failed_errno));
  } else {
    printf("R %s error AArch32 helper stopped at stage %u, status 0x%x\n", id, s->stage, status);
  }
}
#endif

static void run_case(const char *id, char mode, unsigned long nr, const unsigned long a[6], int devnull) {
#if defined(__aarch64__)
  if (mode == 'c') {
    if (compat_setup() != 0) {
      printf("R %s error compat page: %s\n", id, strerror(errno));
      return;
    }
    memset(compat_shared, 0, sizeof *compat_shared);
    compat_shared->magic = COMPAT_MAGIC;
    compat_shared->len = filter_len;
    memcpy(compat_shared->filter, filter, filter_len * sizeof filter[0]);
  }
#endif
  pid_t pid = fork();
  if (pid < 0) {
    printf("R %s error fork: %s\n", id, strerror(errno));
    return;
  }
  if (pid == 0) {
    struct sock_fprog prog = {filter_len, filter};
    alarm(2);
    /* The child reads nothing from the probe's stdin. */
    if (devnull >= 0) dup2(devnull, 0);
#if defined(__aarch64__)
    if (mode == 'c') compat_exec();
#endif
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(250);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(251);
    long r;
    if (mode == 'c') {
      r = compat_getpid();
      if (r < 0 && r > -4096) { errno = (int)-r; r = -1; }
    } else {
      r = syscall((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    /* Status 0 = success; 1..249 = errno. */
    syscall(SYS_exit_group, r >= 0 ? 0 : (errno > 0 && errno < 250 ? errno : 249));
    _exit(249);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      printf("R %s error waitpid: %s\n", id, strerror(errno));
      return;
    }
  }
#if defined(__aarch64__)
  if (mode == 'c') {
    compat_report(id, status);
    return;
  }
#endif
  if (WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGSYS) printf("R %s kill\n", id);
    else printf("R %s signal %d\n", id, WTERMSIG(status));
  } else if (WEXITSTATUS(status) == 250 || WEXITSTATUS(status) == 251) {
    printf("R %s error %s failed in the child\n", id, WEXITSTATUS(status) == 250 ? "prctl(PR_SET_NO_NEW_PRIVS)" : "seccomp(SECCOMP_SET_MODE_FILTER)");
  } else if (WEXITSTATUS(status) == 0) {
    printf("R %s ret 0\n", id);
  } else {
    printf("R %s errno %d\n", id, WEXITSTATUS(status));
  }
}

int main(int argc, char **argv) {
  static char line[70000];
  int devnull = open("/dev/null", O_RDWR);
#if defined(__aarch64__)
  if (argc > 1) compat_helper = argv[1];
#else
  (void)argc;
  (void)argv;
#endif
  setvbuf(stdout, NULL, _IOLBF, 0);
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == 'Q') break;
    if (line[0] == 'F' && line[1] == ' ') {
      if (load_filter(line + 2) != 0) printf("E bad filter\n");
      continue;
    }
    if (line[0] == 'C' && line[1] == ' ') {
      char *save = NULL;
      char *id = strtok_r(line + 2, " \n", &save);
      char *m = strtok_r(NULL, " \n", &save);
      unsigned long v[7];
      int ok = id && m && (m[0] == 'n' || m[0] == 'c');
      for (int i = 0; ok && i < 7; i++) {
        char *tok = strtok_r(NULL, " \n", &save), *end = NULL;
        if (!tok) { ok = 0; break; }
        errno = 0;
        v[i] = strtoull(tok, &end, 0);
        if (errno || *end) ok = 0;
      }
      char *name = ok ? strtok_r(NULL, " \n", &save) : NULL;
      if (!ok || strtok_r(NULL, " \n", &save)) {
        printf("E bad case line\n");
        continue;
      }
      if (name && m[0] == 'n') {
        long real = libc_nr(name);
        if (real < 0) {
          printf("U %s %s\n", id, name);
        } else if ((unsigned long)real != v[0]) {
          printf("M %s %s %lu %ld\n", id, name, v[0], real);
          v[0] = (unsigned long)real;
        }
      }
      if (filter_len == 0) {
        printf("R %s error no filter loaded\n", id);
        continue;
      }
      run_case(id, m[0], v[0], v + 1, devnull);
      continue;
    }
  }
  return 0;
}
