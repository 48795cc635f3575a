// unveil() for C programs: OpenBSD's calling convention over the semantics
// of unveil() in Node (docs/unveil.md), enforced by Landlock.
//
// Nothing here knows what a letter grants or what a Landlock ABI can do:
// `pledge gen c` puts core's tables into pledge_filters.c (struct
// pledge_unveil_tables: the rights of each letter, LANDLOCK_FILE_RIGHTS,
// landlockDowngrade for every ABI, the messages), and this file applies
// them as @seccomp-scopes/pledge's unveil.ts does:
//
// - unveil(path, permissions): EPERM once locked or under a pledge without
//   "unveil"; EINVAL for a letter outside "rwxc"; the path is opened now
//   (O_PATH, symlinks followed: the rule is bound to what it names now,
//   ENOENT if nothing); unveiling it again replaces its permissions.
// - unveil(NULL, NULL): the lock, strict. The kernel's ABI picks core's
//   downgrade (no Landlock, or an ABI whose missing rights leave an access
//   unrestricted: ENOTSUP); a rule beneath a wider one (Landlock grants the
//   union on the way from /): ENOTSUP; then one ruleset, on every thread:
//   LANDLOCK_RESTRICT_SELF_TSYNC from ABI 8, else the Node addon's
//   RestrictThreads (native/src/landlock/threads.cc, compiled in unchanged),
//   refusing (ENOTSUP, nothing changed) if a thread cannot be reached.
// - pledge() locks the paths unveiled before it (UnveilLockForPledge).
#include "pledge.h"
#include "pledge-filters.h"
#include "internal.h"

#include "../../native/src/landlock/threads.h"
#include "../../native/src/linux/errno-name.h"
#include "../../native/src/linux/kernel-structs.h"
#include "../../native/src/syscall-fallbacks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

using libpledge::g_lock;
using libpledge::Message;

constexpr int64_t kThreadTimeoutMs = 2000;  // as unveil.ts

struct Rule {
  std::string given;
  std::string resolved;
  std::string permissions;  // canonical (rwxc order)
  int fd;
  bool directory;
  uint64_t mask;  // set at the lock
};

std::vector<Rule> g_rules;    // unveiled, not locked yet
bool g_locked = false;        // unveil() is locked (by unveil(NULL, NULL) or pledge())
bool g_locked_by_pledge = false;

const pledge_generated& Gen() { return pledge_generated_filters; }

int Fail(int err) {
  errno = err;
  return -1;
}

void Say(const std::string& text) { Message((text + "\n").c_str()); }

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Label(const Rule& r) { return "unveil(" + Quote(r.given) + ", " + Quote(r.permissions) + ")"; }

// The generated tables, or an errno with a message.
int CheckGenerated() {
  if (Gen().version != PLEDGE_FILTERS_VERSION || Gen().unveil == nullptr) {
    Message("unveil: pledge_filters.c was generated for another libpledge version: regenerate it\n");
    return EINVAL;
  }
  return 0;
}

// OpenBSD: EPERM after the lock, or under a pledge without "unveil".
int RefuseIfLocked(const char* what) {
  if (g_locked) {
    std::string by = g_locked_by_pledge
        ? ": pledge() locked the paths unveiled before it, because Landlock enforces only a locked set and cannot add paths to it later (OpenBSD hides the rest of the file system from the first unveil() on); unveil every path before pledge()"
        : "";
    Say(std::string(what) + ": unveil() is locked; no path can be unveiled any more" + by);
    return EPERM;
  }
  if (libpledge::Pledged() && !libpledge::PledgeKeepsUnveil()) {
    Say(std::string(what) + ": the process pledged without \"unveil\", which locks unveil()");
    return EPERM;
  }
  return 0;
}

// The letters in core's order, or EINVAL naming the bad one.
int Letters(const char* permissions, std::string* out) {
  const char* letters = Gen().unveil->letters;
  for (const char* p = permissions; *p; p++) {
    if (!strchr(letters, *p)) {
      char msg[512];
      snprintf(msg, sizeof msg, "invalid unveil permission \"%c\" in %s; valid permissions: any of r w x c (read, write, execute, create/remove)", *p, Quote(permissions).c_str());
      Say(msg);
      return EINVAL;
    }
  }
  out->clear();
  for (const char* l = letters; *l; l++) {
    if (strchr(permissions, *l)) *out += *l;
  }
  return 0;
}

