/**
 * The action of the prologue's two foreign-ABI checks (the audit arch, the
 * x32 number bit): KILL_PROCESS unless `foreignAbi` says otherwise, so that
 * pledge() can trap them into its reporter and the `pledge` command's
 * supervisor can be notified of them (issue 13: they died silently).
 */
import { describe, expect, it } from 'vitest';
import {
  KILL_PROCESS, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF,
  compileFilter, run, verify, type ArchDescriptor, type Rule, type SyscallName,
} from '../src/index.js';
import { FAKE } from './fake-arch.js';

// FAKE has an x32-like bit; `aarch64` here has only a compat audit arch, like aarch64.
const x86_64 = FAKE;
const aarch64: ArchDescriptor = { ...FAKE, name: 'fake-arm', foreignAbiBit: undefined, compatAuditArch: 0x40000028 };

const I386 = 0x40000003; // AUDIT_ARCH_I386, != FAKE.auditArch
const getpid: Rule = { syscall: 'sys1' as SyscallName, action: { kind: 'allow' }, requires: [], why: 'test', source: 'test' };

describe('compileFilter foreignAbi', () => {
  const plain = compileFilter([getpid], { arch: x86_64, defaultAction: { kind: 'errno', errno: 'EPERM' } });
  const trap = compileFilter([getpid], { arch: x86_64, defaultAction: { kind: 'errno', errno: 'EPERM' }, foreignAbi: { kind: 'trap' } });
  const notify = compileFilter([getpid], { arch: x86_64, defaultAction: { kind: 'errno', errno: 'EPERM' }, foreignAbi: { kind: 'notify' } });
  const nr = x86_64.syscalls['sys1']!;

  it('defaults to KILL_PROCESS, byte for byte as before', () => {
    const explicit = compileFilter([getpid], { arch: x86_64, defaultAction: { kind: 'errno', errno: 'EPERM' }, foreignAbi: KILL_PROCESS });
    expect(Buffer.from(explicit.bytes)).toEqual(Buffer.from(plain.bytes));
    expect(run(plain.program, { nr: 20, arch: I386 }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(plain.program, { nr: 0x40000000 | nr, arch: x86_64.auditArch }).ret).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('gives the i386 entry and x32 numbers its action, and changes nothing else', () => {
    for (const [f, want] of [[trap, SECCOMP_RET_TRAP], [notify, SECCOMP_RET_USER_NOTIF]] as const) {
      expect(verify(f.program)).toEqual([]);
      expect(run(f.program, { nr: 20, arch: I386 }).ret).toBe(want);
      expect(run(f.program, { nr: 0x40000000 | nr, arch: x86_64.auditArch }).ret).toBe(want);
      expect(run(f.program, { nr: 0xffffffff, arch: x86_64.auditArch }).ret).toBe(want);
      expect(run(f.program, { nr, arch: x86_64.auditArch }).ret).toBe(SECCOMP_RET_ALLOW);
      expect(f.program.length).toBe(plain.program.length);
    }
  });

  it('on aarch64 (no x32-like bit) acts on the AArch32 entry', () => {
    const f = compileFilter([getpid], { arch: aarch64, defaultAction: KILL_PROCESS, foreignAbi: { kind: 'trap' } });
    expect(run(f.program, { nr: 20, arch: aarch64.compatAuditArch! }).ret).toBe(SECCOMP_RET_TRAP);
    expect(run(f.program, { nr: aarch64.syscalls['sys1']!, arch: aarch64.auditArch }).ret).toBe(SECCOMP_RET_ALLOW);
  });

});
