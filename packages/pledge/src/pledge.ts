/**
 * pledge() for the running Node.js process.
 *
 * Semantics: OpenBSD pledge(2). The promises are compiled to a seccomp-bpf
 * filter (see @seccomp-scopes/core) and installed with
 * SECCOMP_FILTER_FLAG_TSYNC, so every thread of the process is bound from
 * the moment pledge() returns: the main thread, V8's platform workers, the
 * libuv threadpool and Worker threads alike (seccomp(2)).
 */
import {
  PledgeError, REPORT_EXIT_MAGIC, buildReportTables, checkExecPromises, compilePromises, constantOf, formatPromises, parsePromises,
  penaltyAction, reporterRules, resolvePenalty, ringReplayRules, verify,
  type ArchDescriptor, type CompiledFilter, type ConstantName, type Penalty,
} from '@seccomp-scopes/core';
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import * as native from '@seccomp-scopes/native';
import { archFor } from './arch.js';
import { planRings, scanOrCaptured } from './io-uring.js';
import { withProcessLock } from './process-state.js';
import { nodeRuntimeRules } from './node-runtime.js';
import { prepareRuntime } from './runtime-prep.js';
import { lockUnveilForPledge } from './unveil.js'; // [unveil] OpenBSD: pledge without "unveil" locks unveil()

/** Options for {@link compilePledge}. */
export interface CompilePledgeOptions {
  /** Node's arch name (`x64`); default: this process'. */
  readonly arch?: string;
  /**
   * Whether the Node runtime allowance includes executable memory for V8's
   * JIT. Default: true unless this process runs with `--jitless`.
   */
  readonly jit?: boolean;
  /** The pid the `kill`/`tgkill` self rules name; default `process.pid`. */
  readonly pid?: number;
  /** The uid and gid fattr's "chown to itself" rules name; default this process' (-1, matching nothing, where there is none). */
  readonly uid?: number;
  readonly gid?: number;
  /** The penalty, as for {@link pledge}: `kill` (default) or `errno`. */
  readonly penalty?: 'kill' | 'errno';
  /** With penalty `errno`: the errno name (default `EPERM`; `ENOSYS` under the `error` promise). */
  readonly errno?: string;
  /** No report: the filter answers a violation with KILL_PROCESS or ERRNO itself instead of trapping. */
  readonly quiet?: boolean;
  /** The report descriptor the filter lets the handler write to (default 2). */
  readonly reportFd?: number;
  /** Include the reporter's rules even when `quiet` (a handler installed by an earlier pledge() must keep working). */
  readonly reporterRules?: boolean;
  /**
   * Descriptors of io_uring instances adopted before the first filter: their
   * `io_uring_enter` is trapped and replayed by the SIGSYS handler
   * (core ringReplayRules). Default none.
   */
  readonly ringFds?: readonly number[];
  /** eventfd descriptors of the event loops, for the runtime allowance (node-runtime.ts). Default none. */
  readonly eventFds?: readonly number[];
}

/** Options of {@link pledge}: what happens to a call outside the promises. */
export interface PledgeOptions {
  /**
   * `kill` (default): the whole process dies by SIGSYS (status 128+31).
   * `errno`: the call fails with {@link errno} and the process goes on (in
   * Node an ordinary error with that `code`). The `error` promise selects
   * `errno` with ENOSYS. Once `kill`, always `kill`: a later pledge() cannot
   * soften it (the kernel's rule across stacked filters).
   */
  readonly penalty?: 'kill' | 'errno';
  /** The errno name for penalty `errno` (default `EPERM`, `ENOSYS` under `error`); any errno the arch defines. */
  readonly errno?: string;
  /** No report line, no SIGSYS handler: the filter kills or fails the call itself. */
  readonly quiet?: boolean;
  /** Report format: one text line (default) or one JSON object per line. */
  readonly format?: 'text' | 'json';
  /** Descriptor reports are written to (default 2, stderr); fixed by the first pledge() that reports. */
  readonly reportFd?: number;
}

const samePenalty = (a: Penalty | undefined, b: Penalty): boolean => a !== undefined && a.kind === b.kind && a.errno === b.errno;

