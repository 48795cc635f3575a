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

std::string NormalizePath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    const std::string part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  if (parts.empty()) return "/";
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  if (path.back() == '/') out += "/";
  return out;
}

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

std::string CanonicalPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    const std::string part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

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
    : entry_(entry), file_(file), has_home_(home != nullptr), home_(home ? home : "") {}

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

// run.ts: a refused read-only open's line names what allows that path (openNeeds, withNeeds).
std::string NativeClient::OpenNeeds(const std::string& line, const SupervisedCall& call) const {
  if (!call.has_path || call.path.empty() || call.path[0] != '/') return line;
  const std::string canonical = NormalizePath(AsJsString(call.path));
  Needs needs;
  for (const auto& group : entry_.needs_groups) {
    const EntryException* e = ExceptionOf(group, canonical);
    if (e && !e->requires_.empty()) needs.push_back(e->requires_);
  }
  needs.push_back({"rpath"});
  Needs missing;
  for (const auto& s : needs) {
    bool all = true;
    for (const auto& p : s) all = all && HasPromise(p);
    if (!all) missing.push_back(s);
  }
  return WithNeeds(line, missing);
}

std::vector<uint8_t> NativeClient::Filter(pid_t pid) {
  // The Policy of run.ts is made for the child's pid; so is the judge.
  judge_ = WithPid(entry_.judge, static_cast<uint32_t>(pid), true);
  return WithPid(entry_.filter, static_cast<uint32_t>(pid), true);
}

bool NativeClient::HasPromise(const std::string& p) const {
  for (const auto& q : entry_.promises) if (q == p) return true;
  return false;
}

// policy.ts judge(): the call run through pledge()'s own filter for the promises.
NativeClient::Judged NativeClient::Judge(const SupervisedCall& call, uint32_t* err) const {
  struct seccomp_data d = {};
  d.nr = call.nr;
  d.arch = call.arch;
  d.instruction_pointer = call.ip;
  for (int i = 0; i < 6; i++) d.args[i] = call.args[i];
  const uint32_t ret = RunFilter(reinterpret_cast<const struct sock_filter*>(judge_.data()), judge_.size() / 8, d);
  const uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
  if (action == SECCOMP_RET_ALLOW) return Judged::kAllow;
  if (action == SECCOMP_RET_ERRNO) {
    *err = ret & SECCOMP_RET_DATA;
    return Judged::kErrno;
  }
  return Judged::kViolation;
}

// report.ts Reporter.format(): the tables for the caller's pid, the formatter of format.cc.
std::string NativeClient::ReportLine(const SupervisedCall& call) {
  const uint32_t pid = static_cast<uint32_t>(call.pid);
  if (tables_.empty() || tables_pid_ != pid) {
    const std::vector<uint8_t> bytes = WithPid(entry_.tables, pid, false);
    tables_.assign((bytes.size() + 7) / 8 + 1, 0);
    std::memcpy(tables_.data(), bytes.data(), bytes.size());
    tables_pid_ = pid;
  }
  Tables t;
  if (const char* err = ParseTables(reinterpret_cast<const uint8_t*>(tables_.data()), entry_.tables.bytes.size(), &t)) {
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
    if (!entry_.quiet) WriteErr(ReportLine(call) + "\n");
    return out;
  }
  struct seccomp_data d = {};
  d.nr = call.nr;
  for (int i = 0; i < 6; i++) d.args[i] = call.args[i];
  // path-exceptions.ts openCallOf / decideOpen.
  const bool open = IsOpenCall(d);
  bool read_only = false, open_refused = false;
  uint32_t open_flags = 0;
  if (open) {
    const uint32_t flags = OpenCallOf(d).flags;
    open_flags = flags;
    read_only = (flags & O_ACCMODE) == O_RDONLY && (flags & (O_CREAT | O_TRUNC | __O_TMPFILE)) == 0;
    if (call.has_path && !call.path.empty() && call.path[0] == '/') {
      const std::string canonical = NormalizePath(AsJsString(call.path));
      const EntryException* e = ExceptionOf(entry_.exceptions, canonical);
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
      if (e && access_ok && entry_.exceptions_active) {
        out.value = 0;
        out.emulate_open = true;
        out.open_paths = entry_.open_paths;
        // path.posix.basename: trailing slashes do not count.
        std::string trimmed = canonical;
        while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
        const std::string base = trimmed.substr(trimmed.rfind('/') + 1);
        for (const auto& df : e->directory_files) if (df.first == base) out.directory_file = df.second;
        return out;
      }
    }
    open_refused = read_only && entry_.precise_refuse;
    // The Node runtime allowance answers a read-only open it does not allow with EACCES.
    if (open_refused && entry_.node) {
      out.value = EACCES;
      return out;
    }
  }
  uint32_t err = 0;
  const Judged verdict = open_refused ? Judged::kViolation : Judge(call, &err);
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
    const auto key = std::make_pair(std::make_pair(process, call.nr), call.has_path ? AsJsString(call.path) : std::string());
    if (!probe->quiet && !entry_.quiet && probes_reported_.count(key) == 0) {
      probes_reported_.insert(key);
      std::string line = ReportLine(call);
      if (open && read_only) line = OpenNeeds(line, call);
      if (!probe->needs.empty()) {
        std::vector<std::string> first;
        for (const auto& p : probe->needs) if (!HasPromise(p)) first.push_back(p);
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
    const std::pair<double, int> key{process, call.nr};
    if (entry_.penalty_kill || reported_.count(key) == 0) {
      reported_.insert(key);
      std::string line = ReportLine(call);
      if (open && read_only) line = OpenNeeds(line, call);
      if (open && !read_only) line = PreferTmppath(line, call);
      WriteErr(line + "\n");
    }
  }
  out.value = entry_.penalty_kill ? -1 : static_cast<double>(entry_.errno_value);
  return out;
}

void NativeClient::Event(const SupervisorEvent& event) {
  if (event.kind == SupervisorEvent::kProcessExit && event.process != 0) {
    for (auto it = reported_.begin(); it != reported_.end();) {
      it = it->first == event.process ? reported_.erase(it) : std::next(it);
    }
    for (auto it = probes_reported_.begin(); it != probes_reported_.end();) {
      it = it->first.first == event.process ? probes_reported_.erase(it) : std::next(it);
    }
  }
  if (event.kind == SupervisorEvent::kLoaderTimeout && !entry_.quiet) {
    WriteErr("pledge: warning: " + file_ + " did not signal the end of its start-up within " +
             std::to_string(static_cast<long long>(event.timeout_ms)) + " ms; its start-up allowance ends now\n");
  }
}

}  // namespace seccomp_scopes
