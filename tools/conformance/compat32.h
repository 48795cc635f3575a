/*
 * The page probe.c (aarch64) shares with its AArch32 helper (compat32.c) on
 * fd COMPAT_FD: the filter goes in, the helper's progress and result come
 * back. Fixed-width fields only, so both ABIs see one layout.
 */
#ifndef COMPAT32_H
#define COMPAT32_H

#include <linux/filter.h>
#include <stdint.h>

#define COMPAT_FD 3
#define COMPAT_MAGIC 0x33504d43u /* "CMP3" */

enum compat_stage {
  COMPAT_NOT_ARMED = 0, /* the filter is not installed (yet) */
  COMPAT_ARMED = 1,     /* installed; the svc comes next */
  COMPAT_RETURNED = 2,  /* the svc returned `ret` */
};

enum compat_step { COMPAT_STEP_MMAP = 1, COMPAT_STEP_PAGE, COMPAT_STEP_NO_NEW_PRIVS, COMPAT_STEP_SECCOMP };

struct compat_page {
  uint32_t magic;
  uint32_t stage;      /* enum compat_stage */
  int32_t ret;         /* the svc's raw return value (-errno on failure) */
  int32_t exec_errno;  /* set by the probe's child when execve of the helper failed */
  uint32_t failed_step; /* enum compat_step: where the helper gave up before arming */
  int32_t failed_errno;
  uint32_t len;        /* filter length in instructions */
  uint32_t reserved;
  struct sock_filter filter[4096];
};

#endif
