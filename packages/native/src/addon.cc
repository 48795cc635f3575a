// seccomp-scopes native addon: the module's entry point, and nothing else.
//
// The addon holds the parts of pledge() and unveil() that need the kernel
// or must run where JavaScript cannot (a signal handler, a forked child):
// thin syscall wrappers (seccomp.cc, landlock/landlock-js.cc), and the
// mechanisms behind the SIGSYS reporter (report/), the `pledge` command's
// launcher and supervisor (supervise/), Landlock on every thread
// (landlock/threads.cc), the io_uring replay (ring-replay.cc), the
// process-wide state every JS realm shares (process-state.cc,
// landlock/unveil-state.cc), the marker of `pledge learn` (learn.cc) and
// pledge()'s first call from its cache entry (first-call.cc). Those mechanisms are plain C++ over the shared
// Linux layer (linux/); each feature has one N-API adapter, registered
// here, and one TypeScript module (src/*.ts) that types its exports.

#include <napi.h>

#include "adapters.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  seccomp_scopes::InitSeccomp(env, exports);
  seccomp_scopes::InitLandlock(env, exports);
  seccomp_scopes::InitUnveilState(env, exports);
  seccomp_scopes::InitSupervise(env, exports);
  seccomp_scopes::InitReporter(env, exports);
  seccomp_scopes::InitRingReplay(env, exports);
  seccomp_scopes::InitProcessState(env, exports);
  seccomp_scopes::InitLearn(env, exports);
  seccomp_scopes::InitFirstCall(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(seccomp_scopes_native, Init)
