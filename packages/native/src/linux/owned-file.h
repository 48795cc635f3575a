// Reading a file of the user's own from a cache directory no other user can
// change: the rule of the `pledge` command's policy cache (read by the
// native launcher, src/launch/main.cc) and of pledge()'s cache of compiled
// output (read by the addon, report/reporter-js.cc readOwnedFile), the same
// rule as @seccomp-scopes/pledge src/filter-cache.ts trustedCacheDir and
// readOwnFile apply where the addon is not used (writes, an older build).
// Plain C++.
#ifndef SECCOMP_SCOPES_LINUX_OWNED_FILE_H_
#define SECCOMP_SCOPES_LINUX_OWNED_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace seccomp_scopes {

// The directory above `p` ("/" for "/" and its children).
std::string ParentDir(std::string p);

// The symbolic links met resolving the absolute `path` as the kernel does
// (named ones, and those their targets lead through), each with its owner,
// appended to `links`. False when a component cannot be examined (lstat,
// readlink) or more than 40 links are met.
bool LinksOnPath(const std::string& path, std::vector<std::pair<std::string, uid_t>>* links);

// Whether no other user can change what `dir` leads to: every symbolic
// link met resolving it (LinksOnPath) is the effective user's or root's,
// and every directory above it, as named and as it resolves (realpath),
// is the effective user's or root's and not writable by group or others
// unless sticky (/tmp). The owner of any directory further up (XDG_CACHE_HOME named
// under it) could otherwise link it to any directory of ours, one holding
// files of ours with someone else's bytes (an unpacked archive).
bool TrustedAncestors(const std::string& dir);

// Reads `dir`/`name` into `out` if it is ours, for a process whose real,
// effective and saved user ids are one (else refused): a regular file (not a
// link) of at most `max_bytes`, owned by the effective user, not writable
// by group or others, in a directory of the same kind (not a link either)
// that no other user can replace (TrustedAncestors). Returns "" or why it
// was not read: "miss: ..." (no directory, no entry) or "refused: ...".
std::string ReadOwned(const std::string& dir, const std::string& name, size_t max_bytes, std::vector<uint8_t>* out);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_OWNED_FILE_H_
