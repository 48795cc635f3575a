// An entry of the `pledge` command's policy cache, as the native launcher
// reads it: the compiled output of one policy, written by
// @seccomp-scopes/pledge-cli src/policy-cache.ts (its layout is described
// there; the two change together, kEntryFormat and its ENTRY_FORMAT). Plain C++.
#ifndef SECCOMP_SCOPES_LAUNCH_POLICY_ENTRY_H_
#define SECCOMP_SCOPES_LAUNCH_POLICY_ENTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "../supervise/loader-window.h"  // LoaderWindow

namespace seccomp_scopes {

// The format the launcher asks for and accepts (bumped whenever the layout
// or the meaning of a field changes).
constexpr const char* kEntryFormat = "pledge-launch/12";

// A fact the entry was computed from, checked again before it is used.
struct EntryDep {
  enum Kind { kStat = 1, kReal = 2 } kind = kStat;
  std::string path;
  uint64_t dev = 0, ino = 0, size = 0, mtime_ns = 0, ctime_ns = 0;  // kStat (all 0: absent)
  std::string real;                                                 // kReal ("": does not resolve)
};

// A compiled output with the positions where the pid goes.
struct PidTemplate {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> slots;  // filters: instruction indices (their k); tables: indices of u32 words (core's pidTemplate)
};

// One of core's PATH_EXCEPTIONS.
struct EntryException {
  std::string path;  // a file, or a directory ending in '/'
  bool read_write = false;
  std::vector<std::string> requires_;
  // A directory of this name beneath it is answered with the file of the
  // given name inside it (core's directoryFiles: C.utf8's LC_MESSAGES).
  std::vector<std::pair<std::string, std::string>> directory_files;
};

// One of core's PATH_PROBES: a refused call answered with an errno.
struct EntryProbe {
  std::vector<uint32_t> nrs;
  bool has_path = false;
  std::string path;     // absolute, or "~/..." (under $HOME)
  int access = 0;       // 0: any, 1: read, 2: read-write (open/openat only)
  uint32_t errno_value = 0;
  std::string errno_name;
  bool quiet = false;
  std::vector<std::string> needs;
};

struct PolicyEntry {
  std::string key, format, arch;
  std::vector<EntryDep> deps;
  std::string file;
  bool loader = false;
  uint32_t loader_timeout_ms = 10000;
  // The inspected program's identity (SuperviseConfig::program_dev/ino):
  // the loader window is granted only to that file.
  bool has_program_identity = false;
  uint64_t program_dev = 0, program_ino = 0;
  std::vector<std::string> messages;
  bool has_preload = false;
  std::string preload;
  PidTemplate filter, judge, tables;
  bool penalty_kill = true;
  uint32_t errno_value = 1;
  bool quiet = false;
  std::vector<std::string> promises;
  std::vector<int8_t> path_args;
  LoaderWindow window;  // paths and rules
  bool exceptions_active = false;  // no rpath: the read-only path exceptions are performed by the supervisor (a write one always is)
  bool precise_refuse = false;     // dns or getpw without rpath: other read-only opens are refused
  std::vector<EntryException> exceptions;
  std::vector<std::string> open_paths;
  // path-exceptions.ts decideStat: the stat-family syscalls (numbers) only
  // dns or getpw allow under these promises, and the paths they may stat.
  std::vector<uint32_t> precise_stat;
  std::vector<std::string> stat_paths;
  // preciseFstatsFor: of precise_stat, those no other promise allows in any
  // shape (no stdio): fstat's shape (a descriptor, AT_EMPTY_PATH) is checked
  // by its path too, not left to the judge.
  std::vector<uint32_t> precise_fstat;
  std::vector<std::vector<EntryException>> needs_groups;  // dns, getpw, tty
  // withStatNeeds: per path-precise promise, the paths it may stat.
  std::vector<std::pair<std::string, std::vector<std::string>>> stat_groups;
  // path-exceptions.ts preciseStatSyscalls: the stat syscalls (numbers) dns
  // or getpw allow on a path; a refused one's report is path-precise.
  std::vector<uint32_t> stat_syscalls;
  std::vector<EntryProbe> probes;
  // --node: the program is Node.js (path-exceptions.ts NODE_START_FILES,
  // read-only, after the exceptions; a refused read-only open gets EACCES).
  bool node = false;
  std::vector<std::string> node_start_files;
  // -e: what a process that called execve since the launch is judged by
  // (pledge-cli policy.ts: the execpromises' judge filter, their report
  // tables, path exceptions and flags). The kernel filter is theirs already.
  struct Set {
    PidTemplate judge, tables;
    std::vector<std::string> promises;
    bool exceptions_active = false, precise_refuse = false;
    std::vector<EntryException> exceptions;
    std::vector<std::string> open_paths;
    std::vector<uint32_t> precise_stat;
    std::vector<std::string> stat_paths;
    std::vector<uint32_t> precise_fstat;
  };
  bool has_after = false;
  Set after;
};

// Parses and checks `bytes` (magic, format, checksum, every length).
// Returns "" or what is wrong.
std::string ParsePolicyEntry(const std::vector<uint8_t>& bytes, PolicyEntry* out);

// FNV-1a, 64 bits (the entry's checksum and its file name).
uint64_t Fnv1a64(const uint8_t* data, size_t size);

// Writes `pid` into a copy of the template's slots (`filter`: 8-byte
// instructions, the k at byte 4; else u32 words), as core's fillPidTemplate.
// The template holds for pids 2 to 4194303 (PID_MAX_LIMIT - 1): every pid.
std::vector<uint8_t> WithPid(const PidTemplate& t, uint32_t pid, bool filter);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LAUNCH_POLICY_ENTRY_H_
