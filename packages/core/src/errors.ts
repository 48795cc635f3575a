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

/** An option of pledge() or unveil(), by the library's name for it. */
export type PledgeOption = 'penalty' | 'errno' | 'bestEffort';

/**
 * The option an error's message names (the one it is about, or the one
 * that gets past it), so that a caller that spells options its own way
 * (the `pledge` command: `--errno`, `--unveil-best-effort`) can have the
 * same message with its spelling ({@link PledgeError.messageWith}) instead
 * of rewriting the text.
 */
export interface PledgeErrorHint {
  readonly option: PledgeOption;
}

/**
 * How pledge() and unveil() write each option in a message: a value option
 * by its name (`errno "NOPE" is not an errno name`), a boolean one as it is
 * turned on (`pass { bestEffort: true }`).
 */
export const LIBRARY_OPTION_SPELLING: Readonly<Record<PledgeOption, string>> = {
  penalty: 'penalty',
  errno: 'errno',
  bestEffort: '{ bestEffort: true }',
};

export class PledgeError extends Error {
  /** errno name, as OpenBSD's pledge(2) would report it (`EINVAL`, `EPERM`, `E2BIG`, …). */
  readonly code: string;
  /** What exactly was wrong. */
  readonly reason: PledgeErrorReason;
  /** Extra facts (the bad token, the valid choices, the failing syscall, …). */
  readonly details: Readonly<Record<string, unknown>>;
  /** The option the message names, for callers with their own option names. */
  readonly hint?: PledgeErrorHint;
  /** The message, given how the hint's option is written. */
  readonly #write?: (option: string) => string;

  constructor(code: string, reason: PledgeErrorReason, message: string, details: Record<string, unknown> = {},
    named?: { readonly option: PledgeOption; readonly write: (option: string) => string }) {
    super(message);
    this.name = 'PledgeError';
    this.code = code;
    this.reason = reason;
    this.details = details;
    if (named) {
      this.hint = { option: named.option };
      this.#write = named.write;
    }
  }

  /**
   * An error whose message names an option: `write(o)` is the message with
   * the option written `o`. The message is it with the library's spelling
   * ({@link LIBRARY_OPTION_SPELLING}); {@link messageWith} writes another.
   */
  static naming(code: string, reason: PledgeErrorReason, option: PledgeOption, write: (option: string) => string, details: Record<string, unknown> = {}): PledgeError {
    return new PledgeError(code, reason, write(LIBRARY_OPTION_SPELLING[option]), details, { option, write });
  }

  /** The message with the hint's option written as `spelling` says (the message itself without a hint). */
  messageWith(spelling: Readonly<Record<PledgeOption, string>>): string {
    return this.hint && this.#write ? this.#write(spelling[this.hint.option]) : this.message;
  }
}
