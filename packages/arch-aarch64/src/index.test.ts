import { describe, expect, it } from 'vitest';
import { knownConstantsCheck, resolverCrossCheck } from '../../../tools/gen-arch/resolver-check.js';
import aarch64Default, { aarch64 } from './index.js';

const { syscalls, constants } = aarch64;

describe('aarch64 descriptor', () => {
  it('describes the native aarch64 ABI', () => {
    expect(aarch64Default).toBe(aarch64);
    expect(aarch64.name).toBe('aarch64');
    expect(aarch64.nodeArch).toBe('arm64');
    expect(aarch64.endian).toBe('little');
    expect(aarch64.auditArch).toBe(0xc00000b7); // EM_AARCH64 (183) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    expect(aarch64.compatAuditArch).toBe(0x40000028); // AUDIT_ARCH_ARM: EM_ARM (40) | __AUDIT_ARCH_LE
    expect(aarch64).not.toHaveProperty('foreignAbiBit'); // no x32-like number bit
    expect(aarch64.source).toMatch(/^linux-libc-dev-arm64-cross \S+ \(arm64\)$/);
    expect(Object.isFrozen(aarch64)).toBe(true);
  });

  it('has the well-known asm-generic syscall numbers', () => {
    expect(syscalls.io_setup).toBe(0);
    expect(syscalls.openat).toBe(56);
    expect(syscalls.close).toBe(57);
    expect(syscalls.read).toBe(63);
    expect(syscalls.write).toBe(64);
    expect(syscalls.newfstatat).toBe(79);
    expect(syscalls.fstat).toBe(80);
    expect(syscalls.exit_group).toBe(94);
    expect(syscalls.getpid).toBe(172);
    expect(syscalls.clone).toBe(220);
    expect(syscalls.execve).toBe(221);
    expect(syscalls.mmap).toBe(222);
    expect(syscalls.seccomp).toBe(277);
    expect(syscalls.clone3).toBe(435);
    expect(syscalls.openat2).toBe(437);
    expect(syscalls.landlock_create_ruleset).toBe(444);
  });

  it('is an openat-only world: no legacy calls, no multiplexers, nothing x86-only', () => {
    const legacy = [
      'open', 'creat', 'stat', 'lstat', 'access', 'mkdir', 'rmdir', 'unlink', 'rename', 'link', 'symlink', 'readlink',
      'chmod', 'chown', 'lchown', 'mknod', 'utime', 'utimes', 'futimesat', 'fork', 'vfork', 'pipe', 'dup2', 'poll',
      'select', 'epoll_create', 'epoll_wait', 'eventfd', 'signalfd', 'inotify_init', 'alarm', 'pause', 'time',
      'getpgrp', 'getdents', 'uselib', 'ustat', 'sysfs',
    ];
    for (const name of legacy) expect(syscalls, name).not.toHaveProperty(name);
    for (const name of ['socketcall', 'ipc', 'arch_prctl', 'modify_ldt', 'iopl', 'ioperm', 'mmap2', 'fstat64', 'fcntl64']) {
      expect(syscalls, name).not.toHaveProperty(name);
    }
    // ... and the replacements the C library uses are there.
    for (const name of ['openat', 'mkdirat', 'unlinkat', 'renameat', 'renameat2', 'linkat', 'symlinkat', 'readlinkat', 'faccessat',
      'fchmodat', 'fchownat', 'mknodat', 'pipe2', 'dup3', 'ppoll', 'pselect6', 'epoll_create1', 'epoll_pwait', 'eventfd2',
      'signalfd4', 'inotify_init1', 'getdents64']) {
      expect(syscalls, name).toHaveProperty(name);
    }
  });

  it('holds syscalls only: no bounds or reserved-range macros, all numbers distinct', () => {
    const nrs = Object.values(syscalls);
    expect(nrs.length).toBeGreaterThan(280);
    expect(syscalls).not.toHaveProperty('syscalls'); // __NR_syscalls, the table size
    expect(syscalls).not.toHaveProperty('arch_specific_syscall'); // __NR_arch_specific_syscall = 244
    for (const nr of nrs) {
      expect(Number.isInteger(nr) && nr >= 0 && nr < 1024, String(nr)).toBe(true);
      expect(nr >= 244 && nr <= 259, `${nr} lies in the arch-specific range arm64 leaves empty`).toBe(false);
    }
    expect(new Set(nrs).size).toBe(nrs.length);
  });

  it('has the kernel ABI constants, with arm64 open flags', () => {
    expect(constants.O_CREAT).toBe(0o100);
    expect(constants.O_DIRECTORY).toBe(0o40000); // x86_64: 0200000
    expect(constants.O_NOFOLLOW).toBe(0o100000); // x86_64: 0400000
    expect(constants.O_DIRECT).toBe(0o200000); // x86_64: 040000
    expect(constants.O_LARGEFILE).toBe(0o400000); // the kernel's value, not glibc's 0
    expect(constants.__O_TMPFILE).toBe(0o20000000);
    expect(constants.O_TMPFILE).toBe(0o20040000); // __O_TMPFILE | O_DIRECTORY
    expect(constants.O_ACCMODE).toBe(3);
    expect(constants.AT_FDCWD).toBe(-100);
    expect(constants.AT_EMPTY_PATH).toBe(0x1000);
    expect(constants.PROT_EXEC).toBe(4);
    expect(constants.MAP_ANONYMOUS).toBe(0x20);
    expect(constants.TCGETS).toBe(0x5401);
    expect(constants.TIOCSTI).toBe(0x5412);
    expect(constants.TIOCGPTN).toBe(0x80045430); // _IOR('T', 0x30, unsigned int)
    expect(constants.EPERM).toBe(1);
    expect(constants.ENOSYS).toBe(38);
    expect(constants.ENOTSUP).toBe(constants.EOPNOTSUPP);
    expect(constants.CLONE_NEWUSER).toBe(0x10000000);
    expect(constants.SIGSYS).toBe(31);
    expect(constants.AF_UNIX).toBe(1);
    expect(constants.SOCK_CLOEXEC).toBe(constants.O_CLOEXEC);
    expect(constants.S_ISUID).toBe(0o4000);
  });

  knownConstantsCheck(aarch64);
});

describe('aarch64 syscall table against libseccomp (scmp_sys_resolver -a aarch64)', () => {
  resolverCrossCheck(aarch64, 'aarch64', ['openat', 'newfstatat', 'clone3', 'landlock_create_ruleset', 'futex_waitv']);
});
