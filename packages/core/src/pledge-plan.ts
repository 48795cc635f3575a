/**
 * OpenBSD pledge(2)'s calling rules as one pure function: from what is in
 * force and what a call asks, what the call must do. No I/O and no kernel:
 * the caller (the Node facade, packages/pledge/src/pledge.ts) carries the
 * plan out, and the rules are table-tested here without pledging anything.
 *
 * The rules (OpenBSD pledge(2), with Linux's constraints):
 * - promises can only be kept or dropped; asking for more is `EPERM`, except
 *   under `error`, where the extra promises are dropped silently;
 * - execpromises likewise, and on Linux they must be a subset of the
 *   promises (a filter survives execve and cannot be loosened);
 * - the penalty: `kill` by default, `errno` on request or under `error`;
 *   once `kill`, always `kill` (across stacked filters the kernel keeps the
 *   strictest action);
 * - reports: the first call that reports installs the SIGSYS handler, which
 *   stays; its descriptor is fixed from then on. A later call can install it
 *   only if the filters in force let it (rt_sigaction and write: `stdio`);
 * - a call with the promises, penalty and reporting already in force adds
 *   no filter;
 * - a pledge without `unveil` locks unveil(); one that keeps it locks the
 *   paths unveiled before it (Landlock enforces only a locked set); one
 *   without `stdio` cannot make the calls an ordinary exit makes.
 */
import type { ArchDescriptor } from './arch.js';
import { PledgeError } from './errors.js';
import { checkExecPromises, formatPromises, parsePromises, resolvePenalty, type Penalty } from './promises.js';
import type { ConstantName } from './constants.js';
import { REPORT_EXIT_MAGIC, buildReportTables, type ReportTablesOptions } from './report.js';

/** What pledge() has done in a process (serialisable: the Node facade keeps it as JSON). */
export interface PledgeState {
  /** Promises in force, or undefined before the first pledge(). */
  readonly promises?: readonly string[];
  readonly execpromises?: readonly string[];
  /** Filters installed by pledge() so far. */
  readonly filters: number;
  /** The penalty in force (the strictest asked). */
  readonly penalty?: Penalty;
  /** Whether the last filter traps (reports) rather than answering itself. */
  readonly trap?: boolean;
  /** The SIGSYS handler is installed (from then on every filter carries its rules). */
  readonly handler?: boolean;
  readonly reportFd?: number;
  readonly format?: 'text' | 'json';
  readonly quiet?: boolean;
  /** The process name reports show, read once before the first filter. */
  readonly comm?: string;
  /** io_uring descriptors adopted by the first filter (their io_uring_enter is replayed). */
  readonly rings?: readonly number[];
  /** eventfd descriptors the first filter found (the Node runtime allowance uses them). */
  readonly eventFds?: readonly number[];
}

/** Before any pledge(). */
export const INITIAL_PLEDGE_STATE: PledgeState = Object.freeze({ filters: 0 });

/** What happens to a call outside the promises, and how it is reported: pledge()'s options. */
export interface PenaltyOptions {
  /** `kill` (default) or `errno`; `errno` under the `error` promise. */
  readonly penalty?: 'kill' | 'errno';
  /** The errno name for penalty `errno` (default `EPERM`, `ENOSYS` under `error`). */
  readonly errno?: string;
  /** No report line, no SIGSYS handler (unless one is needed anyway): the filter kills or fails the call itself. */
  readonly quiet?: boolean;
  /** Report format: one text line (default) or one JSON object per line. */
  readonly format?: 'text' | 'json';
  /** Descriptor reports are written to (default 2); fixed by the first call that reports. */
  readonly reportFd?: number;
}

/** One pledge(promises, execpromises, options) call. `null`/undefined leaves that part unchanged. */
export interface PledgeRequest {
  readonly promises?: string | null;
  readonly execpromises?: string | null;
  readonly options?: PenaltyOptions;
}

