/**
 * Landlock (src/landlock/): thin wrappers around one syscall each, and
 * {@link landlockRestrictThreads}, which enforces a ruleset on every
 * thread on kernels without `LANDLOCK_RESTRICT_SELF_TSYNC`
 * (landlock/threads.cc).
 *
 * Semantics: landlock(7), landlock_create_ruleset(2), landlock_add_rule(2),
 * landlock_restrict_self(2) and the kernel's
 * Documentation/userspace-api/landlock.rst.
 */
import { binding } from './addon.js';

declare module './addon.js' {
  interface Addon {
    landlockAbi(): number;
    landlockCreateRuleset(handledAccessFs: number): number;
    landlockAddPathRule(rulesetFd: number, parentFd: number, allowedAccess: number): void;
    landlockRestrictSelf(rulesetFd: number, flags: number): void;
    landlockRestrictThreads(rulesetFd: number, timeoutMs: number, stopIfBlocked: boolean): ThreadRestrictReport;
    openPath(path: string): number;
  }
}

/**
 * The highest Landlock ABI the kernel supports:
 * `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`.
 *
 * @returns 1 or more.
 * @throws {NativeError} `syscall: 'landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION)'`:
 *   `ENOSYS` when the kernel was built without Landlock (or a seccomp
 *   filter answers ENOSYS), `EOPNOTSUPP` when it is built in but not
 *   enabled at boot (`lsm=`).
 */
export function landlockAbi(): number {
  return binding().landlockAbi();
}

/**
 * Creates a ruleset that handles the given file-system rights:
 * `landlock_create_ruleset(&{ handled_access_fs }, 8, 0)`.
 *
 * @param handledAccessFs bit mask of `LANDLOCK_ACCESS_FS_*` (non-zero; the
 *   kernel refuses bits its ABI does not know with EINVAL).
 * @returns the ruleset descriptor (close-on-exec). Close it with
 *   `fs.closeSync` when done; a domain made from it outlives it.
 * @throws {NativeError} `syscall: 'landlock_create_ruleset'`.
 */
export function landlockCreateRuleset(handledAccessFs: number): number {
  return binding().landlockCreateRuleset(handledAccessFs);
}

/**
 * Adds a path-beneath rule: `landlock_add_rule(rulesetFd,
 * LANDLOCK_RULE_PATH_BENEATH, &{ allowedAccess, parentFd }, 0)`.
 *
 * @param parentFd a descriptor of the file or directory (an `O_PATH` one
 *   from {@link openPath} is enough).
 * @param allowedAccess non-zero, a subset of the ruleset's handled rights;
 *   for a non-directory only file rights (EXECUTE, WRITE_FILE, READ_FILE,
 *   TRUNCATE, IOCTL_DEV).
 * @throws {NativeError} `syscall: 'landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH)'`:
 *   `EINVAL` (rights not handled, or not file rights on a file), `ENOMSG`
 *   (empty access), `EBADF`, `EBADFD`.
 */
export function landlockAddPathRule(rulesetFd: number, parentFd: number, allowedAccess: number): void {
  binding().landlockAddPathRule(rulesetFd, parentFd, allowedAccess);
}

/**
 * `landlock_restrict_self(rulesetFd, flags)`: the CALLING THREAD (and the
 * threads and processes it creates afterwards) enters a new Landlock
 * domain. Other threads are unaffected, unless `flags` holds
 * `LANDLOCK_RESTRICT_SELF_TSYNC` (ABI 8). Needs no_new_privs on this thread
 * or CAP_SYS_ADMIN. See {@link landlockRestrictThreads} for every thread on
 * older kernels.
 *
 * @throws {NativeError} `syscall: 'landlock_restrict_self'`: `EPERM` (no
 *   no_new_privs nor CAP_SYS_ADMIN), `E2BIG` (16 stacked domains), `EINVAL`
 *   (unknown flags).
 */
