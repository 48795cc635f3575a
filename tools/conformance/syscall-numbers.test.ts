/**
 * Every syscall the catalog names (rules, DENIED, the reporter's rules) has,
 * in each generated table, the C library's own number: `SYS_<name>` of
 * <sys/syscall.h>, from this host's compiler for x86_64 and from the aarch64
 * cross compiler the arm64 VM's probe is built with. A swapped or mistyped
 * number in a table fails here even for syscalls no conformance case makes
 * (getppid, which the `pledge` command's start-up marker relies on).
 */
import { describe, expect, it } from 'vitest';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { NOT_IN_TABLES, type ArchDescriptor } from '@seccomp-scopes/core';
import { catalogSyscallNames, libcSyscallNumbers } from './syscall-numbers.js';

const names = catalogSyscallNames();

describe.each([
  ['x86_64', x86_64, 'cc'],
  ['aarch64', aarch64, 'aarch64-linux-gnu-gcc'],
] as const)('syscall numbers of the %s table against the C library (%s)', (_name, arch: ArchDescriptor, cc) => {
  const libc = libcSyscallNumbers(cc, [...names, ...NOT_IN_TABLES.map((n) => n.name)]);

  it('every catalog syscall on the table has the C library\'s number', () => {
    const wrong = names
      .filter((n) => arch.syscalls[n] !== undefined && libc.has(n) && libc.get(n) !== arch.syscalls[n])
      .map((n) => `${n}: table ${arch.syscalls[n]}, SYS_${n} ${libc.get(n)}`);
    expect(wrong).toEqual([]);
  });

  it('compares nearly every catalog syscall of the table (the C library knows them), getppid and getpid included', () => {
    const onTable = names.filter((n) => arch.syscalls[n] !== undefined);
    const unknownToLibc = onTable.filter((n) => !libc.has(n));
    expect(unknownToLibc).toEqual([]);
    expect(onTable.length).toBeGreaterThan(200);
    for (const n of ['getpid', 'getppid', 'gettid', 'openat', 'write']) expect(libc.get(n), n).toBe(arch.syscalls[n]);
  });

  it('the C library has no number for a catalog name the table lacks, nor for a NOT_IN_TABLES name', () => {
    // Else the table would miss a syscall the C library can make (and the filter would answer it ENOSYS).
    const missing = [...libc.keys()].filter((n) => arch.syscalls[n] === undefined);
    expect(missing).toEqual([]);
  });
});
