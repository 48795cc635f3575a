import { describe, expect, it } from 'vitest';
import { CATALOG, DENIED, PROMISES, parsePromises, UNSUPPORTED_PROMISES } from '@seccomp-scopes/core';
import { ARCHES, nodeRuntimeRules } from '@seccomp-scopes/pledge';

const ruled = new Set<string>([...CATALOG, ...nodeRuntimeRules({ jit: true })].map((r) => r.syscall));
const denied = new Set<string>(DENIED.flatMap((d) => d.syscalls));

describe('every syscall has a written decision', () => {
  for (const arch of Object.values(ARCHES)) {
    it(`${arch.name}: each syscall in the table is named by a rule or by DENIED`, () => {
      const undecided = Object.keys(arch.syscalls).filter((s) => !ruled.has(s) && !denied.has(s)).sort();
      expect(undecided).toEqual([]);
    });
  }
  it('no syscall is both ruled and denied', () => {
    expect([...denied].filter((s) => ruled.has(s)).sort()).toEqual([]);
  });
  it('every rule names a promise that exists, and says why and where from', () => {
    const names = new Set(PROMISES.map((p) => p.name));
    for (const r of CATALOG) {
      for (const p of r.requires) expect(names.has(p), `${r.syscall} requires unknown promise ${p}`).toBe(true);
      expect(r.why.length, `${r.syscall}: why`).toBeGreaterThan(10);
      expect(r.source.length, `${r.syscall}: source`).toBeGreaterThan(5);
    }
  });
});

describe('promise names', () => {
  it("parses every promise of OpenBSD's catalogue that Linux supports", () => {
    expect([...parsePromises(PROMISES.map((p) => p.name).join(' '))]).toEqual(PROMISES.map((p) => p.name));
  });
  it('refuses the hardware promises with ENOTSUP, distinct from an unknown name', () => {
    for (const hw of Object.keys(UNSUPPORTED_PROMISES)) {
      expect(() => parsePromises(`stdio ${hw}`)).toThrow(expect.objectContaining({ code: 'ENOTSUP', reason: 'UNSUPPORTED_PROMISE' }));
    }
    expect(() => parsePromises('stdio audoi')).toThrow(expect.objectContaining({ code: 'EINVAL', reason: 'UNKNOWN_PROMISE' }));
    expect(() => parsePromises('stdio constructor')).toThrow(expect.objectContaining({ code: 'EINVAL', reason: 'UNKNOWN_PROMISE' }));
  });
});
