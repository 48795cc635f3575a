/**
 * @seccomp-scopes/native — the kernel-facing primitives, and nothing else.
 *
 * Each function is a thin wrapper around one Linux syscall made by the
 * `seccomp_scopes_native` N-API addon. No policy lives here: callers decide
 * the flags, the filter program, and the order of operations (typically
 * {@link setNoNewPrivs} and then {@link installFilter}).
 *
 * Semantics: prctl(2), seccomp(2), landlock(7) and the kernel's
 * Documentation/userspace-api/{seccomp_filter,landlock}.rst.
 *
 * The addon is loaded lazily on the first call, so importing this module on a
 * non-Linux platform is harmless; calling any function there throws a
 * {@link NativeError} with code `'ENOTSUP'`.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Error thrown by this package.
 *
 * - Failed syscall: `code` is the errno name (`'EINVAL'`, `'EACCES'`,
 *   `'EFAULT'`, `'ENOMEM'`, ...), `errno` its positive number, `syscall` names
 *   the call (`'prctl(PR_SET_NO_NEW_PRIVS)'`,
 *   `'seccomp(SECCOMP_SET_MODE_FILTER)'`), and the message reads e.g.
 *   `seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL (Invalid argument)`.
 * - Invalid argument rejected before any syscall: a `TypeError` or
 *   `RangeError` with `code: 'EINVAL'` and no `errno`/`syscall`.
 * - TSYNC failure: `code: 'TSYNC_FAILED'`, `syscall`, and `tid` = the thread
 *   the kernel could not synchronise; no `errno`.
 * - Unsupported platform: `code: 'ENOTSUP'`.
 */
export interface NativeError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  tid?: number;
}

/** Shape of the compiled addon (src/addon.cc). */
interface Addon {
  setNoNewPrivs(): void;
  getNoNewPrivs(): boolean;
  getSeccompMode(): number;
  installFilter(program: Uint8Array, flags: number): void;
  gettid(): number;
  landlockAbi(): number;
  landlockCreateRuleset(handledAccessFs: number): number;
  landlockAddPathRule(rulesetFd: number, parentFd: number, allowedAccess: number): void;
  landlockRestrictSelf(rulesetFd: number, flags: number): void;
  landlockRestrictThreads(rulesetFd: number, timeoutMs: number, stopIfBlocked: boolean): ThreadRestrictReport;
  openPath(path: string): number;
  unveilClaim(): boolean;
  unveilRelease(): void;
  unveilCommit(report: string): void;
  unveilState(): UnveilLockState;
}

let addon: Addon | undefined;

function binding(): Addon {
  if (addon) return addon;
  if (process.platform !== 'linux') {
    const error = new Error(
      `@seccomp-scopes/native: seccomp is only available on Linux, not on process.platform '${process.platform}'`,
    ) as NativeError;
    error.code = 'ENOTSUP';
    throw error;
  }
  const require = createRequire(import.meta.url);
  const load = require('node-gyp-build') as (dir: string) => unknown;
  addon = load(fileURLToPath(new URL('..', import.meta.url))) as Addon;
  return addon;
}

/**
 * Set the calling thread's no_new_privs bit: `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`.
 *
 * Irreversible; inherited across fork/clone and preserved across execve, which
 * will then never grant privileges (setuid bits, file capabilities). Without
 * CAP_SYS_ADMIN the kernel requires it before {@link installFilter}. Note it
 * applies to the calling thread only; seccomp's TSYNC propagates it to the
 * other threads when the filter is installed.
 *
 * @throws {NativeError} `syscall: 'prctl(PR_SET_NO_NEW_PRIVS)'` on failure.
 */
export function setNoNewPrivs(): void {
  binding().setNoNewPrivs();
}

/**
 * Read the calling thread's no_new_privs bit: `prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)`.
 *
 * @returns `true` if set.
 * @throws {NativeError} `syscall: 'prctl(PR_GET_NO_NEW_PRIVS)'` on failure.
 */
