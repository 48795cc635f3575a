/**
 * The binary report tables: {@link buildReportTables} encodes the decode
 * table, the constant families and the attribution rules, resolved for one
 * arch, into the flat tables the native SIGSYS handler and `formatViolation`
 * read without allocating. Where each word goes is {@link REPORT_TABLES_LAYOUT}
 * (./layout.ts), the contract with the native reader; nothing here counts
 * offsets by hand.
 */
import type { ArchDescriptor } from '../arch.js';
import type { ConstantName } from '../constants.js';
import { evalValue, resolveRules, type ResolvedRule, type RuntimeValues } from '../compile.js';
import { BUILD_ID } from '../build-id.js';
import { PledgeError } from '../errors.js';
import { CATALOG, formatPromises, type PromiseInfo } from '../promises.js';
import type { Rule, ValueExpr } from '../rules.js';
import { PROMISE_ORDER, attributionRules } from './attribution.js';
import { REPORT_DECODE, type DecodeKind } from './decode.js';
import { REPORT_FAMILIES, type ReportFamily } from './families.js';
import { REPORT_TABLES_LAYOUT, type ReportTablesKind, type ReportTablesLayout, type ReportTablesRecord } from './layout.js';

const L = REPORT_TABLES_LAYOUT;

/** 'SSRT' read as a native little-endian u32 ({@link REPORT_TABLES_LAYOUT}.magic). */
export const REPORT_TABLES_MAGIC = L.magic;
/** {@link REPORT_TABLES_LAYOUT}.version. */
export const REPORT_TABLES_VERSION = L.version;

/** How each decode kind is printed by the native formatter. */
const KIND: Readonly<Record<DecodeKind, ReportTablesKind>> = {
  fd: 'dec', int: 'dec', long: 'dec', hex: 'hex', octal: 'oct', ptr: 'ptr', path: 'path',
  dirfd: 'sym', signal: 'sym', openflags: 'sym', flags: 'sym', enum: 'sym',
};

/** The sections after the header, in layout order (the string pool follows them): header word, record. */
const SECTIONS = [
  ['syscalls', 'syscall'], ['specs', 'spec'], ['constants', 'constant'], ['rules', 'rule'],
  ['conditions', 'condition'], ['values', 'value'], ['promiseNames', 'promiseName'],
] as const satisfies readonly (readonly [keyof ReportTablesLayout['header'], ReportTablesRecord])[];

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

type Fields<R extends ReportTablesRecord> = ReportTablesLayout['fields'][R];
/** One record: a value for each of its fields, a bigint for a u64 field. */
type RecordOf<R extends ReportTablesRecord> = { readonly [F in keyof Fields<R>]: number | bigint };

const U64_FIELDS: Readonly<Partial<Record<ReportTablesRecord, readonly string[]>>> = L.u64Fields;

/** Writes u32 and u64 values at byte offsets, in the arch's byte order. */
class TablesWriter {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, private readonly little: boolean) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(offset: number, v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: ${v} is not an unsigned 32-bit value`);
    this.view.setUint32(offset, v, this.little);
  }
  u64(offset: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.u32(offset, Number(u & 0xffffffffn));
    this.u32(offset + 4, Number(u >> 32n));
  }
  /** Header word `index`. */
  word(index: number, v: number): void { this.u32(index * 4, v); }
  /** `records` from byte `offset`, each field where the layout puts it. */
  records<R extends ReportTablesRecord>(record: R, offset: number, records: readonly RecordOf<R>[]): void {
    const fields = Object.entries(L.fields[record]) as [keyof Fields<R> & string, number][];
    const u64: readonly string[] = U64_FIELDS[record] ?? [];
    records.forEach((r, i) => {
      const at = offset + i * L.recordBytes[record];
      for (const [name, field] of fields) {
        const v = r[name];
        if (u64.includes(name) !== (typeof v === 'bigint')) throw new PledgeError('EINVAL', 'INTERNAL', `report tables: internal error: ${record}.${name} has the wrong width`);
        if (typeof v === 'bigint') this.u64(at + field, v); else this.u32(at + field, v);
      }
    });
  }
}

class StringPool {
  private offsets = new Map<string, number>();
  private chunks: Uint8Array[] = [];
  private used = 0;
  /** A copy to add to (the template's pool stays as it is). */
  clone(): StringPool {
    const p = new StringPool();
    p.offsets = new Map(this.offsets);
    p.chunks = [...this.chunks];
    p.used = this.used;
    return p;
  }
  ref(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      const bytes = new TextEncoder().encode(s);
      if (bytes.includes(0)) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: string ${JSON.stringify(s)} contains a NUL byte`);
      off = this.used;
      this.chunks.push(bytes, new Uint8Array([0]));
      this.used += bytes.length + 1;
      this.offsets.set(s, off);
    }
    return off;
  }
  /** Bytes used, unpadded. */
  size(): number { return this.used; }
  /** The pool padded to a multiple of 4 bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array((this.used + 3) & ~3);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

const popcount = (v: bigint): number => { let n = 0; for (let x = v; x > 0n; x &= x - 1n) n++; return n; };


/** A catalog rule's value that is known only per process (pid, uid, gid). */
const usesRuntime = (v: ValueExpr | undefined): boolean =>
  v !== undefined && (Array.isArray(v) ? (v as readonly ValueExpr[]).some(usesRuntime) : typeof v === 'object' && v !== null && 'runtime' in v);

