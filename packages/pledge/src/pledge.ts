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
  penaltyAction, reporterRules, resolvePenalty, verify,
  type ArchDescriptor, type CompiledFilter, type ConstantName, type Penalty,
} from '@seccomp-scopes/core';
import fs from 'node:fs';
import * as native from '@seccomp-scopes/native';
import { archFor } from './arch.js';
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
    prefix: withReporter ? reporterRules({ reportFd: checkReportFd(options.reportFd ?? 2) }) : [],
    extra: nodeRuntimeRules({ jit: options.jit ?? !isJitless() }),
    penalty: trap ? { kind: 'trap' } : penaltyAction(penalty),
    runtime: { pid: options.pid ?? process.pid, uid: options.uid ?? process.getuid?.() ?? -1, gid: options.gid ?? process.getgid?.() ?? -1 },
  });
}

/** What this module has pledged so far. */
const state: {
  promises?: ReadonlySet<string>;
  execpromises?: ReadonlySet<string>;
  filters: number;
  /** The penalty in force (the strictest asked). */
  penalty?: Penalty;
  /** Whether the last filter traps (reports) rather than answering itself. */
  trap?: boolean;
  /** The SIGSYS reporter is installed (from then on every filter carries its rules). */
  handler?: boolean;
  reportFd?: number;
  format?: 'text' | 'json';
  quiet?: boolean;
  /** What was last handed to the reporter, to restore it if a filter cannot be installed. */
  reporter?: { tables: Uint8Array; options: native.ReporterOptions & { readonly magic: number } };
  comm?: string;
} = { filters: 0 };

/** The promises in force from this module's pledge() calls, or undefined before the first. */
export function currentPromises(): string | undefined {
  return state.promises ? formatPromises(state.promises) : undefined;
}

/** The execpromises recorded by pledge(), or undefined when none were given. */
export function currentExecPromises(): string | undefined {
  return state.execpromises ? formatPromises(state.execpromises) : undefined;
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

/** Checks once, without changing anything, whether this process can pledge (before a filter hides /proc/sys). */
function availability(): { available: boolean; reason?: string; arch?: string } {
  availableHere ??= checkAvailability();
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
  return {
    ...a,
    filters: state.filters,
    ...(state.promises ? { promises: formatPromises(state.promises) } : {}),
    ...(state.execpromises ? { execpromises: formatPromises(state.execpromises) } : {}),
    ...(state.penalty ? { penalty: state.penalty.kind, ...(state.penalty.errno ? { errno: state.penalty.errno } : {}) } : {}),
    ...(state.promises ? { report: state.handler && !state.quiet ? state.format ?? 'text' : 'off' } : {}),
    ...(state.handler && !state.quiet ? { reportFd: state.reportFd } : {}),
  };
}

/** The process name reports show: `/proc/self/comm`, read before the first filter. */
function processName(): string {
  if (state.comm === undefined) {
    try {
      state.comm = fs.readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, '');
    } catch {
      state.comm = process.title || 'node';
    }
  }
  return state.comm;
}

const subset = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => [...a].every((p) => b.has(p));


/**
 * Refuses to pledge when this process has io_uring instances (libuv uses
 * them when UV_USE_IO_URING=1): operations submitted through a ring run in
 * the kernel without passing the seccomp filter, so the promises would not
 * hold. Source: io_uring(7); measured in docs/node-runtime.md.
 * @throws PledgeError `ENOTSUP`.
 */
function refuseIoUring(): void {
  // A ring lives as long as a descriptor or a mapping of it does: look at both.
  const where: string[] = [];
  try {
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try {
        if (fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]') where.push(`fd ${fd}`);
      } catch {
        // closed meanwhile
      }
    }
    if (/anon_inode:\[io_uring\]/.test(fs.readFileSync('/proc/self/maps', 'utf8'))) where.push('a mapping');
  } catch {
    return; // without /proc there is nothing to inspect; the filter answers io_uring_* with ENOSYS anyway
  }
  if (where.length > 0) {
    throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
      `this process has an io_uring instance (${where.join(', ')}; libuv creates them when UV_USE_IO_URING=1), and operations submitted through it bypass seccomp; run without UV_USE_IO_URING=1`, { where });
  }
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
  const current = state.promises;
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
  let nextExec = state.execpromises;
  if (execpromises != null) {
    const e = parsePromises(execpromises);
    if (state.execpromises && !subset(e, state.execpromises)) {
      const added = [...e].filter((p) => !state.execpromises!.has(p));
      throw new PledgeError('EPERM', 'PRIVILEGE_INCREASE', `execpromises ${JSON.stringify(execpromises)} ask for ${added.join(' ')} beyond those in force (${JSON.stringify(formatPromises(state.execpromises))})`, { added });
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
  // The handler is installed by the first pledge() that reports, if the
  // filters in force let it (rt_sigaction and write: stdio); from then on it
  // stays, and every filter carries its rules.
  const handler = state.handler === true || (!quiet && (current === undefined || current.has('stdio')));
  const trap = handler && !quiet;
  const unchanged = current !== undefined && current.size === next.size && subset(next, current) &&
    samePenalty(state.penalty, penalty) && state.trap === trap;
  const comm = processName();
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
  if (!unchanged) {
    const filter = compilePledge(formatPromises(next), {
      penalty: penalty.kind, ...(penalty.errno ? { errno: penalty.errno } : {}), quiet: !trap, reportFd, reporterRules: handler,
    });
    const problems = verify(filter.program);
    if (problems.length > 0) {
      throw new PledgeError('EINVAL', 'BAD_PROGRAM', `internal error: the compiled filter would be refused by the kernel: ${problems.join('; ')}`);
    }
    refuseIoUring();
    refuseReadImpliesExec(arch);
    // [unveil] A pledge without "unveil" locks unveil() (OpenBSD pledge(2)): enforce the paths unveiled so far now; throws before any filter exists.
    const unveilLocked = !next.has('unveil') && lockUnveilForPledge(formatPromises(next));
    prepareRuntime();
    // The handler before the filter that traps into it.
    if (reporterUpdate) native.installReporter(reporterUpdate.tables, reporterUpdate.options);
    try {
      if (!native.getNoNewPrivs()) native.setNoNewPrivs();
      native.installFilter(filter.bytes, constantOf(arch, 'SECCOMP_FILTER_FLAG_TSYNC'));
    } catch (e) {
      // Nothing was installed: put the reporter back as it was.
      if (reporterUpdate && !state.handler) native.uninstallReporter();
      else if (reporterUpdate && state.reporter) native.installReporter(state.reporter.tables, state.reporter.options);
      const err = e as native.NativeError;
      // TSYNC_FAILED is not an errno: a thread's filter chain diverged (it installed a filter of its own), which EBUSY names best.
      const code = err.code === 'TSYNC_FAILED' ? 'EBUSY' : err.code ?? 'EIO';
      const locked = unveilLocked ? ' The paths unveiled before this call were locked and stay enforced (Landlock cannot be undone).' : '';
      throw new PledgeError(code, 'KERNEL', `pledge(${JSON.stringify(promises)}): ${err.message}; no filter was installed.${locked}`,
        { syscall: err.syscall, errno: err.errno, tid: err.tid, nativeCode: err.code, unveilLocked });
    }
    state.filters++;
    state.penalty = penalty;
    state.trap = trap;
  }
  if (reporterUpdate) {
    state.handler = true;
    state.reporter = reporterUpdate;
    state.reportFd = reportFd;
    state.format = format;
    state.quiet = quiet;
  }
  state.promises = next;
  if (nextExec) state.execpromises = nextExec;
  return status();
}
