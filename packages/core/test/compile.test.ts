import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOW, KILL_PROCESS, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, arg, compileFilter,
  decide, isConstAllow, run, verify, type ArgCondition, type Rule, type SyscallName,
} from '../src/index.js';
import { FAKE, FAKE_BE } from './fake-arch.js';

const nrOf = (name: string): number => FAKE.syscalls[name]!;
const EPERM = SECCOMP_RET_ERRNO | 1;
// FAKE's names (sys0, sys1, …) are on no real table: the compiler takes any name its arch has.
const rule = (syscall: string, when?: ArgCondition[], action: Rule['action'] = ALLOW): Rule =>
  ({ syscall: syscall as SyscallName, action, requires: [], why: 'test', source: 'test', ...(when ? { when } : {}) });

describe('compileFilter: program shape', () => {
  const rules = [rule('sys1'), rule('sys2'), rule('sys10', [arg.bitsClear(2, 32, 'prot', 'PROT_EXEC')])];
  const f = compileFilter(rules, { arch: FAKE, defaultAction: { kind: 'errno', errno: 'EPERM' } });

  it('passes the verifier', () => {
    expect(verify(f.program)).toEqual([]);
  });

  it('checks the audit arch first and kills a foreign arch', () => {
    expect(f.program[0]).toMatchObject({ code: 0x20, k: 4 });
    expect(run(f.program, { nr: nrOf('sys1'), arch: 0xc000003e }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(f.program, { nr: nrOf('sys1'), arch: FAKE.auditArch }).ret).toBe(SECCOMP_RET_ALLOW);
  });

  it('kills numbers in the foreign ABI (x32) range, even when their low bits name an allowed call', () => {
    expect(run(f.program, { nr: 0x40000000 | nrOf('sys1'), arch: FAKE.auditArch }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(f.program, { nr: 0xffffffff, arch: FAKE.auditArch }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('keeps number-only decisions cacheable and argument decisions not', () => {
    expect(isConstAllow(f.program, nrOf('sys1'), FAKE.auditArch)).toBe(true);
    expect(isConstAllow(f.program, nrOf('sys2'), FAKE.auditArch)).toBe(true);
    expect(isConstAllow(f.program, nrOf('sys10'), FAKE.auditArch)).toBe(false);
    expect(isConstAllow(f.program, nrOf('sys3'), FAKE.auditArch)).toBe(false);
  });

  it('judges an int argument on its low 32 bits only', () => {
    const nr = nrOf('sys10');
    expect(run(f.program, { nr, arch: FAKE.auditArch, args: [0, 0, 3n] }).ret).toBe(SECCOMP_RET_ALLOW);
    expect(run(f.program, { nr, arch: FAKE.auditArch, args: [0, 0, 0xdead_beef_0000_0003n] }).ret).toBe(SECCOMP_RET_ALLOW);
    expect(run(f.program, { nr, arch: FAKE.auditArch, args: [0, 0, 0xffff_ffff_0000_0007n] }).ret).toBe(EPERM);
    expect(run(f.program, { nr, arch: FAKE.auditArch, args: [0, 0, 0x4n] }).ret).toBe(EPERM);
  });

  it('uses a binary search: the path is logarithmic in the number of syscalls', () => {
    const many = Array.from({ length: 500 }, (_, i) => rule(`sys${i}`));
    const g = compileFilter(many.filter((_, i) => i % 2 === 0), { arch: FAKE, defaultAction: KILL_PROCESS });
    expect(g.worstCasePath).toBeLessThan(20);
    expect(verify(g.program)).toEqual([]);
  });

  it('compares a 64-bit argument on both halves', () => {
    const g = compileFilter([rule('sys5', [arg.in(4, 64, 'ptr', [0])])], { arch: FAKE, defaultAction: KILL_PROCESS });
    const nr = nrOf('sys5');
    expect(run(g.program, { nr, arch: FAKE.auditArch, args: [0, 0, 0, 0, 0n] }).ret).toBe(SECCOMP_RET_ALLOW);
    expect(run(g.program, { nr, arch: FAKE.auditArch, args: [0, 0, 0, 0, 0x1_0000_0000n] }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(g.program, { nr, arch: FAKE.auditArch, args: [0, 0, 0, 0, 1n] }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('refuses programs over 4096 instructions with a typed error', () => {
    const huge = Array.from({ length: 600 }, (_, i) => rule(`sys${i}`, [arg.in(0, 64, 'x', [1, 2, 3, 4])]));
    expect(() => compileFilter(huge, { arch: FAKE, defaultAction: KILL_PROCESS })).toThrow(expect.objectContaining({ code: 'E2BIG', reason: 'PROGRAM_TOO_LARGE' }));
  });

  it('refuses a value that can never match its mask, and a 32-bit value out of range', () => {
    expect(() => compileFilter([rule('sys1', [arg.masked(0, 32, 'x', 1, [2])])], { arch: FAKE, defaultAction: KILL_PROCESS })).toThrow(/never match/);
    expect(() => compileFilter([rule('sys1', [arg.in(0, 32, 'x', [2 ** 33])])], { arch: FAKE, defaultAction: KILL_PROCESS })).toThrow(/does not fit/);
  });

  it('reports rules whose syscall the arch lacks instead of guessing', () => {
    const g = compileFilter([rule('sys1'), rule('no_such_call')], { arch: FAKE, defaultAction: KILL_PROCESS });
    expect(g.resolution.absent.map((r) => r.syscall)).toEqual(['no_such_call']);
  });

  it('resolves negative int constants (AT_FDCWD) to their 32-bit form', () => {
    const g = compileFilter([rule('sys1', [arg.notIn(0, 32, 'dirfd', ['AT_FDCWD'])])], { arch: FAKE, defaultAction: KILL_PROCESS });
    const nr = nrOf('sys1');
    expect(run(g.program, { nr, arch: FAKE.auditArch, args: [-100n] }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(g.program, { nr, arch: FAKE.auditArch, args: [0xffff_ff9cn] }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(g.program, { nr, arch: FAKE.auditArch, args: [3n] }).ret).toBe(SECCOMP_RET_ALLOW);
  });
});

// Random policies: the compiled program must agree with the reference semantics on every input.
const value32 = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 0x80000000, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const value64 = fc.oneof(fc.constantFrom(0n, 1n, 0x1_0000_0000n, 0xffff_ffff_ffff_ffffn), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const condition = fc.oneof(
  fc.record({ arg: fc.constantFrom(0, 1, 2, 3, 4, 5), mask: value32, vals: fc.array(value32, { minLength: 1, maxLength: 12 }), negate: fc.boolean() })
    .map(({ arg: i, mask, vals, negate }) => ({ arg: i, width: 32, name: 'a', mask, oneOf: vals.map((v) => (v & mask) >>> 0), negate } as ArgCondition)),
  fc.record({ arg: fc.constantFrom(0, 1, 2, 3, 4, 5), mask: value64, vals: fc.array(value64, { minLength: 1, maxLength: 3 }), negate: fc.boolean() })
    .map(({ arg: i, mask, vals, negate }) => ({ arg: i, width: 64, name: 'a', mask, oneOf: vals.map((v) => v & mask), negate } as ArgCondition)),
);
const action = fc.constantFrom<Rule['action']>(ALLOW, { kind: 'errno', errno: 'ENOSYS' }, { kind: 'errno', errno: 'EACCES' }, { kind: 'trap' });
const randomRule = fc.record({
  n: fc.integer({ min: 0, max: 40 }),
  when: fc.array(condition, { maxLength: 3 }),
  action,
  dup: fc.boolean(),
}).map(({ n, when, action: a, dup }) => rule(`sys${n}`, dup && when.length > 0 ? [...when, when[0]!] : when, a));

describe('compileFilter agrees with the reference semantics (property)', () => {
  for (const arch of [FAKE, FAKE_BE]) {
    it(`on random policies and inputs (${arch.endian} endian)`, () => {
      fc.assert(
        fc.property(
          fc.array(randomRule, { maxLength: 30 }),
          fc.array(fc.record({ n: fc.integer({ min: 0, max: 45 }), args: fc.array(value64, { minLength: 6, maxLength: 6 }), foreign: fc.boolean() }), { minLength: 1, maxLength: 20 }),
          (rules, inputs) => {
            const f = compileFilter(rules, { arch, defaultAction: { kind: 'errno', errno: 'EPERM' }, unknownAction: { kind: 'errno', errno: 'ENOSYS' } });
            expect(verify(f.program)).toEqual([]);
            for (const inp of inputs) {
              // n*3+1 are the fake arch's syscalls; +1 lands on numbers it does not know.
              const nr = (inp.foreign ? 0x40000000 : 0) | (inp.n * 3 + 1 + (inp.n % 4 === 3 ? 1 : 0));
              const data = { nr, arch: arch.auditArch, args: inp.args };
              // Also probe the values the rules compare against.
              expect(run(f.program, data, arch.endian).ret).toBe(decide(f.resolution.rules, arch, data, f.defaultRet, f.unknownRet));
            }
            for (const r of f.resolution.rules) {
              for (const c of r.when) {
                for (const v of c.oneOf) {
                  const args = [0n, 0n, 0n, 0n, 0n, 0n];
                  args[c.arg] = v;
                  const data = { nr: r.nr, arch: arch.auditArch, args };
                  expect(run(f.program, data, arch.endian).ret).toBe(decide(f.resolution.rules, arch, data, f.defaultRet, f.unknownRet));
                }
              }
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