/** An attribution rule resolved once (it needs no runtime value). */
interface TemplateRule {
  readonly promises: number;
  readonly handled: number;
  readonly when: ResolvedRule['when'];
}

/**
 * What the report tables of one arch hold whatever the process: the string
 * pool up to the per-call strings, the constants, the argument specs, the
 * syscalls and the attribution rules that need no runtime value (those that
 * do are kept as catalog rules and resolved per call). Compiled output of
 * the catalog, never a second policy.
 */
interface ReportTablesTemplate {
  readonly pool: StringPool;
  readonly consts: readonly RecordOf<'constant'>[];
  readonly specs: readonly RecordOf<'spec'>[];
  readonly promiseNames: readonly RecordOf<'promiseName'>[];
  /** By nr: the syscall record less its rules, and its attribution rules in catalog order. */
  readonly syscalls: readonly { readonly nr: number; readonly name: number; readonly specStart: number; readonly specCount: number; readonly rules: readonly (TemplateRule | RuntimeRule)[] }[];
}

/** An attribution rule naming the pid, uid or gid, resolved per call: the catalog rule and its index in {@link CATALOG}. */
interface RuntimeRule {
  readonly rule: Rule;
  readonly catalogIndex: number;
}

/**
 * Templates by arch descriptor: built on an arch's first call, then reused.
 * The key is the descriptor itself; the catalog, decode table and families
 * are this module's constants, so a new version or catalog is a new module.
 */
const templates = new WeakMap<ArchDescriptor, ReportTablesTemplate>();

const bitOf = (p: PromiseInfo['name']): number => 1 << PROMISE_ORDER.indexOf(p);
const promiseBits = (requires: readonly PromiseInfo['name'][]): number => requires.reduce((acc, p) => acc | bitOf(p), 0) >>> 0;

function reportTablesTemplate(arch: ArchDescriptor): ReportTablesTemplate {
  const cached = templates.get(arch);
  if (cached) return cached;
  if (PROMISE_ORDER.length > L.maxPromises) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: more than ${L.maxPromises} promises cannot be encoded`);
  const pool = new StringPool();
  // The argument specs use constants only (a runtime value in the decode table would throw here).
  const { consts, specs, specRange } = encodeSpecs(arch, pool, {});
  // Attribution rules in catalog order (as attributionRules), grouped by nr; those with a runtime value resolved per call.
  const byNr = new Map<number, (TemplateRule | RuntimeRule)[]>();
  for (const [catalogIndex, rule] of CATALOG.entries()) {
    if (!((rule.action.kind === 'allow' || rule.action.kind === 'errno') && rule.requires.length > 0)) continue;
    const nr = arch.syscalls[rule.syscall];
    if (nr === undefined) continue;
    const list = byNr.get(nr) ?? [];
    if ((rule.when ?? []).some((c) => usesRuntime(c.mask) || c.oneOf.some(usesRuntime))) list.push({ rule, catalogIndex });
    else {
      const r = resolveRules([rule], arch, {}).rules[0]!;
      list.push({ promises: promiseBits(rule.requires), handled: rule.action.kind === 'allow' ? 0 : 1, when: r.when });
    }
    byNr.set(nr, list);
  }
  const nameByNr = new Map<number, string>();
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => (a < b ? -1 : 1))) if (!nameByNr.has(nr)) nameByNr.set(nr, name);
  const syscalls = [...nameByNr.entries()].sort((a, b) => a[0] - b[0]).map(([nr, name]) => {
    const sr = specRange.get(name) ?? { start: 0, count: 0 };
    return { nr, name: pool.ref(name), specStart: sr.start, specCount: sr.count, rules: byNr.get(nr) ?? [] };
  });
  const promiseNames = PROMISE_ORDER.map((p) => ({ name: pool.ref(p) }));
  const template: ReportTablesTemplate = { pool, consts, specs, promiseNames, syscalls };
  templates.set(arch, template);
  return template;
}

/**
 * Builds the tables the native reporter and `formatViolation` read, for
 * `arch` and the promises in force, laid out as {@link REPORT_TABLES_LAYOUT}
 * says: the syscalls of the arch by number, with their argument specs
 * (from {@link REPORT_DECODE}, constant families resolved for the arch) and
 * attribution rules (every ALLOW rule of the catalog that needs a promise,
 * resolved for the arch and `options`' pid, uid and gid), the promise names,
 * and the strings the report quotes (promises in force, comm, arch, penalty,
 * errno).
 *
 * What does not depend on the process is built once per arch (a template);
 * each call resolves only the rules that name the pid, uid or gid, and
 * fills the header. The bytes equal {@link buildReportTablesDirect}'s.
 *
 * @throws PledgeError `EINVAL` for a promise set or option that cannot be encoded.
 */
export function buildReportTables(arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array {
  checkPid(options.pid);
  return fromPrebuilt(prebuiltReportTables(arch), arch, options) ?? fromTemplate(arch, options);
}

function checkPid(pid: number): void {
  if (!Number.isInteger(pid) || pid < 0 || pid > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: pid ${pid} is not a pid`);
  }
}

