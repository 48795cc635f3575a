/**
 * unveil() where a container's seccomp profile refuses Landlock with EPERM
 * (as some do): recognised as "Landlock unavailable", so bestEffort can opt
 * in and a strict lock fails with a typed error, never a bare kernel error.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

const resolve = createRequire(import.meta.url).resolve;
const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** Child code: installs an outer filter (the "container profile") answering landlock_* with EPERM. */
const PROFILE = `
  const core = await import(${JSON.stringify(resolve('@seccomp-scopes/core'))});
  const native = await import(${JSON.stringify(resolve('@seccomp-scopes/native'))});
  const { archFor } = await import(${JSON.stringify(new URL('../dist/arch.js', import.meta.url).pathname)});
  const rule = (syscall) => ({ syscall, action: { kind: 'errno', errno: 'EPERM' }, requires: [], why: 'container profile', source: 'test' });
  const f = core.compileFilter(['landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self'].map(rule), { arch: archFor(), defaultAction: core.ALLOW });
  native.setNoNewPrivs();
  native.installFilter(f.bytes, 0);
`;

describe('unveil() under a profile that answers landlock_* with EPERM', () => {
  it('strict: a typed LANDLOCK_UNAVAILABLE error naming the profile, nothing locked', () => {
    const r = runChild(`
      ${PROFILE}
      const { unveil } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)});
      unveil(dir, 'r');
      try { unveil(); console.log('locked'); } catch (e) { console.log(e.code + ' ' + e.reason + ' ' + /EPERM, a seccomp filter/.test(e.message)); }
      console.log('locked ' + unveil.length + ' ' + (await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)})).unveilStatus().locked);
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['ENOTSUP LANDLOCK_UNAVAILABLE true', 'locked 3 false']);
  });
  it('bestEffort: locks with a warning and enforces nothing', () => {
    const r = runChild(`
      ${PROFILE}
      const { unveil } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)});
      unveil(dir, 'r');
      const s = unveil({ bestEffort: true });
      console.log(s.locked + ' ' + s.enforced + ' ' + s.abi);
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['true false 0']);
    expect(r.stderr).toMatch(/UnveilWarning.*EPERM, a seccomp filter/s);
  });
});
