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
  PledgeError, compilePromises, formatPromises, parsePromises, verify,
  type ArchDescriptor, type CompiledFilter,
} from '@seccomp-scopes/core';
import fs from 'node:fs';
import * as native from '@seccomp-scopes/native';
import { archFor } from './arch.js';
import { nodeRuntimeRules } from './node-runtime.js';

/** SECCOMP_FILTER_FLAG_TSYNC (include/uapi/linux/seccomp.h). */
const FILTER_FLAG_TSYNC = 1;

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
}

/** True when this Node process runs without a JIT (`node --jitless`). */
export function isJitless(): boolean {
  return process.execArgv.includes('--jitless') || /(^|\s)--jitless(\s|$)/.test(process.env['NODE_OPTIONS'] ?? '');
}

/**
 * Compiles the filter `pledge(promises)` would install in a Node process,
 * without installing anything. Pure: usable on any machine, for any
 * supported arch.
 * @param promises OpenBSD promise string, e.g. `"stdio rpath"`.
 * @returns the compiled filter (`program`, `bytes`, `worstCasePath`, …).
 * @throws PledgeError `EINVAL` for an unknown promise, `ENOTSUP` for an
 *   unsupported arch, `E2BIG` if the program would exceed 4096 instructions.
 */
export function compilePledge(promises: string, options: CompilePledgeOptions = {}): CompiledFilter {
  const arch: ArchDescriptor = archFor(options.arch);
  return compilePromises(promises, {
    arch,
    extra: nodeRuntimeRules({ jit: options.jit ?? !isJitless() }),
    runtime: { pid: options.pid ?? process.pid, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  });
}

/** What this module has pledged so far. */
const state: { promises?: ReadonlySet<string>; execpromises?: ReadonlySet<string>; filters: number } = { filters: 0 };

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
  };
}

const subset = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => [...a].every((p) => b.has(p));

/**
 * Does, before the filter exists, the lazy set-up Node would otherwise do
 * at a later, pledged moment: creating the stdout/stderr streams re-opens
 * the terminal when they are ttys (libuv uv_tty_init), and the first local
 * time formatting reads the time zone (/etc/localtime).
 */
function prepareRuntime(): void {
  void process.stdout;
  void process.stderr;
  void new Date().toString();
}

/**
 * Refuses to pledge when this process has io_uring instances (libuv uses
 * them when UV_USE_IO_URING=1): operations submitted through a ring run in
 * the kernel without passing the seccomp filter, so the promises would not
 * hold. Source: io_uring(7); measured in docs/node-runtime.md.
 * @throws PledgeError `ENOTSUP`.
 */
function refuseIoUring(): void {
  let fds: string[];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return; // without /proc there is nothing to inspect; the filter answers io_uring_* with ENOSYS anyway
  }
  for (const fd of fds) {
    let target = '';
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target === 'anon_inode:[io_uring]') {
      throw new PledgeError('ENOTSUP', 'UNSUPPORTED_RUNTIME',
        `this process has an io_uring instance (fd ${fd}; libuv creates them when UV_USE_IO_URING=1), and operations submitted through it bypass seccomp; run without UV_USE_IO_URING=1`, { fd: Number(fd) });
    }
  }
}

/**
 * Restricts the running process to `promises`, on every thread, for the
 * rest of its life. From then on a syscall outside the promises kills the
 * whole process with SIGSYS (exit status 128+31 in a shell), or fails with
 * ENOSYS under the `error` promise.
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
 * kernel runs them all and the strictest answer wins. A call with the
 * promises already in force installs nothing.
 *
 * `execpromises` are what a program started with execve(2) may do. A
 * seccomp filter survives execve and cannot be loosened, so on Linux they
 * must be a subset of `promises` (`EINVAL` otherwise); the new program runs
 * under every filter installed so far, i.e. with at most `promises`.
 *
 * Calls are all-or-nothing: bad input throws before anything changes. The
 * filter is checked with the kernel verifier's rules before the first
 * syscall. Then no_new_privs is set (irreversible; Linux requires it) and
 * the filter is installed in one seccomp(2) call with TSYNC; if that call
 * fails nothing was installed.
 *
 * @param promises OpenBSD promise string (see PROMISES), `""` for exit
 *   only; `null`/omitted leaves the promises unchanged.
 * @param execpromises promise string for programs this process executes;
 *   `null`/omitted leaves them unchanged.
 * @returns the status after the call; `pledge()` with no arguments only
 *   reports whether pledging is available here and what is in force.
 * @throws PledgeError `EINVAL` (unknown promise, listing the valid ones;
 *   execpromises not a subset of promises), `ENOTSUP` (an OpenBSD device
 *   promise, an unsupported arch, io_uring in use), `EPERM` (asking for more
 *   than is in force), `E2BIG` (filter too large), or the errno of the
 *   failing prctl(2)/seccomp(2) call with reason `KERNEL`.
 * Source: OpenBSD pledge(2); Linux seccomp(2), prctl(2) PR_SET_NO_NEW_PRIVS.
 */
export function pledge(promises?: string | null, execpromises?: string | null): PledgeStatus {
  if (promises == null && execpromises == null) return status();
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
  if (nextExec && !subset(nextExec, next)) {
    const extra = [...nextExec].filter((p) => !next!.has(p));
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `execpromises must be a subset of the promises on Linux (a filter cannot be loosened across execve); ${extra.join(' ')} ${extra.length === 1 ? 'is' : 'are'} not in ${JSON.stringify(formatPromises(next))}`, { extra });
  }
  const unchanged = current !== undefined && current.size === next.size && subset(next, current);
  if (!unchanged) {
    const filter = compilePledge(formatPromises(next));
    const problems = verify(filter.program);
    if (problems.length > 0) {
      throw new PledgeError('EINVAL', 'BAD_PROGRAM', `internal error: the compiled filter would be refused by the kernel: ${problems.join('; ')}`);
    }
    refuseIoUring();
    prepareRuntime();
    try {
      if (!native.getNoNewPrivs()) native.setNoNewPrivs();
      native.installFilter(filter.bytes, FILTER_FLAG_TSYNC);
    } catch (e) {
      const err = e as native.NativeError;
      throw new PledgeError(err.code ?? 'EIO', 'KERNEL', `pledge(${JSON.stringify(promises)}): ${err.message}`, { syscall: err.syscall, errno: err.errno, tid: err.tid });
    }
    state.filters++;
  }
  state.promises = next;
  if (nextExec) state.execpromises = nextExec;
  return status();
}
