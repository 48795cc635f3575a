/**
 * The simplifier keeps every verdict and leaves a syscall whose verdict does
 * not depend on its arguments as a `ret` the kernel's action cache serves
 * (src/simplify.ts, src/cache.ts). Every promise set of the real catalog is
 * checked in packages/pledge/test/action-cache.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOW, arg, cacheFacts, compileFilter, decide, isConstAllow, run, verify, type ArgCondition, type Rule,
} from '../src/index.js';
import { FAKE, FAKE_BE } from './fake-arch.js';

const nrOf = (name: string): number => FAKE.syscalls[name]!;
const rule = (syscall: string, when?: ArgCondition[], action: Rule['action'] = ALLOW): Rule =>
  ({ syscall: syscall as Rule['syscall'], action, requires: [], why: 'test', source: 'test', ...(when ? { when } : {}) });
const EPERM = { kind: 'errno', errno: 'EPERM' } as const;
const compile = (rules: Rule[]) => compileFilter(rules, { arch: FAKE, defaultAction: EPERM, unknownAction: { kind: 'errno', errno: 'ENOSYS' } });

describe('simplify: argument-free verdicts become cacheable', () => {
  it('drops a conditional ALLOW before an unconditional ALLOW of the same syscall', () => {
    const f = compile([rule('sys1', [arg.in(0, 32, 'fd', [2])]), rule('sys1')]);
    expect(f.decisions.get(nrOf('sys1'))).toEqual([expect.objectContaining({ when: [] })]);
    expect(isConstAllow(f.program, nrOf('sys1'), FAKE.auditArch)).toBe(true);
  });

  it('keeps a conditional rule with another action before the unconditional one', () => {
    const f = compile([rule('sys1', [arg.in(0, 32, 'fd', [2])], { kind: 'errno', errno: 'ENOSYS' }), rule('sys1')]);
    expect(f.decisions.get(nrOf('sys1'))).toHaveLength(2);
    expect(isConstAllow(f.program, nrOf('sys1'), FAKE.auditArch)).toBe(false);
  });

  it('drops conditions that hold for every value (prot & PROT_EXEC in {0, PROT_EXEC})', () => {
    const f = compile([rule('sys1', [arg.bitsClear(2, 32, 'prot', 4)]), rule('sys1', [arg.bitsSet(2, 32, 'prot', 4)])]);
    expect(f.decisions.get(nrOf('sys1'))).toEqual([expect.objectContaining({ when: [] })]);
    expect(isConstAllow(f.program, nrOf('sys1'), FAKE.auditArch)).toBe(true);
    // Only one of the two: still an argument check.
    const g = compile([rule('sys1', [arg.bitsClear(2, 32, 'prot', 4)])]);
    expect(isConstAllow(g.program, nrOf('sys1'), FAKE.auditArch)).toBe(false);
  });

  it('drops a rule with a condition that holds for no value, and a rule shadowed by a more general one', () => {
    const never = { arg: 0, width: 32, name: 'x', mask: 1, oneOf: [0, 1], negate: true } as ArgCondition;
    const f = compile([rule('sys1', [never], { kind: 'errno', errno: 'ENOSYS' }), rule('sys1')]);
    expect(f.decisions.get(nrOf('sys1'))).toEqual([expect.objectContaining({ when: [] })]);
    const g = compile([rule('sys1', [arg.in(0, 32, 'a', [1]), arg.in(1, 32, 'b', [2])]), rule('sys1', [arg.in(0, 32, 'a', [1])])]);
    expect(g.decisions.get(nrOf('sys1'))!.map((r) => r.when.length)).toEqual([1]);
  });

  it('cacheFacts finds every argument-free ALLOW cached, and tells argument checks apart', () => {
    const f = compile([
      rule('sys1', [arg.in(0, 32, 'fd', [2])]), rule('sys1'),
      rule('sys2', [arg.bitsClear(2, 32, 'prot', 4)]), rule('sys2', [arg.bitsSet(2, 32, 'prot', 4)]),
      rule('sys3', [arg.in(0, 32, 'fd', [2])]),
    ]);
    const c = cacheFacts(f);
    expect(c.missed).toEqual([]);
    expect(c.cached).toEqual(expect.arrayContaining([nrOf('sys1'), nrOf('sys2')]));
    expect(c.argumentDependent).toContain(nrOf('sys3'));
  });
});

// Random policies built to hit the new steps (one- and two-bit masks, few
// values, runs of one action): the program agrees with the reference
// semantics on every input. (Whether every argument-free ALLOW is cached is
// checked on the real catalog, where the shapes are known; for arbitrary
// policies it would need a decision procedure, not these rewrites.)
const smallMask = fc.constantFrom(1, 2, 3, 4, 5, 0xc00);
const condition = fc.record({ arg: fc.constantFrom(0, 1, 2), mask: smallMask, vals: fc.array(fc.integer({ min: 0, max: 0xfff }), { minLength: 1, maxLength: 4 }), negate: fc.boolean() })
  .map(({ arg: i, mask, vals, negate }) => ({ arg: i, width: 32, name: 'a', mask, oneOf: [...new Set(vals.map((v) => v & mask))], negate } as ArgCondition));
const action = fc.constantFrom<Rule['action']>(ALLOW, ALLOW, ALLOW, { kind: 'errno', errno: 'ENOSYS' }, { kind: 'errno', errno: 'EPERM' });
const randomRule = fc.record({ n: fc.integer({ min: 0, max: 6 }), when: fc.array(condition, { maxLength: 2 }), action })
  .map(({ n, when, action: a }) => rule(`sys${n}`, when, a));
const arg32 = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 0x400, 0x800, 0xc00, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));

describe('simplify keeps every verdict (property)', () => {
  for (const arch of [FAKE, FAKE_BE]) {
    it(`on random policies with tautologies and shadowed rules (${arch.endian} endian)`, () => {
      fc.assert(
        fc.property(
          fc.array(randomRule, { maxLength: 12 }),
          fc.array(fc.record({ n: fc.integer({ min: 0, max: 6 }), args: fc.array(arg32, { minLength: 3, maxLength: 3 }) }), { minLength: 1, maxLength: 30 }),
          (rules, inputs) => {
            const f = compileFilter(rules, { arch, defaultAction: EPERM });
            expect(verify(f.program)).toEqual([]);
            for (const inp of inputs) {
              const data = { nr: inp.n * 3 + 1, arch: arch.auditArch, args: inp.args.map(BigInt) };
              expect(run(f.program, data, arch.endian).ret).toBe(decide(f.resolution.rules, arch, data, f.defaultRet));
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  }
});