/** Where each rule that names the pid, uid or gid was written: its index in {@link CATALOG}, its first condition and value, the number of values of each condition. */
export interface RuntimeRuleSlot {
  readonly catalogIndex: number;
  readonly condStart: number;
  readonly valueStart: number;
  readonly shape: readonly number[];
}

/** The records of the template for `runtime`, and where the rules naming runtime values went. */
function templateRecords(t: ReportTablesTemplate, arch: ArchDescriptor, runtime: RuntimeValues): { records: AllRecords; slots: RuntimeRuleSlot[] } {
  const rules: RecordOf<'rule'>[] = [];
  const conditions: RecordOf<'condition'>[] = [];
  const values: RecordOf<'value'>[] = [];
  const slots: RuntimeRuleSlot[] = [];
  const syscalls: RecordOf<'syscall'>[] = t.syscalls.map((s) => {
    const ruleStart = rules.length;
    for (const entry of s.rules) {
      const r: TemplateRule = 'rule' in entry ? resolvedRuntimeRule(entry.rule, arch, runtime) : entry;
      const condStart = conditions.length;
      if ('rule' in entry) slots.push({ catalogIndex: entry.catalogIndex, condStart, valueStart: values.length, shape: r.when.map((c) => c.oneOf.length) });
      for (const c of r.when) {
        conditions.push({ arg: c.arg, width: c.width, negate: c.negate ? 1 : 0, valueStart: values.length, valueCount: c.oneOf.length, mask: c.mask });
        for (const v of c.oneOf) values.push({ value: v });
      }
      rules.push({ promises: r.promises, condStart, condCount: conditions.length - condStart, handled: r.handled });
    }
    return { nr: s.nr, name: s.name, specStart: s.specStart, specCount: s.specCount, ruleStart, ruleCount: rules.length - ruleStart };
  });
  return { records: { syscall: syscalls, spec: t.specs, constant: t.consts, rule: rules, condition: conditions, value: values, promiseName: t.promiseNames }, slots };
}

/** A catalog rule naming the pid, uid or gid, resolved for `runtime`. */
function resolvedRuntimeRule(rule: Rule, arch: ArchDescriptor, runtime: RuntimeValues): TemplateRule {
  return { promises: promiseBits(rule.requires), handled: rule.action.kind === 'allow' ? 0 : 1, when: resolveRules([rule], arch, runtime).rules[0]!.when };
}

/** The general path: the per-arch template's records, every section written. */
function fromTemplate(arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array {
  const t = reportTablesTemplate(arch);
  const runtime: RuntimeValues = { pid: options.pid, uid: options.uid ?? -1, gid: options.gid ?? -1 };
  return encodeTables(arch, options, t.pool.clone(), templateRecords(t, arch, runtime).records);
}

/**
 * The report tables of one arch already encoded, with the process' values
 * still open: the tables for placeholder values up to the end of the
 * template's string pool (no header string added yet), and where the rules
 * naming the pid, uid or gid were written. A call copies the bytes, rewrites
 * those rules' conditions and values and the header, and appends its
 * strings: no record is built. Compiled output of the catalog (what
 * {@link buildReportTablesDirect} computes), never a second policy.
 */
export interface PrebuiltReportTables {
  /** The tables for the placeholder values, cut at the end of the template's string pool (unpadded). */
  readonly bytes: Uint8Array;
  /** Byte offset of the string pool. */
  readonly stringsAt: number;
  /** Size of the template's string pool in bytes, unpadded. */
  readonly poolSize: number;
  readonly runtimeRules: readonly RuntimeRuleSlot[];
}

/** Placeholder pid, uid and gid of the prebuilt tables: equal to no constant of their conditions, so each keeps all its values. */
const PLACEHOLDERS: RuntimeValues = { pid: 0x7ffffffe, uid: 0x7ffffffd, gid: 0x7ffffffc };

const prebuilts = new WeakMap<ArchDescriptor, PrebuiltReportTables>();

/**
 * The prebuilt report tables of `arch` ({@link PrebuiltReportTables}): one
 * installed from the arch package's build artifact
 * ({@link useReportTablesArtifact}), else computed from the template on the
 * first call and kept for the process.
 */
export function prebuiltReportTables(arch: ArchDescriptor): PrebuiltReportTables {
  const cached = prebuilts.get(arch);
  if (cached) return cached;
  const prebuilt = computePrebuilt(arch);
  prebuilts.set(arch, prebuilt);
  return prebuilt;
}

/** {@link PrebuiltReportTables} computed from the catalog (through the template). */
function computePrebuilt(arch: ArchDescriptor): PrebuiltReportTables {
  const t = reportTablesTemplate(arch);
  const { records, slots } = templateRecords(t, arch, PLACEHOLDERS);
  const poolSize = t.pool.size();
  const full = writeTables(arch, 0, { promises: L.none, comm: L.none, arch: L.none, penalty: L.none, errnoName: L.none, inForce: 0 }, t.pool.bytes(), records);
  const stringsAt = readWord(full, arch, L.header.strings);
  return { bytes: full.slice(0, stringsAt + poolSize), stringsAt, poolSize, runtimeRules: slots };
}

/** 'SSRA' read as a little-endian u32: a report tables artifact. */
const ARTIFACT_MAGIC = 0x41525353;
const ARTIFACT_FORMAT = 2;

/**
 * What a report tables artifact of `arch` must be keyed by: the layout
 * version, the arch, and the build ids of the code that computes it (core's
 * {@link BUILD_ID}, the arch package's). Core's id `dev` (source run without
 * a build) keys nothing: the result is undefined and no artifact is used.
 */
export function reportTablesArtifactKey(arch: ArchDescriptor, archBuildId: string): string | undefined {
  if (BUILD_ID === 'dev' || archBuildId === 'dev') return undefined;
  return `report-tables ${L.version} ${arch.name} core ${BUILD_ID} arch ${archBuildId}`;
}

/**
 * A 64-bit check of `bytes` (two 32-bit multiplicative hashes over its
 * little-endian words, the tail bytes into the first) as 16 hex digits:
 * finds an artifact or cache entry changed after it was written (not an
 * adversary's forgery: ownership and modes are that guard). Computed by a
 * 182-byte WebAssembly function where WebAssembly is there ({@link CHECK_WASM};
 * interpreted JavaScript takes 1-6 ms for 50 KB in a fresh process), else
 * by the same steps in JavaScript (`node --jitless`); `engine` picks one
 * (the test compares them).
 */
export function artifactCheck(bytes: Uint8Array, engine?: 'js' | 'wasm'): string {
  if (engine !== 'js' && (engine === 'wasm' || bytes.length >= 1024)) {
    const viaWasm = checkWasm(bytes);
    if (viaWasm !== undefined) return viaWasm;
    if (engine === 'wasm') throw new Error('artifactCheck: no WebAssembly here');
  }
  const words = bytes.byteLength >>> 2;
  // The words little-endian: a typed array where the host is little-endian and the bytes aligned, else a DataView.
  const fast = LITTLE_HOST && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, words) : undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let a = 0x811c9dc5 ^ bytes.byteLength;
  let b = 0x9e3779b9;
  for (let i = 0; i < words; i++) {
    const x = fast ? fast[i]! : view.getUint32(i * 4, true);
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x85ebca6b) ^ (b >>> 15);
  }
  for (let i = words * 4; i < bytes.byteLength; i++) a = Math.imul(a ^ bytes[i]!, 0x01000193);
  return hex32(a) + hex32(b);
}

