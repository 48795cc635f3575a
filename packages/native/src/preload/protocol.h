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
 *
 * It also holds the marker of `pledge learn` (below), made by the Node
 * facade through the addon (../learn.cc) and answered by the learner.
 */
#ifndef SECCOMP_SCOPES_PRELOAD_PROTOCOL_H_
#define SECCOMP_SCOPES_PRELOAD_PROTOCOL_H_

/* getppid(PLEDGE_MARKER_A, PLEDGE_MARKER_B, <landlock status>). */
#define PLEDGE_MARKER_A 0x706c656467652121ULL /* "pledge!!" */
#define PLEDGE_MARKER_B 0x9e3779b97f4a7c15ULL

/*
 * Learn mode (`pledge learn`, issue 14): the Node facade's marker. When
 * SECCOMP_SCOPES_LEARN=1 is in its environment, each pledge()/unveil() call,
 * once its arguments are validated, makes
 *   getppid(LEARN_MARKER_A, LEARN_MARKER_B, <record pointer>, <record length>)
 * from native code, where the record is UTF-8 JSON of at most
 * LEARN_RECORD_MAX bytes: {"v":1,"call":"pledge"|"unveil","promises",
 * "execpromises","path","permissions","site":"file:line:col"} (absent
 * arguments are null). The learner's filter routes exactly this call to it
 * (SECCOMP_RET_USER_NOTIF); it reads the record from the process's memory
 * and answers LEARN_ACK: the call is then recorded, not enforced. Any other
 * answer (a real parent pid: nobody is learning) and the call is enforced as
 * usual, so a leaked variable never disables a pledge. LEARN_ACK is above
 * PID_MAX_LIMIT (4194304), so no real getppid() returns it.
 */
#define LEARN_MARKER_A 0x6c6561726e212121ULL /* "learn!!!" */
#define LEARN_MARKER_B 0x7f4a7c159e3779b9ULL
#define LEARN_ACK 99253968                   /* 0x5EA7ED0 */
#define LEARN_RECORD_MAX 65536
/* The environment variable that asks the facade for the marker ("1"). */
#define LEARN_ENV "SECCOMP_SCOPES_LEARN"

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