function checkReportFd(fd: unknown): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `reportFd must be a descriptor number, got ${String(fd)}`, { reportFd: fd });
  }
  return fd;
}

/** True when this Node process runs without a JIT (`node --jitless`). */
export function isJitless(): boolean {
  return process.execArgv.includes('--jitless') || /(^|\s)--jitless(\s|$)/.test(process.env['NODE_OPTIONS'] ?? '');
}

/**
 * Compiles the filter `pledge(promises)` would install in a Node process,
 * without installing anything (it reads only this process' pid, uid and
 * gid as defaults, and whether it runs --jitless). Usable for any
 * supported arch.
 * @param promises OpenBSD promise string, e.g. `"stdio rpath"`.
 * @returns the compiled filter (`program`, `bytes`, `worstCasePath`, …).
 * @throws PledgeError `EINVAL` for an unknown promise, `ENOTSUP` for an
 *   unsupported arch, `E2BIG` if the program would exceed 4096 instructions.
 */
export function compilePledge(promises: string, options: CompilePledgeOptions = {}): CompiledFilter {
  const arch: ArchDescriptor = archFor(options.arch);
  const set = parsePromises(promises);
  const penalty = resolvePenalty(set, options, arch);
  // Reporting: the penalty becomes SECCOMP_RET_TRAP and the SIGSYS handler
  // (native installReporter) applies it after its report; the reporter's
  // rules come first (exit_group(magic) must precede the exit_group ALLOW).
  const trap = options.quiet !== true;
  const withReporter = trap || options.reporterRules === true;
  return compilePromises(set, {
    arch,
    prefix: [
      ...(withReporter ? reporterRules({ reportFd: checkReportFd(options.reportFd ?? 2) }) : []),
      ...ringReplayRules(options.ringFds ?? []),
    ],
    extra: nodeRuntimeRules({ jit: options.jit ?? !isJitless(), ...(options.eventFds ? { eventFds: options.eventFds } : {}) }),
    penalty: trap ? { kind: 'trap' } : penaltyAction(penalty),
    runtime: { pid: options.pid ?? process.pid, uid: options.uid ?? process.getuid?.() ?? -1, gid: options.gid ?? process.getgid?.() ?? -1 },
  });
}

/**
 * What pledge() has done in this process, kept by the native addon so that
 * every JavaScript realm (the main thread, each Worker) sees the same state:
 * a pledge in one realm binds the others, and their later calls must narrow
 * from it.
 */
interface PledgeState {
  promises?: string[];
  execpromises?: string[];
  filters: number;
  /** The penalty in force (the strictest asked). */
  penalty?: Penalty;
  /** Whether the last filter traps (reports) rather than answering itself. */
  trap?: boolean;
  /** The SIGSYS handler is installed (from then on every filter carries its rules). */
  handler?: boolean;
  reportFd?: number;
  format?: 'text' | 'json';
  quiet?: boolean;
  comm?: string;
  /** io_uring descriptors adopted by the first pledge() (their io_uring_enter is replayed). */
  rings?: number[];
  /** eventfd descriptors the first pledge() found (the runtime allowance lets libuv wake its loops through them). */
  eventFds?: number[];
}

const STATE_KEY = 'pledge.state';

function readState(): PledgeState {
  if (process.platform !== 'linux') return { filters: 0 };
  let text: string | undefined;
  try {
    text = native.sharedGet(STATE_KEY);
  } catch {
    return { filters: 0 }; // no addon: nothing was ever pledged
  }
  return text === undefined ? { filters: 0 } : JSON.parse(text) as PledgeState;
}

function writeState(state: PledgeState): void {
  native.sharedSet(STATE_KEY, JSON.stringify(state));
}

const asSet = (list: readonly string[] | undefined): ReadonlySet<string> | undefined => list ? new Set(list) : undefined;

/** The promises in force from pledge() calls in any realm of this process, or undefined before the first. */
export function currentPromises(): string | undefined {
  const state = readState();
  return state.promises ? formatPromises(new Set(state.promises)) : undefined;
}

/** The execpromises recorded by pledge() in any realm, or undefined when none were given. */
export function currentExecPromises(): string | undefined {
  const state = readState();
  return state.execpromises ? formatPromises(new Set(state.execpromises)) : undefined;
}

