import type { ArchDescriptor } from '../src/index.js';

/**
 * A made-up architecture for compiler tests: its numbers are deliberately
 * unlike any real arch, so a test passing here proves nothing depends on
 * x86_64's numbers.
 */
export const FAKE: ArchDescriptor = {
  name: 'fake',
  nodeArch: 'fake',
  auditArch: 0x4000abcd,
  endian: 'little',
  foreignAbiBit: 0x40000000,
  source: 'test fixture',
  syscalls: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`sys${i}`, i * 3 + 1])),
  constants: { EPERM: 1, ENOSYS: 38, EACCES: 13, O_CREAT: 0o100, PROT_EXEC: 4, AT_FDCWD: -100 },
};

export const FAKE_BE: ArchDescriptor = { ...FAKE, name: 'fake-be', endian: 'big' };
