/*
 * Numbers of system calls newer than some C libraries' headers, for the
 * addon (../common.h), the preload object (preload/preload.c) and the
 * conformance probes (tools/conformance/landlock-probe.c). Plain C, no
 * N-API: the one place they are written.
 *
 * Since Linux 5.x new syscalls get one number on every architecture (the
 * unified table in include/uapi/asm-generic/unistd.h and
 * arch/<arch>/.../syscall.tbl), so these fallbacks hold on x86_64 and aarch64
 * alike. Each applies only when <sys/syscall.h> does not define the name.
 */
#ifndef SECCOMP_SCOPES_SYSCALL_FALLBACKS_H_
#define SECCOMP_SCOPES_SYSCALL_FALLBACKS_H_

#include <sys/syscall.h>

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#endif /* SECCOMP_SCOPES_SYSCALL_FALLBACKS_H_ */
