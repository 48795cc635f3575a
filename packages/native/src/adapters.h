// The N-API adapters, each registering its exports on the addon's object
// (addon.cc calls them in this order). One per JavaScript module of
// src/*.ts; each is the only place its exports are converted from and to
// JavaScript values.
#ifndef SECCOMP_SCOPES_NATIVE_ADAPTERS_H_
#define SECCOMP_SCOPES_NATIVE_ADAPTERS_H_

#include <napi.h>

namespace seccomp_scopes {

void InitSeccomp(Napi::Env env, Napi::Object exports);        // seccomp.cc → seccomp.ts
void InitLandlock(Napi::Env env, Napi::Object exports);       // landlock/landlock-js.cc → landlock.ts
void InitUnveilState(Napi::Env env, Napi::Object exports);    // landlock/unveil-state.cc → unveil-state.ts
void InitSupervise(Napi::Env env, Napi::Object exports);      // supervise/supervise-js.cc → supervise.ts
void InitReporter(Napi::Env env, Napi::Object exports);       // report/reporter-js.cc → reporter.ts
void InitRingReplay(Napi::Env env, Napi::Object exports);     // ring-replay.cc → ring.ts
void InitProcessState(Napi::Env env, Napi::Object exports);   // process-state.cc → process-state.ts
void InitLearn(Napi::Env env, Napi::Object exports);          // learn.cc → learn.ts
void InitFirstCall(Napi::Env env, Napi::Object exports);      // first-call.cc → first-call.ts

// report/reporter-js.cc: installReporter(tables, options)'s body, for seccomp.cc's pledgeInstall (one call for the
// reporter, no_new_privs and the filter). Throws as installReporter does.
void InstallReporterFrom(Napi::Env env, Napi::Value tables, Napi::Value options);

// seccomp.cc: processFacts()'s result ({ seccompMode, personality?, fd1?, fd2? }), for first-call.cc. Throws the
// errno of prctl(PR_GET_SECCOMP).
Napi::Object ProcessFactsObject(Napi::Env env);

// ring-replay.cc: a scan of /proc/self (ring-replay.h ScanRings) as ringScan() returns it (ring.ts RingScan), for
// first-call.cc's firstCallLookup, which returns the scan it made when the cache does not answer.
struct RingScanResult;
Napi::Value RingScanToJs(Napi::Env env, const RingScanResult& scan);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_NATIVE_ADAPTERS_H_