/** What {@link pledge} reports: whether pledging works here, and what is in force. */
export interface PledgeStatus {
  /** True when this process can pledge: Linux, a supported arch, the addon, seccomp filters with KILL_PROCESS. */
  readonly available: boolean;
  /** Why not, when `available` is false. */
  readonly reason?: string;
  /** The arch the filters are compiled for (`x86_64`). */
  readonly arch?: string;
  /** Promises in force (canonical order), or undefined if never pledged. */
  readonly promises?: string;
  /** Recorded execpromises, or undefined. */
  readonly execpromises?: string;
  /** Filters this module has installed in this process (each narrowing pledge adds one). */
  readonly filters: number;
  /** The penalty in force, once pledged: `kill`, or `errno` with {@link errno}. */
  readonly penalty?: 'kill' | 'errno';
  readonly errno?: string;
  /** How violations are reported: `text`, `json`, or `off` (quiet, or no handler could be installed). */
  readonly report?: 'text' | 'json' | 'off';
  /** The report descriptor, when reporting. */
  readonly reportFd?: number;
}

let availableHere: { available: boolean; reason?: string; arch?: string } | undefined;

/**
 * Checks once per process, without changing anything, whether this process
 * can pledge (before a filter hides /proc/sys); the answer is kept where
 * every realm sees it.
 */
function availability(): { available: boolean; reason?: string; arch?: string } {
  if (availableHere) return availableHere;
  let kept: string | undefined;
  try {
    kept = process.platform === 'linux' ? native.sharedGet('pledge.available') : undefined;
  } catch {
    kept = undefined;
  }
  if (kept !== undefined) {
    availableHere = JSON.parse(kept) as { available: boolean; reason?: string; arch?: string };
    return availableHere;
  }
  availableHere = checkAvailability();
  try {
    native.sharedSet('pledge.available', JSON.stringify(availableHere));
  } catch {
    // no addon: every realm finds that out alike
  }
  return availableHere;
}

function checkAvailability(): { available: boolean; reason?: string; arch?: string } {
  if (process.platform !== 'linux') return { available: false, reason: `pledge needs Linux seccomp; this is ${process.platform}` };
  let archName: string;
  try {
    archName = archFor().name;
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
  try {
    native.getNoNewPrivs();
  } catch (e) {
    return { available: false, reason: `the native addon does not work here: ${(e as Error).message}`, arch: archName };
  }
  let actions = '';
  try {
    actions = fs.readFileSync('/proc/sys/kernel/seccomp/actions_avail', 'utf8');
  } catch {
    return { available: false, reason: 'this kernel has no seccomp filters (/proc/sys/kernel/seccomp/actions_avail is missing)', arch: archName };
  }
  for (const needed of ['kill_process', 'errno', 'allow']) {
    if (!actions.split(/\s+/).includes(needed)) return { available: false, reason: `this kernel lacks the seccomp action ${needed}`, arch: archName };
  }
  return { available: true, arch: archName };
}

function status(): PledgeStatus {
  const a = availability();
  const state = readState();
  return {
    ...a,
    filters: state.filters,
    ...(state.promises ? { promises: formatPromises(new Set(state.promises)) } : {}),
    ...(state.execpromises ? { execpromises: formatPromises(new Set(state.execpromises)) } : {}),
    ...(state.penalty ? { penalty: state.penalty.kind, ...(state.penalty.errno ? { errno: state.penalty.errno } : {}) } : {}),
    ...(state.promises ? { report: state.handler && !state.quiet ? state.format ?? 'text' : 'off' } : {}),
    ...(state.handler && !state.quiet ? { reportFd: state.reportFd } : {}),
  };
}

/** The process name reports show: `/proc/self/comm`, read before the first filter. */
function processName(state: PledgeState): string {
  if (state.comm !== undefined) return state.comm;
  try {
    return fs.readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, '');
  } catch {
    return process.title || 'node';
  }
}

const subset = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => [...a].every((p) => b.has(p));


