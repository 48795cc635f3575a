/**
 * The report tables artifact of each arch package (core
 * encodeReportTablesArtifact, written by tools/report-artifact.mjs at build
 * time) is cached output of the code: with it in use the tables are
 * byte-identical to the reference encoder's for many promise sets, pids,
 * uids and strings on both arches; an artifact of other code (another
 * build id), changed after it was written, or inconsistent is not used.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUILD_ID, PROMISES, artifactCheck, buildReportTables, buildReportTablesDirect, decodeReportTablesArtifact, encodeReportTablesArtifact,
  prebuiltReportTables, reportTablesArtifactKey, sealArtifact, useReportTablesArtifact, useReportTablesFrom, type ArchDescriptor,
} from '@seccomp-scopes/core';
import * as X from '@seccomp-scopes/arch-x86_64';
import * as A from '@seccomp-scopes/arch-aarch64';
import { artifactCheck as nativeCheck } from '@seccomp-scopes/native';

const ARCHES: [ArchDescriptor, string, URL][] = [[X.x86_64, X.BUILD_ID, X.REPORT_TABLES_ARTIFACT], [A.aarch64, A.BUILD_ID, A.REPORT_TABLES_ARTIFACT]];
const names = PROMISES.map((p) => p.name);

describe('report tables artifact', () => {
  it('the packages are built (the tests read their dist): build ids, not dev', () => {
    expect(BUILD_ID).toMatch(/^[0-9a-f]{64}$/);
    for (const [, id] of ARCHES) expect(id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the check is the same in WebAssembly, in JavaScript and in the addon (pledge() cache entries), for every length and alignment', () => {
    const bytes = new Uint8Array(70000).map((_, i) => (i * 2654435761) >>> 24);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 1023, 1024, 4099, 65536, 65537, 70000]) {
      for (const off of [0, 1]) {
        const b = bytes.subarray(off, Math.max(off, n));
        expect(artifactCheck(b, 'wasm'), `${n}+${off}`).toBe(artifactCheck(b, 'js'));
        expect(nativeCheck(b), `native ${n}+${off}`).toBe(artifactCheck(b, 'js'));
      }
    }
    expect(artifactCheck(bytes.subarray(0, 64), 'js')).not.toBe(artifactCheck(bytes.subarray(1, 65), 'js'));
  });

  for (const [arch, id, file] of ARCHES) {
    it(`${arch.name}: the built artifact is what the code computes now, and in use gives the reference encoder's bytes`, () => {
      const built = fs.readFileSync(file);
      // The build's artifact equals a fresh encoding (the code is the source of truth; the artifact its cached output).
      expect(Buffer.from(encodeReportTablesArtifact(arch, id)).equals(built)).toBe(true);
      const computed = prebuiltReportTables(arch);
      expect(useReportTablesArtifact(arch, built, id)).toBeUndefined();
      const used = prebuiltReportTables(arch);
      expect(used).not.toBe(computed);
      expect(Buffer.from(used.bytes).equals(Buffer.from(computed.bytes))).toBe(true);
      let seed = 7;
      const rand = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
      const cases = [
        { promises: new Set(['stdio']), comm: 'node', pid: 4242, uid: 1000, gid: 1000 },
        { promises: new Set(['stdio', 'rpath']), comm: 'kill', pid: 1, uid: 0, gid: 0, penalty: 'errno' as const, errno: 'EACCES' },
        { promises: new Set<string>(), comm: 'stdio', pid: 0, uid: -1, gid: -1 },  // values colliding with constants: the template path
        { promises: new Set(names), comm: 'x86_64', pid: 0x7fffffff, uid: 0xfffffffe, gid: 65534, penalty: 'errno' as const },
        { promises: new Set(['stdio']), comm: 'nöde ✓', pid: 77, uid: 5, gid: 6 },
      ];
      for (let i = 0; i < 40; i++) {
        cases.push({ promises: new Set(names.filter(() => rand(3) === 0)), comm: ['node', 'MainThread', 'a', ''][rand(4)]!, pid: 2 + rand(4194300), uid: rand(70000), gid: rand(70000) });
      }
      for (const c of cases) {
        expect(Buffer.from(buildReportTables(arch, c)).equals(Buffer.from(buildReportTablesDirect(arch, c))), JSON.stringify({ ...c, promises: [...c.promises] })).toBe(true);
      }
    });

    it(`${arch.name}: a stale, changed or inconsistent artifact is not used`, () => {
      const built = new Uint8Array(fs.readFileSync(file));
      expect(decodeReportTablesArtifact(arch, built, id)).not.toBeTypeOf('string');
      // another build of the arch package, or core's dev build id: other code
      expect(decodeReportTablesArtifact(arch, built, 'f'.repeat(64))).toMatch(/^stale/);
      expect(reportTablesArtifactKey(arch, 'dev')).toBeUndefined();
      expect(useReportTablesArtifact(arch, built, 'dev')).toMatch(/dev build/);
      // the other arch's artifact
      const [other, otherId, otherFile] = ARCHES.find(([a]) => a !== arch)!;
      expect(decodeReportTablesArtifact(arch, fs.readFileSync(otherFile), id)).toBeTypeOf('string');
      void other; void otherId;
      const jsonEnd = 20 + new DataView(built.buffer).getUint32(8, true);
      const spoiled = (f: (b: Uint8Array) => void): Uint8Array => { const b = built.slice(); f(b); return b; };
      // one byte changed anywhere after the header (the tables, the description): the check finds it
      for (const at of [25, jsonEnd + 4 + 100, built.length - 1, built.length - 2000]) {
        expect(decodeReportTablesArtifact(arch, spoiled((b) => { b[at]! ^= 0x20; }), id), `byte ${at}`).toMatch(/changed/);
      }
      expect(decodeReportTablesArtifact(arch, spoiled((b) => { b[13]! ^= 1; }), id)).toMatch(/changed/);
      expect(decodeReportTablesArtifact(arch, built.subarray(0, built.length - 8), id)).toMatch(/changed/);
      // a description that is sealed (a valid check) but stale or inconsistent: its key, its offsets, its runtime rules
      const text = new TextDecoder().decode(built.subarray(20, jsonEnd));
      const body = built.subarray(20 + ((text.length + 3) & ~3));
      const withMeta = (m: string): Uint8Array => sealArtifact(JSON.parse(m), body);
      expect(decodeReportTablesArtifact(arch, withMeta(text), id)).not.toBeTypeOf('string');
      expect(decodeReportTablesArtifact(arch, withMeta(text.replace(/"stringsAt":(\d+)/, (_, n) => `"stringsAt":${Number(n) + 4}`)), id)).toMatch(/inconsistent|not /);
      expect(decodeReportTablesArtifact(arch, withMeta(text.replace(/"catalogIndex":(\d+)/, '"catalogIndex":99999')), id)).toMatch(/inconsistent/);
      expect(decodeReportTablesArtifact(arch, withMeta(text.replace(/"valueStart":(\d+)/, '"valueStart":9999999')), id)).toMatch(/inconsistent/);
      expect(decodeReportTablesArtifact(arch, withMeta(text.replace(/ core [0-9a-f]{4}/, ' core 0000')), id)).toMatch(/^stale/);
      expect(decodeReportTablesArtifact(arch, withMeta(text.replace(/"length":(\d+)/, '"length":1')), id)).toMatch(/length/);
      expect(decodeReportTablesArtifact(arch, spoiled((b) => { b[0] = 0; }), id)).toMatch(/not a report tables artifact/);
      // A rejected artifact leaves the tables as computed: still the reference encoder's bytes.
      expect(useReportTablesArtifact(arch, spoiled((b) => { b[built.length - 1]! ^= 1; }), id)).toBeTypeOf('string');
      const c = { promises: new Set(['stdio']), comm: 'node', pid: 4242, uid: 1000, gid: 1000 };
      expect(Buffer.from(buildReportTables(arch, c)).equals(Buffer.from(buildReportTablesDirect(arch, c)))).toBe(true);
    });
  }

  for (const [arch] of ARCHES) {
    it(`${arch.name}: tables a call built, with their prebuilt layout, serve as the prebuilt part for other calls (the reference encoder's bytes)`, () => {
      const { stringsAt, poolSize, runtimeRules } = prebuiltReportTables(arch);
      const first = buildReportTables(arch, { promises: new Set(['stdio', 'rpath']), comm: 'MainThread', pid: 4242, uid: 1000, gid: 1000, penalty: 'errno', errno: 'EACCES' });
      expect(useReportTablesFrom(arch, first, { stringsAt, poolSize, runtimeRules })).toBeUndefined();
      for (const c of [
        { promises: new Set(['stdio']), comm: 'node', pid: 4243, uid: 1000, gid: 1000 },
        { promises: new Set<string>(), comm: 'MainThread', pid: 1, uid: 0, gid: 0, penalty: 'errno' as const, errno: 'EPERM' },
        { promises: new Set(names), comm: 'x', pid: 0, uid: -1, gid: -1 },
      ]) {
        expect(Buffer.from(buildReportTables(arch, c)).equals(Buffer.from(buildReportTablesDirect(arch, c))), JSON.stringify({ ...c, promises: [...c.promises] })).toBe(true);
      }
      expect(useReportTablesFrom(arch, first, { stringsAt: stringsAt + 4, poolSize, runtimeRules })).toMatch(/inconsistent|not /);
      expect(useReportTablesFrom(arch, first.subarray(0, 100), { stringsAt, poolSize, runtimeRules })).toMatch(/inconsistent/);
    });
  }
});
