/**
 * The io_uring replay (src/ring-replay.cc): rings that existed before
 * pledge() keep working for libuv's epoll_ctl batches, replayed by the
 * SIGSYS handler without the kernel ever running a submission
 * (docs/node-runtime.md has the limits).
 */
import { binding } from './addon.js';

declare module './addon.js' {
  interface Addon {
    ringAdopt(rings: readonly RingToAdopt[]): { fd: number; sqArray: boolean }[];
    ringState(): RingState;
    ringScan?(): RingScan;
    ringScanAhead?(): void;
    ringScanDrop?(): void;
  }
}

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
  return binding().ringAdopt(list);
}

/** The adopted rings and how many calls were replayed or refused. */
export function ringState(): RingState {
  return binding().ringState();
}

/**
 * The fields of a ring's fdinfo pledge() reads, as {@link ringScan} read
 * them: present only when each value has the form the kernel prints
 * (`SqMask`/`CqMask` as `0x` and lowercase hex or decimal digits,
 * `SqThread` as decimal digits with an optional `-`, `ino` decimal digits
 * or absent; at most 13 digits), so that each is what JavaScript's Number()
 * gives for the text; otherwise the caller parses the text.
 */
export interface RingFdinfoFields {
  readonly sqMask: number;
  readonly cqMask: number;
  readonly sqThread: number;
  readonly ino?: number;
}

/** What {@link ringScan} finds: io_uring and eventfd descriptors, and io_uring submission-polling threads. */
export interface RingScan {
  /** Descriptors linking to `anon_inode:[io_uring]` (with their /proc/self/fdinfo text, null when unreadable) or `anon_inode:[eventfd]`. */
  readonly fds: readonly { readonly fd: number; readonly target: 'anon_inode:[io_uring]' | 'anon_inode:[eventfd]'; readonly fdinfo?: string | null; readonly fields?: RingFdinfoFields }[];
  /** Threads of the process named `iou-sqp-*`. */
  readonly tasks: readonly { readonly tid: number; readonly name: string }[];
}

/**
 * Reads /proc/self/fd (and fdinfo of io_uring descriptors) and
 * /proc/self/task in one native pass: what pledge() looks for before its
 * first filter (its io-uring.ts parses and decides). Undefined when the
 * addon loaded is one without it (an older build).
 * @throws {NativeError} with the errno when /proc/self/fd or /proc/self/task cannot be opened or read.
 */
export function ringScan(): RingScan | undefined {
  return binding().ringScan?.();
}

/**
 * Starts the walk {@link ringScan} makes on a thread of its own, so that the
 * caller's next {@link ringScan} or firstCallLookup() takes its result
 * instead of walking then (pledge() starts it as its first call begins: the
 * walk's cost, mostly the kernel instantiating /proc/self's entries, then
 * overlaps the JavaScript a fresh process compiles meanwhile). Does nothing
 * when a seccomp filter binds the process (the walk is then made when asked)
 * or a walk is pending. Whoever starts one must take it or
 * {@link ringScanDrop} it before anything can change what it saw: a later
 * caller would otherwise take a stale walk. No-op with an older addon.
 */
export function ringScanAhead(): void {
  binding().ringScanAhead?.();
}

/** Waits for a walk {@link ringScanAhead} started and not yet taken, and forgets it. No-op without one. */
export function ringScanDrop(): void {
  binding().ringScanDrop?.();
}
