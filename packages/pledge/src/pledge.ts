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
  INITIAL_PLEDGE_STATE, PledgeError, buildReportTables, useReportTablesFrom, checkReportFd, compilePromises, constantOf, formatPromises, penaltyAction,
  planPledge, reporterRules, ringReplayRules, verify,
  type ArchDescriptor, type CompiledFilter, type FilterSpec, type PenaltyOptions, type PidTemplate, type PledgeFacts, type PledgePlan, type PledgeState, type PrebuiltLayout, type ReporterPlan, type ReportTablesOptions,
} from '@seccomp-scopes/core';
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import * as native from '@seccomp-scopes/native';
import { archFor, unfiltered, useArchArtifacts } from './arch.js';
import { OPTION_FIELDS, cachedFilter, cachedReportTables, lookupFirstCall, storeFirstCall, type CachedFilter, type FirstCallExtra, type FirstCallRequest } from './filter-cache.js';
import { planRings, scanOrCaptured, type RingInfo } from './io-uring.js';
import { askLearner, clearRecorded, learnRequested, recordedBefore } from './learn.js';
import { fromNative, readState, withProcessLock, writeState } from './process-state.js';
import { nodeQuietOpenPaths, nodeRuntimeRules } from './node-runtime.js';
import { prepareRuntime } from './runtime-prep.js';
import { lockUnveilForPledge, unveilPending } from './unveil.js'; // [unveil] OpenBSD: pledge without "unveil" locks unveil()

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

/**
 * Options of {@link pledge}: what happens to a call outside the promises,
 * and how it is reported (core's PenaltyOptions):
 * - `penalty`: `kill` (default): the whole process dies by SIGSYS (status
 *   128+31); `errno`: the call fails with `errno` and the process goes on
 *   (in Node an ordinary error with that `code`). The `error` promise selects
 *   `errno` with ENOSYS. Once `kill`, always `kill` (the kernel's rule across
 *   stacked filters).
 * - `errno`: the errno name for penalty `errno` (default `EPERM`, `ENOSYS`
 *   under `error`); any errno the arch defines.
 * - `quiet`: no report line; the filter kills or fails the call itself.
 * - `format`: one text line (default) or one JSON object per line.
 * - `reportFd`: descriptor reports are written to (default 2, stderr); fixed
 *   by the first pledge() that reports.
 */
export type PledgeOptions = PenaltyOptions;

/** True when this Node process runs without a JIT (`node --jitless`). */
export function isJitless(): boolean {
  if (process.execArgv.includes('--jitless')) return true;
  const nodeOptions = process.env['NODE_OPTIONS'] ?? '';
  // The regular expression only where the word is there at all (a fresh process pays some 0.07 ms to build one).
  return nodeOptions.includes('--jitless') && /(^|\s)--jitless(\s|$)/.test(nodeOptions);
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
  const facts = {
    pid: options.pid ?? process.pid, uid: options.uid ?? process.getuid?.() ?? -1, gid: options.gid ?? process.getgid?.() ?? -1, comm: 'node',
    ...(options.ringFds ? { rings: options.ringFds } : {}), ...(options.eventFds ? { eventFds: options.eventFds } : {}),
  };
  // The first call's plan: what pledge(promises) would install in a fresh process.
  const plan = planPledge(INITIAL_PLEDGE_STATE, { promises, options: {
    ...(options.penalty !== undefined ? { penalty: options.penalty } : {}), ...(options.errno !== undefined ? { errno: options.errno } : {}),
    quiet: options.quiet === true, reportFd: checkReportFd(options.reportFd ?? 2),
  } }, arch, facts);
  const spec = plan.filter!; // a first call always installs
  return compileSpec({ ...spec, reporterRules: spec.reporterRules || options.reporterRules === true }, arch, facts, options.jit ?? !isJitless());
}

/**
 * Compiles a planned filter for a Node process: the reporter's and the
 * io_uring replay's rules first, the promises' rules, the Node runtime
 * allowance; violations trap into the SIGSYS handler or meet the penalty.
 */