const hex32 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

/**
 * {@link artifactCheck} as a WebAssembly module: memory `m` (the bytes from
 * 0), `c(len)` returning the two hashes as one i64 (first in the high half).
 * The function, in order: a = 0x811c9dc5 ^ len, b = 0x9e3779b9; for each
 * little-endian u32 word x: a = (a ^ x) * 0x01000193, b = ((b ^ x) *
 * 0x85ebca6b) ^ (b >>> 15); for each tail byte y: a = (a ^ y) * 0x01000193.
 */
const CHECK_WASM = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 126, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 9, 2, 1, 109, 2, 0, 1, 99, 0, 0, 10, 143, 1, 1,
  140, 1, 1, 5, 127, 65, 197, 187, 242, 136, 120, 32, 0, 115, 33, 2, 65, 185, 243, 221, 241, 121, 33, 3, 32, 0, 65, 124, 113, 33, 4, 2, 64, 3, 64, 32, 1, 32, 4, 79,
  13, 1, 32, 1, 40, 2, 0, 33, 5, 32, 2, 32, 5, 115, 65, 147, 131, 128, 8, 108, 33, 2, 32, 3, 32, 5, 115, 65, 235, 148, 175, 175, 120, 108, 32, 3, 65, 15, 118, 115,
  33, 3, 32, 1, 65, 4, 106, 33, 1, 12, 0, 11, 11, 2, 64, 3, 64, 32, 1, 32, 0, 79, 13, 1, 32, 2, 32, 1, 45, 0, 0, 115, 65, 147, 131, 128, 8, 108, 33, 2,
  32, 1, 65, 1, 106, 33, 1, 12, 0, 11, 11, 32, 2, 173, 66, 32, 134, 32, 3, 173, 132, 11,
]);

/** The part of the WebAssembly JS API used here (core is compiled without DOM or Node types). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
};
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }

let checker: { readonly memory: WasmMemory; readonly check: (len: number) => bigint } | null | undefined;

/** {@link artifactCheck} in WebAssembly, or undefined where it cannot run. */
function checkWasm(bytes: Uint8Array): string | undefined {
  if (checker === undefined) {
    try {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(CHECK_WASM));
      checker = { memory: exports['m'] as WasmMemory, check: exports['c'] as (len: number) => bigint };
    } catch {
      checker = null;  // no WebAssembly (node --jitless)
    }
  }
  if (!checker) return undefined;
  const pages = Math.ceil(bytes.length / 65536) - checker.memory.buffer.byteLength / 65536;
  if (pages > 0) checker.memory.grow(pages);
  new Uint8Array(checker.memory.buffer).set(bytes);
  const r = BigInt.asUintN(64, checker.check(bytes.length));
  return hex32(Number(r >> 32n)) + hex32(Number(r & 0xffffffffn));
}