std::string Canonical(int fd, const char* given) {
  char buf[PATH_MAX + 1];
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, buf, PATH_MAX);
  if (n > 0) return std::string(buf, static_cast<size_t>(n));
  if (realpath(given, buf)) return buf;
  if (given[0] == '/') return given;
  if (getcwd(buf, sizeof buf)) return std::string(buf) + "/" + given;
  return given;
}

int AddRule(const char* path, const char* permissions) {
  std::string letters;
  if (const int e = Letters(permissions, &letters)) return e;
  const int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    std::string note = e == EACCES && libpledge::Pledged() ? " (under pledge(), opening a path needs \"rpath\")" : "";
    Say("unveil(" + Quote(path) + ", " + Quote(permissions) + "): open(O_PATH): " + seccomp_scopes::ErrnoName(e) + note);
    return e;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    close(fd);
    return e;
  }
  Rule rule{path, Canonical(fd, path), letters, fd, S_ISDIR(st.st_mode), 0};
  if (libpledge::Pledged() && g_rules.empty()) {
    Say("unveil(" + Quote(path) + "): paths unveiled after pledge() are enforced only once unveil() locks (or a pledge() without \"unveil\" does); until then the file system stays visible, where OpenBSD hides it from the first unveil(). Unveil before pledge(), or lock with unveil(NULL, NULL) next");
  }
  for (Rule& r : g_rules) {
    if (r.resolved == rule.resolved) {  // OpenBSD replaces the permissions of a path unveiled again
      close(r.fd);
      r = rule;
      return 0;
    }
  }
  g_rules.push_back(rule);
  return 0;
}

void Commit() {
  for (Rule& r : g_rules) close(r.fd);
  g_rules.clear();
  g_locked = true;
}

std::string RightNames(uint64_t mask) {
  const pledge_unveil_tables& t = *Gen().unveil;
  std::string out;
  for (uint32_t i = 0; i < t.right_count; i++) {
    if (mask & (1ull << i)) out += (out.empty() ? "" : "|") + std::string(t.right_names[i]);
  }
  return out;
}

// core isPathBeneath: `ancestor` is a proper ancestor directory of `path`.
bool Beneath(const std::string& path, const std::string& ancestor) {
  if (path == ancestor) return false;
  if (ancestor == "/") return path[0] == '/';
  return path.compare(0, ancestor.size() + 1, ancestor + "/") == 0;
}

