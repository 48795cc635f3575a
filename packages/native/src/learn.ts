/**
 * Learn mode's in-process half (src/learn.cc, `pledge learn`, issue 14): the
 * marker by which the Node facade's pledge()/unveil() tell a learner about
 * themselves, and the constants of src/preload/protocol.h it uses (their
 * only source).
 *
 * The protocol: the learner sets `SECCOMP_SCOPES_LEARN=1` in the program's
 * environment and routes `getppid(markerA, markerB, …)` to itself with a
 * seccomp user notification (SECCOMP_RET_USER_NOTIF, seccomp_unotify(2)).
 * The facade, after validating a call's arguments, makes
 * `getppid(markerA, markerB, record, length)`; a learner reads the record
 * and answers {@link LearnProtocol.ack}, so the call is recorded and not
 * enforced. Without a learner the kernel answers the parent's pid (never
 * `ack`, which is above PID_MAX_LIMIT), and the facade enforces.
 */
import { binding } from './addon.js';

declare module './addon.js' {
  interface Addon {
    learnProtocol(): LearnProtocol;
    learnMark(record: string): number;
  }
}

/** The learn-mode constants of src/preload/protocol.h, as the addon was compiled with them. */
export interface LearnProtocol {
  /** The marker is `getppid(markerA, markerB, <record pointer>, <record length>)` (LEARN_MARKER_A/B). */
  readonly markerA: bigint;
  readonly markerB: bigint;
  /** The learner's answer that means "recorded, do not enforce" (LEARN_ACK, 99253968 = 0x5EA7ED0). */
  readonly ack: number;
  /** The most bytes of UTF-8 a record may have (LEARN_RECORD_MAX, 65536). */
  readonly recordMax: number;
  /** The environment variable the learner sets to `1` (LEARN_ENV, `SECCOMP_SCOPES_LEARN`). */
  readonly env: string;
}

let protocol: LearnProtocol | undefined;

/** The learn-mode constants of src/preload/protocol.h (their only source). */
export function learnProtocol(): LearnProtocol {
  protocol ??= Object.freeze(binding().learnProtocol());
  return protocol;
}

/**
 * Makes the learn marker: the system call
 * `getppid(LEARN_MARKER_A, LEARN_MARKER_B, ptr, len)`, from native code,
 * where ptr/len are the UTF-8 bytes of `record` (JSON, see
 * src/preload/protocol.h). The kernel ignores getppid's arguments.
 *
 * @param record the JSON record, at most {@link LearnProtocol.recordMax} bytes of UTF-8.
 * @returns the answer: {@link LearnProtocol.ack} when a learner recorded the
 *   call, else the parent's pid (nobody is learning).
 * @throws {NativeError} `TypeError` (`EINVAL`) when `record` is not a string,
 *   `RangeError` (`EINVAL`) when it is longer than the limit; nothing is called then.
 */
export function learnMark(record: string): number {
  return binding().learnMark(record);
}
