/**
 * Every verdict that does not depend on the arguments is served by the
 * kernel's action cache, for every promise set, on both arches, in the
 * filters for C (compilePromises) and for Node (pledge()'s composition with
 * the runtime allowance, JIT on and off, reporter rules and errno penalty).
 *
 * "Every promise set": a syscall's verdict depends only on the promises its
 * rules require (and on `error`, which sets the penalty), so the sets are
 * every subset of the promises that matter to some syscall, with and
 * without `error` — each syscall sees every combination that can change it.
 * Argument-freeness and caching are decided by core's cacheFacts (samples
 * through the reference semantics, and the port of seccomp_is_const_allow).
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, PROMISES, cacheFacts, compilePromises, type CompiledFilter } from '@seccomp-scopes/core';
import { archFor, compilePledge } from '../src/index.js';

function promiseSets(): string[] {
  const bySyscall = new Map<string, Set<string>>();
  for (const r of CATALOG) {
    const s = bySyscall.get(r.syscall) ?? new Set<string>();
    for (const p of r.requires) s.add(p);
    bySyscall.set(r.syscall, s);
  }
  const sets = new Set<string>(['', PROMISES.map((p) => p.name).join(' ')]);
  for (const ps of bySyscall.values()) {
    const list = [...ps].sort();
    for (let m = 0; m < 1 << list.length; m++) {
      const chosen = list.filter((_, i) => (m & (1 << i)) !== 0);
      sets.add(chosen.join(' '));
      sets.add([...chosen, 'error'].join(' '));
    }
  }
  return [...sets];
}

const SETS = promiseSets();
const IDS = { pid: 1234, uid: 1000, gid: 1000 };

function missed(arch: 'x64' | 'arm64', build: (p: string) => CompiledFilter): string[] {
  const names = new Map(Object.entries(archFor(arch).syscalls).map(([k, v]) => [v, k] as const));
  const out: string[] = [];
  for (const p of SETS) {
    const f = build(p);
    for (const nr of cacheFacts(f).missed) out.push(`"${p}": ${names.get(nr)} is allowed for any arguments but not cached`);
  }
  return out;
}

describe('every argument-free ALLOW is served by the action cache', () => {
  it('covers many promise sets', () => {
    expect(SETS.length).toBeGreaterThan(100);
  });
  for (const arch of ['x64', 'arm64'] as const) {
    it(`C filters (${arch})`, () => {
      expect(missed(arch, (p) => compilePromises(p, { arch: archFor(arch), runtime: IDS }))).toEqual([]);
    }, 120_000);
    for (const jit of [true, false]) {
      it(`Node filters, jit ${jit ? 'on' : 'off'} (${arch})`, () => {
        expect(missed(arch, (p) => compilePledge(p, { arch, jit, ...IDS }))).toEqual([]);
      }, 120_000);
    }
    it(`Node filters with reporter rules and the errno penalty (${arch})`, () => {
      expect(missed(arch, (p) => compilePledge(p, { arch, jit: true, penalty: 'errno', reporterRules: true, ...IDS }))).toEqual([]);
    }, 120_000);
  }
});