// The lock, strict (unveil.ts lock({})). Returns 0 or the errno, with the message in *msg.
int Lock(std::string* msg, std::string* warnings) {
  const pledge_unveil_tables& t = *Gen().unveil;
  // The kernel's ABI (unveil-io.ts probeLandlockAbi).
  int abi;
  std::string reason;
  const long rc = syscall(SYS_landlock_create_ruleset, nullptr, 0, seccomp_scopes::kLandlockCreateRulesetVersion);
  if (rc >= 0) {
    abi = static_cast<int>(rc);
  } else {
    const int e = errno;
    abi = 0;
    if (e == ENOSYS) reason = "landlock_create_ruleset: ENOSYS, the kernel has no Landlock (or a seccomp filter refuses it)";
    else if (e == EOPNOTSUPP) reason = "landlock_create_ruleset: EOPNOTSUPP, Landlock is built in but not enabled at boot (lsm=)";
    else if (e == EPERM) reason = "landlock_create_ruleset: EPERM, a seccomp filter (a container's profile) refuses Landlock";
    else {
      *msg = "unveil(): landlock_create_ruleset: " + seccomp_scopes::ErrnoName(e);
      return e;
    }
  }
  // core landlockDowngrade(UNVEIL_ALL_RIGHTS, abi), strict.
  const pledge_unveil_abi& d = t.abis[static_cast<uint32_t>(abi) > t.max_abi ? t.max_abi : static_cast<uint32_t>(abi)];
  if (d.error) {
    *msg = std::string(d.error) + reason + d.error_tail;
    return ENOTSUP;
  }
  *warnings = d.warnings;
  // core unveilRuleRights ∩ handled, per rule.
  for (Rule& r : g_rules) {
    uint64_t wanted = 0;
    for (uint32_t i = 0; t.letters[i]; i++) {
      if (r.permissions.find(t.letters[i]) != std::string::npos) wanted |= t.letter_rights[i];
    }
    r.mask = (r.directory ? wanted : wanted & t.file_rights) & d.handled;
  }
  // core unveilWidenedRules: a rule beneath a wider directory rule gets the union.
  std::string widened;
  for (const Rule& r : g_rules) {
    const uint64_t applicable = r.directory ? ~0ull : t.file_rights;
    for (const Rule& outer : g_rules) {
      if (!outer.directory || !Beneath(r.resolved, outer.resolved)) continue;
      const uint64_t extra = outer.mask & applicable & ~r.mask;
      if (extra) widened += (widened.empty() ? "" : "; ") + r.resolved + " also gets " + RightNames(extra) + " from " + outer.resolved;
    }
  }
  if (!widened.empty()) {
    *msg = std::string(t.widened) + widened + t.widened_tail;
    return ENOTSUP;
  }
  for (const Rule& r : g_rules) {
    if (!r.directory && r.permissions.find('c') != std::string::npos) *warnings += std::string(t.c_on_file) + Label(r) + t.c_on_file_tail + "\n";
  }
  // Nothing unveiled: OpenBSD hides nothing; locked, nothing enforced.
  if (g_rules.empty()) {
    Commit();
    return 0;
  }
  seccomp_scopes::LandlockRulesetAttrFs attr = {d.handled};
  const long ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0U);
  if (ruleset < 0) {
    const int e = errno;
    *msg = "unveil(): landlock_create_ruleset: " + seccomp_scopes::ErrnoName(e);
    return e;
  }
  const int fd = static_cast<int>(ruleset);
  for (const Rule& r : g_rules) {
    if (r.mask == 0) continue;  // "" (or "c" on a file): hidden, which is what no rule means
    seccomp_scopes::LandlockPathBeneathAttr pb = {};
    pb.allowed_access = r.mask;
    pb.parent_fd = r.fd;
    if (syscall(SYS_landlock_add_rule, fd, seccomp_scopes::kLandlockRulePathBeneath, &pb, 0U) != 0) {
      const int e = errno;
      close(fd);
      *msg = "unveil(): rule for " + Quote(r.given) + ": landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH): " + seccomp_scopes::ErrnoName(e);
      return e;
    }
  }
  if (d.tsync) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, fd, d.restrict_flags) != 0) {
      const int e = errno;
      close(fd);
      *msg = "unveil(): landlock_restrict_self(LANDLOCK_RESTRICT_SELF_TSYNC): " + seccomp_scopes::ErrnoName(e);
      return e;
    }
    close(fd);
    Commit();
    return 0;
  }
  seccomp_scopes::ThreadsReport report;
  const seccomp_scopes::ThreadsFailure f = seccomp_scopes::RestrictThreads(fd, kThreadTimeoutMs, true, &report);
  close(fd);
  switch (f.kind) {
    case seccomp_scopes::ThreadsFailure::kNone:
      break;
    case seccomp_scopes::ThreadsFailure::kBusy:
      *msg = "unveil(): another lock is in progress";
      return EBUSY;
    case seccomp_scopes::ThreadsFailure::kNoSignal:
      *msg = "unveil(): every real-time signal from SIGRTMIN+6 has a handler; none is free to reach the other threads";
      return EAGAIN;
    case seccomp_scopes::ThreadsFailure::kErrno: {
      const bool proc = strcmp(f.syscall, "open(/proc/self/task)") == 0 && libpledge::Pledged();
      *msg = std::string("unveil(): ") + f.syscall + ": " + seccomp_scopes::ErrnoName(f.err) +
             (proc ? " (under pledge(), enumerating threads needs \"rpath\"; lock unveil() before pledge())" : "");
      return f.err == EACCES && proc ? ENOTSUP : f.err;
    }
    case seccomp_scopes::ThreadsFailure::kPartial:
      Commit();
      *msg = "unveil(): sigaction(" + std::to_string(f.signal) + ") failed: " + seccomp_scopes::ErrnoName(f.err) + "; only the calling thread was restricted";
      return f.err;
  }
  if (report.aborted) {
    std::string tids;
    for (const seccomp_scopes::ThreadResult& r : report.threads) {
      if (r.result != "blocked") continue;
      char sigblk[20];
      snprintf(sigblk, sizeof sigblk, "%016llx", static_cast<unsigned long long>(r.sigblk));
      tids += (tids.empty() ? "" : ", ") + std::to_string(r.tid) + " (SigBlk " + sigblk + ")";
    }
    const std::string signals = report.can_borrow ? "signal " + std::to_string(report.signal) + " and 33 (glibc's SIGSETXID)" : "signal " + std::to_string(report.signal);
    const std::string why = report.can_borrow ? "" : " (SIGSETXID cannot be borrowed: " + report.setxid_unavailable + ")";
    *msg = "unveil(): thread(s) " + tids + " block " + signals + why + ", so Landlock ABI " + std::to_string(abi) +
           " cannot restrict them (LANDLOCK_RESTRICT_SELF_TSYNC needs ABI 8, Linux 7.0). Nothing was changed";
    return ENOTSUP;
  }
  // unveil-threads.ts threadsFromReport: every thread not restricted (and not exited).
  std::string list;
  int code = 0;
  for (const seccomp_scopes::ThreadResult& r : report.threads) {
    if (r.result == "restricted" || r.result == "exited") continue;
    const std::string why = r.result == "failed" ? "failed: " + seccomp_scopes::ErrnoName(r.err)
                          : r.result == "timeout" ? "timeout: no answer to signal " + std::to_string(r.signal ? r.signal : report.signal)
                          : r.result;
    if (!code) code = r.result == "failed" ? r.err : r.result == "blocked" ? ENOTSUP : ETIMEDOUT;
    list += (list.empty() ? "" : "; ") + std::to_string(r.tid) + ": " + why;
  }
  if (report.incomplete) {
    if (!code) code = ETIMEDOUT;
    list += (list.empty() ? "" : "; ") + std::string("0: incomplete: threads kept appearing, or /proc/self/task could not be rescanned");
  }
  Commit();
  if (code) {
    *msg = "unveil(): some thread(s) are NOT restricted by unveil(): " + list + ". unveil() is now locked and every other thread restricted";
    return code;
  }
  return 0;
}