export function getNoNewPrivs(): boolean {
  return binding().getNoNewPrivs();
}

/**
 * The calling thread's seccomp mode: `prctl(PR_GET_SECCOMP)`.
 *
 * @returns `0` (SECCOMP_MODE_DISABLED) or `2` (SECCOMP_MODE_FILTER). Under
 *   strict mode (1) the call itself kills the thread, and an installed filter
 *   may also block prctl; both are the kernel's documented behaviour.
 * @throws {NativeError} `syscall: 'prctl(PR_GET_SECCOMP)'` on failure
 *   (e.g. `EPERM` if a filter denies prctl with that errno).
 */
export function getSeccompMode(): number {
  return binding().getSeccompMode();
}

/**
 * Install a classic-BPF seccomp filter:
 * `seccomp(SECCOMP_SET_MODE_FILTER, flags, &{len, filter})`.
 *
 * Does NOT set no_new_privs; call {@link setNoNewPrivs} first unless the
 * process has CAP_SYS_ADMIN (otherwise the kernel answers `EACCES`).
 * Filters stack and can never be removed.
 *
 * @param program Raw `struct sock_filter` array: 8 bytes per instruction —
 *   u16 `code`, u8 `jt`, u8 `jf`, u32 `k` — in native byte order. Must be a
 *   non-zero multiple of 8 bytes and at most 4096 instructions (BPF_MAXINSNS).
 *   The bytes are copied; any byte offset into the underlying buffer is fine.
 * @param flags Bitwise OR of `SECCOMP_FILTER_FLAG_*` as defined in
 *   <linux/seccomp.h>, passed through unchanged, e.g. `1`
 *   (SECCOMP_FILTER_FLAG_TSYNC) to apply the filter to every thread of the
 *   process. `SECCOMP_FILTER_FLAG_NEW_LISTENER` (8) is rejected, since the
 *   listener fd could not be returned.
 * @throws {NativeError}
 *   - `TypeError`/`RangeError` with `code: 'EINVAL'` for a bad program
 *     length/type or flags, before any syscall.
 *   - `syscall: 'seccomp(SECCOMP_SET_MODE_FILTER)'` with the errno name as
 *     `code` when the kernel refuses: `EINVAL` (the verifier rejected the
 *     program, or unknown flags), `EACCES` (no no_new_privs and no
 *     CAP_SYS_ADMIN), `EFAULT`, `ENOMEM` (e.g. the total filter-chain length
 *     limit), `ESRCH` (TSYNC with SECCOMP_FILTER_FLAG_TSYNC_ESRCH).
 *   - `code: 'TSYNC_FAILED'` with `tid` when TSYNC could not synchronise
 *     that thread; no filter was installed.
 */
export function installFilter(program: Uint8Array, flags: number): void {
  binding().installFilter(program, flags);
}

/**
 * Kernel thread id of the calling thread: `syscall(SYS_gettid)`. Equals
 * `process.pid` on the main thread; differs on worker threads. For tests and
 * diagnostics.
 */
export function gettid(): number {
  return binding().gettid();
}

// ---------------------------------------------------------------- Landlock

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

/** The process-wide unveil lock, shared by every JS realm (main thread and Workers). */
export interface UnveilLockState {
  readonly state: 'open' | 'locking' | 'locked';
  /** What the locking call recorded (JSON), once locked. */
  readonly report?: string;
}

/** Moves the process-wide unveil state from `open` to `locking`; false if it was not open. */
export function unveilClaim(): boolean {
  return binding().unveilClaim();
}

/** Moves `locking` back to `open` (a lock attempt that changed nothing). */
export function unveilRelease(): void {
  binding().unveilRelease();
}

/** Marks unveil as locked for the whole process and keeps `report` (JSON) for every realm. */
export function unveilCommit(report: string): void {
  binding().unveilCommit(report);
}

/** The process-wide unveil state. */
export function unveilState(): UnveilLockState {
  return binding().unveilState();
}

