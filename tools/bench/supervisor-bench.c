/*
 * supervisor-bench: what the `pledge` command's supervisor costs per call,
 * next to the floor, one bare notification round trip
 * (tools/bench/supervisor-bench.mjs runs it; built static, so that a
 * program exec'd under `-e stdio` needs no loader).
 *
 *   supervisor-bench refuse N        N calls of getpriority(PRIO_PROCESS, 0) (refused under
 *                                    "stdio"); prints ns per call and the last errno
 *   supervisor-bench exec N T0 K     execs itself until K reaches N, then prints the ns per
 *                                    exec since T0 (CLOCK_MONOTONIC ns at the first start;
 *                                    0 = now)
 *   supervisor-bench rt N MODE PIN   the floor: a minimal supervisor in C. A child installs a
 *                                    filter sending getpriority to a listener (MODE notify-continue
 *                                    or notify-errno; MODE errno: the filter answers EPERM
 *                                    itself, no notification; MODE none: no filter) and times N
 *                                    calls; this process answers each notification
 *                                    (SECCOMP_USER_NOTIF_FLAG_CONTINUE, or EPERM) with nothing
 *                                    else in between. PIN 1: both on one CPU; PIN 0: unpinned;
 *                                    PIN 2: unpinned, listener in SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
 *                                    mode. Prints ns per call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(1 % sysconf(_SC_NPROCESSORS_ONLN), &set);
  sched_setaffinity(0, sizeof set, &set);
}

static int refuse(long n) {
  int err = 0;
  syscall(SYS_getpriority, PRIO_PROCESS, 0);  /* the first one is reported: not timed */
  long long s = now_ns();
  for (long i = 0; i < n; i++) {
    if (syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0) err = errno;
  }
  long long e = now_ns();
  printf("%.1f %d\n", (double)(e - s) / n, err);
  return 0;
}

static int exec_chain(char **argv) {
  long n = atol(argv[2]);
  long long t0 = atoll(argv[3]);
  long k = atol(argv[4]);
  if (t0 == 0) t0 = now_ns();
  if (k >= n) {
    printf("%.1f\n", (double)(now_ns() - t0) / n);
    return 0;
  }
  char nb[32], tb[32], kb[32];
  snprintf(nb, sizeof nb, "%ld", n);
  snprintf(tb, sizeof tb, "%lld", t0);
  snprintf(kb, sizeof kb, "%ld", k + 1);
  char *args[] = {argv[0], "exec", nb, tb, kb, NULL};
  execv("/proc/self/exe", args);
  perror("execv");
  return 1;
}

static int rt(long n, const char *mode, int pinned) {
  int notify = !strncmp(mode, "notify", 6);
  int report[2];
  if (pipe(report)) return 1;
  if (pinned == 1) pin();
  pid_t child = fork();
  if (child == 0) {
    uint32_t verdict = notify ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ERRNO | EPERM;
    struct sock_filter insns[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, verdict),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {4, insns};
    long fd = -1;
    if (strcmp(mode, "none")) {
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) _exit(2);
      fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
      if (fd < 0) _exit(3);
    }
    int ifd = (int)fd;
    if (write(report[1], &ifd, sizeof ifd) != sizeof ifd) _exit(4);
    syscall(SYS_getpriority, PRIO_PROCESS, 0);
    long long s = now_ns();
    for (long i = 0; i < n; i++) syscall(SYS_getpriority, PRIO_PROCESS, 0);
    long long e = now_ns();
    double per = (double)(e - s) / n;
    if (write(report[1], &per, sizeof per) != sizeof per) _exit(4);
    _exit(0);
  }
  int fd;
  if (read(report[0], &fd, sizeof fd) != sizeof fd) return 1;
  if (notify) {
    long pidfd = syscall(SYS_pidfd_open, child, 0);
    long lfd = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, fd, 0);
    if (lfd < 0) { perror("pidfd_getfd"); return 1; }
    if (pinned == 2 && ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)) perror("SECCOMP_IOCTL_NOTIF_SET_FLAGS");
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    int cont = !strcmp(mode, "notify-continue");
    for (long i = 0; i < n + 1; i++) {
      memset(&req, 0, sizeof req);
      if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req)) { perror("NOTIF_RECV"); return 1; }
      memset(&resp, 0, sizeof resp);
      resp.id = req.id;
      if (cont) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      else resp.error = -EPERM;
      if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp)) { perror("NOTIF_SEND"); return 1; }
    }
  }
  double per;
  if (read(report[0], &per, sizeof per) != sizeof per) return 1;
  int status;
  waitpid(child, &status, 0);
  printf("%.1f\n", per);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "refuse")) return refuse(atol(argv[2]));
  if (argc >= 5 && !strcmp(argv[1], "exec")) return exec_chain(argv);
  if (argc >= 5 && !strcmp(argv[1], "rt")) return rt(atol(argv[2]), argv[3], atoi(argv[4]));
  fprintf(stderr, "usage: supervisor-bench refuse N | exec N T0 K | rt N MODE PIN\n");
  return 2;
}