int UnveilLocked(const char* path, const char* permissions) {
  if (const int e = CheckGenerated()) return e;
  if (path == nullptr && permissions == nullptr) {
    // OpenBSD code that unveils, pledges with "unveil", then locks keeps working.
    if (g_locked && g_locked_by_pledge && libpledge::PledgeKeepsUnveil()) return 0;
    if (const int e = RefuseIfLocked("unveil()")) return e;
    std::string msg, warnings;
    const int e = Lock(&msg, &warnings);
    if (!warnings.empty()) Message(warnings.c_str());
    if (e) Say(msg);
    return e;
  }
  if (path == nullptr || permissions == nullptr) {
    Say("unveil(path, permissions): give both, or neither to lock");
    return EINVAL;
  }
  if (const int e = RefuseIfLocked("unveil")) return e;
  return AddRule(path, permissions);
}

}  // namespace

bool libpledge::UnveilPending() { return !g_rules.empty() && !g_locked; }

int libpledge::UnveilLockForPledge(const char* promises, bool keeps) {
  if (const int e = CheckGenerated()) return e;
  std::string msg, warnings;
  const int e = Lock(&msg, &warnings);
  if (!warnings.empty()) Message(warnings.c_str());
  if (e) {
    const char* why = keeps
        ? "keeps \"unveil\", yet locks the paths unveiled before it (Landlock enforces only a locked set; OpenBSD hides the rest from the first unveil() on)"
        : "without \"unveil\" locks unveil() first, as on OpenBSD";
    Say("pledge: pledge(" + Quote(promises) + ") " + why + ", and that lock failed, so no filter was installed: " + msg +
        ". Lock explicitly with unveil(NULL, NULL) before pledge()");
    return e;
  }
  g_locked_by_pledge = true;
  return 0;
}

extern "C" __attribute__((visibility("default"))) int unveil(const char* path, const char* permissions) {
  pthread_mutex_lock(&g_lock);
  const int err = UnveilLocked(path, permissions);
  pthread_mutex_unlock(&g_lock);
  return err ? Fail(err) : 0;
}
