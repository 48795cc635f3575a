/*
 * lsc-load: libseccomp's end-to-end compile-and-load in a fresh process, the
 * C side of the first-pledge() comparison (tools/bench/bench.mjs).
 *
 *   lsc-load RULES.txt
 *
 * RULES.txt: one syscall number per line, each allowed unconditionally (the
 * numbers our "stdio" filter allows; its argument checks are not replayed
 * here, so this is a lower bound for libseccomp). Prints the ns from
 * seccomp_init to the return of seccomp_load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  static int nrs[4096];
  int n = 0;
  FILE *f = fopen(argv[1], "r");
  if (!f) return 3;
  while (n < 4096 && fscanf(f, "%d", &nrs[n]) == 1) n++;
  fclose(f);
  double s = now_ns();
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return 4;
  for (int i = 0; i < n; i++)
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0)) return 5;
  if (seccomp_load(ctx)) return 6;
  double e = now_ns();
  seccomp_release(ctx);
  printf("%.0f\n", e - s);
  return 0;
}
