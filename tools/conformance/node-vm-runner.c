/*
 * node-vm-runner: /probe of the arm64 Node VM (./arm64-node-vm.test.ts). vm-init
 * runs it with its stdout piped to the console (prefix SCPROBE). It mounts
 * /proc (pledge() reads /proc/self), then runs `/node /app.cjs` with stderr
 * joined to stdout, and prints how the program ended:
 *   NODE-STATUS exit=<code>       or   NODE-STATUS signal=<n>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  mkdir("/proc", 0555);
  mkdir("/tmp", 01777);
  if (mount("proc", "/proc", "proc", 0, NULL) != 0) printf("E mount /proc: %s\n", strerror(errno));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(1, 2);
    char *argv[] = {"/node", "/app.cjs", NULL};
    char *envp[] = {"HOME=/tmp", "PATH=/", NULL};
    execve(argv[0], argv, envp);
    printf("E exec /node: %s\n", strerror(errno));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) { printf("E waitpid: %s\n", strerror(errno)); return 1; }
  if (WIFSIGNALED(status)) printf("NODE-STATUS signal=%d\n", WTERMSIG(status));
  else printf("NODE-STATUS exit=%d\n", WEXITSTATUS(status));
  return 0;
}
