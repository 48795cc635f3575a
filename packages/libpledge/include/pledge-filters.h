/* The data `pledge gen c` emits (pledge_filters.c) and libpledge reads: per
 * promise set, the seccomp program core compiled, where the process'
 * identity goes in it, and the report tables for each penalty. Nothing here
 * says what a promise allows: that is all in the generated data. */
#ifndef PLEDGE_FILTERS_H
#define PLEDGE_FILTERS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PLEDGE_FILTERS_VERSION 2

/* One BPF instruction, laid out as struct sock_filter. */
struct pledge_insn {
  uint16_t code;
  uint8_t jt, jf;
  uint32_t k;
};

/* Where a run-time value goes: instruction indices (a program's k) or byte
 * offsets of little-endian u32 words (report tables). */
struct pledge_patch {
  const uint32_t *at;
  uint32_t count;
};

/* The report tables of core's buildReportTables for one penalty. */
struct pledge_report_tables {
  const uint64_t *words; /* NULL: not generated */
  uint32_t bytes;
  const char *penalty;    /* "kill" or "errno" */
  int errno_value;        /* with "errno" */
  const char *errno_name; /* with "errno" */
  uint32_t comm_at;       /* byte offset of the process name placeholder */
  uint32_t comm_max;      /* its length (TASK_COMM_LEN - 1) */
  struct pledge_patch pid, uid, gid;
};

struct pledge_filter_set {
  uint64_t promises; /* bit i: promise_names[i] */
  const char *text;  /* canonical promise string */
  const struct pledge_insn *program;
  uint32_t length;
  struct pledge_patch pid, uid, gid;
  struct pledge_report_tables kill, errno_;
};

/* unveil(): what core's landlockDowngrade(UNVEIL_ALL_RIGHTS, abi) decides
 * for one Landlock ABI, strict (unveil() in C is strict only). */
struct pledge_unveil_abi {
  uint64_t handled;        /* the rights the ruleset handles */
  uint32_t restrict_flags; /* landlock_restrict_self() flags (TSYNC from ABI 8) */
  int tsync;               /* 1: restrict_flags put every thread in the domain */
  const char *error;       /* the lock is refused (ENOTSUP) with this message; NULL: it is not */
  const char *error_tail;  /* ... ABI 0: the reason goes between error and error_tail */
  const char *warnings;    /* "" or lines, each ending in "\n" */
};

/* unveil(): core's letter → rights table and its messages. */
struct pledge_unveil_tables {
  const char *letters;              /* "rwxc" */
  const uint64_t *letter_rights;    /* per letter: the Landlock rights it grants */
  uint64_t file_rights;             /* what a rule on a non-directory can hold */
  uint64_t all_rights;              /* every right a letter maps to */
  const char *const *right_names;   /* bit i: LANDLOCK_ACCESS_FS_<name> */
  uint32_t right_count;
  const struct pledge_unveil_abi *abis; /* index: ABI 0 .. max_abi (newer kernels: max_abi) */
  uint32_t max_abi;
  const char *widened, *widened_tail;   /* UNVEIL_WIDENED message around "P also gets R from A; ..." */
  const char *c_on_file, *c_on_file_tail; /* the warning for "c" on a non-directory around the rule's label */
};

struct pledge_generated {
  uint32_t version;
  uint32_t audit_arch;
  const char *arch;
  uint32_t report_exit_magic;
  const char *const *promise_names;
  uint32_t promise_count;
  const char *const *unsupported_names;
  uint32_t unsupported_count;
  const struct pledge_filter_set *sets;
  uint32_t set_count;
  const char *command; /* the generator command that made the file */
  int eperm, enosys;
  const struct pledge_unveil_tables *unveil;
};

/* Defined by the generated pledge_filters.c. */
extern const struct pledge_generated pledge_generated_filters;

#ifdef __cplusplus
}
#endif

#endif /* PLEDGE_FILTERS_H */
