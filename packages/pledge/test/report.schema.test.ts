/**
 * Core's two schemas against what lives outside core:
 *
 * - the report tables' layout: core's REPORT_TABLES_LAYOUT (what
 *   buildReportTables writes) must equal, key for key, the native header's
 *   copy the addon exports as reportTablesLayout() (what the SIGSYS handler
 *   and formatViolation read); and tables core builds must read correctly
 *   through the native copy alone;
 * - the syscall argument schema: the Node runtime allowance, which lives in
 *   this package, must use the index and width SYSCALL_ARGS gives for each
 *   argument it looks at, like the catalog (core test/syscall-args.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { REPORT_TABLES_LAYOUT, argSchemaMismatches, buildReportTables, type ArchDescriptor } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { reportTablesLayout, type ReportTablesLayout } from '@seccomp-scopes/native';
import { nodeRuntimeRules } from '../src/node-runtime.js';

/** Everything of core's layout that the native header has too (u64Fields is core's own; the header marks them in comments). */
const { u64Fields: _coreOnly, ...SHARED } = REPORT_TABLES_LAYOUT;
/** And core's object has at least every key of native's type (tsc checks this line). */
const _typed: ReportTablesLayout = SHARED;

describe('the report tables layout: one contract, written in TypeScript and in report-tables.h', () => {
  it('core and the native header agree on every value', () => {
    const native = reportTablesLayout();
    // One toEqual over the whole object: a missing, extra or moved key on either side fails, and the diff names it.
    expect(native).toEqual(SHARED);
  });

  it("core's u64 fields fit in their records as the native header lays them out", () => {
    const native = reportTablesLayout();
    for (const [record, names] of Object.entries(REPORT_TABLES_LAYOUT.u64Fields) as [keyof ReportTablesLayout['fields'], readonly string[]][]) {
      const fields = native.fields[record] as Readonly<Record<string, number>>;
      const offsets = Object.values(fields).sort((a, b) => a - b);
      for (const name of names) {
        const at = fields[name];
        expect(at, `${record}.${name}`).toBeDefined();
        const next = offsets.find((o) => o > at!) ?? native.recordBytes[record];
        expect(next - at!, `${record}.${name} needs 8 bytes`).toBeGreaterThanOrEqual(8);
        expect(at! % 4, `${record}.${name}`).toBe(0);
      }
    }
  });

  // Reads a table core built with nothing but the native side's numbers.
  const read = (arch: ArchDescriptor): void => {
    const L = reportTablesLayout();
    const t = buildReportTables(arch, { promises: new Set(['stdio', 'rpath']), comm: 'node', pid: 4242, penalty: 'errno', errno: 'EACCES' });
    const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
    const word = (i: number): number => view.getUint32(i * 4, arch.endian === 'little');
    const at = (off: number): number => view.getUint32(off, arch.endian === 'little');
    const str = (ref: number): string => {
      const start = word(L.header.strings) + ref;
      return new TextDecoder().decode(t.subarray(start, t.indexOf(0, start)));
    };
    expect(word(L.header.magic)).toBe(L.magic);
    expect(word(L.header.version)).toBe(L.version);
    expect(word(L.header.size)).toBe(t.length);
    expect(word(L.header.auditArch)).toBe(arch.auditArch);
    expect(word(L.header.pid)).toBe(4242);
    for (const i of L.reservedHeaderWords) expect(word(i), `reserved word ${i}`).toBe(0);
    expect([str(word(L.header.promises)), str(word(L.header.comm)), str(word(L.header.arch)), str(word(L.header.penalty)), str(word(L.header.errnoName))])
      .toEqual(['stdio rpath', 'node', arch.name, 'errno', 'EACCES']);
    // Sections: contiguous after the header in the order of their header words, each count × record size, strings last.
    const sections = [['syscalls', 'syscall'], ['specs', 'spec'], ['constants', 'constant'], ['rules', 'rule'], ['conditions', 'condition'], ['values', 'value'], ['promiseNames', 'promiseName']] as const;
    let end = L.headerWords * 4;
    for (const [w, record] of sections) {
      expect(word(L.header[w]), w).toBe(end);
      end += word(L.header[w] + 1) * L.recordBytes[record];
    }
    expect(word(L.header.strings)).toBe(end);
    expect(end + word(L.header.strings + 1)).toBe(t.length);
    // openat's specs, through the native field offsets and packing: dirfd (symbolic), path, flags (symbolic), mode.
    const sys = word(L.header.syscalls);
    const nSys = word(L.header.syscalls + 1);
    let rec = -1;
    for (let i = 0; i < nSys; i++) if (at(sys + i * L.recordBytes.syscall + L.fields.syscall.nr) === arch.syscalls.openat) rec = sys + i * L.recordBytes.syscall;
    expect(rec).toBeGreaterThan(0);
    expect(str(at(rec + L.fields.syscall.name))).toBe('openat');
    const specs = word(L.header.specs) + at(rec + L.fields.syscall.specStart) * L.recordBytes.spec;
    const shown = [];
    for (let i = 0; i < at(rec + L.fields.syscall.specCount); i++) {
      const s = specs + i * L.recordBytes.spec;
      const packed = at(s + L.fields.spec.packed);
      const label = at(s + L.fields.spec.label);
      shown.push({
        arg: (packed >>> L.specPacking.arg) & 0xff, kind: (packed >>> L.specPacking.kind) & 0xff,
        guard: (packed >>> L.specPacking.guardOp) & 0xff, label: label === L.none ? null : str(label),
      });
    }
    expect(shown).toEqual([
      { arg: 0, kind: L.kinds.sym, guard: L.guardOps.none, label: null },
      { arg: 1, kind: L.kinds.path, guard: L.guardOps.none, label: null },
      { arg: 2, kind: L.kinds.sym, guard: L.guardOps.none, label: 'flags' },
      { arg: 3, kind: L.kinds.oct, guard: L.guardOps.anyBit, label: 'mode' },
    ]);
  };
  it('tables core builds read correctly with only the native numbers (x86_64)', () => read(x86_64));
  it('tables core builds read correctly with only the native numbers (aarch64)', () => read(aarch64));
});

describe('the Node runtime allowance follows the argument schema', () => {
  it('every condition uses the index and width SYSCALL_ARGS gives (JIT or not, with eventfds)', () => {
    for (const jit of [true, false]) {
      const rules = nodeRuntimeRules({ jit, eventFds: [5, 9] });
      expect(rules.some((r) => (r.when ?? []).length > 0)).toBe(true);
      expect(argSchemaMismatches(rules)).toEqual([]);
    }
  });
});