/**
 * Finds the io_uring instances of the process before its first filter
 * (io-uring.ts) and adopts those the SIGSYS handler can replay (native
 * ringAdopt); a ring with a submission-polling kernel thread refuses the
 * pledge. Source: io_uring(7); docs/node-runtime.md "io_uring".
 * @returns the adopted descriptors, and the eventfds seen (runtime allowance).
 * @throws PledgeError `ENOTSUP` (`UNSUPPORTED_RUNTIME`) naming the ring.
 */
function adoptRings(): { rings: number[]; eventFds: number[] } {
  const scan = scanOrCaptured();
  const plan = planRings(scan);
  if (!plan.ok) throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME', plan.message, plan.details);
  if (plan.adopt.length > 0) {
    try {
      native.ringAdopt(plan.adopt.map((r) => ({ fd: r.fd, sqEntries: r.sqEntries, cqEntries: r.cqEntries })));
    } catch (e) {
      const err = e as native.NativeError & { fd?: number };
      throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
        `this process has an io_uring instance pledge() cannot keep working safely: ${err.message}; close it before pledge()`,
        { fd: err.fd, syscall: err.syscall, nativeCode: err.code });
    }
  }
  return { rings: plan.adopt.map((r) => r.fd), eventFds: [...scan.eventFds] };
}

/**
 * With promises that do not allow what Node's own exit does (closing
 * descriptors, stopping threads: `pledge("")`), the process ends with
 * exit_group(2) right after its 'exit' listeners, keeping its status, as
 * OpenBSD's "" allows `_exit`. Registered once per realm; only the main
 * thread's 'exit' ends the process.
 */
let exitHookInstalled = false;
function installDirectExit(): void {
  if (exitHookInstalled || !isMainThread) return;
  exitHookInstalled = true;
  const hook = (code: number): void => {
    const promises = readState().promises;
    if (promises === undefined || promises.includes('stdio')) return;
    // Listeners added after this one would never run once the process is gone: run them first.
    const listeners = process.listeners('exit');
    for (const listener of listeners.slice(listeners.indexOf(hook) + 1)) (listener as (c: number) => void).call(process, code);
    const status = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? code) || code;
    native.exitGroup(status);
  };
  process.on('exit', hook);
}

/**
 * Refuses to pledge a process whose personality has READ_IMPLIES_EXEC
 * (set with personality(2) earlier in the process; x86_64 clears it when a
 * 64-bit program is executed, other arches may not): every readable mapping would then be
 * executable, so PROT_EXEC rules would mean nothing. Source: personality(2).
 * @throws PledgeError `ENOTSUP`.
 */
function refuseReadImpliesExec(arch: ArchDescriptor): void {
  let persona: number;
  try {
    persona = parseInt(fs.readFileSync('/proc/self/personality', 'utf8'), 16);
  } catch {
    return;
  }
  const bit = arch.constants.READ_IMPLIES_EXEC;
  if (bit !== undefined && (persona & bit) !== 0) {
    throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
      `this process runs with the READ_IMPLIES_EXEC personality (0x${persona.toString(16)}): all readable memory is executable, which no promise can take back; clear it with personality(2) before pledging`, { personality: persona });
  }
}