// ---------------------------------------------------------------- the `pledge` command: launcher and supervisor

/** One system call the supervisor hands to {@link SuperviseOptions.onNotify}. */
export interface SupervisedCall {
  /** Process (thread-group) id of the caller. */
  readonly pid: number;
  /** Thread id of the caller. */
  readonly tid: number;
  /** Syscall number (`seccomp_data.nr`). */
  readonly nr: number;
  /** `AUDIT_ARCH_*` of the call. */
  readonly arch: number;
  /** The six argument registers, unsigned. */
  readonly args: readonly bigint[];
  /** Instruction pointer at the call. */
  readonly ip: bigint;
  /** The string the call's path argument points to (per {@link SuperviseOptions.pathArgs}), read from the caller. */
  readonly path?: string;
  /** The caller process' name (`/proc/<pid>/comm`). */
  readonly comm?: string;
  /**
   * A number naming the caller process for the whole supervision: never
   * given to another process, even one that gets the same pid after this
   * one ended (a `process-exit` event says when it did). Absent when the
   * supervisor could not track the process (pidfd_open failed).
   */
  readonly process?: number;
  /**
   * The caller process' start time (`/proc/<pid>/stat` field 22, clock
   * ticks since boot), read while the call was pending: with `pid`, it names
   * this process and no later one that reuses the pid. Absent when it could
   * not be read.
   */
  readonly startTime?: number;
  /** `exec` (before the program runs), `loader` (its start-up window), `running`. */
  readonly phase: 'exec' | 'loader' | 'running';
  /** True when the caller is the supervised child itself (not a descendant). */
  readonly main: boolean;
}

/** Something the supervisor tells as it goes ({@link SuperviseOptions.onEvent}). */
export interface SuperviseEvent {
  /**
   * `exec`: the program replaced the launcher; `loader-done`: the preload's
   * marker arrived; `loader-timeout`: it did not, in time; `process-exit`:
   * a process whose calls were given to {@link SuperviseOptions.onNotify}
   * ended (`pid`, and `process` as in {@link SupervisedCall.process}); told
   * before any later call, so that its pid can be forgotten before another
   * process gets it.
   */
  readonly event: 'exec' | 'loader-done' | 'loader-timeout' | 'process-exit';
  readonly timeoutMs?: number;
  readonly pid?: number;
  readonly process?: number;
}

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /** The executable given to execve(2) (a path; no PATH search here). */
  readonly file: string;
  /** argv, `argv[0]` included. */
  readonly argv: readonly string[];
  /** The whole environment, `NAME=value` strings. */
  readonly envp: readonly string[];
  /**
   * Called once, synchronously, right after fork with the child's pid:
   * returns the filter to install (`struct sock_filter[]` bytes). It must
   * return `SECCOMP_RET_USER_NOTIF` for execve/execveat, for the preload's
   * marker, and for whatever the promises do not allow.
   */
  readonly onFilter: (pid: number) => Uint8Array;
  /**
   * Decides each notified call outside the launcher's own and the loader
   * window's: `0` lets it run (SECCOMP_USER_NOTIF_FLAG_CONTINUE), a
   * positive errno makes it fail with that errno, a negative number kills
   * the caller (SIGSYS; SIGKILL after ENOSYS when SIGSYS would not end it).
   * Called synchronously while the caller waits.
   */
  readonly onNotify: (call: SupervisedCall) => number;
  readonly onEvent?: (event: SuperviseEvent) => void;
  /** A Landlock ruleset the launcher enters before execve (static programs), or -1. */
  readonly rulesetFd?: number;
  /** A descriptor kept open across execve (the ruleset the preload enters), or -1. */
  readonly keepFd?: number;
  /** True for a dynamic program: the loader window lasts until the preload's marker. */
  readonly loader: boolean;
  /** How long the loader window may last without the marker (default 10000 ms). */
  readonly loaderTimeoutMs?: number;
  /** Per syscall number: the index of its path argument, or -1. */
  readonly pathArgs?: Int8Array;
  /** Signals forwarded to the child while it runs (those not sent by the terminal to the whole group). */
  readonly signals?: readonly number[];
  /** The loader's files and directories: the only paths a read-only open in the loader window may reach (opened by the supervisor and handed over with SECCOMP_IOCTL_NOTIF_ADDFD). */
  readonly loaderPaths?: readonly string[];
  /** The madvise advice values the loader window allows (the stdio rule's). */
  readonly loaderMadvise?: readonly number[];
}