const LITTLE_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The build artifact of `arch`'s report tables ({@link PrebuiltReportTables},
 * computed here from the catalog): 'SSRA', a format word, the length of a
 * JSON description (key, offsets, the rules naming runtime values), the
 * check ({@link artifactCheck}, two words) of everything after these five
 * words, the JSON padded to 4 bytes, then the bytes. Written by the arch
 * package's build (tools/report-artifact.mjs).
 * @throws PledgeError `EINVAL` when core or the arch is a `dev` build (nothing to key it by).
 */
export function encodeReportTablesArtifact(arch: ArchDescriptor, archBuildId: string): Uint8Array {
  const key = reportTablesArtifactKey(arch, archBuildId);
  if (key === undefined) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'report tables artifact: core and the arch package must be built (tools/build-id.mjs) to key an artifact');
  const pre = computePrebuilt(arch);
  return sealArtifact({ key, stringsAt: pre.stringsAt, poolSize: pre.poolSize, runtimeRules: pre.runtimeRules, length: pre.bytes.length }, pre.bytes);
}

/** Header bytes of an artifact: magic, format, description length, check (two words). */
const ARTIFACT_HEADER = 20;

/**
 * An artifact from a description and the bytes, its check computed (the
 * layout of {@link encodeReportTablesArtifact}; tests use it to write
 * artifacts whose only fault is the one they test).
 */
export function sealArtifact(description: unknown, bytes: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(description));
  const bodyAt = ARTIFACT_HEADER + ((json.length + 3) & ~3);
  const out = new Uint8Array(bodyAt + bytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, ARTIFACT_MAGIC, true);
  view.setUint32(4, ARTIFACT_FORMAT, true);
  view.setUint32(8, json.length, true);
  out.set(json, ARTIFACT_HEADER);
  out.set(bytes, bodyAt);
  const check = artifactCheck(out.subarray(ARTIFACT_HEADER));
  view.setUint32(12, parseInt(check.slice(0, 8), 16), true);
  view.setUint32(16, parseInt(check.slice(8), 16), true);
  return out;
}

/**
 * Reads a report tables artifact of `arch` ({@link encodeReportTablesArtifact})
 * and, when it is keyed by the running code ({@link reportTablesArtifactKey}),
 * intact and consistent with the layout, uses it for `arch` from now on
 * instead of computing the tables' fixed part. A stale, changed or damaged
 * artifact is not used; the reason is returned (the tables are then computed
 * as without an artifact).
 * @returns undefined when the artifact is in use, else why it is not.
 */
export function useReportTablesArtifact(arch: ArchDescriptor, artifact: Uint8Array, archBuildId: string): string | undefined {
  const got = decodeReportTablesArtifact(arch, artifact, archBuildId);
  if (typeof got === 'string') return got;
  prebuilts.set(arch, got);
  return undefined;
}

/** The artifact's {@link PrebuiltReportTables}, or why it cannot be used. */
export function decodeReportTablesArtifact(arch: ArchDescriptor, artifact: Uint8Array, archBuildId: string): PrebuiltReportTables | string {
  const key = reportTablesArtifactKey(arch, archBuildId);
  if (key === undefined) return 'a dev build: no artifact is used';
  if (artifact.length < ARTIFACT_HEADER) return 'too short';
  const view = new DataView(artifact.buffer, artifact.byteOffset, artifact.byteLength);
  if (view.getUint32(0, true) !== ARTIFACT_MAGIC || view.getUint32(4, true) !== ARTIFACT_FORMAT) return 'not a report tables artifact of this format';
  const jsonLength = view.getUint32(8, true);
  const bodyAt = ARTIFACT_HEADER + ((jsonLength + 3) & ~3);
  if (bodyAt > artifact.length) return 'truncated';
  if (hex32(view.getUint32(12, true)) + hex32(view.getUint32(16, true)) !== artifactCheck(artifact.subarray(ARTIFACT_HEADER))) return 'changed after it was written (check mismatch)';
  let meta: { key?: unknown; stringsAt?: unknown; poolSize?: unknown; runtimeRules?: unknown; length?: unknown };
  try {
    meta = JSON.parse(new TextDecoder().decode(artifact.subarray(ARTIFACT_HEADER, ARTIFACT_HEADER + jsonLength))) as typeof meta;
  } catch {
    return 'its description is not JSON';
  }
  if (meta.key !== key) return `stale: keyed ${JSON.stringify(meta.key)}, the running code needs ${JSON.stringify(key)}`;
  const bytes = artifact.slice(bodyAt);
  if (meta.length !== bytes.length) return 'its length does not match its description';
  return prebuiltOf(arch, bytes, meta);
}

/** Where the prebuilt part of report tables ends and the rules naming runtime values are: {@link PrebuiltReportTables} less its bytes. */
export type PrebuiltLayout = Omit<PrebuiltReportTables, 'bytes'>;

