/*
 * The contract between the `pledge` command's supervisor (../supervise.cc)
 * and the preload object (./preload.c) it injects into dynamic programs.
 *
 * The preload's constructor ends the dynamic loader's start-up window with
 * one "marker" system call: getppid() with two magic 64-bit arguments. The
 * kernel ignores getppid's arguments, so outside the supervisor the marker
 * is a harmless getppid(); under the supervisor the filter routes exactly
 * this call to the supervisor (SECCOMP_RET_USER_NOTIF), which then closes
 * the window. The third argument carries the outcome of applying the unveil
 * ruleset (Landlock), when the supervisor asked for it: diagnostics only
 * (a failure kills the program); nothing is granted on its word.
 */
#ifndef SECCOMP_SCOPES_PRELOAD_PROTOCOL_H_
#define SECCOMP_SCOPES_PRELOAD_PROTOCOL_H_

/* getppid(PLEDGE_MARKER_A, PLEDGE_MARKER_B, <landlock status>). */
#define PLEDGE_MARKER_A 0x706c656467652121ULL /* "pledge!!" */
#define PLEDGE_MARKER_B 0x9e3779b97f4a7c15ULL

/* Marker argument 2: what happened to the unveil ruleset. */
#define PLEDGE_LANDLOCK_NONE 0xffffffffffffffffULL /* none was asked for */
#define PLEDGE_LANDLOCK_OK 0ULL                    /* landlock_restrict_self succeeded */
/* anything else: PLEDGE_LANDLOCK_FAILED | errno */
#define PLEDGE_LANDLOCK_FAILED 0x100000000ULL

/* Environment the supervisor sets for the preload; the constructor removes both. */
#define PLEDGE_ENV_LANDLOCK_FD "SECCOMP_SCOPES_LANDLOCK_FD"
/* The preload's own file name: its entry is removed from LD_PRELOAD. */
#define PLEDGE_PRELOAD_NAME "pledge_preload.so"

#endif /* SECCOMP_SCOPES_PRELOAD_PROTOCOL_H_ */