function compileSpec(spec: FilterSpec, arch: ArchDescriptor, ids: { pid: number; uid: number; gid: number }, jit: boolean): CompiledFilter {
  return compilePromises(spec.promises, {
    arch,
    prefix: [
      // exit_group(magic) must precede the exit_group ALLOW
      ...(spec.reporterRules ? reporterRules({ reportFd: spec.reportFd }) : []),
      ...ringReplayRules(spec.ringFds),
    ],
    extra: nodeRuntimeRules({ jit, eventFds: spec.eventFds, reportOpens: spec.trap }),
    penalty: spec.trap ? { kind: 'trap' } : penaltyAction(spec.penalty),
    ...(spec.trap ? { foreignAbi: { kind: 'trap' } as const } : {}), // the handler reports a foreign ABI, then kills
    runtime: ids,
  });
}

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
  /**
   * io_uring descriptors the first pledge() adopted (libuv's rings on Node
   * 22 and later): their `io_uring_enter` is trapped and replayed as
   * epoll_ctl calls (docs/node-runtime.md). With {@link eventFds}, what
   * `pledge dump --ring-fds … --event-fds …` needs to print the same filter.
   */
  readonly rings?: readonly number[];
  /** The event loops' eventfd descriptors the first pledge() found (the runtime allowance lets them be woken). */
  readonly eventFds?: readonly number[];
}

let availableHere: { available: boolean; reason?: string; arch?: string } | undefined;

/** The filter return actions pledging needs the kernel to offer (SECCOMP_RET_KILL_PROCESS, _ERRNO, _ALLOW; seccomp(2)). */
const NEEDED_ACTIONS = { kill_process: 0x80000000, errno: 0x00050000, allow: 0x7fff0000 } as const;
const NEEDED_ACTION_VALUES: readonly number[] = Object.values(NEEDED_ACTIONS);

/** Keeps what a first call's entry says the availability check found when it was written (the lookup asked the kernel again: native firstCallLookup). */
function keepAvailability(found: { available: boolean; reason?: string; arch?: string }): void {
  availableHere = found;
  native.sharedSet('pledge.available', JSON.stringify(found));
}

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
  // Ask seccomp() itself (SECCOMP_GET_ACTION_AVAIL, changes nothing): a kernel without seccomp filters, or a sandbox
  // that refuses seccomp() (ENOSYS, EPERM, EACCES), says so here, not only when the filter is installed.
  for (const [needed, action] of Object.entries(NEEDED_ACTIONS)) {
    try {
      if (!native.seccompActionAvail(action)) return { available: false, reason: `this kernel lacks the seccomp action ${needed}`, arch: archName };
    } catch (e) {
      return { available: false, reason: `seccomp() does not work here: ${(e as Error).message}`, arch: archName };
    }
  }
  return { available: true, arch: archName };
}

/** The status with `state` in force (default: the state every realm shares). */
function status(state: PledgeState = readState()): PledgeStatus {
  const a = availability();
  return {
    ...a,
    filters: state.filters,
    ...(state.promises ? { promises: formatPromises(new Set(state.promises)) } : {}),
    ...(state.execpromises ? { execpromises: formatPromises(new Set(state.execpromises)) } : {}),
    ...(state.penalty ? { penalty: state.penalty.kind, ...(state.penalty.errno ? { errno: state.penalty.errno } : {}) } : {}),
    ...(state.promises ? { report: state.handler && !state.quiet ? state.format ?? 'text' : 'off' } : {}),
    ...(state.handler && !state.quiet ? { reportFd: state.reportFd } : {}),
    ...(state.rings ? { rings: state.rings } : {}),
    ...(state.eventFds ? { eventFds: state.eventFds } : {}),
  };
}

/**
 * The process name reports show: the program name of `process.title`
 * ("node", or what the program set), else `/proc/self/comm` (Node 24 and
 * later rename the main thread "MainThread"/"node-MainThread", which is
 * what comm shows), read before the first filter.
 */
function processName(state: PledgeState): string {
  if (state.comm !== undefined) return state.comm;
  const program = (process.title || '').split(' ')[0] ?? '';
  const title = program.includes('/') ? path.basename(program) : program; // path's first use costs a fresh process more
  if (title) return title;
  try {
    return fs.readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, '');
  } catch {
    return 'node';
  }
}

/**
 * Finds the io_uring instances of the process before its first filter
 * (io-uring.ts), read-only: those the SIGSYS handler can replay, and the
 * eventfds; a ring with a submission-polling kernel thread refuses the
 * pledge. Source: io_uring(7); docs/node-runtime.md "io_uring".
 * @throws PledgeError `ENOTSUP` (`UNSUPPORTED_RUNTIME`) naming the ring.
 */
function findRings(scanned?: native.RingScan): Found {
  const scan = scanOrCaptured(scanned);
  const plan = planRings(scan);
  if (!plan.ok) throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME', plan.message, plan.details);
  return { rings: plan.adopt, eventFds: [...scan.eventFds], live: scan.kept !== true };
}