/** What the planner needs to know about the process. */
export interface PledgeFacts {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** The process name, used when the state has none yet. */
  readonly comm: string;
  /** io_uring descriptors the caller found to adopt (read only on the first call; later calls keep the state's). */
  readonly rings?: readonly number[];
  /** eventfd descriptors found (first call only, like rings). */
  readonly eventFds?: readonly number[];
  /**
   * Builds the reporter's tables; default {@link buildReportTables}. A
   * caller may serve the same bytes from a cache of its output (pledge()'s
   * cache of compiled output), never other bytes.
   */
  readonly reportTables?: (arch: ArchDescriptor, options: ReportTablesOptions) => Uint8Array;
}

/** The filter a plan asks for; the caller adds its runtime allowance and compiles it. */
export interface FilterSpec {
  readonly promises: ReadonlySet<string>;
  readonly penalty: Penalty;
  /** Violations trap into the SIGSYS handler (which reports, then applies the penalty). */
  readonly trap: boolean;
  /** The handler's own rules go first (it is or will be installed). */
  readonly reporterRules: boolean;
  readonly reportFd: number;
  readonly ringFds: readonly number[];
  readonly eventFds: readonly number[];
}

/** What the SIGSYS handler is handed (native installReporter). */
export interface ReporterPlan {
  readonly tables: Uint8Array;
  readonly options: {
    readonly fd: number;
    readonly penalty: 'kill' | 'errno';
    readonly format: 'text' | 'json';
    readonly quiet: boolean;
    readonly magic: number;
    /** The errno value and name, with penalty `errno`. */
    readonly errno?: number;
    readonly errnoName?: string;
  };
}

/** What a pledge() call must do, in this order: lock unveil, hand the reporter its tables, install the filter, keep `next`. */
export interface PledgePlan {
  readonly next: PledgeState;
  /** The filter to install, or undefined when the call changes nothing the kernel enforces. */
  readonly filter?: FilterSpec;
  /** The reporter update, or undefined when no handler is (or can be) in place. */
  readonly reporter?: ReporterPlan;
  /**
   * Lock the paths unveiled so far (when a filter is installed). OpenBSD: a
   * pledge without `unveil` locks unveil(); and from the first unveil() on
   * the rest of the file system is hidden, which Landlock can do only by
   * locking, so a pledge that keeps `unveil` locks what was unveiled before
   * it too (later unveil() calls are then refused, loudly).
   */
  readonly lockUnveil: boolean;
  /** The promises lack `stdio`: an ordinary exit would be refused, so the process must end with exit_group(2). */
  readonly directExit: boolean;
}

const subset = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => [...a].every((p) => b.has(p));
const samePenalty = (a: Penalty | undefined, b: Penalty): boolean => a !== undefined && a.kind === b.kind && a.errno === b.errno;

/**
 * Checks a report descriptor option.
 * @throws PledgeError `EINVAL`/`BAD_ARGUMENT` unless a descriptor number (0 to 2^31-1).
 */
export function checkReportFd(fd: unknown): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `reportFd must be a descriptor number, got ${String(fd)}`, { reportFd: fd });
  }
  return fd;
}

/**
 * Plans one pledge() call. Pure: the same inputs give the same plan.
 * @param state what is in force ({@link INITIAL_PLEDGE_STATE} before the first call).
 * @param request the call's arguments; at least one of promises and execpromises.
 * @param arch the arch the filter is for (errno names, report tables).
 * @param facts the process' ids and name, and on a first call the rings and eventfds found.
 * @returns the plan ({@link PledgePlan}).
 * @throws PledgeError `EINVAL` (unknown promise, bad option, execpromises
 *   not a subset, execpromises before any promises), `ENOTSUP` (a device
 *   promise), `EPERM`/`PRIVILEGE_INCREASE` (asking for more than is in force).
 *   Source: OpenBSD pledge(2); seccomp(2) for the penalty across filters.
 */
