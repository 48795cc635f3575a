/**
 * The loader window as data (src/loader-window.ts): its conditions agree
 * with core's argument schema, it resolves on both arches, and the table
 * the supervisor gets answers the calls a dynamic program's start-up makes
 * as docs/cli.md says (evaluated here as loader-window.cc does; the
 * kernel-level behaviour is cli.window.test.ts's and cli.security.test.ts's).
 */
import { describe, expect, it } from 'vitest';
import { argSchemaMismatches, constantOf, type ArchDescriptor, type ConstantName } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { LOADER_WINDOW_RULES, loaderWindowTable } from '../src/loader-window.js';

const ANSWERS = ['not the window\'s', 'continue', 'emulate-open', 'map-loader-file'] as const;

/** What the table answers for a call (loader-window.cc WindowDecision, before its mechanisms). */
function answer(arch: ArchDescriptor, syscall: string, args: readonly (number | bigint)[] = []): string {
  const nr = arch.syscalls[syscall];
  const a = [0, 1, 2, 3, 4, 5].map((i) => BigInt.asUintN(64, BigInt(args[i] ?? 0)));
  for (const e of loaderWindowTable(arch)) {
    if (e.nr !== nr) continue;
    if (e.when.every((c) => c.values.includes(a[c.arg]! & c.mask) !== c.negate)) return ANSWERS[e.answer];
  }
  return ANSWERS[0];
}

describe('the loader window', () => {
  it("names every argument as core's argument schema does", () => {
    expect(argSchemaMismatches(LOADER_WINDOW_RULES)).toEqual([]);
    expect(LOADER_WINDOW_RULES.every((r) => r.why.length > 0)).toBe(true);
  });

  for (const arch of [x86_64, aarch64]) {
    const c = (...names: ConstantName[]): number => names.reduce((m, n) => m | constantOf(arch, n), 0);
    it(`answers the start-up's calls on ${arch.name}`, () => {
      expect(answer(arch, 'openat', [-100, 0, c('O_RDONLY', 'O_CLOEXEC')])).toBe('emulate-open');
      expect(answer(arch, 'openat', [-100, 0, c('O_WRONLY')])).toBe("not the window's");
      expect(answer(arch, 'openat', [-100, 0, c('O_RDONLY', 'O_CREAT')])).toBe("not the window's");
      expect(answer(arch, 'openat', [-100, 0, c('O_RDONLY', 'O_TRUNC')])).toBe("not the window's");
      expect(answer(arch, 'openat', [-100, 0, c('O_RDONLY', '__O_TMPFILE')])).toBe("not the window's");
      expect(answer(arch, 'mmap', [0, 4096, c('PROT_READ'), c('MAP_PRIVATE'), 3])).toBe('continue');
      expect(answer(arch, 'mmap', [0, 4096, c('PROT_READ', 'PROT_EXEC'), c('MAP_PRIVATE'), 3])).toBe('map-loader-file');
      expect(answer(arch, 'mmap', [0, 4096, c('PROT_WRITE', 'PROT_EXEC'), c('MAP_PRIVATE'), 3])).toBe("not the window's");
      expect(answer(arch, 'mmap', [0, 4096, c('PROT_EXEC'), c('MAP_PRIVATE', 'MAP_ANONYMOUS'), -1])).toBe("not the window's");
      expect(answer(arch, 'mprotect', [0, 4096, c('PROT_READ')])).toBe('continue');
      expect(answer(arch, 'mprotect', [0, 4096, c('PROT_READ', 'PROT_EXEC')])).toBe("not the window's");
      expect(answer(arch, 'madvise', [0, 4096, c('MADV_DONTNEED')])).toBe('continue');
      expect(answer(arch, 'madvise', [0, 4096, c('MADV_PAGEOUT')])).toBe("not the window's");
      expect(answer(arch, 'fcntl', [3, c('F_GETFD')])).toBe('continue');
      expect(answer(arch, 'fcntl', [3, c('F_SETLK')])).toBe("not the window's");
      expect(answer(arch, 'ioctl', [1, c('TCGETS')])).toBe('continue');
      expect(answer(arch, 'ioctl', [1, c('TIOCSTI')])).toBe("not the window's");
      expect(answer(arch, 'prlimit64', [0, 3, 0, 0x7ffd0000])).toBe('continue');
      expect(answer(arch, 'prlimit64', [0, 3, 0x7ffd0000, 0])).toBe("not the window's");
      for (const s of ['read', 'close', 'newfstatat', 'readlinkat', 'brk', 'munmap', 'rseq', 'rt_sigaction', 'getppid', 'landlock_restrict_self']) {
        expect(answer(arch, s), s).toBe('continue');
      }
      for (const s of ['execve', 'write', 'socket', 'clone', 'kill', 'unlinkat']) expect(answer(arch, s), s).toBe("not the window's");
    });
  }

  it("leaves out what an arch lacks: aarch64 has no open, stat or arch_prctl", () => {
    const names = (arch: ArchDescriptor): Set<string> => {
      const byNr = new Map(Object.entries(arch.syscalls).map(([n, nr]) => [nr, n]));
      return new Set(loaderWindowTable(arch).map((e) => byNr.get(e.nr)!));
    };
    for (const s of ['open', 'stat', 'lstat', 'access', 'readlink', 'arch_prctl']) {
      expect(names(x86_64).has(s), s).toBe(true);
      expect(names(aarch64).has(s), s).toBe(false);
    }
    expect(answer(x86_64, 'open', [0, c64('O_RDONLY')])).toBe('emulate-open');
  });
});

function c64(name: ConstantName): number {
  return constantOf(x86_64, name);
}
