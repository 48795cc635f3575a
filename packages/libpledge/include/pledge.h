/* OpenBSD's pledge(2) and unveil(2) for C programs on Linux (libpledge, seccomp-scopes).
 *
 *   int fd = open(path, O_RDONLY);          // open what you need first
 *   if (pledge("stdio", NULL) == -1) err(1, "pledge");
 *
 * The filters are compiled at build time by `pledge gen c 'stdio' ... -o
 * pledge_filters.c` (link that file in); pledge() looks the promise set up,
 * fills in the process' pid, uid and gid and installs it on every thread.
 * A call outside the promises prints one line on stderr, e.g.
 *   prog[4242]: pledge "stdio" blocked openat(AT_FDCWD, flags=O_RDONLY); it needs "rpath" or "dns" or "getpw"
 * and the process dies by SIGSYS (or, with pledge_penalty("errno") or the
 * "error" promise, the call fails with EPERM / ENOSYS). */
#ifndef PLEDGE_H
#define PLEDGE_H

#ifdef __cplusplus
extern "C" {
#endif

/* OpenBSD pledge(2): returns 0, or -1 with errno:
 *   EINVAL  an unknown promise; a promise set pledge_filters.c was not
 *           generated for (stderr says how to add it); execpromises not a
 *           subset of promises; execpromises before any promises;
 *   ENOTSUP an OpenBSD device promise (audio, drm, ...);
 *   EPERM   asking for promises (or execpromises) not in force;
 *   ENOSYS  the kernel lacks seccomp filters; other errnos from prctl(2),
 *           seccomp(2) (EBUSY: a thread has a filter of its own) or sigaction(2).
 * NULL leaves that part unchanged. A call with the set in force installs
 * nothing; each narrowing call installs one more filter. execpromises are
 * checked and recorded: programs started with execve keep every filter in
 * force (a filter cannot be loosened), so they run with the promises. */
int pledge(const char *promises, const char *execpromises);

/* libpledge extension: the penalty of later pledge() calls: "kill"
 * (default: the whole process dies by SIGSYS, status 159) or "errno" (the
 * call fails with EPERM; ENOSYS under the "error" promise). Once a kill
 * pledge is in force the penalty stays kill. Returns 0, or -1/EINVAL. */
int pledge_penalty(const char *penalty);

/* OpenBSD unveil(2), on Landlock, with the rules and limits of unveil() in
 * Node (docs/unveil.md): unveil(path, permissions) records that `path` (a
 * file or directory, symlinks followed, bound to what it names now through an
 * O_PATH descriptor) may be used with `permissions`, any of "r" (read, list),
 * "w" (write, truncate, device ioctls), "x" (execute), "c" (create, remove,
 * move between directories); "" hides it; again for the same path replaces
 * its permissions. Nothing is enforced until unveil(NULL, NULL) locks: then
 * one Landlock ruleset hides every other path from every thread (EACCES).
 * A pledge() (with or without "unveil") locks the paths unveiled before it,
 * before its filter, and installs nothing if that lock fails.
 * Returns 0, or -1 with errno:
 *   EINVAL  a letter outside "rwxc"; only one of path and permissions NULL;
 *   ENOENT  (ENOTDIR, ELOOP, ENAMETOOLONG, EACCES) the path cannot be opened;
 *   EPERM   after the lock, or under a pledge without "unveil";
 *   ENOTSUP the lock is strict: the kernel has no Landlock, its Landlock ABI
 *           leaves an access unrestricted (truncate before Linux 6.2, device
 *           ioctls before 6.10), a rule lies beneath a wider one (Landlock
 *           grants the union of the rules from / down: unveil("/home", "rw")
 *           then unveil("/home/me/.ssh", "") cannot hide .ssh), or a thread
 *           cannot be reached (nothing changed in these cases);
 *   ETIMEDOUT, or a thread's errno: a thread was not restricted after the
 *           others were (unveil is locked by then);
 *   EBUSY, EAGAIN, or a Landlock call's errno.
 * stderr says why. */
int unveil(const char *path, const char *permissions);

#ifdef __cplusplus
}
#endif

#endif /* PLEDGE_H */
