/**
 * The cross-check every arch package runs on its generated syscall table:
 * libseccomp's resolver (Debian package `seccomp`) must agree on every
 * name and every number. Shared by packages/arch-* tests.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { CONSTANT_NAMES, type ArchDescriptor } from '@seccomp-scopes/core';

/** Runs `scmp_sys_resolver -a <arch> <arg>`; fails (never skips) when it is not installed. */
export function resolve(resolverArch: string, arg: string): string {
  try {
    return execFileSync('scmp_sys_resolver', ['-a', resolverArch, arg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('scmp_sys_resolver is not installed: install the Debian package `seccomp` (apt-get install -y seccomp, or run .ci/install-system-deps.sh)');
    }
    throw err;
  }
}

/**
 * Declares the two cross-check tests for `arch` inside the caller's describe().
 * `mustCompare` names syscalls both sides must know (the newest ones, so their
 * presence is asserted rather than hoped for).
 */
export function resolverCrossCheck(arch: ArchDescriptor, resolverArch: string, mustCompare: readonly string[]): void {
  const { syscalls } = arch;
  it('agrees on every syscall name both know', () => {
    const compared: string[] = [];
    const unknownToResolver: string[] = [];
    const mismatches: string[] = [];
    for (const [name, nr] of Object.entries(syscalls)) {
      const out = resolve(resolverArch, name);
      const theirs = Number(out);
      expect(Number.isInteger(theirs), `scmp_sys_resolver -a ${resolverArch} ${name} printed ${JSON.stringify(out)}`).toBe(true);
      if (theirs < 0) unknownToResolver.push(name); // libseccomp's table is older than the headers
      else if (theirs !== nr) mismatches.push(`${name}: headers ${nr}, libseccomp ${theirs}`);
      else compared.push(name);
    }
    expect(mismatches).toEqual([]);
    // Nearly all of the table must actually be compared for the check to mean something.
    expect(unknownToResolver.length, `unknown to libseccomp: ${unknownToResolver.join(' ')}`).toBeLessThan(20);
    expect(compared.length).toBeGreaterThan(Object.keys(syscalls).length - 20);
    for (const name of mustCompare) expect(compared).toContain(name);
  });

  it('has every syscall libseccomp knows up to the highest number in the headers', () => {
    const byNumber = new Map(Object.entries(syscalls).map(([name, nr]) => [nr, name]));
    const max = Math.max(...byNumber.keys());
    const problems: string[] = [];
    for (let nr = 0; nr <= max; nr++) {
      const theirs = resolve(resolverArch, String(nr));
      const ours = byNumber.get(nr);
      if (theirs === 'UNKNOWN') continue; // a gap, or newer headers than libseccomp (checked above)
      if (ours !== theirs) problems.push(`${nr}: headers ${ours ?? '(none)'}, libseccomp ${theirs}`);
    }
    expect(problems).toEqual([]);
  });
}

/** Declares the test that an arch's generated constants are all names core knows, with integer values. */
export function knownConstantsCheck(arch: ArchDescriptor): void {
  it('only has constants that core names', () => {
    const known = new Set<string>(CONSTANT_NAMES);
    for (const name of Object.keys(arch.constants)) expect(known.has(name), name).toBe(true);
    for (const v of Object.values(arch.constants)) expect(Number.isSafeInteger(v)).toBe(true);
  });
}