/** `bytes` as `arch`'s prebuilt tables with `layout`, after checking they fit together; else why not. */
function prebuiltOf(arch: ArchDescriptor, bytes: Uint8Array, layout: { stringsAt?: unknown; poolSize?: unknown; runtimeRules?: unknown }): PrebuiltReportTables | string {
  const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  const { stringsAt, poolSize, runtimeRules } = layout;
  if (!isCount(stringsAt) || !isCount(poolSize) || stringsAt + poolSize !== bytes.length || stringsAt < L.headerWords * 4) return 'inconsistent offsets';
  const word = (i: number): number => readWord(bytes, arch, i);
  if (word(L.header.magic) !== L.magic || word(L.header.version) !== L.version || word(L.header.auditArch) !== arch.auditArch || word(L.header.strings) !== stringsAt) {
    return `not ${arch.name}'s report tables of layout version ${L.version}`;
  }
  const conditions = word(L.header.conditions + 1);
  const values = word(L.header.values + 1);
  if (!Array.isArray(runtimeRules) || !runtimeRules.every((r: Partial<RuntimeRuleSlot>) =>
    isCount(r.catalogIndex) && r.catalogIndex < CATALOG.length && isCount(r.condStart) && isCount(r.valueStart) && Array.isArray(r.shape) && r.shape.every(isCount) &&
    r.condStart + r.shape.length <= conditions && r.valueStart + r.shape.reduce((a: number, n: number) => a + n, 0) <= values)) {
    return 'inconsistent runtime rules';
  }
  return { bytes, stringsAt, poolSize, runtimeRules: runtimeRules as RuntimeRuleSlot[] };
}

/**
 * Uses report tables built for `arch` ({@link buildReportTables}, whose
 * prebuilt part had `layout`: {@link prebuiltReportTables}) as the prebuilt
 * tables of `arch` from now on: their first `stringsAt + poolSize` bytes are
 * the prebuilt bytes but for the words every call rewrites (the header's,
 * the rules naming runtime values). For a process whose tables came from a
 * cache of compiled output and whose later calls cannot read the artifact.
 * @returns undefined when they are in use, else why not (they do not fit the layout).
 */
export function useReportTablesFrom(arch: ArchDescriptor, tables: Uint8Array, layout: PrebuiltLayout): string | undefined {
  const end = layout.stringsAt + layout.poolSize;
  if (!Number.isInteger(end) || end > tables.length) return 'inconsistent offsets';
  const got = prebuiltOf(arch, tables.slice(0, end), layout);
  if (typeof got === 'string') return got;
  prebuilts.set(arch, got);
  return undefined;
}

