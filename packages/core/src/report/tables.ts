/**
 * The binary report tables: {@link buildReportTables} encodes the decode
 * table, the constant families and the attribution rules, resolved for one
 * arch, into the flat tables the native SIGSYS handler and `formatViolation`
 * read without allocating.
 */
import type { ArchDescriptor } from '../arch.js';
import type { ConstantName } from '../constants.js';
import { evalValue, type ResolvedRule, type RuntimeValues } from '../compile.js';
import { PledgeError } from '../errors.js';
import { formatPromises, type PromiseInfo } from '../promises.js';
import type { ValueExpr } from '../rules.js';
import { PROMISE_ORDER, attributionRules } from './attribution.js';
import { REPORT_DECODE } from './decode.js';
import { REPORT_FAMILIES, type ReportFamily } from './families.js';

/** 'SSRT' read as a native little-endian u32. */
export const REPORT_TABLES_MAGIC = 0x54525353;
export const REPORT_TABLES_VERSION = 1;
const NONE = 0xffffffff;
const HEADER_WORDS = 28;

/** Argument kinds as the native formatter knows them. */
const CKind = { Dec: 1, Hex: 2, Oct: 3, Sym: 4, Ptr: 5, Path: 6 } as const;
type CKind = (typeof CKind)[keyof typeof CKind];

/** Options of {@link buildReportTables}. */
export interface ReportTablesOptions {
  /** The promises in force (what the report quotes). */
  readonly promises: ReadonlySet<string>;
  /** The process name shown (`/proc/self/comm`). */
  readonly comm: string;
  /** The pid shown when the formatter is not told one, and the pid of the catalog's "itself" rules. */
  readonly pid: number;
  /** The real uid/gid of fattr's "to itself" chown rules; default -1 (then only "unchanged" matches). */
  readonly uid?: number;
  readonly gid?: number;
  /** What the JSON report says the penalty is; default `kill`. */
  readonly penalty?: 'kill' | 'errno';
  /** With penalty `errno`: its name. */
  readonly errno?: string;
}

class Writer {
  private readonly words: number[] = [];
  constructor(private readonly little: boolean) {}
  get length(): number { return this.words.length; }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: ${v} is not an unsigned 32-bit value`);
    this.words.push(v);
  }
  u64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.u32(Number(u & 0xffffffffn));
    this.u32(Number(u >> 32n));
  }
  set(index: number, v: number): void { this.words[index] = v >>> 0; }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.words.length * 4);
    const view = new DataView(out.buffer);
    this.words.forEach((w, i) => view.setUint32(i * 4, w, this.little));
    return out;
  }
}

class StringPool {
  private readonly offsets = new Map<string, number>();
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  ref(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      const bytes = new TextEncoder().encode(s);
      if (bytes.includes(0)) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: string ${JSON.stringify(s)} contains a NUL byte`);
      off = this.size;
      this.chunks.push(bytes, new Uint8Array([0]));
      this.size += bytes.length + 1;
      this.offsets.set(s, off);
    }
    return off;
  }
  /** The pool padded to a multiple of 4 bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array((this.size + 3) & ~3);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

const popcount = (v: bigint): number => { let n = 0; for (let x = v; x > 0n; x &= x - 1n) n++; return n; };

/**
 * Builds the tables the native reporter and `formatViolation` read, for
 * `arch` and the promises in force. Layout (all words u32 in the arch's byte
 * order, offsets in bytes from the start, u64 as two words low first):
 *
 * - header, 28 words: magic `SSRT`, version, total size, audit arch, pid,
 *   then (offset, count) of: strings (count = bytes), syscalls, argument
 *   specs, constants, attribution rules, conditions, values, promise names;
 *   then string refs of the promises in force, comm, arch name, penalty,
 *   errno name (0xffffffff = none), and one reserved word;
 * - syscalls (6 words, sorted by nr): nr, name, first spec, specs, first rule, rules;
 * - specs (14 words): arg | kind<<8 | width<<16 | guard op<<24, label,
 *   enum constants (first, count), flag constants (first, count), enum mask
 *   (u64), guard arg, fallback (1 = hex), guard mask (u64), guard value (u64);
 *   kinds 1 dec, 2 hex, 3 octal, 4 symbolic, 5 pointer, 6 path; guard ops
 *   0 none, 1 equals, 2 any bit;
 * - constants (4 words): value (u64), name, 0; flag lists are sorted by
 *   number of bits, most first, so composite names (O_TMPFILE) win;
 * - rules (4 words): promise bit set, first condition, conditions, 0;
 * - conditions (8 words): arg, width, negate, first value, values, mask (u64), 0;
 * - values (u64); promise names (1 word each, bit i = name i);
 * - the string pool: NUL-terminated UTF-8.
 *
 * @throws PledgeError `EINVAL` for a promise set or option that cannot be encoded.
 */
