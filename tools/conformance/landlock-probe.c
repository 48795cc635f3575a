/*
 * landlock-probe: asks a real kernel what its Landlock accepts and enforces,
 * for tools/conformance/landlock-vm.test.ts. Runs as the VM's /probe
 * (vm-init.c execs it with /request on stdin; argv is ignored).
 *
 * It knows no Landlock rights itself: every mask comes from the request,
 * which the host computes with packages/core/src/landlock.ts. Only the
 * struct layouts are built in (no <linux/landlock.h>: the cross headers
 * may be older than the kernel under test); the syscall numbers missing
 * from them come from packages/native/src/syscall-fallbacks.h.
 *
 * Requests, one a line (numbers in hex or decimal):
 *   V                                    the kernel's ABI
 *   S <id> <fs> [<net> <scoped>]         landlock_create_ruleset with exactly
 *        these handled accesses (struct size 8 with <fs> alone, else 24)
 *   T <id> <flags>                       landlock_restrict_self(<flags>) on a
 *        ruleset handling READ_FILE, in a forked child (no_new_privs first)
 *   B <id> <handled> <dir rights> <file rights>
 *        behaviour: makes fresh fixtures under /s<id> (below), then a forked
 *        child creates a ruleset handling <handled>, adds a path-beneath rule
 *        on /s<id>/data with <dir rights> and one on the character device
 *        /s<id>/null (1:3) with <file rights> (none when 0), sets
 *        no_new_privs, restricts itself and runs every check of CHECKS
 *   Q                                    quit
 * Output:
 *   V <abi | -errno>
 *   S <id> ok | S <id> errno <n>
 *   T <id> ok | T <id> errno <n>
 *   B <id> step <ruleset|rule-data|rule-file|nnp|restrict> errno <n>  (a set-up step failed; no checks ran)
 *   B <id> check <name> ok | B <id> check <name> errno <n>
 *   B <id> end <wait status, hex>
 *   E <text>                             a request it could not parse
 *
 * Fixtures of B (made as root, before the child restricts itself):
 *   /s<id>/data/a/{file,trunc,rm,mv,mv2,lnk}  /s<id>/data/b/
 *   /s<id>/out/{victim,rm}  /s<id>/out/dir/    /s<id>/null
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* SYS_landlock_*: the C library's numbers, or the repository's fallbacks (one place). */
#include "../../packages/native/src/syscall-fallbacks.h"
#define CREATE_RULESET_VERSION (1U << 0)
#define RULE_PATH_BENEATH 1
#define ACCESS_FS_READ_FILE (1ULL << 2)

/* struct landlock_ruleset_attr as of ABI 6 (the kernel takes any prefix of it). */
struct ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

static long create_ruleset(const struct ruleset_attr *attr, size_t size, uint32_t flags) {
  return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

static int add_path_rule(int ruleset, const char *path, uint64_t access) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return -1;
  struct path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
  long r = syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &pb, 0);
  int e = errno;
  close(fd);
  errno = e;
  return r < 0 ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t *out) {
  if (!s) return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || !end || *end) return -1;
  *out = v;
  return 0;
}

static void report_errno(const char *kind, const char *id, long r) {
  if (r >= 0) printf("%s %s ok\n", kind, id);
  else printf("%s %s errno %d\n", kind, id, errno);
}

/* Waits for a child; returns its wait status (or -1). */
static int wait_child(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

static void do_restrict_flags(const char *id, uint64_t flags) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("T %s errno %d\n", id, errno);
    return;
  }
  if (pid == 0) {
    alarm(5);
    struct ruleset_attr attr = {.handled_access_fs = ACCESS_FS_READ_FILE};
    long fd = create_ruleset(&attr, sizeof attr.handled_access_fs, 0);
    if (fd < 0) _exit(200);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(201);
    long r = syscall(SYS_landlock_restrict_self, (int)fd, (uint32_t)flags);
    _exit(r == 0 ? 0 : (errno > 0 && errno < 200 ? errno : 199));
  }
  int status = wait_child(pid);
  if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) >= 199) printf("E T %s: child failed, status 0x%x\n", id, status);
  else if (WEXITSTATUS(status) == 0) printf("T %s ok\n", id);
  else printf("T %s errno %d\n", id, WEXITSTATUS(status));
}

static char root[64];

