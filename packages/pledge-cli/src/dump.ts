/**
 * `pledge dump PROMISES`: the compiled filter.
 *
 * `--for pledge` (default) is what pledge() installs in a Node process:
 * compilePledge() of @seccomp-scopes/pledge, byte for byte, for the pid given (the
 * "signals to itself" rules name it), with or without the JIT's
 * executable memory, and with pledge()'s penalty and report options. `--for run` is what `pledge run` installs in the
 * program it starts (./filter.ts), with USER_NOTIF where pledge() kills.
 */
import { disassemble, formatPromises, parsePromises, type Insn } from '@seccomp-scopes/core';
import { archFor, compilePledge } from '@seccomp-scopes/pledge';
import { compileSupervisedFilter } from './filter.js';

/** Options of {@link dump}. */
export interface DumpOptions {
  /** Node's arch name (`x64`, `arm64`); default this process'. */
  readonly arch?: string;
  readonly format: 'bpf' | 'asm' | 'json';
  readonly for: 'pledge' | 'run';
  /** The pid of the "signals to itself" rules. */
  readonly pid: number;
  /** `--for pledge`: allow the JIT's executable memory (false: as under `node --jitless`). */
  readonly jit: boolean;
  /** `--for pledge`: pledge()'s options that change the filter. */
  readonly penalty?: 'kill' | 'errno';
  readonly errno?: string;
  readonly quiet?: boolean;
  readonly reportFd?: number;
  /** `--for pledge`: the io_uring and eventfd descriptors pledge() found (its status tells them). */
  readonly ringFds?: readonly number[];
  readonly eventFds?: readonly number[];
}

/** The filter in the chosen format: raw bytes for `bpf`, text otherwise. */
export function dump(promises: string, options: DumpOptions): Uint8Array | string {
  const arch = archFor(options.arch);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  let program: readonly Insn[];
  let bytes: Uint8Array;
  let worstCasePath: number | undefined;
  if (options.for === 'pledge') {
    const f = compilePledge(promises, {
      arch: options.arch ?? process.arch, jit: options.jit, pid: options.pid,
      ...(options.penalty ? { penalty: options.penalty } : {}), ...(options.errno ? { errno: options.errno } : {}),
      ...(options.quiet ? { quiet: true } : {}), ...(options.reportFd !== undefined ? { reportFd: options.reportFd } : {}),
      ...(options.ringFds ? { ringFds: options.ringFds } : {}), ...(options.eventFds ? { eventFds: options.eventFds } : {}),
    });
    program = f.program;
    bytes = f.bytes;
    worstCasePath = f.worstCasePath;
  } else {
    const f = compileSupervisedFilter(parsePromises(promises), arch, { pid: options.pid, uid, gid });
    program = f.program;
    bytes = f.bytes;
    worstCasePath = f.compiled.worstCasePath;
  }
  if (options.format === 'bpf') return bytes;
  const canonical = formatPromises(parsePromises(promises));
  if (options.format === 'json') {
    return `${JSON.stringify({
      promises: canonical, arch: arch.name, for: options.for, pid: options.pid, ...(options.for === 'pledge' ? { jit: options.jit } : {}),
      instructions: program.length, worstCasePath, bytes: Buffer.from(bytes).toString('hex'),
      program: program.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k >>> 0 })),
    }, null, 2)}\n`;
  }
  const what = options.for === 'pledge' ? `pledge() in a Node process${options.jit ? '' : ' (--jitless)'}` : '`pledge run`';
  return `; pledge ${JSON.stringify(canonical)} on ${arch.name}, as ${what} installs it for pid ${options.pid}\n`
    + `; ${program.length} instructions, longest path ${worstCasePath}\n`
    + disassemble(program);
}
