/*
 * bench: cost of syscalls under seccomp filters, as a ratio against the same
 * calls without a filter, measured side by side (tools/bench/bench.mjs runs
 * it and prints the report).
 *
 *   bench vectors
 *       prints, for every call the benchmark can time, the syscalls it makes
 *       with the arguments a measuring child passes (fds and flags are the
 *       same in every child; addresses differ, no rule looks at them):
 *         V <call> <name> <nr> <a0> .. <a5>        (numbers in hex)
 *   bench run ROUNDS CALLS CALL,CALL,... [FILTER.bin ...]
 *       for each round and each variant (variant 0 = no filter, then each
 *       FILTER.bin, in an order that reverses every round) a fresh child is
 *       forked; it pins itself to one CPU, sets up its fds and page, installs
 *       the variant's filter, runs each listed call once and reports what it
 *       returned (the kernel's side of the agreement check), then times
 *       blocks of each call with CLOCK_MONOTONIC. Prints per round and variant
 *         K <round> <variant> <ret> ...   (0 for success, else -errno, per call)
 *         R <round> <variant> <ns> ...    (10th-percentile block, ns per call)
 *
 * Calls: getppid; fstat(pipe); fstatat = newfstatat(pipe, "", AT_EMPTY_PATH)
 * (what glibc's fstat makes); rw4k = 4 KiB write + read on a pipe (per
 * pair); fcntl = fcntl(pipe, F_GETFD); mprotect = mprotect(page, 4096,
 * PROT_READ); mmap = mmap(4096, PROT_READ, anonymous) + munmap (per pair);
 * ioctl = ioctl(pipe, FIONREAD); ioctl_tty = ioctl(pipe, TIOCGWINSZ)
 * (refused with ENOTTY by pledge filters outside tty); openat =
 * openat(AT_FDCWD, "/dev/null", O_RDONLY|O_CLOEXEC) + close (per pair).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 200
#define MAXCALLS 16

enum call { GETPPID, FSTAT, FSTATAT, RW4K, FCNTL, MPROTECT, MMAP, IOCTL, IOCTL_TTY, OPENAT, NCALLS };
static const char *call_names[NCALLS] = {"getppid", "fstat", "fstatat", "rw4k", "fcntl", "mprotect", "mmap", "ioctl", "ioctl_tty", "openat"};
/* Relative cost, so every call's block lasts about as long. */
static const int call_weight[NCALLS] = {1, 1, 1, 10, 1, 2, 8, 1, 1, 6};

static struct {
  int rfd, wfd;
  void *page;
  char buf[4096];
  struct stat st;
  struct winsize ws;
  int avail;
} env;

static void setup(void) {
  int fds[2];
  if (pipe(fds)) _exit(3);
  env.rfd = fds[0];
  env.wfd = fds[1];
  memset(env.buf, 1, sizeof env.buf);
  env.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (env.page == MAP_FAILED) _exit(3);
}

static const char devnull[] = "/dev/null";

/* The syscalls a call makes: nr and arguments, as do_call passes them. */
static int vectors(enum call c, long v[2][7]) {
  long a[2][7] = {{0}};
  int n = 1;
  switch (c) {
    case GETPPID: a[0][0] = SYS_getppid; break;
    case FSTAT: a[0][0] = SYS_fstat; a[0][1] = env.rfd; a[0][2] = (long)&env.st; break;
    case FSTATAT: a[0][0] = SYS_newfstatat; a[0][1] = env.rfd; a[0][2] = (long)""; a[0][3] = (long)&env.st; a[0][4] = AT_EMPTY_PATH; break;
    case RW4K:
      n = 2;
      a[0][0] = SYS_write; a[0][1] = env.wfd; a[0][2] = (long)env.buf; a[0][3] = sizeof env.buf;
      a[1][0] = SYS_read; a[1][1] = env.rfd; a[1][2] = (long)env.buf; a[1][3] = sizeof env.buf;
      break;
    case FCNTL: a[0][0] = SYS_fcntl; a[0][1] = env.rfd; a[0][2] = F_GETFD; break;
    case MPROTECT: a[0][0] = SYS_mprotect; a[0][1] = (long)env.page; a[0][2] = 4096; a[0][3] = PROT_READ; break;
    case MMAP:
      n = 2;
      a[0][0] = SYS_mmap; a[0][2] = 4096; a[0][3] = PROT_READ; a[0][4] = MAP_PRIVATE | MAP_ANONYMOUS; a[0][5] = -1;
      a[1][0] = SYS_munmap; a[1][1] = (long)env.page; a[1][2] = 4096;  /* the address differs per call */
      break;
    case IOCTL: a[0][0] = SYS_ioctl; a[0][1] = env.rfd; a[0][2] = FIONREAD; a[0][3] = (long)&env.avail; break;
    case IOCTL_TTY: a[0][0] = SYS_ioctl; a[0][1] = env.rfd; a[0][2] = TIOCGWINSZ; a[0][3] = (long)&env.ws; break;
    case OPENAT:
      n = 2;
      a[0][0] = SYS_openat; a[0][1] = AT_FDCWD; a[0][2] = (long)devnull; a[0][3] = O_RDONLY | O_CLOEXEC;
      a[1][0] = SYS_close; a[1][1] = 3 + 2;  /* the lowest free fd after the pipe (0-2 open, pipe 3,4) */
      break;
    default: break;
  }
  memcpy(v, a, sizeof a);
  return n;
}

