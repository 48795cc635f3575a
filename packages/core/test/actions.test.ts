/**
 * Every kind of the rule model's Action, through the compiler (resolve.ts
 * actionValue), the simulator and describeAction: `notify` is
 * SECCOMP_RET_USER_NOTIF as the others are their SECCOMP_RET_* value. Also
 * the named rule groups core exports for the `pledge` command.
 */
import { describe, expect, it } from 'vitest';
import {
  ALLOW, CATALOG, FALLBACK_RULES, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, STDIO_MADVISE, actionName, actionValue, compileFilter, describeAction,
  run, simulate, verify, type Action, type SyscallName,
} from '../src/index.js';
import { FAKE } from './fake-arch.js';

const ACTIONS: readonly (readonly [Action, number, string])[] = [
  [{ kind: 'allow' }, SECCOMP_RET_ALLOW, 'ALLOW'],
  [{ kind: 'errno', errno: 'EACCES' }, (SECCOMP_RET_ERRNO | 13) >>> 0, 'ERRNO(EACCES)'],
  [{ kind: 'kill-process' }, SECCOMP_RET_KILL_PROCESS, 'KILL_PROCESS'],
  [{ kind: 'kill-thread' }, SECCOMP_RET_KILL_THREAD, 'KILL_THREAD'],
  [{ kind: 'trap' }, SECCOMP_RET_TRAP, 'TRAP'],
  [{ kind: 'notify' }, SECCOMP_RET_USER_NOTIF, 'USER_NOTIF'],
  [{ kind: 'log' }, SECCOMP_RET_LOG, 'LOG'],
];

describe('actions', () => {
  for (const [action, ret, text] of ACTIONS) {
    it(`${action.kind}: ${text}, returned by a compiled filter as a rule's action and as the default`, () => {
      expect(actionValue(action, FAKE)).toBe(ret);
      expect(describeAction(action)).toBe(text);
      expect(actionName(ret)).toBe(text === 'ERRNO(EACCES)' ? 'ERRNO(13)' : text === 'TRAP' ? 'TRAP(0)' : text);
      // FAKE's names are on no real table (see compile.test.ts).
      const f = compileFilter([{ syscall: 'sys1' as SyscallName, action, requires: [], why: 'test', source: 'test' }], { arch: FAKE, defaultAction: action });
      expect(verify(f.program)).toEqual([]);
      expect(simulate(f.program, { nr: FAKE.syscalls.sys1!, arch: FAKE.auditArch }).ret).toBe(ret);
      expect(simulate(f.program, { nr: FAKE.syscalls.sys2!, arch: FAKE.auditArch }).ret).toBe(ret);
    });
  }

  it('notify only where a rule says so; the rest keeps the default', () => {
    const f = compileFilter([{ syscall: 'sys1' as SyscallName, action: { kind: 'notify' }, requires: [], why: 'test', source: 'test' }], { arch: FAKE, defaultAction: ALLOW });
    expect(simulate(f.program, { nr: FAKE.syscalls.sys1!, arch: FAKE.auditArch }).ret).toBe(SECCOMP_RET_USER_NOTIF);
    expect(simulate(f.program, { nr: FAKE.syscalls.sys2!, arch: FAKE.auditArch }).ret).toBe(SECCOMP_RET_ALLOW);
  });

  it('run is the old name of simulate', () => {
    expect(run).toBe(simulate);
  });
});

describe('named rule groups', () => {
  it('FALLBACK_RULES: the ENOSYS answers, first in the catalog', () => {
    expect(FALLBACK_RULES.map((r) => r.syscall)).toEqual(['clone3', 'openat2', 'io_uring_setup', 'io_uring_enter', 'io_uring_register']);
    expect(CATALOG.slice(0, FALLBACK_RULES.length)).toEqual(FALLBACK_RULES);
    for (const r of FALLBACK_RULES) expect(r.action).toEqual({ kind: 'errno', errno: 'ENOSYS' });
  });

  it("STDIO_MADVISE: the values of stdio's madvise rule", () => {
    const rules = CATALOG.filter((r) => r.syscall === 'madvise');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.requires).toEqual(['stdio']);
    expect(rules[0]!.when).toEqual([{ arg: 2, width: 32, name: 'advice', oneOf: STDIO_MADVISE }]);
    expect(STDIO_MADVISE).toContain('MADV_DONTNEED');
    expect(STDIO_MADVISE).not.toContain('MADV_HWPOISON');
  });
});
