/**
 * How the supervisor judges a call the filter sent it: the same answer
 * pledge() would have given in the kernel, for the promises in force in
 * the calling process.
 *
 * Without execpromises every process runs under the promises, and the only
 * calls the filter sends that the promises allow are execve/execveat (with
 * `exec`) and a getppid shaped like the marker (with `stdio`). With
 * execpromises, the filter allows only the execpromises in the kernel; the
 * rest of the promises reach the supervisor, which lets them through for
 * processes that have not called execve since the start, and refuses them
 * in the others (their programs run under the execpromises, as on OpenBSD).
 *
 * Which processes have called execve is remembered per process, not per
 * pid: a pid is reused once its process ends, and the process that gets it
 * (say, a child of an executed program) must not be judged as its
 * predecessor was. The supervisor names each process with a number it
 * never reuses and says when the process ends; the start time
 * (/proc/<pid>/stat) backs that up when it cannot.
 *
 * Known limit: a process whose parent ended is placed by its new parent
 * (the reaper). If that is a supervised process that set itself up as a
 * child subreaper (PR_SET_CHILD_SUBREAPER, under `proc`) before any
 * execve, an orphan of an executed program is placed under it; seeing every
 * fork would be needed to place it by its real parent.
 */
import fs from 'node:fs';
import {
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, simulate,
  type ArchDescriptor, type CompiledFilter, type Rule, type RuntimeValues,
} from '@seccomp-scopes/core';
import type { SupervisedCall } from '@seccomp-scopes/native';
import { compileJudgeFilter } from './filter.js';

/** What to do with a call. */
export type Verdict = { readonly kind: 'allow' } | { readonly kind: 'errno'; readonly errno: number } | { readonly kind: 'violation' };

/** What the policy reads of a process: its parent and its start time. */
export interface ProcessInfo {
  readonly ppid: number;
  /** `/proc/<pid>/stat` field 22: clock ticks since boot. */
  readonly startTime: number;
}

/** Reads {@link ProcessInfo} of a process; undefined when it is gone. */
export type ProcessReader = (pid: number) => ProcessInfo | undefined;

/** {@link ProcessReader} from `/proc/<pid>/stat` (fields 4 and 22). */
export function readProcessInfo(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may hold spaces or ')': fields 3... follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[4 - 3]);
  const startTime = Number(fields[22 - 3]);
  return Number.isInteger(ppid) && Number.isInteger(startTime) ? { ppid, startTime } : undefined;
}

/**
 * The process a call comes from: its pid, the supervisor's number for it
 * (never reused), and its start time (with the pid, it names the process
 * up to the clock tick).
 */
export interface CallerProcess {
  readonly pid: number;
  readonly process?: number;
  readonly startTime?: number;
}

/** Entries kept before the cache is swept of processes that are gone (those the supervisor reports the end of are dropped then). */
const SWEEP_AT = 4096;

interface Remembered {
  /** The supervisor's number of the process, when it gave one. */
  readonly process: number | undefined;
  readonly startTime: number | undefined;
  readonly execed: boolean;
}

export class Policy {
  private readonly before: CompiledFilter;
  private readonly after: CompiledFilter | undefined;
  /**
   * Per pid: whether the process (or an ancestor, before forking it) called
   * execve since the launch. Only processes whose calls were judged are
   * here, with what names them beyond the pid: the supervisor's number
   * (and then {@link forget} drops them when they end, before any later
   * process can get the pid), else the start time. An entry counts for a
   * caller only when that matches: a process that gets the pid of one that
   * ended is placed anew, never under the state of its predecessor.
   */
  private readonly execed = new Map<number, Remembered>();
  private sweepAt = SWEEP_AT;
  private readonly execNrs: ReadonlySet<number>;

  /**
   * @param child the supervised child: its pid cannot be reused while it is
   *   supervised (it is reaped only at the end).
   * @param readProcess how processes are read (tests give a fake one).
   */
  constructor(
    private readonly arch: ArchDescriptor,
    readonly promises: ReadonlySet<string>,
    readonly execpromises: ReadonlySet<string> | undefined,
    readonly child: number,
    runtime: RuntimeValues,
    extra: (promises: ReadonlySet<string>) => readonly Rule[] = () => [],
    private readonly readProcess: ProcessReader = readProcessInfo,
  ) {
    this.before = compileJudgeFilter(promises, arch, runtime, extra(promises));
    this.after = execpromises ? compileJudgeFilter(execpromises, arch, runtime, extra(execpromises)) : undefined;
    this.execed.set(child, { process: undefined, startTime: undefined, execed: false });
    this.execNrs = new Set(['execve', 'execveat'].map((n) => arch.syscalls[n]).filter((n): n is number => n !== undefined));
  }

