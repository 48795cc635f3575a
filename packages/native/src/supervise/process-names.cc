// Naming the supervised processes (process-names.h has the contract).

#include "process-names.h"

#include "../syscall-fallbacks.h"  // SYS_pidfd_open

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace seccomp_scopes {

ProcessNames::~ProcessNames() {
  for (auto& t : tracked_) close(t.second.pidfd);
}

double ProcessNames::Identify(pid_t tgid) {
  auto it = tracked_.find(tgid);
  if (it != tracked_.end()) return it->second.id;
  const long fd = syscall(SYS_pidfd_open, tgid, 0);
  if (fd < 0) return 0;  // (pidfds are close-on-exec)
  const double id = next_id_++;
  tracked_[tgid] = {static_cast<int>(fd), id};
  return id;
}

std::vector<std::pair<pid_t, double>> ProcessNames::ForgetEnded() {
  std::vector<std::pair<pid_t, double>> ended;
  if (tracked_.empty()) return ended;
  std::vector<struct pollfd> p;
  std::vector<pid_t> pids;
  p.reserve(tracked_.size());
  for (const auto& t : tracked_) {
    p.push_back({t.second.pidfd, POLLIN, 0});
    pids.push_back(t.first);
  }
  int n;
  do n = poll(p.data(), p.size(), 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return ended;
  for (size_t i = 0; i < p.size(); i++) {
    if (p[i].revents == 0) continue;
    auto it = tracked_.find(pids[i]);
    ended.emplace_back(it->first, it->second.id);
    close(it->second.pidfd);
    tracked_.erase(it);
  }
  return ended;
}

}  // namespace seccomp_scopes
