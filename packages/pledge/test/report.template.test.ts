/**
 * The report tables are built from a per-arch template (what does not depend
 * on the process, built once) plus the per-call words and the rules naming
 * the pid, uid or gid. They must be byte-identical to the reference encoder,
 * which rebuilds everything from the catalog on every call; including when a
 * runtime value collides with a constant of the same condition (the resolver
 * then keeps one value) and on both arches and byte orders of the layout.
 */
import { describe, expect, it } from 'vitest';
import { PROMISES, buildReportTables, buildReportTablesDirect, type ArchDescriptor } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';

const all = PROMISES.map((p) => p.name);

describe('report tables from the per-arch template', () => {
  for (const arch of [x86_64, aarch64] as ArchDescriptor[]) {
    it(`${arch.name}: the same bytes as the reference encoder for every input tried`, () => {
      const cases = [
        { promises: new Set(['stdio']), comm: 'node', pid: 4242, uid: 1000, gid: 1000 },
        { promises: new Set(['stdio', 'rpath']), comm: 'node', pid: 4242, penalty: 'errno' as const, errno: 'EACCES' },
        { promises: new Set(['stdio', 'proc', 'fattr', 'chown']), comm: 'kill', pid: 1, uid: 0, gid: 0, penalty: 'kill' as const },
        // runtime values equal to constants in the same conditions (0, -1): the resolver keeps one
        { promises: new Set(all.slice(0, 6)), comm: 'stdio', pid: 0, uid: -1, gid: -1 },
        { promises: new Set<string>(), comm: 'a'.repeat(15), pid: 0x7fffffff, uid: 0xfffffffe, gid: 65534, penalty: 'errno' as const },
      ];
      for (const c of cases) {
        const got = buildReportTables(arch, c);
        expect(Buffer.from(got).equals(Buffer.from(buildReportTablesDirect(arch, c))), JSON.stringify({ ...c, promises: [...c.promises] })).toBe(true);
        // a second call (the template reused) gives the same bytes again
        expect(Buffer.from(buildReportTables(arch, c)).equals(Buffer.from(got))).toBe(true);
      }
    });
  }
});
