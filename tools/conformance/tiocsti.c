/*
 * tiocsti: under a filter, reads its terminal's window size, then tries
 * TIOCSTI (push a byte into the terminal's input queue). Run with a pty on
 * stdout (script -qec). Usage: tiocsti FILTER.bin
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static struct sock_filter insns[4096];
  if (argc != 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 3;
  size_t n = fread(insns, sizeof insns[0], 4096, f);
  fclose(f);
  struct sock_fprog prog = {(unsigned short)n, insns};
  setvbuf(stdout, NULL, _IONBF, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) return 4;
  struct winsize ws;
  printf("TIOCGWINSZ %d\n", ioctl(1, TIOCGWINSZ, &ws));
  char c = 'x';
  printf("TIOCSTI %d\n", ioctl(1, TIOCSTI, &c));
  return 0;
}