/** The outcome of {@link supervise}. */
export interface SuperviseResult {
  readonly pid: number;
  /** Exit code, or null when ended by a signal. */
  readonly status: number | null;
  readonly signal: number | null;
  /** The errno of a failed execve (the launcher then exits 126 or 127). */
  readonly execErrno: number | null;
  /** Its name (`ENOEXEC`) and strerror(3) text. */
  readonly execCode?: string;
  readonly execMessage?: string;
  /** True when the child was killed as a penalty. */
  readonly violationKill: boolean;
  /** Calls refused (errno or kill). */
  readonly violations: number;
  /** How the loader window ended: `marker`, `timeout`, `exec` (an execve during it), `static` (none needed), `none` (the program never ran). */
  readonly loaderEnd: 'marker' | 'timeout' | 'exec' | 'static' | 'none';
  /** Why unveil could not be applied (the child was killed). */
  readonly unveilError?: string;
}

/**
 * Runs a program under a seccomp filter with a user-space listener, and
 * supervises it until it ends (blocking the calling thread; the callbacks
 * run on it). The child: default signal dispositions, empty signal mask,
 * `PR_SET_PDEATHSIG(SIGKILL)`, no_new_privs, the Landlock ruleset if given,
 * then the filter with `SECCOMP_FILTER_FLAG_NEW_LISTENER`, then execve.
 * The parent takes the listener with pidfd_getfd(2) and answers
 * notifications (seccomp_unotify(2)) until the child ends. `signals` are
 * forwarded meanwhile. Needs Linux ≥ 5.9 (pidfd_getfd, USER_NOTIF_FLAG_CONTINUE).
 *
 * @throws {NativeError} a failed set-up step (`syscall` names it: `fork`,
 *   `pidfd_open`, `launcher: seccomp(...)` with `EBUSY` when this process
 *   already runs under a filter with a listener, ...); the child is killed
 *   and reaped first. Exceptions from the callbacks propagate the same way.
 */
export function supervise(options: SuperviseOptions): SuperviseResult {
  return (binding() as unknown as { supervise(o: SuperviseOptions): SuperviseResult }).supervise(options);
}

/** The contract between the supervisor and the preload object ({@link preloadProtocol}). */
export interface PreloadProtocol {
  /** The marker is `getppid(markerA, markerB, <landlock status>)`. */
  readonly markerA: bigint;
  readonly markerB: bigint;
  /** The environment variable the preload reads the unveil ruleset's descriptor from. */
  readonly envLandlockFd: string;
  /** The preload object's file name. */
  readonly preloadName: string;
}

let protocol: PreloadProtocol | undefined;

/**
 * The constants of src/preload/protocol.h (their only source), as the
 * addon was compiled with them.
 */
export function preloadProtocol(): PreloadProtocol {
  protocol ??= Object.freeze((binding() as unknown as { preloadProtocol(): PreloadProtocol }).preloadProtocol());
  return protocol;
}

/**
 * The `pledge` command's preload object (`pledge_preload.so`, built from
 * src/preload/preload.c next to the addon), or undefined when it was not
 * built.
 */
