// The numbers that name the supervised processes to JavaScript
// (SupervisedCall.process): never reused, each process held by a pidfd so
// that its end is seen and a later process that gets its pid is told
// apart. Plain C++, no N-API.
#ifndef SECCOMP_SCOPES_SUPERVISE_PROCESS_NAMES_H_
#define SECCOMP_SCOPES_SUPERVISE_PROCESS_NAMES_H_

#include <sys/types.h>

#include <map>
#include <utility>
#include <vector>

namespace seccomp_scopes {

class ProcessNames {
 public:
  ProcessNames() = default;
  ~ProcessNames();
  ProcessNames(const ProcessNames&) = delete;
  ProcessNames& operator=(const ProcessNames&) = delete;

  // The number of process `tgid`, whose thread has a call pending (the
  // caller checks it still is afterwards, with ID_VALID): a tracked process
  // that has not ended holds its pid, so it is this one; otherwise a pidfd
  // is opened now, while the pid is held by the waiting caller. 0: unknown
  // (pidfd_open failed, e.g. EMFILE).
  double Identify(pid_t tgid);

  // Drops the tracked processes that have ended and returns them (pid,
  // number), so that JavaScript is told before any call of a process that
  // may have got one of their pids.
  std::vector<std::pair<pid_t, double>> ForgetEnded();

 private:
  struct Tracked {
    int pidfd;
    double id;
  };
  std::map<pid_t, Tracked> tracked_;
  double next_id_ = 1;
};

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_SUPERVISE_PROCESS_NAMES_H_
