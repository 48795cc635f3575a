/**
 * @seccomp-scopes/native: the parts of pledge() and unveil() that need the
 * kernel, or must run where JavaScript cannot (a signal handler, a forked
 * child), in an N-API addon:
 *
 * - seccomp.ts: thin wrappers around one syscall each: no_new_privs, the
 *   seccomp mode, the filter install, gettid, exit_group;
 * - landlock.ts: Landlock's syscalls, and enforcing a ruleset on every
 *   thread before Landlock ABI 8;
 * - unveil-state.ts, process-state.ts: state shared by every JS realm of
 *   the process (the unveil lock; the pledge/unveil lock and string slots);
 * - reporter.ts: the SIGSYS handler that reports a blocked call and applies
 *   the penalty, its formatter, and the report tables' layout;
 * - ring.ts: io_uring rings adopted before pledge(), replayed by that handler;
 * - supervise.ts: the `pledge` command's launcher and supervisor;
 * - learn.ts: the marker by which pledge()/unveil() tell `pledge learn`
 *   about themselves;
 * - first-call.ts: a process' first pledge() from its cache entry, looked
 *   up, trusted, checked and filled in in one call.
 *
 * The policy (which promises allow what, the filter's contents, the order
 * of operations) is decided in TypeScript by the callers; the supervisor
 * still holds the mechanisms of the loader window and the kill penalty
 * (src/supervise/). Each module types its slice of the addon (addon.ts);
 * the C++ is plain C++ over a shared Linux layer (src/linux/), with one
 * N-API adapter per module.
 *
 * The addon is loaded lazily on the first call, so importing this module on
 * a non-Linux platform is harmless; calling any function there throws a
 * {@link NativeError} with code `'ENOTSUP'`.
 */
export type { NativeError } from './addon.js';
export { binding as loadAddon, nativeBuildDir } from './addon.js';
export * from './seccomp.js';
export * from './landlock.js';
export * from './unveil-state.js';
export * from './process-state.js';
export * from './reporter.js';
export * from './ring.js';
export * from './supervise.js';
export * from './learn.js';
export * from './first-call.js';
