/**
 * The seccomp and process primitives (src/seccomp.cc): each function is a
 * thin wrapper around one Linux syscall, but two that make a fixed
 * sequence of them in one call for pledge()'s first call in a fresh process
 * ({@link pledgeInstall}: reporter, no_new_privs, filter; {@link
 * processFacts}: the facts read before the filter). No policy lives here:
 * callers decide the flags, the filter program, and the order of operations
 * (typically {@link setNoNewPrivs} and then {@link installFilter}).
 *
 * Semantics: prctl(2), seccomp(2), exit_group(2) and the kernel's
 * Documentation/userspace-api/seccomp_filter.rst.
 */
import { binding } from './addon.js';
import type { ReporterOptions } from './reporter.js';

declare module './addon.js' {
  interface Addon {
    setNoNewPrivs(): void;
    getNoNewPrivs(): boolean;
    getSeccompMode(): number;
    getPersonality?(): number;
    fdType?(fd: number): FdType;
    installFilter(program: Uint8Array, flags: number): void;
    pledgeInstall?(program: Uint8Array, flags: number, tables?: Uint8Array, reporterOptions?: ReporterOptions & { readonly magic: number }, expect?: PlannedRings): void;
    processFacts?(): ProcessFacts;
    seccompActionAvail(action: number): boolean;
    gettid(): number;
    exitGroup(status: number): never;
  }
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
 * Whether the kernel's seccomp() supports a filter return action:
 * `seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action)` (Linux 4.14), the probe
 * that asks seccomp() itself rather than /proc. Changes nothing.
 *
 * @param action a SECCOMP_RET_* value (e.g. SECCOMP_RET_KILL_PROCESS, 0x80000000).
 * @returns `false` when the kernel answers EOPNOTSUPP.
 * @throws {NativeError} `syscall: 'seccomp(SECCOMP_GET_ACTION_AVAIL)'` for any
 *   other errno (`ENOSYS`: no seccomp(); `EPERM`/`EACCES`: a sandbox refuses it).
 */
export function seccompActionAvail(action: number): boolean {
  return binding().seccompActionAvail(action);
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
 * The process' personality (execution domain and flags such as
 * READ_IMPLIES_EXEC): `personality(0xffffffff)`, which changes nothing
 * (personality(2)). Undefined when the addon loaded is one without it (an
 * older build).
 * @throws {NativeError} `syscall: 'personality'` on failure.
 */
export function getPersonality(): number | undefined {
  return binding().getPersonality?.();
}

/** A descriptor's file type, fstat(2)'s `S_IFMT`. */
export type FdType = 'fifo' | 'socket' | 'file' | 'chr' | 'dir' | 'blk' | 'link' | 'other';

/**
 * The file type of open descriptor `fd` (fstat(2)), without the cost of a
 * fresh process' first `fs.fstatSync` (0.15 ms). Undefined when the addon
 * loaded is one without it (an older build).
 * @throws {NativeError} `syscall: 'fstat'` (`EBADF` for a closed descriptor);
 *   `RangeError` (code `EINVAL`) when `fd` is not a descriptor number.
 */
export function fdType(fd: number): FdType | undefined {
  return binding().fdType?.(fd);
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
 * pledge()'s last step in one call (src/seccomp.cc): with `tables`, the
 * SIGSYS reporter as {@link installReporter} installs it; then no_new_privs
 * (as {@link setNoNewPrivs}, unless already set); then the filter (as
 * {@link installFilter}). With `expect` (a process' first filter), between
 * the reporter and no_new_privs, a last look at /proc/self: a ring or
 * eventfd made, closed or replaced since the plan's scan, or a
 * submission-polling thread, throws `ECHANGED` (reporter rolled back,
 * `noNewPrivsSet` false). Every argument is checked first (EINVAL, nothing
 * done); a failing reporter install throws its own error, nothing else done.
 * When no_new_privs or the filter fails, the reporter this call installed is
 * rolled back (the handler and tables in force before it) and the thrown
 * {@link NativeError} (code, errno, syscall, tid as those calls give them)
 * carries `noNewPrivsSet` (set by this call and staying set: it cannot be
 * cleared); a bad program or flags too (EINVAL, `noNewPrivsSet` false,
 * nothing done). A failing reporter install or rollback throws its own
 * error, without `noNewPrivsSet`.
 * Source: prctl(2) PR_SET_NO_NEW_PRIVS, seccomp(2) SECCOMP_SET_MODE_FILTER.
 * @returns false when the addon lacks it (nothing done), else true.
 */
export function pledgeInstall(program: Uint8Array, flags: number, reporter?: { readonly tables: Uint8Array; readonly options: ReporterOptions & { readonly magic: number } },
  expect?: PlannedRings): boolean {
  const b = binding();
  if (!b.pledgeInstall) return false;
  b.pledgeInstall(program, flags, reporter?.tables, reporter?.options, expect);
  return true;
}

/**
 * The io_uring instances (descriptor, and inode as fdinfo's `ino` gives it
 * when known) and eventfds a first filter was planned from: {@link
 * pledgeInstall} looks at /proc/self once more just before the filter and
 * refuses (`ECHANGED`, nothing installed) when it shows anything else, or a
 * thread named `iou-sqp-*`.
 */
export interface PlannedRings {
  readonly rings: readonly { readonly fd: number; readonly ino?: number }[];
  readonly eventFds: readonly number[];
}

/** What {@link processFacts} reads. */
export interface ProcessFacts {
  /** prctl(PR_GET_SECCOMP): 0 (no filter) or 2 (SECCOMP_MODE_FILTER), as {@link getSeccompMode}. */
  readonly seccompMode: number;
  /** personality(0xffffffff), as {@link getPersonality}; -1 when the call failed. Only without a filter (seccompMode 0: one may refuse it). */
  readonly personality?: number;
  /** The file types of descriptors 1 and 2, as {@link fdType}; null when fstat fails (closed). Only without a filter. */
  readonly fd1?: FdType | null;
  readonly fd2?: FdType | null;
}

/**
 * What pledge() reads of the process before its first filter, in one call
 * (src/seccomp.cc; changes nothing): the seccomp mode and, only when it is
 * 0 (no filter, which might refuse the calls), the personality and the
 * types of descriptors 1 and 2. Undefined when the addon lacks it.
 * Source: prctl(2) PR_GET_SECCOMP, personality(2), fstat(2).
 * @throws NativeError from prctl (not expected: PR_GET_SECCOMP cannot fail).
 */
export function processFacts(): ProcessFacts | undefined {
  return binding().processFacts?.();
}

/**
 * Kernel thread id of the calling thread: `syscall(SYS_gettid)`. Equals
 * `process.pid` on the main thread; differs on worker threads. For tests and
 * diagnostics.
 */
export function gettid(): number {
  return binding().gettid();
}

/**
 * Ends the process at once with exit_group(2): no exit handlers, no
 * destructors, nothing flushed. For a process pledged with promises that do
 * not allow the calls a normal exit makes (`pledge("")`). Never returns.
 */
export function exitGroup(status: number): never {
  return binding().exitGroup(status);
}
