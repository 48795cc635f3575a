/**
 * Process-wide state for the facade (src/process-state.cc): a lock held
 * around a whole pledge() or unveil() call, and named string slots, seen
 * alike from every JavaScript realm (the main thread and each Worker).
 */
import { binding } from './addon.js';

declare module './addon.js' {
  interface Addon {
    processLock(timeoutMs: number): void;
    processUnlock(): void;
    sharedGet(key: string): string | undefined;
    sharedSet(key: string, value: string | undefined): void;
  }
}

/**
 * Takes the process-wide pledge/unveil lock (one holder among all threads
 * and JS realms), waiting up to `timeoutMs` milliseconds. A lock whose
 * holder thread has ended is taken over.
 * @throws {NativeError} `EBUSY` after the timeout, `EDEADLK` when this thread holds it already.
 */
export function processLock(timeoutMs: number): void {
  binding().processLock(timeoutMs);
}

/** Releases the lock taken by {@link processLock} on this thread. @throws {NativeError} `EPERM` if this thread does not hold it. */
export function processUnlock(): void {
  binding().processUnlock();
}

/** A process-wide string slot shared by every JS realm (undefined when unset). */
export function sharedGet(key: string): string | undefined {
  return binding().sharedGet(key);
}

/** Sets (or, with undefined, clears) a process-wide string slot. */
export function sharedSet(key: string, value: string | undefined): void {
  binding().sharedSet(key, value);
}
