// pledge() for C programs: OpenBSD's calling rules over the filters `pledge
// gen c` compiled (pledge_filters.c, layout: include/pledge-filters.h), and
// the Node addon's own SIGSYS reporter (native/src/report/: tables-view,
// format, sigsys-handler, linked unchanged) for the report line and the
// penalties.
//
// Nothing here knows what a promise allows: a promise set is a bit mask over
// the generated promise names, looked up in the generated sets. The rules
// below are OpenBSD pledge(2)'s calling rules, as core's planPledge applies
// them (packages/core/src/pledge-plan.ts): keep or drop, never add (EPERM;
// under "error" extra promises are dropped silently); execpromises a subset
// of the promises on Linux (EINVAL) and never widened (EPERM); once kill,
// always kill; the set and penalty in force again installs nothing.
//
// Per call: fill the pid/uid/gid into a copy of the program and of the
// report tables (and the process name, read once before the first filter),
// PR_SET_NO_NEW_PRIVS, install the reporter (the handler, once), then
// seccomp(SET_MODE_FILTER, TSYNC) so every thread of the process is bound.
#include "pledge.h"
#include "pledge-filters.h"
#include "internal.h"

#include "../../native/src/report/sigsys-handler.h"
#include "../../native/src/report/tables-view.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace libpledge {
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
}  // namespace libpledge

namespace {

using libpledge::g_lock;
using seccomp_scopes::Reporter;

struct State {
  bool pledged;
  uint64_t promises;
  bool has_exec;
  uint64_t exec;
  bool penalty_set;      // a penalty is in force (a filter was installed)
  bool kill;             // ... and it is kill
  int requested;         // pledge_penalty(): 0 default, 1 kill, 2 errno
  char comm[16];
} g_state;

}  // namespace