/** What {@link findRings} found: the rings to adopt, the eventfds, and whether /proc was read now (not the scan unveil() kept). */
interface Found {
  readonly rings: readonly RingInfo[];
  readonly eventFds: number[];
  readonly live: boolean;
}

/**
 * What a first filter's install checks /proc/self still shows just before
 * the filter (native pledgeInstall `expect`): the rings and eventfds the plan
 * was made from; undefined when /proc could not be read now (the scan
 * unveil() kept), so nothing can be looked at again.
 */
function plannedRings(found: { readonly rings: readonly { readonly fd: number; readonly ino?: number }[]; readonly eventFds: readonly number[]; readonly live: boolean }): native.PlannedRings | undefined {
  return found.live ? { rings: found.rings.map((r) => (r.ino !== undefined ? { fd: r.fd, ino: r.ino } : { fd: r.fd })), eventFds: found.eventFds } : undefined;
}

/** Hands the rings to the native replay (maps them; see ring-replay.cc). A ring closed since the scan (EBADF) is a change while pledge() ran (ECHANGED: planned again). */
function adoptRings(rings: readonly native.RingToAdopt[]): void {
  if (rings.length === 0) return;
  try {
    native.ringAdopt(rings.map((r) => ({ fd: r.fd, sqEntries: r.sqEntries, cqEntries: r.cqEntries })));
  } catch (e) {
    if ((e as native.NativeError).code === 'EBADF') throw changedWhilePledging(`io_uring instance closed since the scan: ${(e as Error).message}`);
    throw fromNative(e, 'ENOTSUP', 'UNSUPPORTED_RUNTIME', (m) => `this process has an io_uring instance pledge() cannot keep working safely: ${m}; close it before pledge()`);
  }
}

/** The error of a first pledge() whose io_uring instances or eventfds changed while it ran (another thread made, closed or replaced one): code ECHANGED, planned again by {@link pledgeLocked}. */
function changedWhilePledging(why: string): native.NativeError {
  const e = new Error(`the process' io_uring instances or eventfds changed while pledge() ran: ${why}`) as native.NativeError;
  e.code = 'ECHANGED';
  return e;
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
  // (A first call from its entry: native firstCallLookup asked the personality and answered `personality`, a miss.)
  const persona = personality();
  const bit = arch.constants.READ_IMPLIES_EXEC;
  if (persona !== undefined && bit !== undefined && (persona & bit) !== 0) readImpliesExec(persona);
}

/** The personality asked now (undefined when it cannot be read). */
function personality(): number | undefined {
  let persona: number | undefined;
  try {
    // personality(2) asked by the addon (a fresh process' first file read costs more) while no filter binds the
    // process: one in force may refuse the call (no promise allows it), never the read of /proc.
    persona = unfiltered() ? native.getPersonality() : undefined;
  } catch {
    persona = undefined;
  }
  try {
    return persona ?? parseInt(fs.readFileSync('/proc/self/personality', 'utf8'), 16); // an older addon: /proc
  } catch {
    return undefined;
  }
}

/** @throws PledgeError `ENOTSUP`: the READ_IMPLIES_EXEC personality `persona` is in force. */
function readImpliesExec(persona: number): never {
  throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
    `this process runs with the READ_IMPLIES_EXEC personality (0x${persona.toString(16)}): all readable memory is executable, which no promise can take back; clear it with personality(2) before pledging`, { personality: persona });
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
 * The state is the process': a pledge() in a Worker binds the main thread
 * and the other way round, and every realm's status says the same.
 *
 * Calls are all-or-nothing as far as Linux allows: bad input throws before
 * anything changes, and the filter is checked with the kernel verifier's
 * rules before the first syscall. Then paths unveiled and not yet locked
 * are locked (docs/unveil.md "With pledge"), the first call adopts the
 * process' io_uring instances (libuv's, Node 22+: docs/node-runtime.md),
 * no_new_privs is
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
 *   promise, an unsupported arch, an io_uring instance with a kernel
 *   submission thread), `EPERM` (asking for more than is in force),
 *   `EBUSY` (another realm's pledge() or unveil() held the process lock for
 *   10 s), `E2BIG` (filter too large), or the errno of the
 *   failing prctl(2)/seccomp(2) call with reason `KERNEL` (`EBUSY` when a
 *   thread installed a filter of its own, so TSYNC could not synchronise it).
 *
 * Learn mode (`pledge learn`, docs/guide.md): with `SECCOMP_SCOPES_LEARN=1`
 * in the environment, each call, once every check above that refuses bad
 * input or a widening (EINVAL, ENOTSUP, EPERM, E2BIG) has passed, tells the
 * learner about itself (promises, execpromises, the caller's
 * file:line:col) with a marker system call,
 * `getppid(LEARN_MARKER_A, LEARN_MARKER_B, record, length)` (native
 * `learnMark`). If the learner answers LEARN_ACK, the call is recorded:
 * nothing is installed (no filter, no no_new_privs, no SIGSYS handler, no
 * Landlock for unveiled paths), but the promises recorded count as in force,
 * so later calls see the same errors and status as when enforced. Any other
 * answer (nobody is learning: the variable leaked) enforces the call as
 * usual and prints one line on stderr saying so; a variable alone never
 * disables a pledge, and once a call was enforced later calls do not ask
 * (the marker, a getppid(), may be outside the promises). If a learner recorded earlier calls and then stops
 * answering, the call is enforced as the process' first pledge(), with every
 * promise recorded so far; the paths of an unveil() lock it recorded stay
 * unenforced (Landlock cannot add them later).
 *
 * Source: OpenBSD pledge(2); Linux seccomp(2), prctl(2) PR_SET_NO_NEW_PRIVS.
 */
