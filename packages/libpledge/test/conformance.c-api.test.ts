/**
 * The conformance case table (tools/conformance/cases.ts) on this kernel,
 * with every filter installed through libpledge's pledge(): one generated
 * pledge_filters.c with every promise set of the table, and a probe
 * (fixtures/pledge-probe.c) that runs each case in a forked child after
 * pledge(promises, NULL).
 *
 * A C program's filter is the table's (compilePromises) plus the reporter's
 * rules first and TRAP as the penalty: the handler reports, then kills (or
 * answers ENOSYS under "error"). So each case must end as the table says,
 * except where the reporter's own rules decide (getpid/gettid, write to the
 * report descriptor, exit_group(magic), rt_sigaction(SIGSYS)): those must end
 * as the C filter says, and the test lists which cases they are.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP, run as runBpf } from '@seccomp-scopes/core';
import { archFor } from '@seccomp-scopes/pledge';
import { CASES, caseName, type Case } from '../../../tools/conformance/cases.js';
import { TEST_GID, TEST_UID, caseData, expected, kernelOutcome, type Outcome } from '../../../tools/conformance/run.js';
import { planForC } from '../../pledge-cli/src/gen-c.js';
import { FIXTURES, compile, generate, workDir } from './build.js';

const isX64 = process.arch === 'x64' && process.platform === 'linux';
const arch = archFor();
/** The reporter's rules decide these syscalls in a C program's filter (core reporterRules). */
const REPORTER_SYSCALLS = new Set(['getpid', 'gettid', 'write', 'exit_group', 'rt_sigaction']);

/** The identity the table's filters name (its fchown cases); the probe takes it on when it runs as root. */
const TABLE_IDS = { uid: TEST_UID, gid: TEST_GID };
const ROOT = process.getuid?.() === 0;
/** The identity of the probe's children: the table's as root, else this process' (the case then ends as the C filter for it says). */
const CHILD_IDS = ROOT ? TABLE_IDS : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

/** How a case must end under libpledge: the C filter in the simulator, TRAP as the handler answers it. */
function expectedC(c: Case, ids: { uid: number; gid: number } = TABLE_IDS): Outcome | undefined {
  const data = caseData(c, arch);
  if (!data) return undefined;
  const program = planForC(c.promises, arch, { pid: 0x3ffffff0, ...ids }).filter.program;
  const { ret } = runBpf(program, data, arch.endian);
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return 'allow';
  if (action === SECCOMP_RET_KILL_PROCESS) return 'kill';
  if (action === SECCOMP_RET_ERRNO) return { errno: ret & SECCOMP_RET_DATA };
  if (action === SECCOMP_RET_TRAP) {
    const args = data.args ?? [];
    if (c.syscall === 'rt_sigaction' && args[0] === BigInt(arch.constants.SIGSYS!) && args[1] !== 0n) return 'allow'; // the handler answers it
    if (c.compat || c.foreignAbi) return 'kill'; // reported, then killed whatever the penalty
    return c.promises.split(' ').includes('error') ? { errno: arch.constants.ENOSYS! } : 'kill';
  }
  return { error: `unexpected action 0x${ret.toString(16)}` };
}

describe('the conformance table through the C API (this kernel, x86_64)', () => {
  let results = new Map<string, string>();
  const applicable = CASES.map((c, i) => ({ c, i })).filter(({ c }) => caseData(c, arch) !== undefined);

  beforeAll(() => {
    if (!isX64) return;
    const dir = workDir('conformance');
    const sets = [...new Set(applicable.map(({ c }) => c.promises))];
    const probe = compile(dir, 'pledge-probe', [path.join(FIXTURES, 'pledge-probe.c')], generate(dir, sets));
    const lines: string[] = [];
    let last: string | undefined;
    for (const { c, i } of applicable) {
      if (c.promises !== last) lines.push(`P ${c.promises}`);
      last = c.promises;
      const data = caseData(c, arch)!;
      const six = [...(data.args ?? []), 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6).map((a) => `0x${BigInt(a).toString(16)}`);
      lines.push(`C ${i} ${c.compat ? 'c' : 'n'} 0x${data.nr.toString(16)} ${six.join(' ')}`);
    }
    lines.push('Q');
    const r = spawnSync(probe, ROOT ? [String(TEST_UID), String(TEST_GID)] : [], { input: lines.join('\n') + '\n', encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`probe failed: status ${r.status} signal ${r.signal}\n${r.stderr}`);
    results = new Map(r.stdout.split('\n').filter((l) => l.startsWith('R ')).map((l) => [l.split(' ')[1]!, l]));
    expect(r.stdout).not.toMatch(/^E /m);
  }, 180_000);

  it('runs on x86_64 Linux', () => {
    expect(isX64, `this suite needs x86_64 Linux, this is ${process.platform}/${process.arch}`).toBe(true);
  });

  it("differs from the table only where the reporter's rules decide, and says which cases", () => {
    const differing = applicable.filter(({ c }) => JSON.stringify(expectedC(c)) !== JSON.stringify(expected(c, arch)));
    for (const { c } of differing) expect(REPORTER_SYSCALLS.has(c.syscall), caseName(c)).toBe(true);
    // "" allows getpid for the report's pid (docs/reports.md, "What the filter allows for the report").
    expect(differing.map(({ c }) => `${JSON.stringify(c.promises)} ${c.syscall}`)).toEqual(['"" getpid']);
  });

  for (const { c, i } of applicable) {
    it.runIf(isX64)(caseName(c), () => {
      const want = expectedC(c, CHILD_IDS)!;
      const line = results.get(String(i));
      expect(line, 'no result from the probe').toBeDefined();
      expect(kernelOutcome(line!, want)).toEqual(want);
    });
  }
});