const readWord = (bytes: Uint8Array, arch: ArchDescriptor, index: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(index * 4, arch.endian === 'little');

/**
 * The tables from the prebuilt ones: their bytes, the rules naming the pid,
 * uid or gid rewritten for `options`, the header strings appended as
 * {@link StringPool} would. Undefined when a runtime value equals another
 * value of its condition (the resolver keeps one, so the records move): the
 * template path then builds them.
 */
function fromPrebuilt(pre: PrebuiltReportTables, arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array | undefined {
  const runtime: RuntimeValues = { pid: options.pid, uid: options.uid ?? -1, gid: options.gid ?? -1 };
  const resolved: TemplateRule[] = [];
  for (const slot of pre.runtimeRules) {
    const r = resolvedRuntimeRule(CATALOG[slot.catalogIndex]!, arch, runtime);
    if (r.when.length !== slot.shape.length || r.when.some((c, i) => c.oneOf.length !== slot.shape[i])) return undefined;
    resolved.push(r);
  }
  // The header strings, each found in the template's pool or appended once.
  const encoder = new TextEncoder();
  const find = stringFinder(pre.bytes.subarray(pre.stringsAt));
  const added = new Map<string, number>();
  const extra: Uint8Array[] = [];
  let end = pre.poolSize;
  const ref = (s: string): number => {
    const bytes = encoder.encode(s);
    if (bytes.includes(0)) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: string ${JSON.stringify(s)} contains a NUL byte`);
    const at = find(s, bytes);
    if (at >= 0) return at;
    let off = added.get(s);
    if (off === undefined) {
      off = end;
      added.set(s, off);
      extra.push(bytes);
      end += bytes.length + 1;
    }
    return off;
  };
  const header = {
    promises: ref(formatPromises(options.promises)),
    comm: ref(options.comm),
    arch: ref(arch.name),
    penalty: ref(options.penalty ?? 'kill'),
    errnoName: options.penalty === 'errno' ? ref(options.errno ?? 'EPERM') : L.none,
    inForce: PROMISE_ORDER.reduce((acc, p) => (options.promises.has(p) ? acc | bitOf(p) : acc), 0) >>> 0,
  };
  const stringsSize = (end + 3) & ~3;
  const size = pre.stringsAt + stringsSize;
  const w = new TablesWriter(new Uint8Array(size), arch.endian === 'little');
  w.bytes.set(pre.bytes);
  let at = pre.bytes.length;
  for (const bytes of extra) { w.bytes.set(bytes, at); at += bytes.length + 1; }
  w.word(L.header.size, size);
  w.word(L.header.pid, options.pid);
  for (const [field, ref] of Object.entries(header) as [keyof typeof header, number][]) w.word(L.header[field], ref);
  w.word(L.header.strings + 1, stringsSize);
  const conditionsAt = readWord(pre.bytes, arch, L.header.conditions);
  const valuesAt = readWord(pre.bytes, arch, L.header.values);
  pre.runtimeRules.forEach((slot, i) => {
    const conditions: RecordOf<'condition'>[] = [];
    const values: RecordOf<'value'>[] = [];
    for (const c of resolved[i]!.when) {
      conditions.push({ arg: c.arg, width: c.width, negate: c.negate ? 1 : 0, valueStart: slot.valueStart + values.length, valueCount: c.oneOf.length, mask: c.mask });
      for (const v of c.oneOf) values.push({ value: v });
    }
    w.records('condition', conditionsAt + slot.condStart * L.recordBytes.condition, conditions);
    w.records('value', valuesAt + slot.valueStart * L.recordBytes.value, values);
  });
  return w.bytes;
}

/**
 * A finder of NUL-terminated strings in a pool where each string is once:
 * `s`'s offset, or -1. An ASCII pool (bytes = characters) is searched as one
 * string; any other byte by byte.
 */
function stringFinder(pool: Uint8Array): (s: string, bytes: Uint8Array) => number {
  const text = `\0${new TextDecoder().decode(pool)}`;
  if (text.length === pool.length + 1 && !/[^\x00-\x7f]/.test(text)) return (s) => text.indexOf(`\0${s}\0`);
  return (_s, bytes) => {
    const n = bytes.length;
    for (let at = 0; at + n < pool.length; at++) {
      if ((at === 0 || pool[at - 1] === 0) && pool[at + n] === 0 && bytes.every((b, i) => pool[at + i] === b)) return at;
    }
    return -1;
  };
}

/** The constants and argument specs of `arch` ({@link REPORT_DECODE}), their strings added to `pool`. */
function encodeSpecs(arch: ArchDescriptor, pool: StringPool, runtime: RuntimeValues) {
  const value = (v: ValueExpr, width: 32 | 64): bigint => BigInt.asUintN(width, evalValue(v, arch, runtime));
  const consts: RecordOf<'constant'>[] = [];
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
  const specs: RecordOf<'spec'>[] = [];
  const specRange = new Map<string, { start: number; count: number }>();
  for (const [syscall, decode] of Object.entries(REPORT_DECODE)) {
    if (arch.syscalls[syscall] === undefined) continue;
    const start = specs.length;
    for (const d of decode) {
      const width = d.width;
      const full = width === 32 ? 0xffffffffn : (1n << 64n) - 1n;
      let en = { start: 0, count: 0 };
      let fl = { start: 0, count: 0 };
      let enumMask = 0n;
      switch (d.kind) {
        case 'fd': case 'int': case 'long': case 'hex': case 'octal': case 'ptr': case 'path': break;
        case 'dirfd': {
          en = { start: consts.length, count: 1 };
          consts.push({ value: value('AT_FDCWD', width), name: pool.ref('AT_FDCWD') });
          enumMask = full;
          break;
        }
        case 'signal': en = familyRange('signal', width, false); enumMask = full; break;
        case 'openflags':
          en = familyRange('openAccess', width, false); enumMask = value('O_ACCMODE', width); fl = familyRange('openFlags', width, true);
          break;
        case 'flags':
          if (!d.family) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: flags need a family`);
          fl = familyRange(d.family, width, true);
          break;
        case 'enum':
          if (!d.family) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: enum needs a family`);
          en = familyRange(d.family, width, false);
          enumMask = d.mask === undefined ? full : value(d.mask, width);
          if (d.flags) fl = familyRange(d.flags, width, true);
          break;
      }
      if (fl.count > L.maxFamilyFlags) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: more than ${L.maxFamilyFlags} flags`);
      let op: number = L.guardOps.none;
      let guardMask = 0n;
      let guardValue = 0n;
      if (d.when) {
        guardMask = d.when.mask === undefined ? 0xffffffffn : value(d.when.mask, 32);
        if (d.when.equals !== undefined) { op = L.guardOps.equals; guardValue = value(d.when.equals, 32) & guardMask; } else op = L.guardOps.anyBit;
      }
      specs.push({
        packed: (d.arg << L.specPacking.arg | L.kinds[KIND[d.kind]] << L.specPacking.kind | width << L.specPacking.width | op << L.specPacking.guardOp) >>> 0,
        label: d.label ? pool.ref(d.label) : L.none,
        enumStart: en.start, enumCount: en.count, flagStart: fl.start, flagCount: fl.count, enumMask,
        guardArg: d.when?.arg ?? 0,
        fallback: d.hexFallback ? L.fallbacks.hex : L.fallbacks.number,
        guardMask, guardValue,
      });
    }
    specRange.set(syscall, { start, count: specs.length - start });
  }
  return { consts, specs, specRange };
}

type AllRecords = { readonly [R in ReportTablesRecord]: readonly RecordOf<R>[] };

/** The header's per-call strings added to `pool`, then every section written in layout order. */
function encodeTables(arch: ArchDescriptor, options: ReportTablesOptions, pool: StringPool, records: AllRecords): Uint8Array {
  const header = {
    promises: pool.ref(formatPromises(options.promises)),
    comm: pool.ref(options.comm),
    arch: pool.ref(arch.name),
    penalty: pool.ref(options.penalty ?? 'kill'),
    errnoName: options.penalty === 'errno' ? pool.ref(options.errno ?? 'EPERM') : L.none,
    inForce: PROMISE_ORDER.reduce((acc, p) => (options.promises.has(p) ? acc | bitOf(p) : acc), 0) >>> 0,
  };
  return writeTables(arch, options.pid, header, pool.bytes(), records);
}