  /** The supervisor says process `process` (pid `pid`) ended. */
  forget(pid: number, process: number): void {
    if (pid !== this.child && this.execed.get(pid)?.process === process) this.execed.delete(pid);
  }

  /** How many processes are remembered (for tests). */
  get remembered(): number {
    return this.execed.size;
  }

  /** The state remembered for the process (`pid`, `process`, `startTime`), if it is the one remembered. */
  private cached(pid: number, process: number | undefined, startTime: number | undefined): boolean | undefined {
    const e = this.execed.get(pid);
    if (e === undefined) return undefined;
    if (pid === this.child) return e.execed;  // its pid stays its own until it is reaped
    if (process !== undefined && e.process !== undefined) return process === e.process ? e.execed : undefined;
    return startTime !== undefined && startTime === e.startTime ? e.execed : undefined;
  }

  private remember(caller: CallerProcess, startTime: number | undefined, execed: boolean): void {
    const child = caller.pid === this.child;
    if (!child && caller.process === undefined && startTime === undefined) return;  // cannot be told from a later process with this pid
    this.execed.set(caller.pid, child ? { process: undefined, startTime: undefined, execed } : { process: caller.process, startTime, execed });
    if (this.execed.size >= this.sweepAt) this.sweep();
  }

  /** Forgets processes that are gone (their pid is free, or names a later process). */
  private sweep(): void {
    for (const [pid, e] of this.execed) {
      if (pid !== this.child && this.readProcess(pid)?.startTime !== e.startTime) this.execed.delete(pid);
    }
    this.sweepAt = Math.max(SWEEP_AT, this.execed.size * 2);
  }

  /** The start time of the caller: the supervisor's, else read now. */
  private startOf(caller: CallerProcess): number | undefined {
    return caller.startTime ?? this.readProcess(caller.pid)?.startTime;
  }

  /**
   * Whether the caller runs a program started by execve after the launch.
   * A process not judged before is placed by its nearest ancestor that was
   * (read through /proc). A step to a parent is taken only when it
   * provably is the parent of the process placed: that process still has
   * the start time it was placed with, and the parent started no later (a
   * pid reused meanwhile would have started later). Any doubt (a process
   * gone, a pid reused, no known ancestor) gives the narrower promises.
   */
  private hasExeced(caller: CallerProcess): boolean {
    const start = this.startOf(caller);
    const known = this.cached(caller.pid, caller.process, start);
    if (known !== undefined) return known;
    let state = true;
    let pid = caller.pid;
    let startTime = start;
    for (let depth = 0; depth < 64 && startTime !== undefined; depth++) {
      const info = this.readProcess(pid);
      if (info === undefined || info.startTime !== startTime) break;  // ended, or the pid names another process now
      const parent = info.ppid > 0 ? this.readProcess(info.ppid) : undefined;
      if (parent === undefined || parent.startTime > startTime) break;  // gone, or its pid was reused
      pid = info.ppid;
      startTime = parent.startTime;
      const here = this.cached(pid, undefined, startTime);
      if (here !== undefined) {
        state = here;
        break;
      }
    }
    this.remember(caller, start, state);
    return state;
  }

  /** The promises in force in the caller's process. */
  promisesOf(caller: CallerProcess): ReadonlySet<string> {
    return this.execpromises && this.hasExeced(caller) ? this.execpromises : this.promises;
  }

  judge(call: SupervisedCall): Verdict {
    const after = this.after !== undefined && this.hasExeced(call);
    const filter = after ? this.after! : this.before;
    const { ret } = simulate(filter.program, { nr: call.nr, arch: call.arch, instructionPointer: call.ip, args: call.args }, this.arch.endian);
    const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
    if (action === SECCOMP_RET_ALLOW) {
      if (this.after && this.execNrs.has(call.nr)) this.remember(call, this.startOf(call), true);
      return { kind: 'allow' };
    }
    if (action === SECCOMP_RET_ERRNO) return { kind: 'errno', errno: ret & SECCOMP_RET_DATA };
    return { kind: 'violation' };
  }
}