export function preloadLibraryPath(): string | undefined {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const dir of ['build/Release', 'build/Debug']) {
    const candidate = `${root}${dir}/pledge_preload.so`;
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

// ---------------------------------------------------------------- violation reports (reporter.cc)

/** The shape of the addon's report functions (reporter.cc). */
interface ReporterAddon {
  formatViolation(tables: Uint8Array, violation: ViolationInput, format: 'text' | 'json'): string;
  installReporter(tables: Uint8Array, options: ReporterOptions & { readonly magic: number }): void;
  uninstallReporter(): void;
  rollbackReporter(): void;
  reporterState(): ReporterState;
}

const reporter = (): ReporterAddon => binding() as unknown as ReporterAddon;

/** A blocked call, as {@link formatViolation} takes it. */
export interface ViolationInput {
  /** Syscall number (`seccomp_data.nr`). */
  nr: number;
  /** The argument registers (missing ones are 0); negative values are taken as their 64-bit two's complement. */
  args: readonly bigint[];
  pid: number;
  tid: number;
  /** The process name; default: the one in the tables. */
  comm?: string;
  /** The string behind the call's path argument, when the caller could read it; shown quoted. */
  path?: string;
}

/**
 * Formats one violation report with the same C code the SIGSYS handler runs,
 * without a signal: the text line
 * `<comm>[<pid>]: pledge "<promises>" blocked <call>; it needs "<set>" or "<set>"`
 * (or `; no promise allows this`), or one JSON object (`process`, `pid`,
 * `tid`, `syscall`, `nr`, `arch`, `args`, `raw`, `call`, `promises`, `needs`,
 * `penalty`, and `errno` in errno mode). No trailing newline.
 *
 * @param tables from @seccomp-scopes/core `buildReportTables` for the
 *   process' arch and promises.
 * @throws {NativeError} `TypeError`/`RangeError` with `code: 'EINVAL'` for
 *   malformed tables or a bad violation.
 */
export function formatViolation(
  tables: Uint8Array,
  violation: { nr: number; args: readonly bigint[]; pid: number; tid: number; comm?: string; path?: string },
  format: 'text' | 'json',
): string {
  return reporter().formatViolation(tables, violation, format);
}

/** Options of {@link installReporter}. */
export interface ReporterOptions {
  /** Where reports go (default 2, stderr). */
  readonly fd?: number;
  /** `kill`: report, then end the process by SIGSYS; `errno`: report once per syscall, the call fails with `errno`. */
  readonly penalty: 'kill' | 'errno';
  /** With `errno`: the positive errno value the call returns. */
  readonly errno?: number;
  /** Its name, for JSON reports. */
  readonly errnoName?: string;
  readonly format?: 'text' | 'json';
  /** Handle traps (penalty) but write nothing. */
  readonly quiet?: boolean;
}

/** What {@link reporterState} tells. */
export interface ReporterState {
  readonly installed: boolean;
  readonly penalty?: 'kill' | 'errno';
  readonly errno?: string;
  readonly fd?: number;
  readonly format?: 'text' | 'json';
  readonly quiet?: boolean;
  /** Reports written so far by the handler in this process. */
  readonly reports: number;
}

/**
 * Installs (first call) or updates the process-wide SIGSYS handler that
 * turns a filter's SECCOMP_RET_TRAP into a report and the penalty. The
 * tables are copied. Once a penalty is `kill` it stays `kill` (the strictest
 * penalty wins, as across stacked filters).
 *
 * The filter installed next must carry @seccomp-scopes/core
 * `reporterRules()` and trap with SECCOMP_RET_TRAP; `magic` is
 * `REPORT_EXIT_MAGIC`, the exit_group() status that filter turns into
 * KILL_PROCESS. x86_64 and aarch64 only (`ENOTSUP` elsewhere).
 * @throws {NativeError} `EINVAL` for bad tables or options; the errno of sigaction(2).
 */
export function installReporter(tables: Uint8Array, options: ReporterOptions & { readonly magic: number }): void {
  reporter().installReporter(tables, options);
}

/**
 * Restores the SIGSYS action from before the first {@link installReporter}.
 * Only for a pledge() whose filter could not be installed: with a trapping
 * filter in force, a SIGSYS without the handler kills the process.
 */
export function uninstallReporter(): void {
  reporter().uninstallReporter();
}

/** The reporter's state in this process. */
export function reporterState(): ReporterState {
  return reporter().reporterState();
}

/**
 * Undoes the last {@link installReporter}: the tables in force before it, or
 * the SIGSYS action from before the first one. Only for a pledge() whose
 * filter could not be installed.
 */
export function rollbackReporter(): void {
  reporter().rollbackReporter();
}

// ---------------------------------------------------------------- io_uring replay (ring-replay.cc)

/** A ring to adopt: its descriptor and the sizes /proc/self/fdinfo reports (SqMask + 1, CqMask + 1). */
export interface RingToAdopt {
  readonly fd: number;
  readonly sqEntries: number;
  readonly cqEntries: number;
}

/** What {@link ringState} tells. */
export interface RingState {
  /** Descriptors of the adopted rings. */
  readonly rings: readonly number[];
  /** io_uring_enter calls replayed, entries replayed, and calls refused (answered ENOSYS). */
  readonly calls: number;
  readonly entries: number;
  readonly refused: number;
}

interface RingAddon {
  ringAdopt(rings: readonly RingToAdopt[]): { fd: number; sqArray: boolean }[];
  ringState(): RingState;
  processLock(timeoutMs: number): void;
  processUnlock(): void;
  sharedGet(key: string): string | undefined;
  sharedSet(key: string, value: string | undefined): void;
  exitGroup(status: number): never;
}

const rings = (): RingAddon => binding() as unknown as RingAddon;

/**
 * Adopts io_uring instances that exist before a filter goes in, so that the
 * SIGSYS handler can replay libuv's epoll_ctl batches on them once the filter
 * traps `io_uring_enter` on their descriptors (ring-replay.cc has the
 * design; docs/node-runtime.md the limits). Maps each ring's shared memory a
 * second time and checks its layout against a probe ring of the same size.
 * Adopting a ring twice is harmless. Call it before the filter; the handler
 * must be installed ({@link installReporter}) before a filter traps.
 * @returns per ring, whether an SQ array lies where the kernel would put one.
 * @throws {NativeError} `ENOTSUP` with `fd` for a ring whose layout cannot be
 *   replayed (128-byte entries, sizes that disagree); the errno of
 *   io_uring_setup(2) or mmap(2). Nothing is adopted when it throws.
 * Source: io_uring_setup(2), io_uring_enter(2), include/uapi/linux/io_uring.h.
 */
export function ringAdopt(list: readonly RingToAdopt[]): { fd: number; sqArray: boolean }[] {
  return rings().ringAdopt(list);
}

/** The adopted rings and how many calls were replayed or refused. */
export function ringState(): RingState {
  return rings().ringState();
}

/**
 * Takes the process-wide pledge/unveil lock (one holder among all threads
 * and JS realms), waiting up to `timeoutMs` milliseconds. A lock whose
 * holder thread has ended is taken over.
 * @throws {NativeError} `EBUSY` after the timeout, `EDEADLK` when this thread holds it already.
 */
export function processLock(timeoutMs: number): void {
  rings().processLock(timeoutMs);
}

/** Releases the lock taken by {@link processLock} on this thread. @throws {NativeError} `EPERM` if this thread does not hold it. */
export function processUnlock(): void {
  rings().processUnlock();
}

/** A process-wide string slot shared by every JS realm (undefined when unset). */
export function sharedGet(key: string): string | undefined {
  return rings().sharedGet(key);
}

/** Sets (or, with undefined, clears) a process-wide string slot. */
export function sharedSet(key: string, value: string | undefined): void {
  rings().sharedSet(key, value);
}

/**
 * Ends the process at once with exit_group(2): no exit handlers, no
 * destructors, nothing flushed. For a process pledged with promises that do
 * not allow the calls a normal exit makes (`pledge("")`). Never returns.
 */
export function exitGroup(status: number): never {
  return rings().exitGroup(status);
}
