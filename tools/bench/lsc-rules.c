/*
 * lsc-rules: the rules of one of our filters built with libseccomp, for the
 * side-by-side benchmark (tools/bench/bench.mjs writes RULES from the
 * compiled filter's per-syscall decisions).
 *
 *   lsc-rules RULES export OPT OUT.bin   write libseccomp's program (seccomp_export_bpf)
 *   lsc-rules RULES load OPT             seccomp_init .. seccomp_load in this process,
 *                                        prints the ns it took (end to end, as a C
 *                                        program calling libseccomp at start-up would)
 *
 * OPT: 0 = libseccomp's default layout (a chain sorted by syscall number),
 * 2 = SCMP_FLTATR_CTL_OPTIMIZE=2 (its binary tree).
 *
 * RULES, one item per line, numbers in hex:
 *   D <default action>   B <bad-arch action>
 *   R <nr> <action> <n> then n times: <arg> <op> <datum_a> <datum_b>
 * with op the value of enum scmp_compare (SCMP_CMP_NE = 1, SCMP_CMP_EQ = 4,
 * SCMP_CMP_MASKED_EQ = 7: datum_a is the mask, datum_b the value). Actions
 * are SECCOMP_RET_* values, which are libseccomp's SCMP_ACT_* values.
 * Exit status: 2 usage, 3 bad RULES, 4 a libseccomp call failed (named on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES 8192

struct rule {
  int nr;
  uint32_t action;
  unsigned n;
  struct scmp_arg_cmp cmp[6];
};

static struct rule rules[MAX_RULES];
static int nrules;
static uint32_t def_action, badarch_action;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int parse(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char kind;
  while (fscanf(f, " %c", &kind) == 1) {
    if (kind == 'D') { if (fscanf(f, "%x", &def_action) != 1) return -1; continue; }
    if (kind == 'B') { if (fscanf(f, "%x", &badarch_action) != 1) return -1; continue; }
    if (kind != 'R' || nrules == MAX_RULES) return -1;
    struct rule *r = &rules[nrules++];
    if (fscanf(f, "%x %x %x", &r->nr, &r->action, &r->n) != 3 || r->n > 6) return -1;
    for (unsigned i = 0; i < r->n; i++) {
      unsigned arg, op;
      unsigned long long a, b;
      if (fscanf(f, "%x %x %llx %llx", &arg, &op, &a, &b) != 4) return -1;
      r->cmp[i] = (struct scmp_arg_cmp){arg, (enum scmp_compare)op, a, b};
    }
  }
  fclose(f);
  return 0;
}

static scmp_filter_ctx build(int opt) {
  scmp_filter_ctx ctx = seccomp_init(def_action);
  if (!ctx) { fprintf(stderr, "lsc-rules: seccomp_init failed\n"); exit(4); }
  int rc;
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch_action))) { fprintf(stderr, "lsc-rules: badarch: %s\n", strerror(-rc)); exit(4); }
  if (opt && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, opt))) { fprintf(stderr, "lsc-rules: optimize: %s\n", strerror(-rc)); exit(4); }
  for (int i = 0; i < nrules; i++) {
    struct rule *r = &rules[i];
    rc = seccomp_rule_add_exact_array(ctx, r->action, r->nr, r->n, r->cmp);
    if (rc) { fprintf(stderr, "lsc-rules: rule %d (nr %d action 0x%x, %u comparisons): %s\n", i, r->nr, r->action, r->n, strerror(-rc)); exit(4); }
  }
  return ctx;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: lsc-rules RULES export OPT OUT.bin | lsc-rules RULES load OPT\n"); return 2; }
  if (parse(argv[1])) { fprintf(stderr, "lsc-rules: cannot read %s\n", argv[1]); return 3; }
  int opt = atoi(argv[3]);
  if (!strcmp(argv[2], "export") && argc == 5) {
    scmp_filter_ctx ctx = build(opt);
    int fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    if (rc) { fprintf(stderr, "lsc-rules: export: %s\n", strerror(-rc)); return 4; }
    close(fd);
    seccomp_release(ctx);
    return 0;
  }
  if (!strcmp(argv[2], "load")) {
    double s = now_ns();
    scmp_filter_ctx ctx = build(opt);
    int rc = seccomp_load(ctx);
    double e = now_ns();
    if (rc) { fprintf(stderr, "lsc-rules: load: %s\n", strerror(-rc)); return 4; }
    seccomp_release(ctx);
    printf("%.0f\n", e - s);
    return 0;
  }
  fprintf(stderr, "lsc-rules: unknown mode %s\n", argv[2]);
  return 2;
}
