/**
 * chainProgram (src/codegen.ts): the same decisions as a compiled filter,
 * laid out as a linear chain for the benchmark (tools/bench/bench.mjs). It
 * must give every syscall the verdict the tree gives, and keep every
 * by-number ALLOW cacheable, or the benchmark compares different policies.
 */
import { describe, expect, it } from 'vitest';
import { ALLOW, arg, argumentSamples, chainProgram, compileFilter, isConstAllow, simulate, verify, type ArgCondition, type Rule } from '../src/index.js';
import { FAKE } from './fake-arch.js';

const rule = (syscall: string, when?: ArgCondition[], action: Rule['action'] = ALLOW): Rule =>
  ({ syscall: syscall as Rule['syscall'], action, requires: [], why: 'test', source: 'test', ...(when ? { when } : {}) });
const EPERM = { kind: 'errno', errno: 'EPERM' } as const;

describe('chainProgram', () => {
  it('gives every syscall, on sampled arguments, the verdict of the tree, and keeps the same syscalls cacheable', () => {
    const rules = [
      ...Array.from({ length: 120 }, (_, i) => rule(`sys${i * 4}`)),
      rule('sys5', [arg.in(1, 32, 'cmd', [1, 2, 3, 9, 12, 40])]),
      rule('sys7', [arg.in(1, 32, 'req', [0x5413])], EPERM),
      rule('sys7', [arg.in(1, 32, 'req', [0x541b, 0x5401])]),
      rule('sys9', [arg.in(2, 64, 'ptr', [0])]),
      rule('sys11', [arg.notIn(0, 32, 'fd', [5])]),
    ];
    const f = compileFilter(rules, { arch: FAKE, defaultAction: { kind: 'kill-process' }, unknownAction: { kind: 'errno', errno: 'ENOSYS' } });
    const chain = chainProgram(f);
    expect(verify(chain)).toEqual([]);
    expect(chain).not.toEqual(f.program);
    let cached = 0;
    for (const nr of [...Object.values(FAKE.syscalls), 0, 2, 5000]) {
      for (const args of argumentSamples(f.resolution.rules.filter((r) => r.nr === nr), 8)) {
        const d = { nr, arch: FAKE.auditArch, args };
        expect(simulate(chain, d, FAKE.endian).ret, `nr ${nr} args ${args.join(',')}`).toBe(simulate(f.program, d, FAKE.endian).ret);
      }
      const c = isConstAllow(chain, nr, FAKE.auditArch);
      expect(c, `nr ${nr}`).toBe(isConstAllow(f.program, nr, FAKE.auditArch));
      if (c) cached++;
    }
    expect(cached).toBe(120);
    expect(simulate(chain, { nr: 1, arch: FAKE.auditArch + 1 }, FAKE.endian).ret).toBe(simulate(f.program, { nr: 1, arch: FAKE.auditArch + 1 }, FAKE.endian).ret);
  });
});
