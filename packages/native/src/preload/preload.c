/*
 * pledge_preload.so: injected by the `pledge` command (LD_PRELOAD) into a
 * dynamic program it runs under promises. Its constructor runs once the
 * dynamic loader has mapped every library and run their relocations, and
 * tells the supervisor that the loader's start-up window is over:
 *
 *   1. when the supervisor passed an unveil ruleset (Landlock) descriptor in
 *      SECCOMP_SCOPES_LANDLOCK_FD, enters that domain with
 *      landlock_restrict_self() and closes the descriptor, so unveil takes
 *      effect after the libraries are loaded, as it would in a program that
 *      unveils at the top of main();
 *   2. removes itself from LD_PRELOAD (keeping any other entries) and removes
 *      SECCOMP_SCOPES_LANDLOCK_FD, so the program and the programs it runs
 *      do not see them;
 *   3. makes the marker call of ./protocol.h, carrying the outcome of 1.
 *
 * Under -v the launcher has already put the program in a wider start-up
 * domain (the rules plus the loader's files), so 1. only narrows; the
 * supervisor never relies on the marker's arguments (any code in the
 * window could make the same call), except to kill on a reported failure.
 *
 * It only makes system calls the supervisor allows during the window
 * (environment edits may call brk/mmap through malloc). Outside the
 * supervisor the marker is a plain getppid() and nothing else happens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../syscall-fallbacks.h"
#include "protocol.h"

/* True when `entry` (not NUL-terminated, `len` bytes) names this object. */
static int is_self(const char *entry, size_t len) {
  const size_t name_len = sizeof(PLEDGE_PRELOAD_NAME) - 1;
  if (len < name_len) return 0;
  if (memcmp(entry + len - name_len, PLEDGE_PRELOAD_NAME, name_len) != 0) return 0;
  return len == name_len || entry[len - name_len - 1] == '/';
}

/* LD_PRELOAD without this object's entries (separators: ':' and ' ', as ld.so reads it). */
static void strip_ld_preload(void) {
  const char *value = getenv("LD_PRELOAD");
  if (value == NULL) return;
  const size_t n = strlen(value);
  char *kept = malloc(n + 1);
  if (kept == NULL) return;
  size_t out = 0;
  const char *p = value;
  while (*p) {
    while (*p == ':' || *p == ' ') p++;
    const char *start = p;
    while (*p && *p != ':' && *p != ' ') p++;
    const size_t len = (size_t)(p - start);
    if (len == 0 || is_self(start, len)) continue;
    if (out > 0) kept[out++] = ':';
    memcpy(kept + out, start, len);
    out += len;
  }
  kept[out] = '\0';
  if (out == 0) unsetenv("LD_PRELOAD");
  else setenv("LD_PRELOAD", kept, 1);
  free(kept);
}

/* Applies the unveil ruleset the supervisor passed, if any. */
static unsigned long long apply_landlock(void) {
  const char *value = getenv(PLEDGE_ENV_LANDLOCK_FD);
  if (value == NULL) return PLEDGE_LANDLOCK_NONE;
  char *end = NULL;
  errno = 0;
  const long fd = strtol(value, &end, 10);
  unsetenv(PLEDGE_ENV_LANDLOCK_FD);
  if (errno != 0 || end == value || *end != '\0' || fd < 0 || fd > 0x7fffffff) return PLEDGE_LANDLOCK_FAILED | EBADF;
  /* A program that keeps the environment it started with (bash passes
   * main's envp on, not environ) hands the variable to the programs it
   * runs, where the descriptor is long closed: nothing to apply there. */
  if (fcntl((int)fd, F_GETFD) < 0) return PLEDGE_LANDLOCK_NONE;
  unsigned long long status = PLEDGE_LANDLOCK_OK;
  /* Logged to the audit subsystem after the program's own execve too
   * (Landlock ABI 7, Linux 6.15); an older ABI refuses the flag with EINVAL
   * (the only EINVAL of the call), then the domain is entered without it.
   * The ABI is not asked with landlock_create_ruleset: the loader window
   * does not let that call through. */
  long rc = syscall(SYS_landlock_restrict_self, (int)fd, LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON);
  if (rc != 0 && errno == EINVAL) rc = syscall(SYS_landlock_restrict_self, (int)fd, 0U);
  if (rc != 0) status = PLEDGE_LANDLOCK_FAILED | (unsigned)errno;
  close((int)fd);
  return status;
}

__attribute__((constructor)) static void pledge_loader_done(void) {
  const int saved = errno;
  const unsigned long long landlock = apply_landlock();
  strip_ld_preload();
  syscall(SYS_getppid, PLEDGE_MARKER_A, PLEDGE_MARKER_B, landlock, 0ULL, 0ULL, 0ULL);
  errno = saved;
}