export function pledge(promises?: string | null, execpromises?: string | null, options: PledgeOptions = {}): PledgeStatus {
  if (promises == null && execpromises == null) return status();
  refuseWithoutAddon();
  const given = readOptions(options);
  // One pledge() at a time in the whole process, each planned from the state every realm shares.
  return withProcessLock('pledge', () => pledgeLocked(promises, execpromises, given));
}

/**
 * The caller's options as read once, each field core planPledge reads
 * ({@link OPTION_FIELDS}, inherited ones included) into a plain object:
 * what the call is keyed by in pledge()'s cache (filter-cache.ts
 * firstCallKeys), planned from and told to a learner alike. Read more than
 * once, getters or a Proxy answering differently each time could key a first
 * call's entry by one value and plan it with another, an entry that a later
 * process asking for the first value would be served. Anything but an
 * object is passed on as given (planPledge's error names it).
 */
function readOptions(options: PledgeOptions): PledgeOptions {
  if (options === null || typeof options !== 'object') return options;
  const read: Record<string, unknown> = {};
  for (const field of OPTION_FIELDS) {
    const v = (options as Record<string, unknown>)[field];
    if (v !== undefined) read[field] = v;
  }
  return read as PledgeOptions;
}

/**
 * Off Linux, or with no native binary that fits (another arch or libc
 * installed with --ignore-scripts): a PledgeError ENOTSUP saying which,
 * before anything is planned.
 */
function refuseWithoutAddon(): void {
  try {
    native.loadAddon();
  } catch (e) {
    throw noAddon(e);
  }
}

/** {@link refuseWithoutAddon}'s error, apart from it (a fresh process compiles a function whole on its first call). */
function noAddon(e: unknown): PledgeError {
  const err = e as native.NativeError;
  return new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME', `pledge(): ${err.message}`, { nativeCode: err.code, platform: process.platform, arch: process.arch });
}

/** What the facade knows about the process before planning: its ids and name, and on a first filter the io_uring rings and eventfds (read-only). */
function pledgeFacts(state: PledgeState, found: { rings: readonly RingInfo[]; eventFds: number[] } | undefined): PledgeFacts {
  return {
    pid: process.pid, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, comm: processName(state),
    ...(found ? { rings: found.rings.map((r) => r.fd), eventFds: found.eventFds } : {}),
    reportTables,
  };
}

/**
 * The report tables (core buildReportTables): from pledge()'s cache of
 * compiled output (./filter-cache.ts), else built, with the fixed part from
 * the arch package's build artifact when it is current.
 */
