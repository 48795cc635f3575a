/**
 * What pledge() and unveil() have done in this process, shared by every
 * JavaScript realm (the main thread and each Worker load their own copy of
 * these modules; the native addon keeps one copy of the state, see native
 * process-state.cc), the lock around each call, and the one mapping from a
 * native error to a PledgeError.
 *
 * Both pledge.ts and unveil.ts read the state from here, so neither imports
 * the other for it.
 */
import { PledgeError, formatPromises, type PledgeErrorReason, type PledgeState } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';

/** How long a call waits for another realm's pledge() or unveil() to finish. */
const LOCK_TIMEOUT_MS = 10_000;

const STATE_KEY = 'pledge.state';

/** The pledge state in force (core's PledgeState; `{ filters: 0 }` before the first pledge() or without the addon). */
export function readState(): PledgeState {
  if (process.platform !== 'linux') return { filters: 0 };
  let text: string | undefined;
  try {
    text = native.sharedGet(STATE_KEY);
  } catch {
    return { filters: 0 }; // no addon: nothing was ever pledged
  }
  return text === undefined ? { filters: 0 } : JSON.parse(text) as PledgeState;
}

/** Records the state a pledge() has put in force. */
export function writeState(state: PledgeState): void {
  native.sharedSet(STATE_KEY, JSON.stringify(state));
}

/** The promises in force from pledge() calls in any realm, or undefined before the first. */
export function promisesInForce(): string | undefined {
  const state = readState();
  return state.promises ? formatPromises(new Set(state.promises)) : undefined;
}

/**
 * A PledgeError from an error the native addon threw (its `code`, `errno`,
 * `syscall`, `tid` kept in `details`).
 * @param code the PledgeError code; default the native error's own code (or `EIO`).
 * @param message builds the message from the native one; default `native message`.
 */
export function fromNative(e: unknown, code: string | undefined, reason: PledgeErrorReason,
  message: (nativeMessage: string) => string = (m) => m, details: Record<string, unknown> = {}): PledgeError {
  if (e instanceof PledgeError) return e;
  const err = e as native.NativeError & { fd?: number };
  return new PledgeError(code ?? err.code ?? 'EIO', reason, message(err.message),
    { syscall: err.syscall, errno: err.errno, ...(err.tid !== undefined ? { tid: err.tid } : {}), ...(err.fd !== undefined ? { fd: err.fd } : {}), nativeCode: err.code, ...details });
}

/**
 * Runs `fn` holding the process-wide lock.
 * @param what the calling function, for the error message.
 * @throws PledgeError `EBUSY` (reason `KERNEL`) when another thread holds the
 *   lock for longer than 10 s, or this thread already holds it (a pledge()
 *   from inside pledge()); whatever `fn` throws.
 */
export function withProcessLock<T>(what: string, fn: () => T): T {
  try {
    native.processLock(LOCK_TIMEOUT_MS);
  } catch (e) {
    throw fromNative(e, 'EBUSY', 'KERNEL', (m) => `${what}: ${m}`);
  }
  try {
    return fn();
  } finally {
    native.processUnlock();
  }
}
