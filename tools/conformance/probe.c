/*
 * probe: runs syscalls under seccomp filters and reports what the kernel
 * did, for the conformance tests. Each case runs in its own forked child,
 * which installs the filter (no_new_privs + seccomp(2)) and makes exactly
 * one raw syscall; the parent reports how the child ended. The filter is
 * never installed in the probe's own process.
 *
 * Protocol, one request per line on stdin (numbers in decimal or 0x hex):
 *   F <hex bytes of struct sock_filter[]>   the filter for the following cases
 *   C <id> <mode> <nr> <a0> <a1> <a2> <a3> <a4> <a5>
 *        mode: n = native syscall(2), c = the compat entry (i386 int 0x80 on
 *        x86_64; getpid there, whatever nr says)
 *   Q                                        quit
 * Output, one line per case:
 *   R <id> kill             killed by SIGSYS (the filter's KILL action)
 *   R <id> errno <n>        the call returned -1 with errno n
 *   R <id> ret <v>          the call returned v >= 0 (reported as 0)
 *   R <id> signal <n>       ended by another signal (e.g. the 2 s alarm)
 *   R <id> error <text>     the probe could not run the case
 * The child's exit status carries the result (exit_group is allowed by
 * every filter under test), so nothing but the syscall under test runs
 * after the filter is installed.
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

static void run_case(const char *id, char mode, unsigned long nr, const unsigned long a[6], int devnull) {
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

int main(void) {
  static char line[70000];
  int devnull = open("/dev/null", O_RDWR);
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
      if (!ok) {
        printf("E bad case line\n");
        continue;
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