function reportTables(arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array {
  const got = cachedReportTables(arch, options, (a, o) => {
    const seen = tablesSeen.get(a);
    // Under a filter the artifact may be out of reach: the first call's cached tables hold the same prebuilt part.
    if (useArchArtifacts(a) !== undefined && seen) useReportTablesFrom(a, seen.bytes, seen.layout);
    tablesSeen.delete(a);
    return buildReportTables(a, o);
  });
  if (got.source === 'cache' && got.layout) tablesSeen.set(arch, { bytes: got.bytes, layout: got.layout });
  tablesMade = got.template ? { template: got.template, ...(got.layout ? { layout: got.layout } : {}) } : undefined;
  return got.bytes;
}

/** The pid template (and prebuilt layout) of the report tables the last plan got, for a first call's entry. */
let tablesMade: { readonly template: PidTemplate; readonly layout?: PrebuiltLayout } | undefined;
function takeTablesMade(): typeof tablesMade {
  const made = tablesMade;
  tablesMade = undefined;
  return made;
}

/** Tables this process got from the cache, with their prebuilt layout: what its later calls build theirs from. */
const tablesSeen = new Map<ArchDescriptor, { readonly bytes: Uint8Array; readonly layout: PrebuiltLayout }>();

/**
 * The filter of a plan, compiled and checked with the kernel verifier's
 * rules, or the same bytes from pledge()'s cache of compiled filters
 * (./filter-cache.ts). @throws PledgeError `BAD_PROGRAM`, `E2BIG`.
 */
function compileChecked(spec: FilterSpec, arch: ArchDescriptor, facts: PledgeFacts): CachedFilter {
  const jit = !isJitless();
  return cachedFilter({ arch, spec, jit, uid: facts.uid, gid: facts.gid }, facts.pid, (pid) => {
    const filter = compileSpec(spec, arch, { ...facts, pid }, jit);
    const problems = verify(filter.program);
    if (problems.length > 0) {
      throw new PledgeError('EINVAL', 'BAD_PROGRAM', `internal error: the compiled filter would be refused by the kernel: ${problems.join('; ')}`);
    }
    return filter.bytes;
  });
}

/**
 * The fast path's request when this is the process' first pledge() from
 * the initial state, not in learn mode, with promises given: what keys its
 * entry in pledge()'s cache (filter-cache.ts lookupFirstCall, storeFirstCall),
 * with the descriptors `found` when given; else undefined.
 */
function firstCallRequest(state: PledgeState, promises: string | null | undefined, execpromises: string | null | undefined, options: PledgeOptions,
  arch: ArchDescriptor, found?: { rings: readonly RingInfo[]; eventFds: number[] }): FirstCallRequest | undefined {
  if (state.filters !== 0 || state.promises !== undefined || state.comm !== undefined || typeof promises !== 'string') return undefined;
  if (execpromises !== undefined && execpromises !== null && typeof execpromises !== 'string') return undefined;
  if (learnRequested()) return undefined;
  return {
    arch, promises, execpromises: execpromises ?? null, options, jit: !isJitless(),
    uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, comm: processName(state), execPath: process.execPath,
    ...(found ? { rings: found.rings.map((r) => r.fd), eventFds: found.eventFds } : {}),
  };
}

function pledgeLocked(promises: string | null | undefined, execpromises: string | null | undefined, options: PledgeOptions): PledgeStatus {
  // The /proc walk for io_uring instances and eventfds begins now, on a thread of the addon's (native ringScanAhead;
  // nothing when a filter binds the process), while this call compiles and runs the JavaScript below; the lookup or
  // the scan of a first call takes it, and none is left behind for a later caller.
  for (let attempt = 1; ; attempt++) {
    native.ringScanAhead();
    try {
      return pledgeScanning(promises, execpromises, options);
    } catch (e) {
      // Another thread made, closed or replaced an io_uring instance or eventfd between the scan and the filter
      // (native pledgeInstall's last look, ringAdopt's EBADF): nothing was installed; planned again from a new scan.
      if ((e as native.NativeError).code !== 'ECHANGED') throw e;
      if (attempt === CHANGED_ATTEMPTS) throw keptChanging(e, promises);
    } finally {
      native.ringScanDrop();
    }
  }
}

/** How many times a first pledge() is planned again when the process' io_uring instances or eventfds change while it runs. */
const CHANGED_ATTEMPTS = 3;

/** {@link pledgeLocked}'s error when every attempt met a change: EAGAIN. */
function keptChanging(e: unknown, promises: string | null | undefined): PledgeError {
  return new PledgeError('EAGAIN', 'UNSUPPORTED_RUNTIME',
    `pledge(${JSON.stringify(promises)}): ${(e as Error).message}, ${CHANGED_ATTEMPTS} times; no filter was installed. Threads that start or end event loops (Workers) or make io_uring instances while pledge() runs make it unable to see what it seals; pledge once they have started`,
    { attempts: CHANGED_ATTEMPTS });
}

function pledgeScanning(promises: string | null | undefined, execpromises: string | null | undefined, options: PledgeOptions): PledgeStatus {
  const state = readState();
  const arch = archFor();
  // A first call's whole output from the cache (planned and compiled by an earlier process, same request and facts),
  // found, checked and filled in by the addon in one call with the /proc scan (native firstCallLookup); a miss hands
  // the scan on.
  const request = state.filters === 0 && !unveilPending() ? firstCallRequest(state, promises, execpromises, options, arch) : undefined;
  const got = request && lookupFirstCall(request, process.pid, NEEDED_ACTION_VALUES);
  if (got?.filter) return enforceFirstCall(got, got.filter, arch, state, promises);
  availability();
  // Read-only until the plan is made: a bad request changes nothing.
  const found = state.filters === 0 ? findRings(got?.scan) : undefined;
  const first = found && firstCallRequest(state, promises, execpromises, options, arch, found);
  // Apart, so that a fresh process whose first call the cache answers does not compile it (V8 compiles a function
  // on its first call, all of it).
  return planAndEnforce(promises, execpromises, options, state, arch, found, first);
}

/** A first call from its entry ({@link pledgeLocked}): the plan, filter and status it holds, enforced as planned; the availability it found kept. */
function enforceFirstCall(got: native.FirstCallLookup, filter: Uint8Array, arch: ArchDescriptor, state: PledgeState, promises: string | null | undefined): PledgeStatus {
  // The entry's description of the plan as stored (filter-cache.ts storeFirstCall), used as it is: no plan object is
  // rebuilt (a fresh process pays for every function it runs), no unveil lock is due (none was pending).
  const x = got.extra as FirstCallExtra;
  const reporter = x.reporter && got.tables && { tables: got.tables, options: x.reporter };
  if (x.layout && reporter) tablesSeen.set(arch, { bytes: reporter.tables, layout: x.layout });
  // What the availability check found when the entry was written (the lookup asked the kernel for the same actions),
  // else asked now, while no filter refuses it.
  if (x.available) keepAvailability(x.available as { available: boolean; arch?: string });
  else availability();
  installPlanned({ bytes: filter, instructions: filter.length / 8, source: 'cache' },
    { stdio: x.spec.promises.includes('stdio'), facts: got.facts, rings: got.rings, directExit: x.directExit, reporter, quietPaths: x.quietPaths,
      expect: plannedRings({ rings: got.rings ?? [], eventFds: x.spec.eventFds, live: true }) }, arch, state, false, promises);
  writeState(x.next);
  return (x.status as PledgeStatus | undefined) ?? status(x.next);
}

/** pledge() planned and compiled here (from pledge()'s caches of a filter and of report tables where they answer), then enforced or recorded. */
function planAndEnforce(promises: string | null | undefined, execpromises: string | null | undefined, options: PledgeOptions,
  state: PledgeState, arch: ArchDescriptor, found: Found | undefined, first: FirstCallRequest | undefined): PledgeStatus {
  let facts = pledgeFacts(state, found);
  takeTablesMade();
  let plan = planPledge(state, { promises, execpromises, options }, arch, facts);
  let filter = plan.filter ? compileChecked(plan.filter, arch, facts) : undefined;
  const tables = takeTablesMade();
  if (filter) refuseReadImpliesExec(arch);
  if (first && plan.filter && filter?.template && (plan.reporter === undefined || tables)) {
    // Kept for the next process with the same request and facts: this call's plan, filter and tables as one entry
    // (once every refusal of the request has passed; before the install, after which a filter may refuse the write).
    storeFirstCall(first, facts.pid, {
      plan, filterBytes: filter.bytes, filter: filter.template, ...(tables ? { tables: tables.template, ...(tables.layout ? { layout: tables.layout } : {}) } : {}),
      status: status(plan.next), available: availability(), quietPaths: nodeQuietOpenPaths(),
    });
  }
  let lockedEarly = false;
  if (learnRequested()) {
    // Learn mode (learn.ts): every check above passed, exactly as when enforcing; the learner's ACK alone skips the rest.
    let recorded: boolean | undefined;
    const ask = (): boolean => (recorded = askLearner({ call: 'pledge', promises: promises ?? null, execpromises: execpromises ?? null, path: null, permissions: null }));
    // With paths unveiled and not locked, the lock's own checks come first too: it asks the learner once its plan
    // passed, then records or enforces (Landlock before the filter, as below).
    if (plan.filter && plan.lockUnveil) lockedEarly = lockUnveilForPledge(formatPromises(plan.filter.promises), { ask });
    if (recorded ?? ask()) return recordPledge(plan);
    if (recordedBefore()) {
      // Earlier calls were recorded and installed nothing: the kernel holds no filter of ours, so this one is planned
      // as the first, for everything the process has pledged so far.
      const next = plan.next;
      state = { filters: 0, ...(next.comm !== undefined ? { comm: next.comm } : {}) };
      found = findRings();
      facts = pledgeFacts(state, found);
      plan = planPledge(INITIAL_PLEDGE_STATE, {
        promises: formatPromises(new Set(next.promises ?? [])),
        execpromises: next.execpromises ? formatPromises(new Set(next.execpromises)) : null,
        options,
      }, arch, facts);
      filter = compileChecked(plan.filter!, arch, facts); // a first call always installs
      clearRecorded();
    }
  }
  if (!plan.filter || !filter) {
    if (plan.reporter) native.installReporter(plan.reporter.tables, { ...plan.reporter.options, refuseReadOnlyOpens: true, quietPaths: nodeQuietOpenPaths() }); // format or quiet changed
    writeState(plan.next);
    return status();
  }
  enforce(plan, filter, arch, state, found, lockedEarly, promises);
  return status(plan.next); // what every realm reads now (the process lock is held)
}

/**
 * Carries out a plan that installs a filter: locks unveil, prepares the
 * runtime, adopts the rings, installs the reporter, sets no_new_privs,
 * installs the filter with TSYNC, records the state.
 */
function enforce(plan: PledgePlan, filter: CachedFilter, arch: ArchDescriptor, state: PledgeState, found: Found | undefined,
  lockedEarly: boolean, promises: string | null | undefined): void {
  if (!plan.filter) throw new Error('internal error: enforce() without a filter');
  // [unveil] Enforce the paths unveiled so far now (a pledge without "unveil" locks unveil(), OpenBSD pledge(2); one that keeps it
  // must not leave them unenforced, docs/unveil.md); throws before any filter exists.
  const unveilLocked = lockedEarly || (plan.lockUnveil && unveilPending() && lockUnveilForPledge(formatPromises(plan.filter.promises)));
  installPlanned(filter, {
    stdio: plan.filter.promises.has('stdio'), rings: found?.rings, directExit: plan.directExit, reporter: plan.reporter, expect: found && plannedRings(found),
  }, arch, state, unveilLocked, promises);
  writeState(plan.next);
}

/**
 * What installing a planned filter takes once unveil is locked, for a plan
 * made here ({@link enforce}) and one from a first call's entry
 * ({@link enforceFirstCall}) alike: the runtime prepared (`stdio`: whether the
 * promises kept hold stdio; `facts`: read just before), the rings adopted,
 * the direct exit registered, then the handler before the filter that traps
 * into it (`quietPaths`: its quiet opens, default nodeQuietOpenPaths()),
 * for a first filter a last look at /proc/self (`expect`: the rings and
 * eventfds it was planned from; ECHANGED otherwise), no_new_privs and the
 * filter with TSYNC, in one addon call (native pledgeInstall). @throws PledgeError as {@link installFailed}; the
 * reporter's own error as it is.
 */
function installPlanned(filter: CachedFilter, how: { readonly stdio: boolean; readonly facts?: native.ProcessFacts | undefined; readonly rings?: readonly native.RingToAdopt[] | undefined;
  readonly directExit: boolean; readonly reporter?: ReporterPlan | undefined; readonly quietPaths?: readonly string[] | undefined; readonly expect?: native.PlannedRings | undefined },
  arch: ArchDescriptor, state: PledgeState,
  unveilLocked: boolean, promises: string | null | undefined): void {
  prepareRuntime(how.stdio, how.facts);
  if (how.rings && how.rings.length > 0) adoptRings(how.rings);
  if (how.directExit) installDirectExit();
  const reporter = how.reporter && { tables: how.reporter.tables, options: { ...how.reporter.options, refuseReadOnlyOpens: true, quietPaths: how.quietPaths ?? nodeQuietOpenPaths() } };
  const flags = constantOf(arch, 'SECCOMP_FILTER_FLAG_TSYNC');
  let done: boolean;
  try {
    done = native.pledgeInstall(filter.bytes, flags, reporter, how.expect);
  } catch (e) {
    // Without noNewPrivsSet: the reporter's own error (installReporter's, nothing done), thrown as it is; ECHANGED
    // (nothing done) is planned again by pledgeLocked.
    if ((e as native.NativeError).noNewPrivsSet === undefined || (e as native.NativeError).code === 'ECHANGED') throw e;
    throw installFailed(e, filter, state, undefined, unveilLocked, promises);
  }
  if (!done) installApart(filter, state, flags, unveilLocked, promises, reporter);
}

/** {@link installPlanned}'s last step with an addon without pledgeInstall: the reporter, no_new_privs and the filter one by one. */
function installApart(filter: CachedFilter, state: PledgeState, flags: number, unveilLocked: boolean, promises: string | null | undefined,
  reporter: { readonly tables: Uint8Array; readonly options: native.ReporterOptions & { readonly magic: number } } | undefined): void {
  if (reporter) native.installReporter(reporter.tables, reporter.options);
  const hadNoNewPrivs = native.getNoNewPrivs();
  try {
    if (!hadNoNewPrivs) native.setNoNewPrivs();
    native.installFilter(filter.bytes, flags);
  } catch (e) {
    if (reporter) native.rollbackReporter(); // nothing was installed: the reporter back as it was
    throw installFailed(e, filter, state, hadNoNewPrivs, unveilLocked, promises);
  }
}

/**
 * The error of a failed no_new_privs or seccomp(2) call, nothing installed
 * (the reporter already put back as it was): says what stays (the unveil
 * lock, no_new_privs). `hadNoNewPrivs`: whether no_new_privs was set before
 * the call; undefined when the error says whether the call set it (native
 * pledgeInstall's `noNewPrivsSet`). Apart from {@link enforce}, which
 * compiles without it.
 */
function installFailed(e: unknown, filter: CachedFilter, state: PledgeState, hadNoNewPrivs: boolean | undefined,
  unveilLocked: boolean, promises: string | null | undefined): PledgeError {
  const err = e as native.NativeError;
  // TSYNC_FAILED is not an errno: a thread's filter chain diverged (it installed a filter of its own), which EBUSY names best.
  const code = err.code === 'TSYNC_FAILED' ? 'EBUSY' : err.code ?? 'EIO';
  const locked = unveilLocked ? ' The paths unveiled before this call were locked and stay enforced (Landlock cannot be undone).' : '';
  // no_new_privs cannot be cleared: say that it stays, when this call set it.
  const noNewPrivsSet = hadNoNewPrivs === undefined ? err.noNewPrivsSet === true : !hadNoNewPrivs && native.getNoNewPrivs();
  const nnp = noNewPrivsSet ? ' no_new_privs was set for the filter and stays set (it cannot be cleared): setuid programs this process runs get no privileges.' : '';
  if (code === 'ENOMEM') {
    // The kernel caps the total length of a process' filters (MAX_INSNS_PER_PATH, 32768 instructions, each filter counting 4 more).
    return new PledgeError('ENOMEM', 'KERNEL',
      `pledge(${JSON.stringify(promises)}): the kernel refused another filter: with the ${state.filters} filters pledge() stacked on this process ` +
      `(one per narrowing call) and any installed before it, this one of ${filter.instructions} instructions would exceed the kernel's total of ` +
      `32768 instructions per process (each filter counts 4 more). ` +
      `The promises in force are unchanged (${state.promises ? JSON.stringify(formatPromises(new Set(state.promises))) : 'none'}); narrow in fewer steps ` +
      `(a pledge() with the same promises adds no filter), or pledge the final promises directly.${nnp}${locked}`,
      { syscall: err.syscall, errno: err.errno, nativeCode: err.code, filters: state.filters, instructions: filter.instructions, noNewPrivsSet, unveilLocked });
  }
  return new PledgeError(code, 'KERNEL', `pledge(${JSON.stringify(promises)}): ${err.message}; no filter was installed.${nnp}${locked}`,
    { syscall: err.syscall, errno: err.errno, tid: err.tid, nativeCode: err.code, unveilLocked, noNewPrivsSet });
}

/**
 * A pledge() the learner recorded (LEARN_ACK): nothing is installed (no
 * filter, no no_new_privs, no SIGSYS handler, no Landlock for the paths
 * unveiled before it), yet the process' pledge state moves on as if it had
 * been, so later calls meet the same EPERM, and unveil() the same lock, as
 * when enforced. Returns what an enforced call returns.
 */
function recordPledge(plan: PledgePlan): PledgeStatus {
  if (plan.filter && plan.lockUnveil) lockUnveilForPledge(formatPromises(plan.filter.promises), { ask: () => true }); // committed already when it asked
  if (plan.directExit) installDirectExit();
  writeState(plan.next);
  return status();
}