/* Makes the call once: 0 on success, -errno on failure (the first failing syscall's). */
static inline long do_call(enum call c) {
  long r;
  switch (c) {
    case GETPPID: r = syscall(SYS_getppid); break;
    case FSTAT: r = syscall(SYS_fstat, env.rfd, &env.st); break;
    case FSTATAT: r = syscall(SYS_newfstatat, env.rfd, "", &env.st, AT_EMPTY_PATH); break;
    case RW4K:
      r = syscall(SYS_write, env.wfd, env.buf, sizeof env.buf);
      if (r >= 0) r = syscall(SYS_read, env.rfd, env.buf, sizeof env.buf);
      break;
    case FCNTL: r = syscall(SYS_fcntl, env.rfd, F_GETFD); break;
    case MPROTECT: r = syscall(SYS_mprotect, env.page, 4096, PROT_READ); break;
    case MMAP: {
      long p = syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      r = p == -1 ? -1 : syscall(SYS_munmap, p, 4096);
      break;
    }
    case IOCTL: r = syscall(SYS_ioctl, env.rfd, FIONREAD, &env.avail); break;
    case IOCTL_TTY: r = syscall(SYS_ioctl, env.rfd, TIOCGWINSZ, &env.ws); break;
    case OPENAT:
      r = syscall(SYS_openat, AT_FDCWD, devnull, O_RDONLY | O_CLOEXEC);
      if (r >= 0) r = syscall(SYS_close, r);
      break;
    default: r = -1; errno = EINVAL;
  }
  return r < 0 ? -errno : 0;
}

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

static void measure(const int *calls, int ncalls, long per_call, int out) {
  double t[BLOCKS], r[MAXCALLS];
  long rets[MAXCALLS];
  for (int i = 0; i < ncalls; i++) rets[i] = do_call(calls[i]);
  if (write(out, rets, sizeof rets[0] * ncalls) < 0) _exit(5);
  for (int i = 0; i < ncalls; i++) {
    enum call c = calls[i];
    long n = per_call / BLOCKS / call_weight[c];
    if (n < 1) n = 1;
    for (int w = 0; w < n; w++) do_call(c);  /* warm up */
    for (int b = 0; b < BLOCKS; b++) {
      double s = now_ns();
      for (long k = 0; k < n; k++) do_call(c);
      t[b] = (now_ns() - s) / n;
    }
    r[i] = p10(t, BLOCKS);
  }
  if (write(out, r, sizeof r[0] * ncalls) < 0) _exit(5);
}

static int load(const char *path, struct sock_filter *insns, unsigned short *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t n = fread(insns, sizeof insns[0], 4096, f);
  fclose(f);
  *len = (unsigned short)n;
  return n > 0 ? 0 : -1;
}

static int read_full(int fd, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t k = read(fd, (char *)buf + got, len - got);
    if (k <= 0) return -1;
    got += k;
  }
  return 0;
}

static int parse_calls(char *list, int *calls) {
  int n = 0;
  for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
    int found = -1;
    for (int c = 0; c < NCALLS; c++)
      if (!strcmp(tok, call_names[c])) found = c;
    if (found < 0 || n == MAXCALLS) { fprintf(stderr, "bench: unknown call %s\n", tok); exit(2); }
    calls[n++] = found;
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "vectors")) {
    setup();
    for (int c = 0; c < NCALLS; c++) {
      long v[2][7];
      int n = vectors(c, v);
      for (int i = 0; i < n; i++)
        printf("V %s %d %lx %lx %lx %lx %lx %lx %lx\n", call_names[c], i, v[i][0], v[i][1], v[i][2], v[i][3], v[i][4], v[i][5], v[i][6]);
    }
    return 0;
  }
  if (argc < 5 || strcmp(argv[1], "run")) { fprintf(stderr, "usage: bench vectors | bench run ROUNDS CALLS CALL,... [FILTER.bin ...]\n"); return 2; }
  int rounds = atoi(argv[2]);
  long per_call = atol(argv[3]);
  int calls[MAXCALLS];
  int ncalls = parse_calls(argv[4], calls);
  int variants = argc - 4;  /* variant 0 = no filter */
  static struct sock_filter insns[4096];
  for (int round = 0; round < rounds; round++) {
    for (int k = 0; k < variants; k++) {
      int v = round % 2 ? variants - 1 - k : k;
      int p[2];
      if (pipe(p)) return 1;
      pid_t pid = fork();
      if (pid == 0) {
        close(p[0]);
        if (dup2(p[1], 100) != 100) _exit(3);  /* the report, out of the way: the pipe gets fds 3, 4 */
        close(p[1]);
        p[1] = 100;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1 % sysconf(_SC_NPROCESSORS_ONLN), &set);
        sched_setaffinity(0, sizeof set, &set);
        setup();
        if (v > 0) {
          unsigned short len;
          if (load(argv[4 + v], insns, &len)) _exit(6);
          struct sock_fprog prog = {len, insns};
          if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) _exit(7);
        }
        measure(calls, ncalls, per_call, p[1]);
        _exit(0);
      }
      close(p[1]);
      long rets[MAXCALLS];
      double r[MAXCALLS];
      int bad = read_full(p[0], rets, sizeof rets[0] * ncalls) || read_full(p[0], r, sizeof r[0] * ncalls);
      close(p[0]);
      int status;
      waitpid(pid, &status, 0);
      if (bad || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench: variant %d failed (status 0x%x%s)\n", v, status, WIFSIGNALED(status) ? ": killed by a signal, a call its filter does not allow?" : "");
        return 1;
      }
      printf("K %d %d", round, v);
      for (int i = 0; i < ncalls; i++) printf(" %ld", rets[i]);
      printf("\nR %d %d", round, v);
      for (int i = 0; i < ncalls; i++) printf(" %.2f", r[i]);
      printf("\n");
      fflush(stdout);
    }
  }
  return 0;
}