void libpledge::Message(const char* text) {
  size_t n = strlen(text);
  const char* p = text;
  while (n > 0) {
    ssize_t w = write(2, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

namespace {

using libpledge::Message;

int Fail(int err) {
  errno = err;
  return -1;
}

const pledge_generated& Gen() { return pledge_generated_filters; }

// The canonical text of a mask (generated promise order), into buf.
void Format(uint64_t mask, char* buf, size_t cap) {
  size_t at = 0;
  buf[0] = 0;
  for (uint32_t i = 0; i < Gen().promise_count; i++) {
    if (!(mask & (1ull << i))) continue;
    int n = snprintf(buf + at, cap - at, "%s%s", at ? " " : "", Gen().promise_names[i]);
    if (n < 0 || static_cast<size_t>(n) >= cap - at) return;
    at += static_cast<size_t>(n);
  }
}

// Parses an OpenBSD promise string (names separated by spaces). Returns 0
// or the errno (EINVAL unknown, ENOTSUP a device promise), with a message.
int Parse(const char* text, uint64_t* out, const char* what) {
  uint64_t mask = 0;
  const char* p = text;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    const char* end = p;
    while (*end && *end != ' ') end++;
    const size_t len = static_cast<size_t>(end - p);
    bool found = false;
    for (uint32_t i = 0; i < Gen().promise_count && !found; i++) {
      const char* name = Gen().promise_names[i];
      if (strlen(name) == len && memcmp(name, p, len) == 0) {
        mask |= 1ull << i;
        found = true;
      }
    }
    if (!found) {
      char msg[1024];
      for (uint32_t i = 0; i < Gen().unsupported_count; i++) {
        const char* name = Gen().unsupported_names[i];
        if (strlen(name) == len && memcmp(name, p, len) == 0) {
          snprintf(msg, sizeof msg, "pledge: %s: promise \"%.*s\" (an OpenBSD device promise) is not supported on Linux\n", what, static_cast<int>(len), p);
          Message(msg);
          return ENOTSUP;
        }
      }
      char valid[512];
      Format(~0ull, valid, sizeof valid);
      snprintf(msg, sizeof msg, "pledge: %s: unknown promise \"%.*s\" in \"%s\"; valid promises: %s\n", what, static_cast<int>(len), p, text, valid);
      Message(msg);
      return EINVAL;
    }
    p = end;
  }
  *out = mask;
  return 0;
}

const pledge_filter_set* Find(uint64_t mask) {
  for (uint32_t i = 0; i < Gen().set_count; i++) {
    if (Gen().sets[i].promises == mask) return &Gen().sets[i];
  }
  return nullptr;
}

void Put32(uint8_t* base, uint32_t off, uint32_t v) { memcpy(base + off, &v, 4); }

// The reporter for `set` under the penalty, with this process' identity filled in.
Reporter* MakeReporter(const pledge_report_tables& t, pid_t pid, uid_t uid, gid_t gid, const char* comm) {
  Reporter* r = new Reporter();
  r->storage.assign(t.words, t.words + (t.bytes + 7) / 8);
  uint8_t* base = reinterpret_cast<uint8_t*>(r->storage.data());
  for (uint32_t i = 0; i < t.pid.count; i++) Put32(base, t.pid.at[i], static_cast<uint32_t>(pid));
  for (uint32_t i = 0; i < t.uid.count; i++) Put32(base, t.uid.at[i], static_cast<uint32_t>(uid));
  for (uint32_t i = 0; i < t.gid.count; i++) Put32(base, t.gid.at[i], static_cast<uint32_t>(gid));
  const size_t n = strnlen(comm, t.comm_max);
  memcpy(base + t.comm_at, comm, n);
  base[t.comm_at + n] = 0;
  const char* bad = seccomp_scopes::ParseTables(base, t.bytes, &r->tables);
  if (bad) {
    char msg[256];
    snprintf(msg, sizeof msg, "pledge: pledge_filters.c: %s (regenerate it with this libpledge)\n", bad);
    Message(msg);
    delete r;
    return nullptr;
  }
  r->fd = 2;
  r->kill = strcmp(t.penalty, "kill") == 0;
  r->errno_value = t.errno_value;
  if (t.errno_name) r->errno_name = t.errno_name;
  r->json = false;
  r->quiet = false;
  r->magic = Gen().report_exit_magic;
  return r;
}

int Install(const pledge_filter_set& set, const pledge_report_tables& tables) {
  const pid_t pid = getpid();
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (!g_state.pledged) {
    memset(g_state.comm, 0, sizeof g_state.comm);
    if (prctl(PR_GET_NAME, g_state.comm, 0, 0, 0) != 0) strcpy(g_state.comm, "?");
  }
  sock_filter* program = static_cast<sock_filter*>(malloc(sizeof(sock_filter) * set.length));
  if (!program) return ENOMEM;
  static_assert(sizeof(sock_filter) == sizeof(pledge_insn), "pledge_insn is struct sock_filter");
  memcpy(program, set.program, sizeof(sock_filter) * set.length);
  for (uint32_t i = 0; i < set.pid.count; i++) program[set.pid.at[i]].k = static_cast<uint32_t>(pid);
  for (uint32_t i = 0; i < set.uid.count; i++) program[set.uid.at[i]].k = static_cast<uint32_t>(uid);
  for (uint32_t i = 0; i < set.gid.count; i++) program[set.gid.at[i]].k = static_cast<uint32_t>(gid);
  Reporter* r = MakeReporter(tables, pid, uid, gid, g_state.comm);
  if (!r) {
    free(program);
    return EINVAL;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    const int err = errno;
    free(program);
    delete r;
    return err;
  }
  const int rerr = seccomp_scopes::InstallReporter(r);  // deletes r on failure
  if (rerr != 0) {
    free(program);
    return rerr;
  }
  sock_fprog prog;
  prog.len = static_cast<unsigned short>(set.length);
  prog.filter = program;
  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  const int err = errno;
  free(program);
  if (rc != 0) {
    seccomp_scopes::RollbackReporter();
    if (rc > 0) return EBUSY;  // the thread rc has a filter of its own: TSYNC could not synchronise it
    return err == EINVAL ? ENOSYS : err;
  }
  return 0;
}

uint64_t UnveilBit() {
  for (uint32_t i = 0; i < Gen().promise_count; i++) {
    if (strcmp(Gen().promise_names[i], "unveil") == 0) return 1ull << i;
  }
  return 0;
}

int PledgeLocked(const char* promises, const char* execpromises) {
  if (Gen().version != PLEDGE_FILTERS_VERSION) {
    Message("pledge: pledge_filters.c was generated for another libpledge version: regenerate it\n");
    return EINVAL;
  }
  const uint64_t current = g_state.promises;
  uint64_t next = current;
  if (promises) {
    const int e = Parse(promises, &next, "promises");
    if (e) return e;
  } else if (!g_state.pledged) {
    Message("pledge: execpromises alone cannot be set before any promises: Linux needs them to be a subset of the promises\n");
    return EINVAL;
  }
  uint64_t error_bit = 0;
  for (uint32_t i = 0; i < Gen().promise_count; i++) {
    if (strcmp(Gen().promise_names[i], "error") == 0) error_bit = 1ull << i;
  }
  char a[512], b[512], msg[4096];
  if (g_state.pledged && (next & ~current)) {
    if (current & error_bit) {
      next &= current;
    } else {
      Format(next & ~current, a, sizeof a);
      Format(current, b, sizeof b);
      snprintf(msg, sizeof msg, "pledge: pledge(\"%s\") asks for %s, which the promises in force (\"%s\") do not include; promises can only be kept or dropped\n", promises, a, b);
      Message(msg);
      return EPERM;
    }
  }
  bool has_exec = g_state.has_exec;
  uint64_t exec = g_state.exec;
  if (execpromises) {
    uint64_t e;
    const int err = Parse(execpromises, &e, "execpromises");
    if (err) return err;
    if (g_state.has_exec && (e & ~g_state.exec)) {
      Format(e & ~g_state.exec, a, sizeof a);
      snprintf(msg, sizeof msg, "pledge: execpromises \"%s\" ask for %s beyond those in force\n", execpromises, a);
      Message(msg);
      return EPERM;
    }
    has_exec = true;
    exec = e;
  }
  if (has_exec && (exec & ~next)) {
    Format(exec & ~next, a, sizeof a);
    Format(next, b, sizeof b);
    snprintf(msg, sizeof msg, "pledge: execpromises must be a subset of the promises on Linux (a filter cannot be loosened across execve); %s not in \"%s\"\n", a, b);
    Message(msg);
    return EINVAL;
  }
  // The penalty (core resolvePenalty): "error" means errno ENOSYS; kill with it is EINVAL.
  bool kill;
  if (next & error_bit) {
    if (g_state.requested == 1) {
      Message("pledge: pledge_penalty(\"kill\") contradicts the \"error\" promise (errno ENOSYS)\n");
      return EINVAL;
    }
    kill = false;
  } else {
    kill = g_state.requested != 2;
  }
  if (g_state.penalty_set && g_state.kill) kill = true;  // once kill, always kill
  if (g_state.pledged && next == current && g_state.penalty_set && kill == g_state.kill) {
    g_state.has_exec = has_exec;
    g_state.exec = exec;
    return 0;  // in force already: nothing to install
  }
  const pledge_filter_set* set = Find(next);
  if (!set) {
    Format(next, a, sizeof a);
    snprintf(msg, sizeof msg,
             "pledge: pledge(\"%s\"): pledge_filters.c has no filter for \"%s\" on %s; add '%s' to the command that generated it and rebuild:\n  %s '%s'\n",
             promises ? promises : a, a, Gen().arch, a, Gen().command, a);
    Message(msg);
    return EINVAL;
  }
  const pledge_report_tables& tables = kill ? set->kill : set->errno_;
  if (!tables.words) {
    Message("pledge: pledge_filters.c lacks the report tables of this penalty: regenerate it\n");
    return EINVAL;
  }
  // Paths unveiled and not locked yet are locked now, before the filter (docs/unveil.md "With pledge").
  if (libpledge::UnveilPending()) {
    Format(next, a, sizeof a);
    const int uerr = libpledge::UnveilLockForPledge(promises ? promises : a, (next & UnveilBit()) != 0);
    if (uerr) return uerr;
  }
  const int err = Install(*set, tables);
  if (err) return err;
  g_state.pledged = true;
  g_state.promises = next;
  g_state.has_exec = has_exec;
  g_state.exec = exec;
  g_state.penalty_set = true;
  g_state.kill = kill;
  return 0;
}

}  // namespace

bool libpledge::Pledged() { return g_state.pledged; }
bool libpledge::PledgeKeepsUnveil() { return g_state.pledged && (g_state.promises & UnveilBit()) != 0; }

extern "C" __attribute__((visibility("default"))) int pledge(const char* promises, const char* execpromises) {
  if (promises == nullptr && execpromises == nullptr) return 0;
  pthread_mutex_lock(&g_lock);
  const int err = PledgeLocked(promises, execpromises);
  pthread_mutex_unlock(&g_lock);
  return err ? Fail(err) : 0;
}

extern "C" __attribute__((visibility("default"))) int pledge_penalty(const char* penalty) {
  if (penalty && strcmp(penalty, "kill") == 0) {
    g_state.requested = 1;
    return 0;
  }
  if (penalty && strcmp(penalty, "errno") == 0) {
    g_state.requested = 2;
    return 0;
  }
  return Fail(EINVAL);
}
