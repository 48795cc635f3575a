/**
 * Shared by the export tests: the conformance probe (tools/conformance/probe.c)
 * built static, run as a container's entrypoint by runc under an exported
 * OCI policy, or by bwrap under an exported BPF program; an evaluator of
 * OCI seccomp policies (libseccomp's semantics for the seven operators), and
 * the matcher of `pledge export`'s listed differences.
 *
 * The probe runs each case in a forked child that installs an allow-all
 * filter (so the outer policy alone decides) and makes the case's syscall.
 * Its own machinery needs a few calls the promises may not allow (fork's
 * clone flags, opening /dev/null): {@link HARNESS_RULES}, added to the policy
 * under test; the tests check that no case of the table matches them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALLOW, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  arg, encode, resolveRules, simulate, stmt, BPF_RET, BPF_K,
  type ArchDescriptor, type ResolvedCondition, type Rule, type SeccompData,
} from '@seccomp-scopes/core';
import type { Case } from '../../../tools/conformance/cases.js';
import { checkedSyscalls, readProbeLines, syscallNamesHeader } from '../../../tools/conformance/probe-protocol.js';
import { TEST_GID, TEST_UID, caseData, filterFor, kernelOutcome, type Outcome } from '../../../tools/conformance/run.js';
import type { Difference, SeccompSyscall } from '../src/export.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROBE_SOURCE = path.join(here, '../../../tools/conformance/probe.c');
/** The pid the table's filters name in their "to itself" rules (tools/conformance/run.ts). */
export const RUNTIME = { pid: 0x3ffffff0, uid: TEST_UID, gid: TEST_GID };

/** What the probe's own machinery calls beyond stdio (glibc's fork, opening /dev/null). */
export const HARNESS_RULES: readonly Rule[] = [
  { syscall: 'clone', when: [arg.in(0, 64, 'flags', [['CLONE_CHILD_SETTID', 'CLONE_CHILD_CLEARTID', 'SIGCHLD']])], action: ALLOW, requires: [], why: "the probe's fork()", source: 'test harness' },
  { syscall: 'openat', when: [arg.notIn(1, 64, 'path', [0]), arg.in(2, 32, 'flags', ['O_RDWR'])], action: ALLOW, requires: [], why: 'the probe opens /dev/null (the cases pass a NULL path)', source: 'test harness' },
];

/** The probe built static (as for the arm64 VM), for this machine; cached by its source and name table. */
export function buildStaticProbe(cases: readonly Case[]): string {
  const table = syscallNamesHeader(checkedSyscalls(cases));
  const hash = crypto.createHash('sha256').update(fs.readFileSync(PROBE_SOURCE)).update('\0').update(table).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `seccomp-scopes-export-${process.getuid?.() ?? 0}`);
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, `probe-static-${hash}`);
  if (fs.existsSync(bin)) return bin;
  const header = `${bin}.${process.pid}.h`;
  fs.writeFileSync(header, table);
  try {
    execFileSync('cc', ['-O2', '-static', '-Wall', '-Wextra', '-Werror', `-DPROBE_SYSCALL_NAMES="${header}"`, '-o', `${bin}.tmp`, PROBE_SOURCE], { stdio: 'pipe' });
    fs.renameSync(`${bin}.tmp`, bin);
  } finally {
    fs.rmSync(header, { force: true });
  }
  return bin;
}

/** The probe's input: an allow-all inner filter, then every applicable case. */
export function probeInput(cases: readonly Case[], arch: ArchDescriptor): { text: string; index: number[] } {
  const allowAll = Buffer.from(encode([stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)], arch.endian)).toString('hex');
  const lines = [`F ${allowAll}`];
  const index: number[] = [];
  const names = new Set(checkedSyscalls(cases));
  cases.forEach((c, i) => {
    const d = caseData(c, arch);
    if (!d) return;
    const args = (d.args ?? []).map((a) => `0x${BigInt.asUintN(64, BigInt(a)).toString(16)}`);
    const named = c.nr === undefined && !c.compat && !c.foreignAbi && names.has(c.syscall);
    lines.push(`C ${i} ${c.compat ? 'c' : 'n'} ${d.nr} ${args.join(' ')}${named ? ` ${c.syscall}` : ''}`);
    index.push(i);
  });
  lines.push('Q');
  return { text: `${lines.join('\n')}\n`, index };
}

/** Reads the probe's output into outcomes by case index (kernelOutcome's classes). */
export function probeOutcomes(stdout: string, cases: readonly Case[], arch: ArchDescriptor, index: readonly number[], want: (c: Case) => Outcome): Map<number, Outcome | string> {
  const lines = readProbeLines(stdout.split('\n'), arch.name);
  const out = new Map<number, Outcome | string>();
  for (const i of index) {
    const line = lines.results.get(String(i));
    const problem = lines.numberProblems.get(String(i));
    if (problem) out.set(i, problem);
    else if (!line) out.set(i, 'no result');
    else out.set(i, kernelOutcome(line, want(cases[i]!)));
  }
  return out;
}

