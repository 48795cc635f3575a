// Runs a classic BPF seccomp filter over one call's seccomp_data, as the
// kernel would (for the launcher's native client, which judges the calls
// the supervised filter sends it with the judge filter the command
// compiled: pledge-cli policy.ts does the same with core's simulate()).
// Plain C++. Semantics: the kernel's net/core/filter.c (classic BPF) and
// kernel/seccomp.c (seccomp_check_filter: the instructions a seccomp
// filter may hold).
#ifndef SECCOMP_SCOPES_LAUNCH_BPF_RUN_H_
#define SECCOMP_SCOPES_LAUNCH_BPF_RUN_H_

#include <linux/filter.h>   // struct sock_filter
#include <linux/seccomp.h>  // struct seccomp_data

#include <cstddef>
#include <cstdint>

namespace seccomp_scopes {

// The action the filter returns for `data` (SECCOMP_RET_*), or
// SECCOMP_RET_KILL_PROCESS for an instruction seccomp would not have
// accepted (the caller treats that as a refusal: the stricter side).
uint32_t RunFilter(const struct sock_filter* program, size_t length, const struct seccomp_data& data);

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_LAUNCH_BPF_RUN_H_
