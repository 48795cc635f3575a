import { describe, expect, it } from 'vitest';
import { knownConstantsCheck, resolverCrossCheck } from '../../../tools/gen-arch/resolver-check.js';
import x86_64Default, { x86_64 } from './index.js';

const { syscalls, constants } = x86_64;

describe('x86_64 descriptor', () => {
  it('describes the native x86_64 ABI', () => {
    expect(x86_64Default).toBe(x86_64);
    expect(x86_64.name).toBe('x86_64');
    expect(x86_64.nodeArch).toBe('x64');
    expect(x86_64.endian).toBe('little');
    expect(x86_64.auditArch).toBe(0xc000003e); // EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    expect(x86_64.foreignAbiBit).toBe(0x40000000); // __X32_SYSCALL_BIT
    expect(x86_64.source).toMatch(/^linux-libc-dev \S+ \(amd64\)$/);
    expect(Object.isFrozen(x86_64)).toBe(true);
  });

  it('has the well-known syscall numbers', () => {
    expect(syscalls.read).toBe(0);
    expect(syscalls.write).toBe(1);
    expect(syscalls.openat).toBe(257);
    expect(syscalls.exit_group).toBe(231);
    expect(syscalls.clone3).toBe(435);
    expect(syscalls.seccomp).toBe(317);
    expect(syscalls.landlock_create_ruleset).toBe(444);
  });

  it('has the legacy syscalls and no multiplexers', () => {
    expect(syscalls.open).toBe(2);
    expect(syscalls.stat).toBe(4);
    expect(syscalls.fork).toBe(57);
    expect(syscalls.vfork).toBe(58);
    expect(syscalls.creat).toBe(85);
    expect(syscalls.arch_prctl).toBe(158);
    expect(syscalls).not.toHaveProperty('socketcall');
    expect(syscalls).not.toHaveProperty('ipc');
  });

  it('holds native numbers only: none in the x32 range, all distinct', () => {
    const nrs = Object.values(syscalls);
    expect(nrs.length).toBeGreaterThan(300);
    for (const nr of nrs) {
      expect(Number.isInteger(nr) && nr >= 0 && nr < 512, String(nr)).toBe(true);
      expect(nr & (x86_64.foreignAbiBit ?? 0)).toBe(0);
    }
    expect(new Set(nrs).size).toBe(nrs.length);
  });

  it('has the kernel ABI constants', () => {
    expect(constants.O_CREAT).toBe(0o100);
    expect(constants.O_TMPFILE).toBe(0o20200000);
    expect(constants.O_LARGEFILE).toBe(0o100000); // the kernel's value, not glibc's 0
    expect(constants.O_ACCMODE).toBe(3);
    expect(constants.AT_FDCWD).toBe(-100);
    expect(constants.PROT_EXEC).toBe(4);
    expect(constants.MAP_ANONYMOUS).toBe(0x20);
    expect(constants.TIOCSTI).toBe(0x5412);
    expect(constants.TIOCGPTN).toBe(0x80045430); // _IOR('T', 0x30, unsigned int)
    expect(constants.TIOCSPTLCK).toBe(0x40045431); // _IOW('T', 0x31, int)
    expect(constants.EPERM).toBe(1);
    expect(constants.ENOSYS).toBe(38);
    expect(constants.ENOTSUP).toBe(constants.EOPNOTSUPP);
    expect(constants.CLONE_NEWUSER).toBe(0x10000000);
    expect(constants.SIGSYS).toBe(31);
    expect(constants.AF_UNIX).toBe(1);
    expect(constants.SOCK_CLOEXEC).toBe(constants.O_CLOEXEC);
    expect(constants.S_ISUID).toBe(0o4000);
  });

  knownConstantsCheck(x86_64);
});

describe('x86_64 syscall table against libseccomp (scmp_sys_resolver -a x86_64)', () => {
  resolverCrossCheck(x86_64, 'x86_64', ['landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self', 'memfd_secret', 'process_mrelease', 'futex_waitv', 'set_mempolicy_home_node']);
});
