// The native launcher's client (see native-client.h).

#include "native-client.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "../report/format.h"
#include "../supervise/loader-window.h"  // IsOpenCall, OpenCallOf
#include "bpf-run.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

namespace seccomp_scopes {

std::string AsJsString(const std::string& s) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
      i++;
      continue;
    }
    size_t need;
    unsigned lower = 0x80, upper = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lower = 0xA0;
      if (c == 0xED) upper = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lower = 0x90;
      if (c == 0xF4) upper = 0x8F;
    } else {
      out += kReplacement;
      i++;
      continue;
    }
    // The maximal subpart: stop at the first byte that cannot continue the sequence.
    size_t j = 1;
    for (; j <= need && i + j < n; j++) {
      const unsigned char t = b[i + j];
      const unsigned lo = j == 1 ? lower : 0x80, hi = j == 1 ? upper : 0xBF;
      if (t < lo || t > hi) break;
    }
    if (j == need + 1) {
      out.append(s, i, need + 1);
      i += need + 1;
    } else {
      out += kReplacement;
      i += j;
    }
  }
  return out;
}

namespace {

void WriteErr(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = write(2, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      usleep(5000);
      continue;
    }
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

const EntryException* ExceptionOf(const std::vector<EntryException>& list, const std::string& canonical) {
  for (const auto& e : list) {
    const bool dir = !e.path.empty() && e.path.back() == '/';
    if (dir ? canonical.size() > e.path.size() && canonical.compare(0, e.path.size(), e.path) == 0 : canonical == e.path) return &e;
  }
  return nullptr;
}

}  // namespace


namespace {

using Needs = std::vector<std::vector<std::string>>;

// path-exceptions.ts needsOf (text): the groups after the last "; it needs ".
Needs NeedsOf(const std::string& line) {
  Needs out;
  const size_t i = line.rfind("; it needs ");
  if (i == std::string::npos) return out;
  size_t at = i;
  for (;;) {
    const size_t a = line.find('"', at);
    if (a == std::string::npos) break;
    const size_t b = line.find('"', a + 1);
    if (b == std::string::npos) break;
    if (b > a + 1) {
      std::vector<std::string> group;
      const std::string inner = line.substr(a + 1, b - a - 1);
      size_t k = 0;
      for (;;) {
        const size_t sp = inner.find(' ', k);
        group.push_back(inner.substr(k, sp == std::string::npos ? std::string::npos : sp - k));
        if (sp == std::string::npos) break;
        k = sp + 1;
      }
      out.push_back(group);
      at = b + 1;
    } else {
      at = a + 1;  // "" matches nothing ([^"]+): go on from its closing quote
    }
  }
  return out;
}

// path-exceptions.ts withNeeds (text).
std::string WithNeeds(const std::string& line, const Needs& needs) {
  std::string text = "; it needs ";
  for (size_t g = 0; g < needs.size(); g++) {
    if (g) text += " or ";
    text += "\"";
    for (size_t i = 0; i < needs[g].size(); i++) text += (i ? " " : "") + needs[g][i];
    text += "\"";
  }
  const size_t i = line.rfind("; it needs "), j = line.rfind("; no promise allows this");
  size_t at = std::string::npos;
  if (i != std::string::npos) at = i;
  if (j != std::string::npos && (at == std::string::npos || j > at)) at = j;
  return at != std::string::npos ? line.substr(0, at) + text : line + text;
}

// path-exceptions.ts asRefused (text).
std::string AsRefused(const std::string& line, const std::string& errno_name) {
  const size_t at = line.find("\" blocked ");
  if (at == std::string::npos) return line;
  const size_t i = line.rfind("; it needs "), j = line.rfind("; no promise allows this");
  size_t tail = std::string::npos;
  if (i != std::string::npos) tail = i;
  if (j != std::string::npos && (tail == std::string::npos || j > tail)) tail = j;
  const size_t from = at + std::strlen("\" blocked ");
  const std::string call = line.substr(from, tail != std::string::npos && tail >= from ? tail - from : std::string::npos);
  return line.substr(0, at) + "\" refused " + call + " with " + errno_name + (tail != std::string::npos ? line.substr(tail) : "");
}

// path-exceptions.ts preferTmppath (text).
std::string PreferTmppath(const std::string& line, const SupervisedCall& call) {
  if (!call.has_path) return line;
  Needs needs = NeedsOf(line);
  if (CanonicalPath(AsJsString(call.path)).rfind("/tmp/", 0) != 0) {
    // Elsewhere tmppath is no answer: the command confines it to /tmp, except beside cpath.
    Needs kept;
    for (const auto& set : needs) {
      const bool tmp = std::find(set.begin(), set.end(), "tmppath") != set.end();
      const bool cpath = std::find(set.begin(), set.end(), "cpath") != set.end();
      if (!tmp || cpath) kept.push_back(set);
    }
    return !kept.empty() && kept.size() < needs.size() ? WithNeeds(line, kept) : line;
  }
  size_t i = 0;
  while (i < needs.size() && !(needs[i].size() == 1 && needs[i][0] == "tmppath")) i++;
  if (i == 0 || i >= needs.size()) return line;
  Needs ordered{needs[i]};
  for (size_t j = 0; j < needs.size(); j++) if (j != i) ordered.push_back(needs[j]);
  return WithNeeds(line, ordered);
}

}  // namespace

NativeClient::NativeClient(const PolicyEntry& entry, const std::string& file, const char* home)
    : entry_(entry), file_(file), has_home_(home != nullptr), home_(home ? home : "") {
  // run.ts keys what it reported by the promises' text: -e equal to -p is one set.
  std::vector<std::string> a = entry.promises, b = entry.after.promises;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  same_sets_ = !entry.has_after || a == b;
}

// path-exceptions.ts decideProbe / core pathProbeOf.
const EntryProbe* NativeClient::ProbeOf(const SupervisedCall& call, bool open, uint32_t flags, bool read_only) const {
  // 1 read, 2 read-write, 3 other; 0: not an open.
  int access = 0;
  if (open) access = read_only ? 1 : ((flags & (O_CREAT | O_TRUNC | __O_TMPFILE)) == 0 && (flags & O_ACCMODE) != O_ACCMODE ? 2 : 3);
  const std::string path = call.has_path ? AsJsString(call.path) : "";
  const bool absolute = call.has_path && !path.empty() && path[0] == '/';
  const std::string canonical = absolute ? CanonicalPath(path) : "";
  const bool home_ok = has_home_ && !home_.empty() && home_[0] == '/';
  for (const EntryProbe& p : entry_.probes) {
    bool named = false;
    for (uint32_t nr : p.nrs) named = named || static_cast<int>(nr) == call.nr;
    if (!named) continue;
    if (!p.has_path) return &p;
    std::string want;
    if (p.path.rfind("~/", 0) == 0) {
      if (!home_ok) continue;
      want = CanonicalPath(CanonicalPath(home_) + "/" + p.path.substr(2));
    } else {
      want = p.path;
    }
    if (!absolute || canonical != want) continue;
    if (p.access == 0 || access == 0) return &p;
    if (p.access == 1 ? access == 1 : access != 3) return &p;
  }
  return nullptr;
}

// The sets of `needs` not all of whose promises are held (before or after the exec).
Needs NativeClient::Unmet(const Needs& needs, bool after) const {
  Needs unmet;
  for (const auto& s : needs) {
    bool all = true;
    for (const auto& p : s) all = all && HasPromise(p, after);
    if (!all) unmet.push_back(s);
  }
  return unmet;
}

// run.ts: a refused read-only open's line names what allows that path (openNeeds, withNeeds).
std::string NativeClient::OpenNeeds(const std::string& line, const SupervisedCall& call, bool after) const {
  if (!call.has_path || call.path.empty() || call.path[0] != '/') return line;
  const std::string canonical = NormalizePath(AsJsString(call.path));
  Needs needs;
  for (const auto& group : entry_.needs_groups) {
    const EntryException* e = ExceptionOf(group, canonical);
    if (e && !e->requires_.empty()) needs.push_back(e->requires_);
  }
  needs.push_back({"rpath"});
  return WithNeeds(line, Unmet(needs, after));
}

// run.ts: a refused path-precise stat's line (path-exceptions.ts withStatNeeds): the
// groups whose stat paths hold the path, then the line's sets that do not rest on them alone.
std::string NativeClient::StatNeeds(const std::string& line, const SupervisedCall& call, bool after) const {
  Needs needs;
  const bool absolute = call.has_path && !call.path.empty() && call.path[0] == '/';
  const std::string canonical = absolute ? CanonicalPath(AsJsString(call.path)) : std::string();
  auto precise = [&](const std::string& p) {
    for (const auto& g : entry_.stat_groups) if (g.first == p) return true;
    return false;
  };
  if (absolute) {
    for (const auto& g : entry_.stat_groups) {
      if (std::find(g.second.begin(), g.second.end(), canonical) != g.second.end()) needs.push_back({g.first});
    }
  }
  for (const auto& s : NeedsOf(line)) {
    bool all = true;
    for (const auto& p : s) all = all && precise(p);
    if (!all) needs.push_back(s);
  }
  return WithNeeds(line, Unmet(needs, after));
}

std::vector<uint8_t> NativeClient::Filter(pid_t pid) {
  // The Policy of run.ts is made for the child's pid; so are its judges.
  child_ = pid;
  execed_.clear();
  execed_[pid] = Remembered{};
  judge_ = WithPid(entry_.judge, static_cast<uint32_t>(pid), true);
  if (entry_.has_after) after_judge_ = WithPid(entry_.after.judge, static_cast<uint32_t>(pid), true);
  return WithPid(entry_.filter, static_cast<uint32_t>(pid), true);
}

bool NativeClient::HasPromise(const std::string& p, bool after) const {
  for (const auto& q : after ? entry_.after.promises : entry_.promises) if (q == p) return true;
  return false;
}

namespace {

// policy.ts readProcessInfo: /proc/<pid>/stat fields 4 (ppid) and 22 (start time).
struct ProcessInfo {
  pid_t ppid;
  uint64_t start;
};
std::optional<ProcessInfo> ReadProcessInfo(pid_t pid) {
  const int fd = open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return std::nullopt;
  const std::string stat(buf, static_cast<size_t>(n));
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::vector<std::string> fields;
  size_t i = close_paren + 2;
  while (i <= stat.size()) {
    size_t j = stat.find(' ', i);
    if (j == std::string::npos) j = stat.size();
    fields.push_back(stat.substr(i, j - i));
    i = j + 1;
  }
  auto integer = [](const std::string& f, uint64_t* out) {
    if (f.empty() || f.size() > 19) return false;
    for (char c : f) if (c < '0' || c > '9') return false;
    *out = std::stoull(f);
    return true;
  };
  uint64_t ppid, start;
  if (fields.size() < 20 || !integer(fields[1], &ppid) || !integer(fields[19], &start)) return std::nullopt;
  return ProcessInfo{static_cast<pid_t>(ppid), start};
}

}  // namespace

std::optional<bool> NativeClient::Cached(pid_t pid, double process, std::optional<uint64_t> start) const {
  const auto it = execed_.find(pid);
  if (it == execed_.end()) return std::nullopt;
  const Remembered& e = it->second;
  if (pid == child_) return e.execed;  // its pid stays its own until it is reaped
  if (process != 0 && e.process != 0) return process == e.process ? std::optional<bool>(e.execed) : std::nullopt;
  return start.has_value() && e.start.has_value() && *start == *e.start ? std::optional<bool>(e.execed) : std::nullopt;
}

void NativeClient::Remember(const SupervisedCall& call, std::optional<uint64_t> start, bool execed) {
  const bool child = call.pid == child_;
  if (!child && call.process == 0 && !start.has_value()) return;  // cannot be told from a later process with this pid
  Remembered r;
  r.execed = execed;
  if (!child) {
    r.process = call.process;
    r.start = start;
  }
  execed_[call.pid] = r;
  if (execed_.size() >= sweep_at_) Sweep();
}

void NativeClient::Sweep() {
  for (auto it = execed_.begin(); it != execed_.end();) {
    const auto info = it->first != child_ ? ReadProcessInfo(it->first) : std::nullopt;
    const bool same = info.has_value() && it->second.start.has_value() && info->start == *it->second.start;
    it = it->first != child_ && !same ? execed_.erase(it) : std::next(it);
  }
  sweep_at_ = std::max<size_t>(4096, execed_.size() * 2);
}

std::optional<uint64_t> NativeClient::StartOf(const SupervisedCall& call) const {
  if (call.start_time != 0) return call.start_time;
  const auto info = ReadProcessInfo(call.pid);
  return info ? std::optional<uint64_t>(info->start) : std::nullopt;
}

bool NativeClient::HasExeced(const SupervisedCall& call) {
  const std::optional<uint64_t> start = StartOf(call);
  if (const auto known = Cached(call.pid, call.process, start)) return *known;
  bool state = true;
  pid_t pid = call.pid;
  std::optional<uint64_t> start_time = start;
  for (int depth = 0; depth < 64 && start_time.has_value(); depth++) {
    const auto info = ReadProcessInfo(pid);
    if (!info || info->start != *start_time) break;  // ended, or the pid names another process now
    const auto parent = info->ppid > 0 ? ReadProcessInfo(info->ppid) : std::nullopt;
    if (!parent || parent->start > *start_time) break;  // gone, or its pid was reused
    pid = info->ppid;
    start_time = parent->start;
    if (const auto here = Cached(pid, 0, start_time)) {
      state = *here;
      break;
    }
  }
  Remember(call, start, state);
  return state;
}

bool NativeClient::PromisesAfter(const SupervisedCall& call) {
  return entry_.has_after && HasExeced(call);
}

// policy.ts judge(): the call run through pledge()'s own filter for the promises in force there.
NativeClient::Judged NativeClient::Judge(const SupervisedCall& call, uint32_t* err) {
  const bool after = entry_.has_after && HasExeced(call);
  const std::vector<uint8_t>& judge = after ? after_judge_ : judge_;
  struct seccomp_data d = {};
  d.nr = call.nr;
  d.arch = call.arch;
  d.instruction_pointer = call.ip;
  for (int i = 0; i < 6; i++) d.args[i] = call.args[i];
  const uint32_t ret = RunFilter(reinterpret_cast<const struct sock_filter*>(judge.data()), judge.size() / 8, d);
  const uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
  if (action == SECCOMP_RET_ALLOW) {
    bool exec = call.nr == SYS_execve;
#ifdef SYS_execveat
    exec = exec || call.nr == SYS_execveat;
#endif
    if (entry_.has_after && exec) Remember(call, StartOf(call), true);
    return Judged::kAllow;
  }
  if (action == SECCOMP_RET_ERRNO) {
    *err = ret & SECCOMP_RET_DATA;
    return Judged::kErrno;
  }
  return Judged::kViolation;
}

// report.ts Reporter.format(): the tables for the caller's pid and promises, the formatter of format.cc.
std::string NativeClient::ReportLine(const SupervisedCall& call, bool after) {
  const uint32_t pid = static_cast<uint32_t>(call.pid);
  const PidTemplate& tmpl = after ? entry_.after.tables : entry_.tables;
  if (tables_.empty() || tables_pid_ != pid || tables_set_ != static_cast<int>(after)) {
    const std::vector<uint8_t> bytes = WithPid(tmpl, pid, false);
    tables_.assign((bytes.size() + 7) / 8 + 1, 0);
    std::memcpy(tables_.data(), bytes.data(), bytes.size());
    tables_pid_ = pid;
    tables_set_ = static_cast<int>(after);
  }
  Tables t;
  if (const char* err = ParseTables(reinterpret_cast<const uint8_t*>(tables_.data()), tmpl.bytes.size(), &t)) {
    throw std::runtime_error(std::string("the cached report tables: ") + err);
  }
  const std::string comm = call.comm.empty() ? "?" : AsJsString(call.comm);
  const std::string path = call.has_path ? AsJsString(call.path) : "";
  Violation v;
  v.nr = static_cast<uint32_t>(call.nr);
  for (int i = 0; i < 6; i++) v.args[i] = call.args[i];
  v.pid = call.pid;
  v.tid = call.tid;
  v.comm = comm.c_str();
  v.comm_len = comm.size();
  if (call.has_path) {
    v.path = path.c_str();
    v.path_len = path.size();
  }
  v.audit_arch = call.arch;
  const Penalty penalty{t.Str(t.penalty), t.errno_name == report::kNone ? "" : t.Str(t.errno_name)};
  const size_t extra = 6 * (path.size() + comm.size());
  std::vector<char> scratch(4096 + extra), line(16384 + 2 * extra);
  const size_t n = FormatReport(t, v, false, penalty, line.data(), line.size(), scratch.data(), scratch.size());
  return std::string(line.data(), n > 0 ? n - 1 : 0);
}

SupervisorClient::Verdict NativeClient::Decide(const SupervisedCall& call) {
  Verdict out;
  out.value = -1;
  if (call.foreign) {
    if (!entry_.quiet) WriteErr(ReportLine(call, PromisesAfter(call)) + "\n");
    return out;
  }
  struct seccomp_data d = {};
  d.nr = call.nr;
  for (int i = 0; i < 6; i++) d.args[i] = call.args[i];
  // path-exceptions.ts openCallOf / decideOpen, under the promises in force in the caller.
  const bool open = IsOpenCall(d);
  bool read_only = false, open_refused = false;
  uint32_t open_flags = 0;
  if (open) {
    const bool after = PromisesAfter(call);
    const std::vector<EntryException>& exceptions = after ? entry_.after.exceptions : entry_.exceptions;
    const uint32_t flags = OpenCallOf(d).flags;
    open_flags = flags;
    read_only = (flags & O_ACCMODE) == O_RDONLY && (flags & (O_CREAT | O_TRUNC | __O_TMPFILE)) == 0;
    if (call.has_path && !call.path.empty() && call.path[0] == '/') {
      const std::string canonical = NormalizePath(AsJsString(call.path));
      const EntryException* e = ExceptionOf(exceptions, canonical);
      EntryException node_file;
      if (!e && entry_.node) {
        for (const auto& f : entry_.node_start_files) {
          if (f == canonical) {
            node_file.path = f;
            e = &node_file;
            break;
          }
        }
      }
      const bool access_ok = e && (read_only || (e->read_write && (flags & O_ACCMODE) != O_ACCMODE));
      // A read-only exception only without rpath (which allows it in the kernel); a write one (/dev/null) always.
      if (e && access_ok && (!read_only || (after ? entry_.after.exceptions_active : entry_.exceptions_active))) {
        out.value = 0;
        out.emulate_open = true;
        out.open_paths = after ? entry_.after.open_paths : entry_.open_paths;
        // path.posix.basename: trailing slashes do not count.
        std::string trimmed = canonical;
        while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
        const std::string base = trimmed.substr(trimmed.rfind('/') + 1);
        for (const auto& df : e->directory_files) if (df.first == base) out.directory_file = df.second;
        return out;
      }
    }
    open_refused = read_only && (after ? entry_.after.precise_refuse : entry_.precise_refuse);
    // The Node runtime allowance answers a read-only open it does not allow with EACCES.
    if (open_refused && entry_.node) {
      out.value = EACCES;
      return out;
    }
  }
  // path-exceptions.ts decideStat: a stat only dns/getpw allow, of their files only (fstat's shape: see below).
  bool stat_refused = false, stat_shaped = false;
  if (!open && IsStatCall(d)) {
    const bool after = PromisesAfter(call);
    const std::vector<uint32_t>& nrs = after ? entry_.after.precise_stat : entry_.precise_stat;
    const StatCall sc = StatCallOf(d);
    const uint32_t nr = static_cast<uint32_t>(call.nr);
    // fstat's shape (a descriptor, AT_EMPTY_PATH) is stdio's, the judge's; unless no other
    // promise allows this syscall in any shape (precise_fstat): then its path is checked too.
    const std::vector<uint32_t>& fstat_nrs = after ? entry_.after.precise_fstat : entry_.precise_fstat;
    const bool fstat_shape = sc.dirfd != AT_FDCWD && (sc.flags & AT_EMPTY_PATH) != 0 &&
                             std::find(fstat_nrs.begin(), fstat_nrs.end(), nr) == fstat_nrs.end();
    // As run.ts asks decideStat under dns and getpw alone (no stdio): every shape.
    stat_shaped = std::find(entry_.stat_syscalls.begin(), entry_.stat_syscalls.end(), nr) != entry_.stat_syscalls.end();
    if (std::find(nrs.begin(), nrs.end(), nr) != nrs.end() && !fstat_shape) {
      const std::vector<std::string>& paths = after ? entry_.after.stat_paths : entry_.stat_paths;
      if (call.has_path && !call.path.empty() && call.path[0] == '/' &&
          std::find(paths.begin(), paths.end(), CanonicalPath(AsJsString(call.path))) != paths.end()) {
        out.value = 0;
        out.emulate_open = true;
        out.open_paths = paths;
        return out;
      }
      stat_refused = true;
      // As the Node runtime allowance answers a path lookup it does not allow.
      if (entry_.node) {
        out.value = EACCES;
        return out;
      }
    }
  }
  uint32_t err = 0;
  const Judged verdict = open_refused || stat_refused ? Judged::kViolation : Judge(call, &err);
  if (verdict == Judged::kAllow) {
    out.value = 0;
    return out;
  }
  if (verdict == Judged::kErrno) {
    out.value = err;
    return out;
  }
  // run.ts ownExeLookup: glibc's static start-up looks up its own file.
  bool readlink = call.nr == SYS_readlinkat;
#ifdef SYS_readlink
  readlink = readlink || call.nr == SYS_readlink;
#endif
  if (readlink && call.has_path && call.path == "/proc/self/exe") {
    out.value = ENOENT;
    return out;
  }
  const double process = call.process != 0 ? call.process : -static_cast<double>(call.pid);
  // A probe the program handles (core PATH_PROBES): its errno, reported once unless quiet.
  if (const EntryProbe* probe = ProbeOf(call, open, open_flags, read_only)) {
    const bool after = PromisesAfter(call);
    const auto key = std::make_pair(std::make_pair(std::make_pair(process, static_cast<int>(after && !same_sets_)), call.nr), call.has_path ? AsJsString(call.path) : std::string());
    if (!probe->quiet && !entry_.quiet && probes_reported_.count(key) == 0) {
      probes_reported_.insert(key);
      std::string line = ReportLine(call, after);
      if (open && read_only) line = OpenNeeds(line, call, after);
      if (!probe->needs.empty()) {
        std::vector<std::string> first;
        for (const auto& p : probe->needs) if (!HasPromise(p, after)) first.push_back(p);
        Needs needs{first};
        for (auto& n : NeedsOf(line)) needs.push_back(n);
        line = WithNeeds(line, needs);
      }
      WriteErr(AsRefused(line, probe->errno_name) + "\n");
    }
    out.value = probe->errno_value;
    return out;
  }
  if (!entry_.quiet) {
    const bool after = PromisesAfter(call);
    const auto key = std::make_pair(std::make_pair(process, static_cast<int>(after && !same_sets_)), call.nr);
    if (entry_.penalty_kill || reported_.count(key) == 0) {
      reported_.insert(key);
      std::string line = ReportLine(call, after);
      if (open && read_only) line = OpenNeeds(line, call, after);
      if (open && !read_only) line = PreferTmppath(line, call);
      if (stat_shaped) line = StatNeeds(line, call, after);
      WriteErr(line + "\n");
    }
  }
  out.value = entry_.penalty_kill ? -1 : static_cast<double>(entry_.errno_value);
  return out;
}

void NativeClient::Event(const SupervisorEvent& event) {
  if (event.kind == SupervisorEvent::kProcessExit && event.process != 0) {
    // policy.ts forget(): the process ended; its pid may name another next.
    const auto it = execed_.find(event.pid);
    if (event.pid != child_ && it != execed_.end() && it->second.process == event.process) execed_.erase(it);
    for (auto r = reported_.begin(); r != reported_.end();) {
      r = r->first.first == event.process ? reported_.erase(r) : std::next(r);
    }
    for (auto r = probes_reported_.begin(); r != probes_reported_.end();) {
      r = r->first.first.first == event.process ? probes_reported_.erase(r) : std::next(r);
    }
  }
  if (event.kind == SupervisorEvent::kProgramChanged && !entry_.quiet) {
    WriteErr("pledge: warning: " + file_ + " changed after it was inspected (another file was put at its path before it started); it gets no start-up window\n");
  }
  if (event.kind == SupervisorEvent::kLoaderTimeout && !entry_.quiet) {
    WriteErr("pledge: warning: " + file_ + " did not signal the end of its start-up within " +
             std::to_string(static_cast<long long>(event.timeout_ms)) + " ms; its start-up allowance ends now\n");
  }
}

}  // namespace seccomp_scopes
