// The loader window of the `pledge` command: what a dynamic program's
// start-up (the dynamic loader, the C library's initialisation, the
// constructors run before the preload's) may do beyond its promises, from
// its execve until the preload's marker. Plain C++, no N-API; the
// supervisor (supervisor.cc) asks it about each call of the child's main
// thread during the window. docs/cli.md lists the window in prose.
#ifndef SECCOMP_SCOPES_SUPERVISE_LOADER_WINDOW_H_
#define SECCOMP_SCOPES_SUPERVISE_LOADER_WINDOW_H_

#include <linux/seccomp.h>  // struct seccomp_data
#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace seccomp_scopes {

// What the window allows that is given from TypeScript.
struct LoaderWindow {
  // The loader's files and directories ('/'-terminated), as realpath(3)
  // spells them: what the window's read-only opens and PROT_EXEC mappings
  // may reach.
  std::vector<std::string> paths;
  // madvise advice allowed in the window: stdio's (from the core catalog).
  std::set<uint32_t> madvise;
};

// Whether the call is the preload's marker (preload/protocol.h), which
// ends the window.
bool IsMarker(const struct seccomp_data& d);

// The window's answer for a call of the child's main thread `tid`
// (process `child`).
enum class WindowAnswer {
  kNotMine,      // not the window's: the policy in JavaScript decides
  kContinue,     // let it run (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
  kEmulateOpen,  // a read-only open: the supervisor performs it (OpenForChild)
};
WindowAnswer WindowDecision(const LoaderWindow& window, const struct seccomp_data& d, pid_t tid, pid_t child);

// A read-only open's arguments (open or openat).
struct OpenCall {
  int dirfd;           // AT_FDCWD for open
  uint64_t path_addr;  // in the child
  uint32_t flags;
};
OpenCall OpenCallOf(const struct seccomp_data& d);

// Opens `path` (read once from the child) for the child's open `call`,
// relative to the child's working directory or directory descriptor:
// only a regular file among the window's paths, never under /proc or
// /sys, and an ELF object unless named one by one. Returns a read-only
// descriptor (close-on-exec) to hand over, or -errno.
int OpenForChild(const LoaderWindow& window, pid_t tid, const OpenCall& call, const std::string& path);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_LOADER_WINDOW_H_