/**
 * Restricts the running process to `promises`, on every thread, for the
 * rest of its life. From then on a syscall outside the promises kills the
 * whole process with SIGSYS (exit status 128+31 in a shell), or fails with
 * an errno (`options.penalty: 'errno'`, EPERM by default; ENOSYS under the
 * `error` promise). First, one line on stderr says what was blocked and
 * which promise would have allowed it (docs/reports.md):
 *
 *     node[4242]: pledge "stdio" blocked socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC); it needs "inet" or "dns"
 *
 * `options.quiet` turns reports off (the filter then kills or fails the
 * call itself), `options.format: 'json'` writes one JSON object per line,
 * `options.reportFd` picks the descriptor.
 *
 * Node itself keeps working: the event loop, timers, GC and JIT, Worker
 * threads, zlib, crypto, console, I/O on descriptors opened before the call.
 * The Node runtime allowance (see node-runtime.ts) is what that costs;
 * notably V8's JIT needs executable memory, so `mmap`/`mprotect` with
 * PROT_EXEC stay allowed unless the process runs with `--jitless`.
 *
 * OpenBSD's calling rules apply: a later call may keep or drop promises,
 * never add (`EPERM`; with `error` in force the extra promises are dropped
 * silently instead). Each narrowing call installs one more filter; the
 * kernel runs them all and the strictest answer wins: a penalty, once
 * `kill`, stays `kill`. A call with the promises and penalty already in
 * force installs nothing.
 *
 * `execpromises` are what a program started with execve(2) may do. A
 * seccomp filter survives execve and cannot be loosened, so on Linux they
 * must be a subset of `promises` (`EINVAL` otherwise); the new program runs
 * under every filter installed so far, i.e. with at most `promises`.
 *
 * Calls are all-or-nothing as far as Linux allows: bad input throws before
 * anything changes, and the filter is checked with the kernel verifier's
 * rules before the first syscall. Then paths unveiled and not yet locked
 * are locked (without the `unveil` promise, as on OpenBSD), no_new_privs is
 * set (Linux requires it), and the filter is installed in one seccomp(2)
 * call with TSYNC. If that last call fails no filter was installed, but the
 * unveil lock and no_new_privs cannot be undone: the error says so
 * (`details.unveilLocked`).
 *
 * @param promises OpenBSD promise string (see PROMISES), `""` for exit
 *   only; `null`/omitted leaves the promises unchanged.
 * @param execpromises promise string for programs this process executes;
 *   `null`/omitted leaves them unchanged.
 * @param options the penalty and its report ({@link PledgeOptions}).
 * @returns the status after the call; `pledge()` with no arguments only
 *   reports whether pledging is available here and what is in force.
 * @throws PledgeError `EINVAL` (unknown promise, listing the valid ones;
 *   execpromises not a subset of promises), `ENOTSUP` (an OpenBSD device
 *   promise, an unsupported arch, io_uring in use), `EPERM` (asking for more
 *   than is in force), `E2BIG` (filter too large), or the errno of the
 *   failing prctl(2)/seccomp(2) call with reason `KERNEL` (`EBUSY` when a
 *   thread installed a filter of its own, so TSYNC could not synchronise it).
 * Source: OpenBSD pledge(2); Linux seccomp(2), prctl(2) PR_SET_NO_NEW_PRIVS.
 */
export function pledge(promises?: string | null, execpromises?: string | null, options: PledgeOptions = {}): PledgeStatus {
  if (promises == null && execpromises == null) return status();
  if (options === null || typeof options !== 'object') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  availability();
  // One pledge() at a time in the whole process, each planned from the state every realm shares.
  return withProcessLock('pledge', () => pledgeLocked(promises, execpromises, options));
}

