/*
 * vm-init: /init of the aarch64 test VM (tools/conformance/aarch64-vm.ts). Runs
 * `/probe /compat32` with /request (the probe protocol, written into the
 * initramfs by the host) on its stdin, copies every line the probe prints to
 * the serial console behind the prefix "SCPROBE ", then powers the VM off.
 * /probe is probe.c, or another probe such as landlock-probe.c (which
 * ignores its argument).
 *
 * Console lines, all starting with SCPROBE so the host can pick them out of
 * kernel messages:
 *   SCPROBE-BEGIN kernel=<release> machine=<machine> landlock_abi=<n or -errno>
 *   SCPROBE <probe output line>
 *   SCPROBE-EXIT <probe wait status, hex>
 *   SCPROBE-END
 * A run is complete only with SCPROBE-END; a missing END means init died
 * (the kernel then panics, and panic=-1 -no-reboot ends qemu).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

static long landlock_abi(void) {
#ifdef __NR_landlock_create_ruleset
  long r = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return r < 0 ? -errno : r;
#else
  return -ENOSYS;
#endif
}

static void finish(int code) {
  printf("SCPROBE-END\n");
  fflush(stdout);
  if (getpid() == 1) {
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
  }
  _exit(code);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct utsname u;
  if (uname(&u) != 0) strcpy(u.release, "?"), strcpy(u.machine, "?");
  printf("SCPROBE-BEGIN kernel=%s machine=%s landlock_abi=%ld\n", u.release, u.machine, landlock_abi());

  int request = open("/request", O_RDONLY);
  int out[2];
  if (request < 0 || pipe(out) != 0) {
    printf("SCPROBE-ERROR cannot open /request or make a pipe: %s\n", strerror(errno));
    finish(1);
  }
  pid_t pid = fork();
  if (pid < 0) {
    printf("SCPROBE-ERROR fork: %s\n", strerror(errno));
    finish(1);
  }
  if (pid == 0) {
    dup2(request, 0);
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    close(request);
    char *argv[] = {"/probe", "/compat32", NULL};
    char *envp[] = {NULL};
    execve(argv[0], argv, envp);
    dprintf(1, "E exec /probe: %s\n", strerror(errno));
    _exit(127);
  }
  close(out[1]);
  close(request);
  FILE *in = fdopen(out[0], "r");
  static char line[4096];
  while (in && fgets(line, sizeof line, in)) {
    size_t n = strlen(line);
    printf("SCPROBE %s%s", line, n > 0 && line[n - 1] == '\n' ? "" : "\n");
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  printf("SCPROBE-EXIT 0x%x\n", status);
  finish(0);
}
