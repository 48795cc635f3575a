/**
 * unveil()'s process-wide lock state (src/landlock/unveil-state.cc): one
 * for the whole process, seen alike by every JS realm (the main thread and
 * each Worker load their own copy of the JS modules, but the addon once).
 */
import { binding } from './addon.js';

declare module './addon.js' {
  interface Addon {
    unveilClaim(): boolean;
    unveilRelease(): void;
    unveilCommit(report: string): void;
    unveilState(): UnveilLockState;
  }
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