/** A seccomp return value as an outcome. */
export function retOutcome(ret: number): Outcome {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return 'allow';
  if (action === SECCOMP_RET_ERRNO) return { errno: ret & SECCOMP_RET_DATA };
  if (action === SECCOMP_RET_KILL_PROCESS || action === 0) return 'kill';
  return { error: `ret 0x${ret.toString(16)}` };
}

/** Our filter's verdict (pledge()'s filter for `promises`, as the conformance table compiles it). */
export function ourOutcome(promises: string, data: SeccompData, arch: ArchDescriptor): Outcome {
  return retOutcome(simulate(filterFor(promises, arch).program, data, arch.endian).ret);
}

export const sameOutcome = (a: Outcome | string, b: Outcome | string): boolean => JSON.stringify(a) === JSON.stringify(b);

const ACTIONS: Record<string, (e?: number) => Outcome> = {
  SCMP_ACT_ALLOW: () => 'allow', SCMP_ACT_KILL_PROCESS: () => 'kill', SCMP_ACT_KILL_THREAD: () => 'kill', SCMP_ACT_KILL: () => 'kill',
  SCMP_ACT_ERRNO: (e) => ({ errno: e ?? 1 }),
};

/** libseccomp's comparison of a 64-bit argument. */
function compare(op: string, x: bigint, a: bigint, b: bigint): boolean {
  switch (op) {
    case 'SCMP_CMP_EQ': return x === a;
    case 'SCMP_CMP_NE': return x !== a;
    case 'SCMP_CMP_LT': return x < a;
    case 'SCMP_CMP_LE': return x <= a;
    case 'SCMP_CMP_GT': return x > a;
    case 'SCMP_CMP_GE': return x >= a;
    case 'SCMP_CMP_MASKED_EQ': return (x & a) === b;
    default: throw new Error(`unknown op ${op}`);
  }
}

/**
 * An OCI policy's verdict on one call, as libseccomp builds it: another
 * audit arch or an x32 number gets the bad-arch action (kill); a syscall
 * entry whose args all hold gives its action; else the default action.
 * Numbers the arch's table does not know get ENOSYS (runc's stub).
 */
export function ociOutcome(policy: { defaultAction: string; defaultErrnoRet?: number; syscalls: SeccompSyscall[] }, data: SeccompData, arch: ArchDescriptor): Outcome {
  if (data.arch !== arch.auditArch) return 'kill';
  if (arch.foreignAbiBit !== undefined && data.nr >= arch.foreignAbiBit) return 'kill';
  const name = Object.entries(arch.syscalls).find(([, nr]) => nr === data.nr)?.[0];
  if (name === undefined) return { errno: arch.constants.ENOSYS! };
  const args = (data.args ?? []).map((a) => BigInt.asUintN(64, BigInt(a)));
  for (const s of policy.syscalls) {
    if (!s.names.includes(name)) continue;
    if ((s.args ?? []).every((a) => compare(a.op, args[a.index] ?? 0n, BigInt(a.value), BigInt(a.valueTwo ?? 0)))) return ACTIONS[s.action]!(s.errnoRet);
  }
  return ACTIONS[policy.defaultAction]!(policy.defaultErrnoRet);
}

function holds(c: ResolvedCondition, x: bigint): boolean {
  const v = (c.width === 32 ? x & 0xffffffffn : x) & c.mask;
  return c.oneOf.includes(v) !== c.negate;
}

/**
 * What the listed differences predict for a call: `allow` (a granted rule
 * matches it), or the outcome pledge()'s filter gives through a lost rule
 * that matches it (the export refuses it instead), or undefined (none).
 */
export function predicted(differences: readonly Difference[], data: SeccompData, arch: ArchDescriptor): { kind: 'granted' | 'lost'; ours?: Outcome } | undefined {
  const args = (data.args ?? []).map((a) => BigInt.asUintN(64, BigInt(a)));
  if (data.arch !== arch.auditArch || (arch.foreignAbiBit !== undefined && data.nr >= arch.foreignAbiBit)) return undefined;
  let out: { kind: 'lost'; ours: Outcome } | undefined;
  for (const d of differences) {
    if (!d.rule) continue;
    const r = resolveRules([d.rule], arch, RUNTIME).rules[0];
    if (!r || r.nr !== data.nr) continue;
    if (!r.when.every((c) => holds(c, args[c.arg] ?? 0n))) continue;
    if (d.kind === 'granted') return { kind: 'granted' };
    out = { kind: 'lost', ours: retOutcome(r.ret) };
  }
  return out;
}
