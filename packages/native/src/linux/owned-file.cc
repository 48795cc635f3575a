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

bool TrustedAncestors(const std::string& dir) {
  const uid_t euid = geteuid();
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
  const uid_t euid = geteuid();
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
