// The io_uring replay: rings that existed before pledge() keep working for
// libuv's epoll_ctl batches without the kernel ever running a submission
// (ring-replay.cc has the design).
#ifndef SECCOMP_SCOPES_RING_REPLAY_H_
#define SECCOMP_SCOPES_RING_REPLAY_H_

#include <cstdint>

namespace seccomp_scopes {

// Called by the SIGSYS handler for a trapped io_uring_enter(2) with its six
// arguments. Returns true and stores the call's result (a count, or -errno)
// in *result when the call concerned an adopted ring; false when the
// descriptor is not one (the handler then treats it as any trapped call).
// Async-signal-safe.
bool ReplayRingEnter(const uint64_t args[6], long* result);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_RING_REPLAY_H_
