// The loader window (loader-window.h has the contract).
//
// A dynamic program cannot start under its promises alone: its loader maps
// and reads its libraries, looks at paths, and sets up the thread and
// signal state first. The window lets exactly that through, for the
// child's main thread, until the preload's marker (or an execve, or a
// timeout: supervisor.cc); nothing that writes, creates, executes,
// connects or signals another process. Read-only opens are never let
// through: the supervisor performs them (OpenForChild) and hands the
// descriptor over with SECCOMP_IOCTL_NOTIF_ADDFD.
//
// The syscall-name tests (#ifdef SYS_open, SYS_stat, ...) follow each
// architecture's table: calls it lacks (aarch64 has no open or stat) drop
// out by themselves.

#include "loader-window.h"

#include "../linux/proc.h"          // ReadLink, ThreadCount, HasChildProcesses
#include "../preload/protocol.h"    // PLEDGE_MARKER_A, PLEDGE_MARKER_B
#include "../syscall-fallbacks.h"   // SYS_landlock_restrict_self

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace seccomp_scopes {
namespace {

// O_TMPFILE without O_DIRECTORY, as the kernel spells it (glibc's
// __O_TMPFILE includes O_DIRECTORY).
constexpr uint64_t kTmpfileBit = 020000000;

bool ReadOnlyOpenFlags(uint64_t flags) {
  return (flags & (O_ACCMODE | O_CREAT | O_TRUNC | kTmpfileBit)) == O_RDONLY;
}

// What the window lets through is decided in WindowDecision: the dynamic
// loader (and the C library's start-up, and the constructors
// initialised before the preload's) may map and read its libraries, look at
// paths, and set up the thread and signal state; nothing that writes,
// creates, executes, connects or signals another process.
//
// Calls decided on their registers alone (CONTINUE is safe for them):
bool LoaderAllowsByRegisters(const struct seccomp_data& d) {
  const long nr = d.nr;
  switch (nr) {
    case SYS_prlimit64: return d.args[2] == 0;  // reading a limit only
    case SYS_fcntl: {
      const uint32_t cmd = static_cast<uint32_t>(d.args[1]);
      return cmd == F_GETFD || cmd == F_SETFD || cmd == F_GETFL || cmd == F_DUPFD_CLOEXEC;
    }
    case SYS_ioctl: return static_cast<uint32_t>(d.args[1]) == TCGETS;  // isatty()
    case SYS_getppid: return !IsMarker(d);
    case SYS_read: case SYS_pread64: case SYS_readv: case SYS_close: case SYS_lseek:
    case SYS_fstat: case SYS_newfstatat: case SYS_statx: case SYS_faccessat:
    case SYS_readlinkat: case SYS_getcwd:
#ifdef SYS_stat
    case SYS_stat: case SYS_lstat: case SYS_access: case SYS_readlink:
#endif
#ifdef SYS_faccessat2
    case SYS_faccessat2:
#endif
    case SYS_munmap: case SYS_brk: case SYS_mremap:
#ifdef SYS_arch_prctl
    case SYS_arch_prctl:
#endif
    case SYS_set_tid_address: case SYS_set_robust_list: case SYS_rseq: case SYS_getrandom: case SYS_futex:
    case SYS_rt_sigaction: case SYS_rt_sigprocmask: case SYS_sigaltstack:
    case SYS_getpid: case SYS_gettid: case SYS_getuid: case SYS_geteuid: case SYS_getgid: case SYS_getegid:
    case SYS_uname: case SYS_sched_getaffinity: case SYS_sched_yield: case SYS_clock_gettime:
    case SYS_gettimeofday:
#ifdef SYS_getrlimit
    case SYS_getrlimit:
#endif
    case SYS_landlock_restrict_self:  // the preload entering the unveil domain: only restricts
      return true;
    default:
      return false;
  }
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

}  // namespace

bool IsMarker(const struct seccomp_data& d) {
  return d.nr == SYS_getppid && d.args[0] == PLEDGE_MARKER_A && d.args[1] == PLEDGE_MARKER_B;
}

WindowAnswer WindowDecision(const LoaderWindow& window, const struct seccomp_data& d, pid_t tid, pid_t child) {
  const long nr = d.nr;
#ifdef SYS_open
  if (nr == SYS_open) return ReadOnlyOpenFlags(d.args[1] & 0xffffffffU) ? WindowAnswer::kEmulateOpen : WindowAnswer::kNotMine;
#endif
  if (nr == SYS_openat) return ReadOnlyOpenFlags(d.args[2] & 0xffffffffU) ? WindowAnswer::kEmulateOpen : WindowAnswer::kNotMine;
  if (nr == SYS_madvise) {
    return window.madvise.count(static_cast<uint32_t>(d.args[2])) ? WindowAnswer::kContinue : WindowAnswer::kNotMine;
  }
  if (nr == SYS_mmap || nr == SYS_mprotect) {
    const uint32_t prot = static_cast<uint32_t>(d.args[2]);
    if ((prot & PROT_EXEC) == 0) return WindowAnswer::kContinue;
    // Executable memory only for the loader's own files: never writable at
    // the same time, never anonymous, and only while the process has one
    // thread and no child process (so that the descriptor we looked at is
    // the one the call will use).
    if ((prot & PROT_WRITE) != 0 || ThreadCount(child) != 1 || HasChildProcesses(child)) return WindowAnswer::kNotMine;
    // mprotect(PROT_EXEC) is never let through: pages of a loader file mapped
    // writable and private may have been rewritten since (text relocations and
    // executable stacks are refused with it; the loader needs neither for
    // ordinary libraries).
    if (nr == SYS_mprotect) return WindowAnswer::kNotMine;
    if (nr == SYS_mmap) {
      const uint32_t flags = static_cast<uint32_t>(d.args[3]);
      const int fd = static_cast<int>(d.args[4]);
      if ((flags & MAP_ANONYMOUS) != 0 || fd < 0) return WindowAnswer::kNotMine;
      const std::string file = ReadLink("/proc/" + std::to_string(tid) + "/fd/" + std::to_string(fd));
      return UnderLoaderPaths(window.paths, file) ? WindowAnswer::kContinue : WindowAnswer::kNotMine;
    }
    return WindowAnswer::kNotMine;
  }
  return LoaderAllowsByRegisters(d) ? WindowAnswer::kContinue : WindowAnswer::kNotMine;
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
int OpenForChild(const LoaderWindow& window, pid_t tid, const OpenCall& call, const std::string& path) {
  int base = -1;
  if (path[0] != '/') {
    // Relative to the child's working directory or directory descriptor.
    const std::string dir = "/proc/" + std::to_string(tid) + (call.dirfd == AT_FDCWD ? std::string("/cwd") : "/fd/" + std::to_string(call.dirfd));
    base = open(dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (base < 0) return -(call.dirfd == AT_FDCWD ? ENOENT : (errno == ENOTDIR ? ENOTDIR : EBADF));
  }
  const int pfd = openat(base >= 0 ? base : AT_FDCWD, path.c_str(), O_PATH | O_CLOEXEC | (call.flags & (O_NOFOLLOW | O_DIRECTORY)));
  const int open_err = errno;
  if (base >= 0) close(base);
  if (pfd < 0) return -open_err;
  struct stat st;
  int err = 0;
  if (fstat(pfd, &st) != 0) err = errno;
  else if (S_ISLNK(st.st_mode)) err = ELOOP;
  else if (!S_ISREG(st.st_mode)) err = EACCES;
  std::string resolved;
  if (err == 0) {
    resolved = ReadLink("/proc/self/fd/" + std::to_string(pfd));
    // Never a file of /proc or /sys (they would name this supervisor, or the
    // system), whatever the lists say.
    if (resolved.compare(0, 6, "/proc/") == 0 || resolved.compare(0, 5, "/sys/") == 0) err = EACCES;
    else if (!UnderLoaderPaths(window.paths, resolved)) err = EACCES;
  }
  int fd = -1;
  if (err == 0) {
    fd = open(("/proc/self/fd/" + std::to_string(pfd)).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) err = errno;
  }
  // A file allowed through a directory (not named one by one: ld.so.cache,
  // ld.so.preload, the preload, LD_PRELOAD's) must be an ELF object: the
  // loader reads nothing else there.
  if (err == 0 && std::find(window.paths.begin(), window.paths.end(), resolved) == window.paths.end()) {
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

}  // namespace seccomp_scopes
