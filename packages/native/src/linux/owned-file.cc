// See owned-file.h.
#include "owned-file.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace seccomp_scopes {

std::string ParentDir(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t i = p.rfind('/');
  if (i == std::string::npos || i == 0) return "/";
  p.resize(i);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

bool LinksOnPath(const std::string& path, std::vector<std::pair<std::string, uid_t>>* links) {
  // Resolved as the kernel resolves it, one component at a time: `todo` holds the components left (last first),
  // `at` the resolved prefix (no links in it); a link's target is spliced in, ".." climbs the resolved prefix.
  std::vector<std::string> todo;
  auto push = [&todo](const std::string& p) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= p.size()) {
      const size_t j = p.find('/', i);
      const size_t end = j == std::string::npos ? p.size() : j;
      if (end > i) parts.emplace_back(p.substr(i, end - i));
      i = end + 1;
    }
    todo.insert(todo.end(), parts.rbegin(), parts.rend());
  };
  if (path.empty() || path[0] != '/') return false;
  push(path);
  std::string at;
  int followed = 0;
  while (!todo.empty()) {
    const std::string part = todo.back();
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      at = at.empty() ? at : ParentDir(at);
      if (at == "/") at.clear();
      continue;
    }
    const std::string next = at + "/" + part;
    struct stat st;
    if (lstat(next.c_str(), &st) != 0) return false;
    if (!S_ISLNK(st.st_mode)) {
      at = next;
      continue;
    }
    if (++followed > 40) return false;  // the kernel's limit (ELOOP)
    links->emplace_back(next, st.st_uid);
    std::vector<char> target(static_cast<size_t>(st.st_size > 0 ? st.st_size : PATH_MAX) + 1);
    const ssize_t n = readlink(next.c_str(), target.data(), target.size());
    if (n <= 0 || static_cast<size_t>(n) >= target.size()) return false;
    const std::string to(target.data(), static_cast<size_t>(n));
    if (to[0] == '/') at.clear();
    push(to);
  }
  return true;
}

bool TrustedAncestors(const std::string& dir) {
  const uid_t euid = geteuid();
  // Every link met on the way is the user's or root's: stat() below follows links, and a link's owner (another
  // user's link in /tmp, which protected_symlinks may not stop) could point it at any directory of ours.
  std::vector<std::pair<std::string, uid_t>> links;
  if (!LinksOnPath(dir, &links)) return false;
  for (const auto& link : links) {
    if (link.second != euid && link.second != 0) return false;
  }
  auto above = [euid](const std::string& start) {
    for (std::string d = ParentDir(start);; d = ParentDir(d)) {
      struct stat st;
      if (stat(d.c_str(), &st) != 0) return false;
      if ((st.st_uid != euid && st.st_uid != 0) || ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)) return false;
      if (d == "/") return true;
    }
  };
  char real[PATH_MAX];
  return above(dir) && realpath(dir.c_str(), real) != nullptr && above(real);
}

std::string ReadOwned(const std::string& dir, const std::string& name, size_t max_bytes, std::vector<uint8_t>* out) {
  // The files are trusted as the effective user's, and the entries are keyed by the real user (pledge()'s) or both
  // (the command's): a process whose ids differ (root acting as another user with seteuid, or able to become root
  // again through its saved id) would take that user's files as its own policy.
  uid_t ruid, euid, suid;
  if (getresuid(&ruid, &euid, &suid) != 0 || ruid != euid || suid != euid) {
    return "refused: the real, effective and saved user ids differ (the entries would be another user's files)";
  }
  struct stat st;
  // The directory is opened once (not a link) and the entry opened in it:
  // what was checked is what is read, whatever is renamed meanwhile.
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return errno == ENOENT ? "miss: no cache directory" : "refused: the cache directory is not the user's own (a link, another owner, or writable by group or others)";
  if (fstat(dfd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != euid || (st.st_mode & 022) != 0 || !TrustedAncestors(dir)) {
    close(dfd);
    return "refused: the cache directory is not the user's own (a link, another owner, writable by group or others, or under a directory another user can change)";
  }
  const int fd = openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  close(dfd);
  if (fd < 0) return errno == ENOENT ? "miss: no entry" : errno == ELOOP ? "refused: the entry is a symbolic link" : "refused: the entry cannot be opened";
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != euid || (st.st_mode & 022) != 0 || static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return "refused: the entry is not the user's own regular file (another owner, or writable by group or others)";
  }
  out->resize(static_cast<size_t>(st.st_size));
  size_t off = 0;
  while (off < out->size()) {
    const ssize_t n = read(fd, out->data() + off, out->size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(fd);
  if (off != out->size()) return "refused: short read";
  return "";
}

}  // namespace seccomp_scopes
