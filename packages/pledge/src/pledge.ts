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
  KILL_PROCESS, PledgeError, compileFilter, formatPromises, parsePromises, rulesFor, verify,
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
  const set = parsePromises(promises);
  const arch: ArchDescriptor = archFor(options.arch);
  const rules = rulesFor(set, nodeRuntimeRules({ jit: options.jit ?? !isJitless() }));
  return compileFilter(rules, { arch, defaultAction: KILL_PROCESS, runtime: { pid: options.pid ?? process.pid } });
}

let current: string | undefined;

/** The promises in force from this module's pledge() calls, or undefined before the first. */
export function currentPromises(): string | undefined {
  return current;
}

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
 * whole process with SIGSYS (exit status 128+31 in a shell).
 *
 * Node itself keeps working: the event loop, timers, GC and JIT, Worker
 * threads, zlib, crypto, console, I/O on descriptors opened before the call.
 * The Node runtime allowance (see node-runtime.ts) is what that costs;
 * notably V8's JIT needs executable memory, so `mmap`/`mprotect` with
 * PROT_EXEC stay allowed unless the process runs with `--jitless`.
 *
 * Calls are all-or-nothing: bad input throws before anything changes. The
 * filter is checked with the kernel verifier's rules before the first
 * syscall. Then no_new_privs is set (it is irreversible; OpenBSD has no such
 * bit, Linux requires it) and the filter is installed in one seccomp(2) call
 * with TSYNC; if that call fails nothing was installed.
 *
 * @param promises OpenBSD promise string: space-separated names from
 *   `stdio rpath wpath cpath`; `""` leaves only exiting.
 * @throws PledgeError `EINVAL` (unknown promise, listing the valid ones),
 *   `ENOTSUP` (unsupported arch, or io_uring in use), `E2BIG` (filter too large), or the errno
 *   of the failing prctl(2)/seccomp(2) call with reason `KERNEL`.
 * Source: OpenBSD pledge(2); Linux seccomp(2), prctl(2) PR_SET_NO_NEW_PRIVS.
 */
export function pledge(promises: string): void {
  const filter = compilePledge(promises);
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
  current = formatPromises(parsePromises(promises));
}
