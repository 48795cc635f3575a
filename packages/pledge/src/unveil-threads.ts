/**
 * How unveil()'s Landlock domain reached the threads of the process: the
 * status types, and the shaping of the native per-thread report
 * (@seccomp-scopes/native landlockRestrictThreads, landlock/threads.cc)
 * into them. Used by ./unveil.ts's lock.
 */
import fs from 'node:fs';
import type * as native from '@seccomp-scopes/native';

/** One thread, as the lock found it (method `signal`). */
export interface UnveilThreadResult {
  readonly tid: number;
  /** `restricted` (the thread itself called landlock_restrict_self and it succeeded), `blocked`, `timeout`, `failed: EPERM`, `exited`, `untracked`. */
  readonly result: string;
  /** The signal that reached it: the real-time one, or 33 (glibc's SIGSETXID, borrowed); absent for the calling thread. */
  readonly signal?: number;
}

/** How the Landlock domain reached the process' threads. */
export interface UnveilThreadStatus {
  /** `tsync`: one landlock_restrict_self with TSYNC (ABI 8); `signal`: one per thread from a signal handler; `none`: nothing enforced. */
  readonly method: 'tsync' | 'signal' | 'none';
  /** The real-time signal used by `signal`. */
  readonly signal?: number;
  /** 33 when glibc's SIGSETXID could be borrowed for threads blocking the real-time signal, null when not (see `setxidUnavailable`). Method `signal` only. */
  readonly setxidSignal?: number | null;
  /** Why SIGSETXID could not be borrowed. */
  readonly setxidUnavailable?: string;
  /** Threads reached through SIGSETXID (Node's inspector thread, which blocks every other signal). */
  readonly viaSetxid?: readonly number[];
  /** Every thread seen, the calling one first (method `signal`). */
  readonly perThread?: readonly UnveilThreadResult[];
  /** Threads that existed during the lock (null if /proc could not be read under `tsync`). */
  readonly total: number | null;
  /** Threads now in the domain (with `tsync`: all of them). */
  readonly restricted: number | null;
  /** Threads that are not, and why (`blocked` the signal, `timeout`, `failed: EPERM`, …). */
  readonly unrestricted: readonly { readonly tid: number; readonly reason: string }[];
}

/**
 * What landlockRestrictThreads reports beyond the fields its declaration in
 * @seccomp-scopes/native names: the signal each thread got, and whether
 * glibc's SIGSETXID (33) was borrowed for the threads blocking the
 * real-time one (landlock/threads.cc).
 */
export type ThreadReport = Omit<native.ThreadRestrictReport, 'threads'> & {
  readonly setxidSignal?: number | null;
  readonly setxidUnavailable?: string;
  readonly setxidHandlerKept?: boolean;
  readonly threads: readonly (native.ThreadRestrictResult & { readonly signal?: number })[];
};

function blockedReason(report: ThreadReport, sigblk: string | undefined): string {
  const also = report.setxidSignal ? ` and ${report.setxidSignal} (SIGSETXID)` : '';
  const why = report.setxidUnavailable ? `; SIGSETXID cannot be borrowed: ${report.setxidUnavailable}` : '';
  return `blocks signal ${report.signal}${also} (SigBlk ${sigblk ?? '?'})${why}`;
}

export function threadsFromReport(report: ThreadReport): UnveilThreadStatus {
  const unrestricted = report.threads
    .filter((t) => t.result !== 'restricted' && t.result !== 'exited')
    .map((t) => ({
      tid: t.tid,
      reason: t.result === 'blocked' ? blockedReason(report, t.sigblk)
        : t.result === 'failed' ? `failed: ${t.code ?? 'unknown'}`
          : t.result === 'timeout' ? `timeout: no answer to signal ${t.signal ?? report.signal}`
            : t.result,
    }));
  const alive = report.threads.filter((t) => t.result !== 'exited');
  return {
    method: 'signal', signal: report.signal,
    setxidSignal: report.setxidSignal ?? null,
    ...(report.setxidUnavailable ? { setxidUnavailable: report.setxidUnavailable } : {}),
    total: alive.length,
    restricted: report.threads.filter((t) => t.result === 'restricted').length, unrestricted,
    viaSetxid: report.threads.filter((t) => t.result === 'restricted' && t.signal !== undefined && t.signal === report.setxidSignal).map((t) => t.tid),
    perThread: report.threads.map((t) => ({ tid: t.tid, result: t.result === 'failed' ? `failed: ${t.code ?? 'unknown'}` : t.result, ...(t.signal !== undefined ? { signal: t.signal } : {}) })),
  };
}

export function taskCount(): number | null {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}
