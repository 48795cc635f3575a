// The monotonic clock, in milliseconds: deadlines and waits of the
// supervisor, the all-threads Landlock enforcement and the process lock.
#ifndef SECCOMP_SCOPES_LINUX_CLOCK_H_
#define SECCOMP_SCOPES_LINUX_CLOCK_H_

#include <time.h>

namespace seccomp_scopes {

// CLOCK_MONOTONIC in milliseconds (fractional): never goes back, not
// changed by settimeofday(2).
inline double MonotonicMs() {
  struct timespec ts = {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LINUX_CLOCK_H_
