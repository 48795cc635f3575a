/**
 * Runs conformance cases (./cases.ts) in the BPF simulator and on a real
 * kernel through ./probe.c, and classifies the outcomes the same way.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  compilePromises, evalValue, run, type ArchDescriptor, type CompiledFilter, type SeccompData,
} from '@seccomp-scopes/core';
import type { Case } from './cases.js';
import { caseOutcomes, probeRequest, readProbeLines, syscallNamesHeader } from './probe-protocol.js';

/** What happened to a call: allowed to run, killed, or answered with an errno by the filter. */
export type Outcome = 'allow' | 'kill' | { readonly errno: number } | { readonly error: string };

/** A pid no test process has, for the `kill`/`tgkill` self rules. */
const NOT_OUR_PID = 0x3ffffff0;
/** The uid and gid fattr's "chown to itself" rules name in the table's filters. */
export const TEST_UID = 4242;
export const TEST_GID = 4343;

const filters = new Map<string, CompiledFilter>();

/** The filter for a promise string on `arch` (cached). */
export function filterFor(promises: string, arch: ArchDescriptor): CompiledFilter {
  const key = `${arch.name}:${promises}`;
  let f = filters.get(key);
  if (!f) {
    f = compilePromises(promises, { arch, runtime: { pid: NOT_OUR_PID, uid: TEST_UID, gid: TEST_GID } });
    filters.set(key, f);
  }
  return f;
}

/** The `seccomp_data` of a case on `arch`, or undefined when the arch lacks the syscall (or the case's ABI). */
export function caseData(c: Case, arch: ArchDescriptor): SeccompData | undefined {
  const nr = c.nr ?? arch.syscalls[c.syscall];
  if (nr === undefined) return undefined;
  if (c.compat && arch.compatAuditArch === undefined) return undefined;
  if (c.foreignAbi && arch.foreignAbiBit === undefined) return undefined; // no x32-like ABI (aarch64)
  const args = (c.args ?? []).map((a) => BigInt.asUintN(64, evalValue(a, arch, {})));
  while (args.length < 6) args.push(0n);
  return {
    nr: c.foreignAbi ? (nr | (arch.foreignAbiBit ?? 0)) >>> 0 : nr,
    arch: c.compat ? arch.compatAuditArch! : arch.auditArch,
    args,
  };
}

/** The outcome a case must have on `arch`. */
export function expected(c: Case, arch: ArchDescriptor): Outcome {
  if (typeof c.expect === 'string') return c.expect;
  return { errno: arch.constants[c.expect.errno]! };
}

/** Runs a case in the simulator. */
export function simulate(c: Case, arch: ArchDescriptor): Outcome | undefined {
  const data = caseData(c, arch);
  if (!data) return undefined;
  const { ret } = run(filterFor(c.promises, arch).program, data, arch.endian);
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return 'allow';
  if (action === SECCOMP_RET_KILL_PROCESS) return 'kill';
  if (action === SECCOMP_RET_ERRNO) return { errno: ret & SECCOMP_RET_DATA };
  return { error: `unexpected action 0x${ret.toString(16)}` };
}

/**
 * Maps a kernel result to an outcome comparable with {@link expected}: the
 * call ran unless it was killed, or it returned exactly the errno the case
 * expects the filter to answer (an allowed call that runs never gets ENOSYS
 * from the kernel for a syscall that exists).
 */
export function kernelOutcome(line: string, want: Outcome): Outcome {
  const [, , kind, value] = line.trim().split(' ');
  if (kind === 'kill') return 'kill';
  if (kind === 'errno' && typeof want === 'object' && 'errno' in want && Number(value) === want.errno) return want;
  if (kind === 'errno' || kind === 'ret' || kind === 'signal') return 'allow';
  return { error: line };
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Compiles probe.c for this machine with the system C compiler, with the C
 * library's numbers of `names` built in (`-DPROBE_SYSCALL_NAMES`, as the VM's
 * probe is): a case naming one of them is made with the C library's number,
 * and a table that disagrees is reported (probe-protocol.ts). Returns the
 * binary's path.
 */
export function buildProbe(names: Iterable<string>): string {
  const out = path.join(os.tmpdir(), `seccomp-scopes-probe-${process.getuid?.() ?? 0}`);
  fs.mkdirSync(out, { recursive: true });
  const source = path.join(here, 'probe.c');
  const table = syscallNamesHeader(names);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update('\0').update(table).digest('hex').slice(0, 16);
  const bin = path.join(out, `probe-${hash}`);
  if (fs.existsSync(bin)) return bin;
  const tmp = `${bin}.${process.pid}.tmp`;
  const header = `${tmp}.h`;
  fs.writeFileSync(header, table);
  try {
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', `-DPROBE_SYSCALL_NAMES="${header}"`, '-o', tmp, source], { stdio: 'pipe' });
    fs.renameSync(tmp, bin);
  } finally {
    fs.rmSync(header, { force: true });
  }
  return bin;
}

/**
 * Runs cases on this machine's kernel; `arch` must be the running arch.
 * Results in case order. Calls named by a case are made with the probe's C
 * library numbers (see {@link buildProbe}); a case whose table number
 * differs is an error saying so.
 */
export function runOnKernel(probe: string, cases: readonly Case[], arch: ArchDescriptor): (Outcome | undefined)[] {
  const { text, index } = probeRequest(cases, arch);
  const r = spawnSync(probe, [], { input: text, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`probe failed: ${r.error?.message ?? `status ${r.status} signal ${r.signal}`}\n${r.stderr}`);
  return caseOutcomes(readProbeLines(r.stdout.split('\n'), arch.name), cases, arch, index);
}