function pledgeLocked(promises: string | null | undefined, execpromises: string | null | undefined, options: PledgeOptions): PledgeStatus {
  const state = readState();
  const current = asSet(state.promises);
  let next = promises == null ? current : parsePromises(promises);
  if (next === undefined) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'execpromises alone cannot be set before any promises: Linux needs them to be a subset of the promises');
  }
  if (current) {
    const added = [...next].filter((p) => !current.has(p));
    if (added.length > 0) {
      if (current.has('error')) next = new Set([...next].filter((p) => current.has(p)));
      else throw new PledgeError('EPERM', 'PRIVILEGE_INCREASE', `pledge(${JSON.stringify(promises)}) asks for ${added.join(' ')}, which the promises in force (${JSON.stringify(formatPromises(current))}) do not include; promises can only be kept or dropped`, { added });
    }
  }
  const currentExec = asSet(state.execpromises);
  let nextExec = currentExec;
  if (execpromises != null) {
    const e = parsePromises(execpromises);
    if (currentExec && !subset(e, currentExec)) {
      const added = [...e].filter((p) => !currentExec.has(p));
      throw new PledgeError('EPERM', 'PRIVILEGE_INCREASE', `execpromises ${JSON.stringify(execpromises)} ask for ${added.join(' ')} beyond those in force (${JSON.stringify(formatPromises(currentExec))})`, { added });
    }
    nextExec = e;
  }
  if (nextExec) checkExecPromises(next, nextExec);
  // The penalty, and whether violations are reported (docs/reports.md).
  const arch = archFor();
  const asked = resolvePenalty(next, options, arch);
  // Once kill, always kill: across stacked filters the kernel keeps the strictest action.
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
  // io_uring instances are found and adopted by the first filter (after it none can be created).
  const first = state.filters === 0;
  const found = first ? adoptRings() : { rings: state.rings ?? [], eventFds: state.eventFds ?? [] };
  const rings = found.rings;
  // The handler is installed by the first pledge() that reports or has rings
  // to replay, if the filters in force let it (rt_sigaction and write:
  // stdio); from then on it stays, and every filter carries its rules.
  const handler = state.handler === true || (first && rings.length > 0) || (!quiet && (current === undefined || current.has('stdio')));
  const trap = handler && !quiet;
  const unchanged = current !== undefined && current.size === next.size && subset(next, current) &&
    samePenalty(state.penalty, penalty) && state.trap === trap;
  const comm = processName(state);
  const reporterUpdate = handler
    ? {
        tables: buildReportTables(arch, {
          promises: next, comm, pid: process.pid, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
          penalty: penalty.kind, ...(penalty.errno ? { errno: penalty.errno } : {}),
        }),
        options: {
          fd: reportFd, penalty: penalty.kind, format, quiet, magic: REPORT_EXIT_MAGIC,
          ...(penalty.errno ? { errno: arch.constants[penalty.errno as ConstantName]!, errnoName: penalty.errno } : {}),
        },
      }
    : undefined;
  if (unchanged && reporterUpdate) native.installReporter(reporterUpdate.tables, reporterUpdate.options); // format or quiet changed
  let filters = state.filters;
  if (!unchanged) {
    const filter = compilePledge(formatPromises(next), {
      penalty: penalty.kind, ...(penalty.errno ? { errno: penalty.errno } : {}), quiet: !trap, reportFd, reporterRules: handler, ringFds: rings, eventFds: found.eventFds,
    });
    const problems = verify(filter.program);
    if (problems.length > 0) {
      throw new PledgeError('EINVAL', 'BAD_PROGRAM', `internal error: the compiled filter would be refused by the kernel: ${problems.join('; ')}`);
    }
    refuseReadImpliesExec(arch);
    // [unveil] A pledge without "unveil" locks unveil() (OpenBSD pledge(2)): enforce the paths unveiled so far now; throws before any filter exists.
    const unveilLocked = !next.has('unveil') && lockUnveilForPledge(formatPromises(next));
    prepareRuntime();
    if (!next.has('stdio')) installDirectExit();
    // The handler before the filter that traps into it.
    if (reporterUpdate) native.installReporter(reporterUpdate.tables, reporterUpdate.options);
    try {
      if (!native.getNoNewPrivs()) native.setNoNewPrivs();
      native.installFilter(filter.bytes, constantOf(arch, 'SECCOMP_FILTER_FLAG_TSYNC'));
    } catch (e) {
      // Nothing was installed: put the reporter back as it was.
      if (reporterUpdate) native.rollbackReporter();
      const err = e as native.NativeError;
      // TSYNC_FAILED is not an errno: a thread's filter chain diverged (it installed a filter of its own), which EBUSY names best.
      const code = err.code === 'TSYNC_FAILED' ? 'EBUSY' : err.code ?? 'EIO';
      const locked = unveilLocked ? ' The paths unveiled before this call were locked and stay enforced (Landlock cannot be undone).' : '';
      throw new PledgeError(code, 'KERNEL', `pledge(${JSON.stringify(promises)}): ${err.message}; no filter was installed.${locked}`,
        { syscall: err.syscall, errno: err.errno, tid: err.tid, nativeCode: err.code, unveilLocked });
    }
    filters++;
  }
  const nextState: PledgeState = {
    ...state,
    promises: [...next],
    ...(nextExec ? { execpromises: [...nextExec] } : {}),
    filters,
    comm,
    ...(unchanged ? {} : { penalty, trap }),
    ...(rings.length > 0 ? { rings } : {}),
    eventFds: found.eventFds,
    ...(reporterUpdate ? { handler: true, reportFd, format, quiet } : {}),
  };
  writeState(nextState);
  return status();
}
