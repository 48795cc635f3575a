/**
 * Typed errors. Every error this project throws on bad input or a refused
 * request is a {@link PledgeError}: `code` is the errno name OpenBSD's
 * pledge(2)/unveil(2) would set for the same situation (`EINVAL` for a bad
 * argument, `EPERM` for a privilege increase, …), `reason` says precisely
 * what went wrong, and the message names the bad value and what is allowed.
 */

/** Machine-readable cause of a {@link PledgeError}. */
export type PledgeErrorReason =
  | 'UNKNOWN_PROMISE'
  | 'UNSUPPORTED_PROMISE'
  | 'BAD_ARGUMENT'
  | 'UNKNOWN_SYSCALL'
  | 'UNKNOWN_CONSTANT'
  | 'BAD_RULE'
  | 'PROGRAM_TOO_LARGE'
  | 'BAD_PROGRAM'
  | 'UNSUPPORTED_ARCH'
  | 'UNSUPPORTED_RUNTIME'
  | 'PRIVILEGE_INCREASE'
  /** unveil() after the lock, or under a pledge without the `unveil` promise (EPERM). */
  | 'UNVEIL_LOCKED'
  /** Strict unveil() lock on a kernel without Landlock (ENOTSUP). */
  | 'LANDLOCK_UNAVAILABLE'
  /** Strict unveil() lock on a Landlock ABI that lacks a right whose absence leaves an access unrestricted (ENOTSUP). */
  | 'LANDLOCK_ABI_TOO_OLD'
  /** Strict unveil() lock with a rule beneath a wider one, which Landlock would widen (ENOTSUP). */
  | 'UNVEIL_WIDENED'
  /** unveil() lock that cannot put, or did not put, every thread of the process in the Landlock domain. */
  | 'THREADS_UNREACHABLE'
  | 'KERNEL'
  /** An invariant of this library does not hold: a bug here, not a bad input (the message says which). */
  | 'INTERNAL';

export class PledgeError extends Error {
  /** errno name, as OpenBSD's pledge(2) would report it (`EINVAL`, `EPERM`, `E2BIG`, …). */
  readonly code: string;
  /** What exactly was wrong. */
  readonly reason: PledgeErrorReason;
  /** Extra facts (the bad token, the valid choices, the failing syscall, …). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, reason: PledgeErrorReason, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'PledgeError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}