static const char *p(const char *rel) {
  static char buf[8][128];
  static int i;
  char *b = buf[i++ % 8];
  snprintf(b, 128, "%s/%s", root, rel);
  return b;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int make_fixtures(void) {
  const char *dirs[] = {"", "data", "data/a", "data/b", "out", "out/dir"};
  if (mkdir(root, 0755) != 0 && errno != EEXIST) return -1;
  for (size_t i = 1; i < sizeof dirs / sizeof dirs[0]; i++)
    if (mkdir(p(dirs[i]), 0755) != 0 && errno != EEXIST) return -1;
  const char *files[] = {"data/a/file", "data/a/trunc", "data/a/rm", "data/a/mv", "data/a/mv2", "data/a/lnk", "out/victim", "out/rm"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (write_file(p(files[i]), "landlock probe fixture\n") != 0) return -1;
  if (mknod(p("null"), S_IFCHR | 0666, makedev(1, 3)) != 0 && errno != EEXIST) return -1;
  return 0;
}

static void check(const char *id, const char *name, long r) {
  if (r >= 0) printf("B %s check %s ok\n", id, name);
  else printf("B %s check %s errno %d\n", id, name, errno);
}

static long open_close(const char *path, int flags) {
  int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

/* The checks, in the child, after landlock_restrict_self. Names match CHECKS in landlock-protocol.ts. */
static void run_checks(const char *id) {
  check(id, "read-in", open_close(p("data/a/file"), O_RDONLY));
  check(id, "read-out", open_close("/init", O_RDONLY));
  check(id, "list-in", open_close(p("data"), O_RDONLY | O_DIRECTORY));
  check(id, "list-out", open_close(p("out/dir"), O_RDONLY | O_DIRECTORY));
  check(id, "write-in", open_close(p("data/a/file"), O_WRONLY));
  check(id, "write-out", open_close(p("out/victim"), O_WRONLY));
  check(id, "create-in", open_close(p("data/a/new"), O_WRONLY | O_CREAT | O_EXCL));
  check(id, "create-out", open_close(p("out/dir/new"), O_WRONLY | O_CREAT | O_EXCL));
  check(id, "mkdir-in", mkdir(p("data/newdir"), 0755));
  check(id, "mkdir-out", mkdir(p("out/newdir"), 0755));
  check(id, "unlink-in", unlink(p("data/a/rm")));
  check(id, "unlink-out", unlink(p("out/rm")));
  check(id, "rename-same-dir-in", rename(p("data/a/mv2"), p("data/a/mv3")));
  check(id, "rename-across-in", rename(p("data/a/mv"), p("data/b/mv")));
  check(id, "link-across-in", link(p("data/a/lnk"), p("data/b/lnk")));
  check(id, "truncate-in", truncate(p("data/a/trunc"), 0));
  check(id, "truncate-out", truncate(p("out/victim"), 0));
  int fd = open(p("null"), O_RDONLY | O_CLOEXEC);
  check(id, "open-dev", fd);
  if (fd >= 0) {
    struct termios t;
    check(id, "ioctl-dev", ioctl(fd, TCGETS, &t));
    close(fd);
  }
}

static void do_behaviour(const char *id, uint64_t handled, uint64_t dir_rights, uint64_t file_rights) {
  snprintf(root, sizeof root, "/s%s", id);
  if (make_fixtures() != 0) {
    printf("E B %s: cannot make the fixtures under %s: %s\n", id, root, strerror(errno));
    return;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("E B %s: fork: %s\n", id, strerror(errno));
    return;
  }
  if (pid == 0) {
    alarm(5);
    struct ruleset_attr attr = {.handled_access_fs = handled};
    long rs = create_ruleset(&attr, sizeof attr.handled_access_fs, 0);
    const char *step = NULL;
    if (rs < 0) step = "ruleset";
    else if (add_path_rule((int)rs, p("data"), dir_rights) != 0) step = "rule-data";
    else if (file_rights && add_path_rule((int)rs, p("null"), file_rights) != 0) step = "rule-file";
    else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) step = "nnp";
    else if (syscall(SYS_landlock_restrict_self, (int)rs, 0) != 0) step = "restrict";
    if (step) printf("B %s step %s errno %d\n", id, step, errno);
    else run_checks(id);
    fflush(stdout);
    _exit(0);
  }
  printf("B %s end 0x%x\n", id, wait_child(pid));
}

int main(void) {
  static char line[4096];
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (fgets(line, sizeof line, stdin)) {
    char *save = NULL;
    char *kind = strtok_r(line, " \n", &save);
    if (!kind) continue;
    if (strcmp(kind, "Q") == 0) break;
    if (strcmp(kind, "V") == 0) {
      long r = create_ruleset(NULL, 0, CREATE_RULESET_VERSION);
      printf("V %ld\n", r < 0 ? -(long)errno : r);
      continue;
    }
    char *id = strtok_r(NULL, " \n", &save);
    uint64_t v[3] = {0, 0, 0};
    int n = 0;
    char *tok;
    while (n < 4 && (tok = strtok_r(NULL, " \n", &save))) {
      if (n == 3 || parse_u64(tok, &v[n]) != 0) { n = -1; break; }
      n++;
    }
    if (!id || n < 0) {
      printf("E bad request line\n");
      continue;
    }
    if (strcmp(kind, "S") == 0 && (n == 1 || n == 3)) {
      struct ruleset_attr attr = {.handled_access_fs = v[0], .handled_access_net = v[1], .scoped = v[2]};
      long fd = create_ruleset(&attr, n == 1 ? sizeof attr.handled_access_fs : sizeof attr, 0);
      report_errno("S", id, fd);
      if (fd >= 0) close((int)fd);
    } else if (strcmp(kind, "T") == 0 && n == 1) {
      do_restrict_flags(id, v[0]);
    } else if (strcmp(kind, "B") == 0 && n == 3 && strlen(id) < 32) {
      do_behaviour(id, v[0], v[1], v[2]);
    } else {
      printf("E bad request line\n");
    }
  }
  return 0;
}