/** The header's single fields (string references and the promise bits). */
type HeaderFields = Readonly<Record<'promises' | 'comm' | 'arch' | 'penalty' | 'errnoName' | 'inForce', number>>;

/** Every section written in layout order, then the string pool `strings` (padded). */
function writeTables(arch: ArchDescriptor, pid: number, header: HeaderFields, strings: Uint8Array, records: AllRecords): Uint8Array {
  const offsets = {} as Record<ReportTablesRecord, number>;
  let size = L.headerWords * 4;
  for (const [, record] of SECTIONS) {
    offsets[record] = size;
    size += records[record].length * L.recordBytes[record];
  }
  const stringsAt = size;
  size += strings.length;

  const w = new TablesWriter(new Uint8Array(size), arch.endian === 'little');
  w.word(L.header.magic, L.magic);
  w.word(L.header.version, L.version);
  w.word(L.header.size, size);
  w.word(L.header.auditArch, arch.auditArch);
  w.word(L.header.pid, pid);
  for (const [field, ref] of Object.entries(header) as [keyof HeaderFields, number][]) w.word(L.header[field], ref);
  for (const [word, record] of SECTIONS) {
    w.word(L.header[word], offsets[record]);
    w.word(L.header[word] + 1, records[record].length);
  }
  w.word(L.header.strings, stringsAt);
  w.word(L.header.strings + 1, strings.length);
  w.records('syscall', offsets.syscall, records.syscall);
  w.records('spec', offsets.spec, records.spec);
  w.records('constant', offsets.constant, records.constant);
  w.records('rule', offsets.rule, records.rule);
  w.records('condition', offsets.condition, records.condition);
  w.records('value', offsets.value, records.value);
  w.records('promiseName', offsets.promiseName, records.promiseName);
  w.bytes.set(strings, stringsAt);
  return w.bytes;
}

/**
 * The reference encoder (the attribution rules resolved whole from the
 * catalog on every call, no template): {@link buildReportTables} must give
 * the same bytes (a test checks it).
 * Builds the tables the native reporter and `formatViolation` read, for
 * `arch` and the promises in force, laid out as {@link REPORT_TABLES_LAYOUT}
 * says: the syscalls of the arch by number, with their argument specs
 * (from {@link REPORT_DECODE}, constant families resolved for the arch) and
 * attribution rules (every ALLOW rule of the catalog that needs a promise,
 * resolved for the arch and `options`' pid, uid and gid), the promise names,
 * and the strings the report quotes (promises in force, comm, arch, penalty,
 * errno).
 *
 * @throws PledgeError `EINVAL` for a promise set or option that cannot be encoded.
 */
export function buildReportTablesDirect(arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array {
  if (!Number.isInteger(options.pid) || options.pid < 0 || options.pid > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: pid ${options.pid} is not a pid`);
  }
  if (PROMISE_ORDER.length > L.maxPromises) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: more than ${L.maxPromises} promises cannot be encoded`);
  const pool = new StringPool();
  const runtime: RuntimeValues = { pid: options.pid, uid: options.uid ?? -1, gid: options.gid ?? -1 };
  // The argument specs are encoded as the template does (they hold constants only); what this
  // reference checks is the part the template splits: the attribution rules, resolved here whole.
  const { consts, specs, specRange } = encodeSpecs(arch, pool, runtime);

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
  const rules: RecordOf<'rule'>[] = [];
  const conditions: RecordOf<'condition'>[] = [];
  const values: RecordOf<'value'>[] = [];
  const syscalls: RecordOf<'syscall'>[] = [...nameByNr.entries()].sort((a, b) => a[0] - b[0]).map(([nr, name]) => {
    const sr = specRange.get(name) ?? { start: 0, count: 0 };
    const ruleStart = rules.length;
    for (const r of byNr.get(nr) ?? []) {
      const condStart = conditions.length;
      for (const c of r.when) {
        conditions.push({ arg: c.arg, width: c.width, negate: c.negate ? 1 : 0, valueStart: values.length, valueCount: c.oneOf.length, mask: c.mask });
        values.push(...c.oneOf.map((v) => ({ value: v })));
      }
      rules.push({ promises: r.rule.requires.reduce((acc, p) => acc | bit(p), 0) >>> 0, condStart, condCount: conditions.length - condStart, handled: r.rule.action.kind === 'allow' ? 0 : 1 });
    }
    return { nr, name: pool.ref(name), specStart: sr.start, specCount: sr.count, ruleStart, ruleCount: rules.length - ruleStart };
  });

  const promiseNames: RecordOf<'promiseName'>[] = PROMISE_ORDER.map((p) => ({ name: pool.ref(p) }));
  return encodeTables(arch, options, pool, { syscall: syscalls, spec: specs, constant: consts, rule: rules, condition: conditions, value: values, promiseName: promiseNames });
}
