/*
 * bench: cost of syscalls under a seccomp filter, as a ratio against the
 * same calls without a filter, measured side by side.
 *
 *   bench ROUNDS CALLS [FILTER.bin ...]
 *
 * For each round and each variant (no filter, then each FILTER.bin, in an
 * order that alternates every round) a fresh child is forked; it pins itself
 * to one CPU, installs the variant's filter, and times blocks of calls with
 * CLOCK_MONOTONIC: getppid (decided by number: the kernel's action cache),
 * fcntl(F_GETFD) and mprotect(PROT_READ) (argument checks: the filter runs),
 * and a 4 KiB pipe write+read. The child prints the 10th-percentile block
 * in ns per call; the parent prints one line per round and variant:
 *   R <round> <variant> <getppid> <fcntl> <mprotect> <pipe>
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 200

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double p10(double *v, int n) {
  qsort(v, n, sizeof v[0], cmp);
  return v[n / 10];
}

static void measure(long calls, int out) {
  double t[BLOCKS], r[4];
  long per = calls / BLOCKS;
  int fds[2];
  if (pipe(fds)) _exit(3);
  char buf[4096];
  memset(buf, 1, sizeof buf);
  void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) _exit(3);
  for (int kind = 0; kind < 4; kind++) {
    for (int b = 0; b < BLOCKS; b++) {
      long n = kind == 3 ? per / 10 : per;
      double s = now_ns();
      for (long i = 0; i < n; i++) {
        switch (kind) {
          case 0: syscall(SYS_getppid); break;
          case 1: syscall(SYS_fcntl, fds[0], F_GETFD); break;
          case 2: syscall(SYS_mprotect, page, 4096, PROT_READ); break;
          case 3:
            if (syscall(SYS_write, fds[1], buf, sizeof buf) != sizeof buf) _exit(4);
            if (syscall(SYS_read, fds[0], buf, sizeof buf) != sizeof buf) _exit(4);
            break;
        }
      }
      t[b] = (now_ns() - s) / n;
    }
    r[kind] = p10(t, BLOCKS);
  }
  if (write(out, r, sizeof r) != sizeof r) _exit(5);
}

static int load(const char *path, struct sock_filter *insns, unsigned short *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t n = fread(insns, sizeof insns[0], 4096, f);
  fclose(f);
  *len = (unsigned short)n;
  return n > 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: bench ROUNDS CALLS [FILTER.bin ...]\n"); return 2; }
  int rounds = atoi(argv[1]);
  long calls = atol(argv[2]);
  int variants = argc - 2;  /* variant 0 = no filter */
  static struct sock_filter insns[4096];
  for (int round = 0; round < rounds; round++) {
    for (int k = 0; k < variants; k++) {
      int v = round % 2 ? variants - 1 - k : k;
      int p[2];
      if (pipe(p)) return 1;
      pid_t pid = fork();
      if (pid == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1 % sysconf(_SC_NPROCESSORS_ONLN), &set);
        sched_setaffinity(0, sizeof set, &set);
        if (v > 0) {
          unsigned short len;
          if (load(argv[2 + v], insns, &len)) _exit(6);
          struct sock_fprog prog = {len, insns};
          if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) _exit(7);
        }
        measure(calls, p[1]);
        _exit(0);
      }
      close(p[1]);
      double r[4];
      ssize_t got = read(p[0], r, sizeof r);
      close(p[0]);
      int status;
      waitpid(pid, &status, 0);
      if (got != sizeof r || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench: variant %d failed (status 0x%x)\n", v, status);
        return 1;
      }
      printf("R %d %d %.2f %.2f %.2f %.2f\n", round, v, r[0], r[1], r[2], r[3]);
      fflush(stdout);
    }
  }
  return 0;
}
