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

/*
 * landlock_restrict_self(2)'s flag of Landlock ABI 7 (Linux 6.15,
 * include/uapi/linux/landlock.h): the new domain's denials are logged to
 * the audit subsystem after an execve too (by default only until the next
 * execve). Older ABIs refuse it with EINVAL: check the ABI first
 * (landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)).
 */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
/* The first Landlock ABI with the LANDLOCK_RESTRICT_SELF_LOG_* flags. */
#define SECCOMP_SCOPES_LANDLOCK_ABI_LOG_FLAGS 7

#endif /* SECCOMP_SCOPES_SYSCALL_FALLBACKS_H_ */