export function landlockRestrictSelf(rulesetFd: number, flags: number): void {
  binding().landlockRestrictSelf(rulesetFd, flags);
}

/** What happened to one thread in {@link landlockRestrictThreads}. */
export interface ThreadRestrictResult {
  readonly tid: number;
  /**
   * - `restricted`: no_new_privs set and landlock_restrict_self succeeded on that thread;
   * - `failed`: it ran the handler but a call failed (`code`/`errno`), or tgkill failed;
   * - `blocked`: it blocks the signal (its SigBlk is in `sigblk`), so it was not sent;
   * - `timeout`: signalled, still alive, no answer in time;
   * - `exited`: ended before it could answer (not a failure);
   * - `untracked`: found after the round limit.
   */
  readonly result: 'restricted' | 'failed' | 'blocked' | 'timeout' | 'exited' | 'untracked';
  readonly code?: string;
  readonly errno?: number;
  /** The thread's SigBlk mask (hex, as in /proc), when it could be read. */
  readonly sigblk?: string;
}

/** The outcome of {@link landlockRestrictThreads}. */
export interface ThreadRestrictReport {
  /** The real-time signal used. */
  readonly signal: number;
  /** The calling thread's id. */
  readonly self: number;
  /** True when `stopIfBlocked` found a thread that blocks the signal: nothing was changed. */
  readonly aborted: boolean;
  /** Scan-and-signal rounds made. */
  readonly rounds: number;
  /** True if the round limit was hit or /proc/self/task could not be rescanned. */
  readonly incomplete: boolean;
  /** Every thread seen, the calling one first. */
  readonly threads: readonly ThreadRestrictResult[];
}

/**
 * Enforces a ruleset on every thread of the process, for kernels without
 * `LANDLOCK_RESTRICT_SELF_TSYNC` (the way libcap's psx applies setuid):
 *
 * 1. opens `/proc/self/task`, picks a real-time signal nobody handles (from
 *    SIGRTMIN+6) and reads each thread's SigBlk; with `stopIfBlocked`, a
 *    thread blocking it makes the call return `{ aborted: true }` having
 *    changed nothing;
 * 2. restricts the calling thread (`prctl(PR_SET_NO_NEW_PRIVS)` +
 *    `landlock_restrict_self(rulesetFd, 0)`), throwing if that fails;
 * 3. installs a handler that does the same on the thread it runs on, sends
 *    it with `tgkill` to every other thread that does not block it, waits
 *    up to `timeoutMs` for the answers, rescans `/proc/self/task` and
 *    repeats for new threads until a scan finds none;
 * 4. sets the signal to SIG_IGN (discarding copies never handled) and
 *    restores its previous disposition.
 *
 * Threads created afterwards by a restricted thread inherit its domain.
 * Reads `/proc`: under a seccomp filter it needs `getdents64` and
 * read-only `openat`.
 *
 * @throws {NativeError} `EBUSY` (a call is in progress), `EAGAIN` (no free
 *   signal), the errno of `open(/proc/self/task)`,
 *   `prctl(PR_SET_NO_NEW_PRIVS)` or `landlock_restrict_self` on the calling
 *   thread (nothing else changed), or of `sigaction` (then `partial: true`:
 *   only the calling thread is restricted).
 */
export function landlockRestrictThreads(rulesetFd: number, timeoutMs: number, stopIfBlocked: boolean): ThreadRestrictReport {
  return binding().landlockRestrictThreads(rulesetFd, timeoutMs, stopIfBlocked);
}

/**
 * `open(path, O_PATH | O_CLOEXEC)`, following symlinks: a descriptor that
 * names a file or directory without granting any access to it (for
 * {@link landlockAddPathRule}). Close it with `fs.closeSync`.
 * @throws {NativeError} `syscall: 'open(O_PATH)'`: `ENOENT`, `ENOTDIR`, `EACCES`, `ELOOP`, ...
 */
export function openPath(path: string): number {
  return binding().openPath(path);
}