export function buildReportTables(arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array {
  if (!Number.isInteger(options.pid) || options.pid < 0 || options.pid > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: pid ${options.pid} is not a pid`);
  }
  if (PROMISE_ORDER.length > 32) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'report tables: more than 32 promises cannot be encoded');
  const pool = new StringPool();
  const runtime: RuntimeValues = { pid: options.pid, uid: options.uid ?? -1, gid: options.gid ?? -1 };
  const value = (v: ValueExpr, width: 32 | 64): bigint => BigInt.asUintN(width, evalValue(v, arch, runtime));

  // Constants, one range per (family, order).
  const consts: { value: bigint; name: number }[] = [];
  const ranges = new Map<string, { start: number; count: number }>();
  const familyRange = (family: ReportFamily, width: 32 | 64, asFlags: boolean): { start: number; count: number } => {
    const key = `${family}:${width}:${asFlags}`;
    let r = ranges.get(key);
    if (!r) {
      let members = (REPORT_FAMILIES[family] as readonly ConstantName[])
        .filter((n) => arch.constants[n] !== undefined)
        .map((n) => ({ name: n, value: BigInt.asUintN(width, BigInt(arch.constants[n]!)) }));
      if (asFlags) members = [...members].sort((a, b) => popcount(b.value) - popcount(a.value) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      r = { start: consts.length, count: members.length };
      for (const m of members) consts.push({ value: m.value, name: pool.ref(m.name) });
      ranges.set(key, r);
    }
    return r;
  };

  // Argument specs per syscall.
  interface Spec { word0: number; label: number; en: { start: number; count: number }; fl: { start: number; count: number }; enumMask: bigint; guardArg: number; fallback: number; guardMask: bigint; guardValue: bigint }
  const specs: Spec[] = [];
  const specRange = new Map<string, { start: number; count: number }>();
  for (const [syscall, decode] of Object.entries(REPORT_DECODE)) {
    if (arch.syscalls[syscall] === undefined) continue;
    const start = specs.length;
    for (const d of decode) {
      const width: 32 | 64 = d.width ?? (d.kind === 'long' || d.kind === 'hex' || d.kind === 'ptr' ? 64 : 32);
      const full = width === 32 ? 0xffffffffn : (1n << 64n) - 1n;
      let kind: CKind;
      let en = { start: 0, count: 0 };
      let fl = { start: 0, count: 0 };
      let enumMask = 0n;
      switch (d.kind) {
        case 'fd': case 'int': case 'long': kind = CKind.Dec; break;
        case 'hex': kind = CKind.Hex; break;
        case 'octal': kind = CKind.Oct; break;
        case 'ptr': kind = CKind.Ptr; break;
        case 'path': kind = CKind.Path; break;
        case 'dirfd': {
          kind = CKind.Sym;
          en = { start: consts.length, count: 1 };
          consts.push({ value: value('AT_FDCWD', width), name: pool.ref('AT_FDCWD') });
          enumMask = full;
          break;
        }
        case 'signal': kind = CKind.Sym; en = familyRange('signal', width, false); enumMask = full; break;
        case 'openflags':
          kind = CKind.Sym; en = familyRange('openAccess', width, false); enumMask = value('O_ACCMODE', width); fl = familyRange('openFlags', width, true);
          break;
        case 'flags':
          if (!d.family) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: flags need a family`);
          kind = CKind.Sym; fl = familyRange(d.family, width, true);
          break;
        case 'enum':
          if (!d.family) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: enum needs a family`);
          kind = CKind.Sym; en = familyRange(d.family, width, false);
          enumMask = d.mask === undefined ? full : value(d.mask, width);
          if (d.flags) fl = familyRange(d.flags, width, true);
          break;
      }
      let op = 0;
      let guardMask = 0n;
      let guardValue = 0n;
      if (d.when) {
        guardMask = d.when.mask === undefined ? 0xffffffffn : value(d.when.mask, 32);
        if (d.when.equals !== undefined) { op = 1; guardValue = value(d.when.equals, 32) & guardMask; } else op = 2;
      }
      specs.push({
        word0: d.arg | (kind << 8) | (width << 16) | (op << 24),
        label: d.label ? pool.ref(d.label) : NONE,
        en, fl, enumMask,
        guardArg: d.when?.arg ?? 0,
        fallback: d.hexFallback ? 1 : 0,
        guardMask, guardValue,
      });
    }
    specRange.set(syscall, { start, count: specs.length - start });
  }

  // Attribution rules, grouped by nr.
  const bit = (p: PromiseInfo['name']): number => 1 << PROMISE_ORDER.indexOf(p);
  const byNr = new Map<number, ResolvedRule[]>();
  for (const r of attributionRules(arch, runtime)) {
    const list = byNr.get(r.nr) ?? [];
    list.push(r);
    byNr.set(r.nr, list);
  }

  // Syscalls, sorted by nr; a number with several names keeps the first in alphabetical order.
  const nameByNr = new Map<number, string>();
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => (a < b ? -1 : 1))) if (!nameByNr.has(nr)) nameByNr.set(nr, name);
  const syscalls = [...nameByNr.entries()].sort((a, b) => a[0] - b[0]);
  const rules: { bits: number; condStart: number; condCount: number }[] = [];
  const conds: { arg: number; width: number; negate: number; valStart: number; valCount: number; mask: bigint }[] = [];
  const values: bigint[] = [];
  const sysRecords = syscalls.map(([nr, name]) => {
    const sr = specRange.get(name) ?? { start: 0, count: 0 };
    const ruleStart = rules.length;
    for (const r of byNr.get(nr) ?? []) {
      const condStart = conds.length;
      for (const c of r.when) {
        conds.push({ arg: c.arg, width: c.width, negate: c.negate ? 1 : 0, valStart: values.length, valCount: c.oneOf.length, mask: c.mask });
        values.push(...c.oneOf);
      }
      rules.push({ bits: r.rule.requires.reduce((acc, p) => acc | bit(p), 0) >>> 0, condStart, condCount: conds.length - condStart });
    }
    return { nr, name: pool.ref(name), specStart: sr.start, specCount: sr.count, ruleStart, ruleCount: rules.length - ruleStart };
  });

  const promiseNames = PROMISE_ORDER.map((p) => pool.ref(p));
  const promisesRef = pool.ref(formatPromises(options.promises));
  const commRef = pool.ref(options.comm);
  const archRef = pool.ref(arch.name);
  const penaltyRef = pool.ref(options.penalty ?? 'kill');
  const errnoRef = options.penalty === 'errno' ? pool.ref(options.errno ?? 'EPERM') : NONE;

  const w = new Writer(arch.endian === 'little');
  for (let i = 0; i < HEADER_WORDS; i++) w.u32(0);
  const section = (index: number, count: number, emit: () => void): void => {
    w.set(index, w.length * 4);
    w.set(index + 1, count);
    emit();
  };
  section(8, sysRecords.length, () => sysRecords.forEach((s) => { w.u32(s.nr); w.u32(s.name); w.u32(s.specStart); w.u32(s.specCount); w.u32(s.ruleStart); w.u32(s.ruleCount); }));
  section(10, specs.length, () => specs.forEach((s) => {
    w.u32(s.word0); w.u32(s.label); w.u32(s.en.start); w.u32(s.en.count); w.u32(s.fl.start); w.u32(s.fl.count);
    w.u64(s.enumMask); w.u32(s.guardArg); w.u32(s.fallback); w.u64(s.guardMask); w.u64(s.guardValue);
  }));
  section(12, consts.length, () => consts.forEach((c) => { w.u64(c.value); w.u32(c.name); w.u32(0); }));
  section(14, rules.length, () => rules.forEach((r) => { w.u32(r.bits); w.u32(r.condStart); w.u32(r.condCount); w.u32(0); }));
  section(16, conds.length, () => conds.forEach((c) => { w.u32(c.arg); w.u32(c.width); w.u32(c.negate); w.u32(c.valStart); w.u32(c.valCount); w.u64(c.mask); w.u32(0); }));
  section(18, values.length, () => values.forEach((v) => w.u64(v)));
  section(20, promiseNames.length, () => promiseNames.forEach((p) => w.u32(p)));
  const strings = pool.bytes();
  w.set(6, w.length * 4);
  w.set(7, strings.length);
  const head = w.bytes();
  const out = new Uint8Array(head.length + strings.length);
  out.set(head, 0);
  out.set(strings, head.length);
  const view = new DataView(out.buffer);
  const little = arch.endian === 'little';
  const put = (i: number, v: number): void => view.setUint32(i * 4, v >>> 0, little);
  put(0, REPORT_TABLES_MAGIC);
  put(1, REPORT_TABLES_VERSION);
  put(2, out.length);
  put(3, arch.auditArch);
  put(4, options.pid);
  put(22, promisesRef);
  put(23, commRef);
  put(24, archRef);
  put(25, penaltyRef);
  put(26, errnoRef);
  put(27, 0);
  return out;
}