export function planPledge(state: PledgeState, request: PledgeRequest, arch: ArchDescriptor, facts: PledgeFacts): PledgePlan {
  const options = request.options ?? {};
  if (options === null || typeof options !== 'object') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const current: ReadonlySet<string> | undefined = state.promises ? new Set(state.promises) : undefined;
  let next: ReadonlySet<string> | undefined = request.promises == null ? current : parsePromises(request.promises);
  if (next === undefined) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'execpromises alone cannot be set before any promises: Linux needs them to be a subset of the promises');
  }
  if (current) {
    const added = [...next].filter((p) => !current.has(p));
    if (added.length > 0) {
      if (current.has('error')) next = new Set([...next].filter((p) => current.has(p)));
      else throw new PledgeError('EPERM', 'PRIVILEGE_INCREASE', `pledge(${JSON.stringify(request.promises)}) asks for ${added.join(' ')}, which the promises in force (${JSON.stringify(formatPromises(current))}) do not include; promises can only be kept or dropped`, { added });
    }
  }
  const currentExec: ReadonlySet<string> | undefined = state.execpromises ? new Set(state.execpromises) : undefined;
  let nextExec: ReadonlySet<string> | undefined = currentExec;
  if (request.execpromises != null) {
    const e = parsePromises(request.execpromises);
    if (currentExec && !subset(e, currentExec)) {
      const added = [...e].filter((p) => !currentExec.has(p));
      throw new PledgeError('EPERM', 'PRIVILEGE_INCREASE', `execpromises ${JSON.stringify(request.execpromises)} ask for ${added.join(' ')} beyond those in force (${JSON.stringify(formatPromises(currentExec))})`, { added });
    }
    nextExec = e;
  }
  if (nextExec) checkExecPromises(next, nextExec);

  // The penalty; once kill, always kill.
  const asked = resolvePenalty(next, options, arch);
  const penalty: Penalty = state.penalty?.kind === 'kill' ? state.penalty : asked;
  const quiet = options.quiet === true;
  if (options.format !== undefined && options.format !== 'text' && options.format !== 'json') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `format must be 'text' or 'json', got ${JSON.stringify(options.format)}`, { format: options.format });
  }
  const format = options.format ?? state.format ?? 'text';
  const reportFd = checkReportFd(options.reportFd ?? state.reportFd ?? 2);
  if (state.handler && reportFd !== state.reportFd) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `reportFd is ${state.reportFd}, set by the first pledge() that reported; the filters in force allow the handler no other descriptor`, { reportFd });
  }

  // Rings and eventfds are found by the first filter; after it none can be made.
  const first = state.filters === 0;
  const rings = first ? [...(facts.rings ?? [])] : [...(state.rings ?? [])];
  const eventFds = first ? [...(facts.eventFds ?? [])] : [...(state.eventFds ?? [])];
  // The handler: installed by the first call that reports or has rings to
  // replay, or by a later one if the filters in force allow it (stdio).
  const handler = state.handler === true || (first && rings.length > 0) || (!quiet && (current === undefined || current.has('stdio')));
  const trap = handler && !quiet;
  const unchanged = current !== undefined && current.size === next.size && subset(next, current) &&
    samePenalty(state.penalty, penalty) && state.trap === trap;
  const comm = state.comm ?? facts.comm;

  const reporter: ReporterPlan | undefined = handler
    ? {
        tables: (facts.reportTables ?? buildReportTables)(arch, {
          promises: next, comm, pid: facts.pid, uid: facts.uid, gid: facts.gid,
          penalty: penalty.kind, ...(penalty.errno ? { errno: penalty.errno } : {}),
        }),
        options: {
          fd: reportFd, penalty: penalty.kind, format, quiet, magic: REPORT_EXIT_MAGIC,
          ...(penalty.errno ? { errno: arch.constants[penalty.errno as ConstantName]!, errnoName: penalty.errno } : {}),
        },
      }
    : undefined;

  const filter: FilterSpec | undefined = unchanged
    ? undefined
    : { promises: next, penalty, trap, reporterRules: handler, reportFd, ringFds: rings, eventFds };

  const next_: PledgeState = {
    ...state,
    promises: [...next],
    ...(nextExec ? { execpromises: [...nextExec] } : {}),
    filters: state.filters + (filter ? 1 : 0),
    comm,
    ...(filter ? { penalty, trap } : {}),
    ...(rings.length > 0 ? { rings } : {}),
    ...(eventFds.length > 0 ? { eventFds } : {}),
    ...(reporter ? { handler: true, reportFd, format, quiet } : {}),
  };
  return {
    next: next_,
    ...(filter ? { filter } : {}),
    ...(reporter ? { reporter } : {}),
    lockUnveil: filter !== undefined,
    directExit: !next.has('stdio'),
  };
}
