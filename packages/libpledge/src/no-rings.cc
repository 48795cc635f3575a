// libpledge's side of the SIGSYS handler's io_uring replay hook
// (native/src/ring-replay.h): a C program's filters adopt no io_uring
// instance (its io_uring_* calls answer ENOSYS under every promise set, core's
// FALLBACK_RULES), so no trapped io_uring_enter is ever a replay. The Node
// addon links ring-replay.cc instead.
#include "../../native/src/ring-replay.h"

namespace seccomp_scopes {

bool ReplayRingEnter(const uint64_t args[6], long* result) {
  (void)args;
  (void)result;
  return false;
}

}  // namespace seccomp_scopes
