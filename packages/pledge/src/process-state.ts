/**
 * The process-wide lock around pledge() and unveil() (native
 * process-state.cc): the main thread and every Worker realm plan from the
 * same state, one call at a time.
 */
import { PledgeError } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';

/** How long a call waits for another realm's pledge() or unveil() to finish. */
const LOCK_TIMEOUT_MS = 10_000;

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
    const err = e as native.NativeError;
    throw new PledgeError('EBUSY', 'KERNEL', `${what}: ${err.message}`, { nativeCode: err.code });
  }
  try {
    return fn();
  } finally {
    native.processUnlock();
  }
}
