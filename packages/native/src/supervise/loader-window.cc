// The loader window (loader-window.h has the contract).
//
// A dynamic program cannot start under its promises alone: its loader maps
// and reads its libraries, looks at paths, and sets up the thread and
// signal state first. The window lets exactly that through, for the
// child's main thread, until the preload's marker (or an execve, or a
// timeout: supervisor.cc). Which calls, with which arguments, is the table
// from TypeScript (pledge-cli's LOADER_WINDOW_RULES, resolved for this
// arch: syscalls it lacks are simply not in it). Read-only opens are never
// let through: the supervisor performs them (OpenForChild) and hands the
// descriptor over with SECCOMP_IOCTL_NOTIF_ADDFD.

#include "loader-window.h"

#include "../linux/proc.h"          // ReadLink, ThreadCount, HasChildProcesses
#include "../preload/protocol.h"    // PLEDGE_MARKER_A, PLEDGE_MARKER_B

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace seccomp_scopes {
namespace {

// Whether every condition of an entry holds for the call.
bool Holds(const std::vector<WindowCondition>& when, const struct seccomp_data& d) {
  for (const WindowCondition& c : when) {
    const uint64_t v = d.args[c.arg] & c.mask;
    const bool in = std::find(c.values.begin(), c.values.end(), v) != c.values.end();
    if (in == c.negate) return false;
  }
  return true;
}

// Whether `path` (as the kernel resolved it) is one of the loader's files,
// or beneath one of its directories (entries that end with '/').
bool UnderLoaderPaths(const std::vector<std::string>& roots, const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  for (const auto& r : roots) {
    if (!r.empty() && r.back() == '/') {
      if (path.size() > r.size() && path.compare(0, r.size(), r) == 0) return true;
    } else if (path == r) {
      return true;
    }
  }
  return false;
}

// An executable mmap (the table has checked its protection and flags): only
// while the process has one thread and no child process (so that the
// descriptor looked at is the one the call will use), and only of a
// descriptor whose file is one of the loader's files.
bool MapsLoaderFile(const LoaderWindow& window, const struct seccomp_data& d, pid_t tid, pid_t child) {
  if (ThreadCount(child) != 1 || HasChildProcesses(child)) return false;
  const int fd = static_cast<int>(d.args[4]);  // mmap(addr, length, prot, flags, fd, offset)
  if (fd < 0) return false;
  const std::string file = ReadLink("/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd));
  return UnderLoaderPaths(window.paths, file);
}

}  // namespace

bool IsMarker(const struct seccomp_data& d) {
  return d.nr == SYS_getppid && d.args[0] == PLEDGE_MARKER_A && d.args[1] == PLEDGE_MARKER_B;
}

WindowAnswer WindowDecision(const LoaderWindow& window, const struct seccomp_data& d, pid_t tid, pid_t child) {
  if (d.nr < 0 || static_cast<size_t>(d.nr) >= window.rules.size()) return WindowAnswer::kNotMine;
  for (const WindowRule& rule : window.rules[static_cast<size_t>(d.nr)]) {
    if (!Holds(rule.when, d)) continue;
    switch (rule.action) {
      case WindowAction::kContinue: return WindowAnswer::kContinue;
      case WindowAction::kEmulateOpen: return WindowAnswer::kEmulateOpen;
      case WindowAction::kMapLoaderFile:
        return d.nr == SYS_mmap && MapsLoaderFile(window, d, tid, child) ? WindowAnswer::kContinue : WindowAnswer::kNotMine;
    }
  }
  return WindowAnswer::kNotMine;
}

OpenCall OpenCallOf(const struct seccomp_data& d) {
  OpenCall call = {AT_FDCWD, d.args[1], static_cast<uint32_t>(d.args[2])};
#ifdef SYS_open
  if (d.nr == SYS_open) {
    call.path_addr = d.args[0];
    call.flags = static_cast<uint32_t>(d.args[1]);
  } else
#endif
  {
    call.dirfd = static_cast<int>(d.args[0]);
  }
  return call;
}

// The path is opened here (O_PATH first, so nothing is opened for real
// before the checks), accepted only when the file it names is a regular
// file among the loader's files (as the kernel resolved it: /proc/self/fd),
// and then opened read-only. Whatever the child changes in its memory
// afterwards, it gets this file or nothing.
bool IsOpenCall(const struct seccomp_data& d) {
#ifdef SYS_open
  if (d.nr == SYS_open) return true;
#endif
  return d.nr == SYS_openat;
}

int OpenForChild(const OpenRules& rules, pid_t tid, const OpenCall& call, const std::string& raw) {
  const std::vector<std::string>& paths = rules.paths;
  std::string path = raw;
  if (rules.names_listed) {
    if (raw.empty() || raw[0] != '/' || HasDotComponent(raw)) return -EACCES;
    path = NormalizePath(raw);
    if (!UnderLoaderPaths(paths, path)) return -EACCES;
  }
  int base = -1;
  if (path[0] != '/') {
    // Relative to the child's working directory or directory descriptor.
    const std::string dir = "/proc/" + std::to_string(tid) + (call.dirfd == AT_FDCWD ? std::string("/cwd") : "/fd/" + std::to_string(call.dirfd));
    base = open(dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (base < 0) return -(call.dirfd == AT_FDCWD ? ENOENT : (errno == ENOTDIR ? ENOTDIR : EBADF));
  }
  int pfd = openat(base >= 0 ? base : AT_FDCWD, path.c_str(), O_PATH | O_CLOEXEC | (call.flags & (O_NOFOLLOW | O_DIRECTORY)));
  const int open_err = errno;
  if (base >= 0) close(base);
  if (pfd < 0) return -open_err;
  struct stat st;
  int err = 0;
  if (fstat(pfd, &st) != 0) err = errno;
  // A directory: the file named rules.directory_file inside it, if any
  // (never through a link), checked below like any other.
  if (err == 0 && S_ISDIR(st.st_mode) && !rules.directory_file.empty() && !(call.flags & O_DIRECTORY) &&
      rules.directory_file.find('/') == std::string::npos) {
    const int inner = openat(pfd, rules.directory_file.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW);
    const int inner_err = errno;
    close(pfd);
    if (inner < 0) return -inner_err;
    pfd = inner;
    if (fstat(pfd, &st) != 0) err = errno;
  }
  else if (S_ISLNK(st.st_mode)) err = ELOOP;
  else if (!S_ISREG(st.st_mode) && !(rules.devices && S_ISCHR(st.st_mode))) err = EACCES;
  const bool device = err == 0 && S_ISCHR(st.st_mode);
  // Only a device may be opened for writing (O_CREAT and O_TRUNC, no-ops on
  // an existing device, are not passed on: a shell's >/dev/null works).
  if (err == 0 && !device && (call.flags & (O_ACCMODE | O_CREAT | O_TRUNC)) != O_RDONLY) err = EACCES;
  if (err == 0 && device && (call.flags & O_ACCMODE) == O_ACCMODE) err = EACCES;
  std::string resolved;
  if (err == 0) {
    resolved = ReadLink("/proc/self/fd/" + std::to_string(pfd));
    // Never a file of /proc or /sys (they would name this supervisor, or the
    // system), whatever the lists say.
    if (resolved.compare(0, 6, "/proc/") == 0 || resolved.compare(0, 5, "/sys/") == 0) err = EACCES;
    else if (!UnderLoaderPaths(paths, resolved)) err = EACCES;
    // A device only when named one by one.
    else if (device && std::find(paths.begin(), paths.end(), resolved) == paths.end()) err = EACCES;
  }
  int fd = -1;
  if (err == 0) {
    const int mode = device ? static_cast<int>(call.flags & O_ACCMODE) : O_RDONLY;
    fd = open(("/proc/self/fd/" + std::to_string(pfd)).c_str(), mode | O_CLOEXEC | O_NOCTTY | (device ? (O_NONBLOCK | O_APPEND) & static_cast<int>(call.flags) : 0));
    if (fd < 0) err = errno;
  }
  // A file allowed through a directory (not named one by one: ld.so.cache,
  // ld.so.preload, the preload, LD_PRELOAD's) must be an ELF object: the
  // loader reads nothing else there.
  if (err == 0 && rules.elf_in_dirs && std::find(paths.begin(), paths.end(), resolved) == paths.end()) {
    unsigned char magic[4] = {0, 0, 0, 0};
    if (pread(fd, magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic) ||
        magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' || magic[3] != 'F') {
      close(fd);
      fd = -1;
      err = EACCES;
    }
  }
  close(pfd);
  return err != 0 ? -err : fd;
}

bool IsStatCall(const struct seccomp_data& d) {
#ifdef SYS_stat
  if (d.nr == SYS_stat || d.nr == SYS_lstat) return true;
#endif
  return d.nr == SYS_newfstatat || d.nr == SYS_statx;
}

StatCall StatCallOf(const struct seccomp_data& d) {
  StatCall call = {AT_FDCWD, d.args[0], d.args[1], 0, 0, false};
#ifdef SYS_stat
  if (d.nr == SYS_lstat) call.flags = AT_SYMLINK_NOFOLLOW;
  if (d.nr == SYS_stat || d.nr == SYS_lstat) return call;
#endif
  call.dirfd = static_cast<int>(d.args[0]);
  call.path_addr = d.args[1];
  if (d.nr == SYS_statx) {
    // statx(dirfd, path, flags, mask, buf)
    call.statx = true;
    call.flags = static_cast<uint32_t>(d.args[2]);
    call.mask = static_cast<uint32_t>(d.args[3]);
    call.buf_addr = d.args[4];
  } else {
    // newfstatat(dirfd, path, buf, flags)
    call.buf_addr = d.args[2];
    call.flags = static_cast<uint32_t>(d.args[3]);
  }
  return call;
}

int StatForChild(const std::vector<std::string>& paths, const StatCall& call, const std::string& path, std::string* out) {
  // The kernel's vfs_statx takes these for newfstatat too; statx alone refuses both sync bits (do_statx).
  const uint32_t known = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE;
  if ((call.flags & ~known) != 0) return EINVAL;
  if (call.statx && (call.flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return EINVAL;
  // By name first: nothing outside the list is looked up (not even whether it exists).
  // "." and "..": the kernel resolves them on what it finds (ENOTDIR after a file,
  // ENOENT after a missing directory), which a name alone cannot tell: refused.
  if (path.empty() || path[0] != '/' || HasDotComponent(path)) return EACCES;
  const std::string name = NormalizePath(path);
  if (std::find(paths.begin(), paths.end(), name) == paths.end()) return EACCES;
  const bool nofollow = (call.flags & AT_SYMLINK_NOFOLLOW) != 0;
  const int pfd = open(name.c_str(), O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
  if (pfd < 0) return errno;
  // Then as the kernel resolved it: a listed name renamed over, or a link, leads nowhere else.
  const std::string resolved = ReadLink("/proc/self/fd/" + std::to_string(pfd));
  int err = 0;
  if (resolved.compare(0, 6, "/proc/") == 0 || resolved.compare(0, 5, "/sys/") == 0 ||
      std::find(paths.begin(), paths.end(), resolved) == paths.end()) {
    err = EACCES;
  } else if (call.statx) {
    struct statx stx;
    std::memset(&stx, 0, sizeof stx);
    if (syscall(SYS_statx, pfd, "", AT_EMPTY_PATH | (call.flags & (AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_TYPE)), call.mask, &stx) != 0) err = errno;
    else out->assign(reinterpret_cast<const char*>(&stx), sizeof stx);
  } else {
    // The kernel's struct stat of this arch (newfstatat, stat and lstat fill the same one).
    struct stat st;
    std::memset(&st, 0, sizeof st);
    if (syscall(SYS_newfstatat, pfd, "", &st, AT_EMPTY_PATH | (call.flags & AT_STATX_SYNC_TYPE)) != 0) err = errno;
    else out->assign(reinterpret_cast<const char*>(&st), sizeof st);
  }
  close(pfd);
  return err;
}

bool HasDotComponent(const std::string& path) {
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    const size_t n = j - i;
    if ((n == 1 && path[i] == '.') || (n == 2 && path[i] == '.' && path[i + 1] == '.')) return true;
    i = j + 1;
  }
  return false;
}

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

std::string CanonicalPath(const std::string& path) {
  std::string out = NormalizePath(path);
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace seccomp_scopes
