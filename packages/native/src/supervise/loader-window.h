// The loader window of the `pledge` command: what a dynamic program's
// start-up (the dynamic loader, the C library's initialisation, the
// constructors run before the preload's) may do beyond its promises, from
// its execve until the preload's marker. Plain C++, no N-API; the
// supervisor (supervisor.cc) asks it about each call of the child's main
// thread during the window. What the window allows is data from
// TypeScript (@seccomp-scopes/pledge-cli loader-window.ts,
// LOADER_WINDOW_RULES, each entry with its reason, resolved per syscall
// number); this file holds only the mechanisms: matching the table, the
// read-only open the supervisor performs, the executable-mapping check.
// docs/cli.md lists the window in prose.
#ifndef SECCOMP_SCOPES_SUPERVISE_LOADER_WINDOW_H_
#define SECCOMP_SCOPES_SUPERVISE_LOADER_WINDOW_H_

#include <linux/seccomp.h>  // struct seccomp_data
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace seccomp_scopes {

// The window's answer for a call of the child's main thread `tid`
// (process `child`).
enum class WindowAnswer {
  kNotMine,      // not the window's: the policy in JavaScript decides
  kContinue,     // let it run (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
  kEmulateOpen,  // a read-only open: the supervisor performs it (OpenForChild)
};

// What an entry of the window's table does with a call it matches
// (@seccomp-scopes/pledge-cli loader-window.ts WindowAnswer; the numbers
// are its ANSWER_CODES).
enum class WindowAction {
  kContinue = 1,       // let it run
  kEmulateOpen = 2,    // perform the read-only open (OpenForChild)
  kMapLoaderFile = 3,  // let an executable mmap run only of a loader file, one thread, no child process
};

// `(args[arg] & mask)` is one of `values` (none of them when `negate`).
struct WindowCondition {
  int arg = 0;
  uint64_t mask = ~uint64_t{0};
  std::vector<uint64_t> values;
  bool negate = false;
};

// One entry: when every condition holds, `action`.
struct WindowRule {
  WindowAction action = WindowAction::kContinue;
  std::vector<WindowCondition> when;
};

// What the window allows, given from TypeScript.
struct LoaderWindow {
  // The loader's files and directories ('/'-terminated), as realpath(3)
  // spells them: what the window's read-only opens and PROT_EXEC mappings
  // may reach.
  std::vector<std::string> paths;
  // Per syscall number, the entries of pledge-cli's LOADER_WINDOW_RULES
  // resolved for this arch, in order: the first whose conditions hold
  // answers; none (or a number past the end): not the window's.
  std::vector<std::vector<WindowRule>> rules;
};

// Whether the call is the preload's marker (preload/protocol.h), which
// ends the window.
bool IsMarker(const struct seccomp_data& d);

WindowAnswer WindowDecision(const LoaderWindow& window, const struct seccomp_data& d, pid_t tid, pid_t child);

// A read-only open's arguments (open or openat).
struct OpenCall {
  int dirfd;           // AT_FDCWD for open
  uint64_t path_addr;  // in the child
  uint32_t flags;
};
OpenCall OpenCallOf(const struct seccomp_data& d);

// Opens `path` (read once from the child) for the child's open `call`,
// over `rules` (the loader window's: its paths, ELF objects in directories;
// the command's path exceptions: no ELF check, devices named one by one),
// relative to the child's working directory or directory descriptor:
// only a regular file among the window's paths, never under /proc or
// /sys, and an ELF object unless named one by one. Returns a read-only
// descriptor (close-on-exec) to hand over, or -errno.
struct OpenRules {
  const std::vector<std::string>& paths;  // files, or directories ending in '/'
  bool elf_in_dirs;  // a file reached through a directory must be an ELF object (the loader's)
  bool devices;      // a character device named one by one (/dev/null, /dev/tty) may be opened, with the call's access mode
  // When the path names a directory: the file of this name inside it is
  // opened instead (checked the same way), or nothing when empty. glibc's
  // C.utf8 locale keeps LC_MESSAGES as a directory holding SYS_LC_MESSAGES,
  // the same data glibc reads when LC_MESSAGES is a file; a directory
  // itself is never handed over.
  std::string directory_file = std::string();
  // The path must be absolute and its name (NormalizePath: nothing looked
  // up) one of `paths` or beneath one, before anything is looked up; the
  // name is what is opened. The command's path exceptions: a name swapped
  // in after the client's check is refused (EACCES) without being looked
  // up, so its ENOENT cannot tell the program whether a path exists. A
  // "." or ".." component is refused too (HasDotComponent).
  bool names_listed = false;
};
int OpenForChild(const OpenRules& rules, pid_t tid, const OpenCall& call, const std::string& path);

// Whether the call is open or openat (of this arch).
bool IsOpenCall(const struct seccomp_data& d);

// A stat-family call's arguments (newfstatat, statx, and on x86_64 stat
// and lstat): the calls the `pledge` command's supervisor may perform for
// a program (path-exceptions.ts decideStat: `dns` and `getpw` reaching
// their files' metadata only).
struct StatCall {
  int dirfd;           // AT_FDCWD for stat and lstat
  uint64_t path_addr;  // in the child
  uint64_t buf_addr;   // struct stat, or struct statx, in the child
  uint32_t flags;      // AT_* (lstat: AT_SYMLINK_NOFOLLOW)
  uint32_t mask;       // statx only: STATX_*
  bool statx;
};
bool IsStatCall(const struct seccomp_data& d);
StatCall StatCallOf(const struct seccomp_data& d);

// Performs the stat `call` for the child, of `path` (read once from the
// child): only an absolute path whose name (NormalizePath, nothing looked
// up) is one of `paths`, resolved here (O_PATH; O_NOFOLLOW for lstat and
// AT_SYMLINK_NOFOLLOW; a "." or ".." component refused) to a file that, as the kernel resolved it
// (/proc/self/fd), is one of `paths` too, never under /proc or /sys; then
// that file's metadata, as the kernel's own struct (stat, or statx with the
// call's mask and sync flags), in `out`. Returns 0, or the errno of the
// check (EACCES), of the lookup of a listed name (ENOENT...), or of bad
// flags (EINVAL). What the child changes in its memory afterwards, or
// which file it renames over a listed name, cannot make it another path's.
int StatForChild(const std::vector<std::string>& paths, const StatCall& call, const std::string& path, std::string* out);

// Whether `path` has a "." or ".." component: the calls the supervisor
// performs by a listed name refuse it (EACCES), as the kernel would
// resolve it on the files it finds, not on the name.
bool HasDotComponent(const std::string& path);

// `path` (absolute) as Node's path.posix.normalize spells it (by name:
// nothing is looked up; a trailing slash is kept).
std::string NormalizePath(const std::string& path);

// core's canonicalPath: without `//`, `/./`, `/../` and a trailing slash, always absolute.
std::string CanonicalPath(const std::string& path);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_LOADER_WINDOW_H_
