// The /proc readers and the remote string reader (proc.h has the contract).

#include "proc.h"

#include "fd.h"
#include "kernel-structs.h"  // LinuxDirent64

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace seccomp_scopes {

bool ReadProcFileAt(int dirfd, const std::string& path, std::string* out) {
  out->clear();
  const int fd = openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Fd guard(fd);
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

std::string ReadProc(const std::string& path) {
  std::string out;
  ReadProcFileAt(AT_FDCWD, path, &out);
  return out;
}

std::string ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string StatusField(const std::string& status, const char* field) {
  const std::string text = "\n" + status;  // so that a field on the first line is found too
  const std::string key = std::string("\n") + field + ":";
  size_t at = text.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) at++;
  const size_t end = text.find('\n', at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

bool StatusMask(const std::string& status, const char* field, uint64_t* mask) {
  const std::string hex = StatusField(status, field);
  if (hex.empty()) return false;
  *mask = std::strtoull(hex.c_str(), nullptr, 16);
  return true;
}

bool ReadTaskSigBlk(int task_dir_fd, int tid, uint64_t* mask) {
  std::string status;
  if (!ReadProcFileAt(task_dir_fd, std::to_string(tid) + "/status", &status)) return false;
  return StatusMask(status, "SigBlk", mask);
}

pid_t TgidOf(pid_t tid) {
  const std::string tgid = StatusField(ReadProc("/proc/" + std::to_string(tid) + "/status"), "Tgid");
  return tgid.empty() ? tid : static_cast<pid_t>(std::stol(tgid));
}

int ThreadCount(pid_t pid) {
  const std::string threads = StatusField(ReadProc("/proc/" + std::to_string(pid) + "/status"), "Threads");
  return threads.empty() ? -1 : std::stoi(threads);
}

bool SignalIsFatal(pid_t tgid, pid_t tid, int sig) {
  const std::string proc = ReadProc("/proc/" + std::to_string(tgid) + "/status");
  const std::string task = ReadProc("/proc/" + std::to_string(tgid) + "/task/" + std::to_string(tid) + "/status");
  auto holds = [sig](const std::string& status, const char* field) {
    uint64_t mask = 0;
    return !StatusMask(status, field, &mask) || SignalInMask(mask, sig);  // unknown: assume it would not kill
  };
  return !holds(proc, "SigIgn") && !holds(proc, "SigCgt") && !holds(task, "SigBlk");
}

uint64_t StartTimeOf(pid_t pid) {
  const std::string stat = ReadProc("/proc/" + std::to_string(pid) + "/stat");
  // Field 2 (comm) is in parentheses and may hold anything: count from the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  size_t at = close + 1;
  for (int field = 3; field < 22; field++) {
    at = stat.find(' ', at + 1);
    if (at == std::string::npos) return 0;
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(stat.c_str() + at + 1, &end, 10);
  if (errno != 0 || end == stat.c_str() + at + 1) return 0;
  return static_cast<uint64_t>(v);
}

std::string CommOf(pid_t pid) {
  std::string comm = ReadProc("/proc/" + std::to_string(pid) + "/comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

bool HasChildProcesses(pid_t pid) {
  // A child made with clone(CLONE_VM|CLONE_FILES) shares the memory and the
  // descriptors a caller just looked at, and could swap them.
  const std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char c;
  const ssize_t n = read(fd, &c, 1);
  close(fd);
  return n != 0;
}

int ScanTasks(int task_dir_fd, std::vector<int>* out) {
  out->clear();
  if (lseek(task_dir_fd, 0, SEEK_SET) < 0) return errno;
  alignas(8) char buf[8192];
  for (;;) {
    const long n = syscall(SYS_getdents64, task_dir_fd, buf, sizeof(buf));
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<LinuxDirent64*>(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      out->push_back(std::atoi(d->d_name));
    }
  }
}

namespace {

// ReadRemoteString's loop; `*terminated`: whether the NUL was read.
bool ReadRemote(pid_t tid, uint64_t addr, std::string* out, bool* terminated) {
  *terminated = false;
  if (addr == 0) return false;
  char buf[4096];
  size_t got = 0;
  while (got < sizeof buf) {
    const uint64_t at = addr + got;
    size_t chunk = 4096 - static_cast<size_t>(at & 4095);
    if (chunk > sizeof buf - got) chunk = sizeof buf - got;
    struct iovec local = {buf + got, chunk};
    struct iovec remote = {reinterpret_cast<void*>(static_cast<uintptr_t>(at)), chunk};
    const ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) break;
    if (const void* nul = memchr(buf + got, 0, static_cast<size_t>(n))) {
      out->assign(buf, static_cast<const char*>(nul) - buf);
      *terminated = true;
      return true;
    }
    got += static_cast<size_t>(n);
  }
  if (got == 0) return false;
  out->assign(buf, got);
  return true;
}

}  // namespace

bool ReadRemoteString(pid_t tid, uint64_t addr, std::string* out) {
  bool terminated;
  return ReadRemote(tid, addr, out, &terminated);
}

int ReadRemotePath(pid_t tid, uint64_t addr, std::string* out) {
  bool terminated;
  std::string s;
  if (!ReadRemote(tid, addr, &s, &terminated)) return EFAULT;
  if (!terminated) return s.size() >= 4096 ? ENAMETOOLONG : EFAULT;
  *out = std::move(s);
  return 0;
}

}  // namespace seccomp_scopes
