/**
 * pledge()'s cache of compiled output, so that a fresh process' first
 * pledge() neither compiles its filter nor builds its report tables
 * (docs/node-runtime.md "Start-up cost").
 *
 * An entry is compiled OUTPUT of the one policy, never a second policy: the
 * bytes `compilePromises` (a filter) or core `buildReportTables` (report
 * tables) give for the same inputs, as a pid template (core pidTemplate:
 * computed for the two ends of the pid range, the outputs differing only in
 * the pid's words, where a process writes its own pid). It is keyed by
 * everything the output depends on: the build ids of the code that computes
 * it (core, the arch package, this package), the arch, and for a filter the
 * planned filter (promises, penalty, trap, reporter rules, report
 * descriptor, io_uring and eventfd descriptors), the JIT, the uid and gid;
 * for report tables their options but the pid. A miss computes directly,
 * uses that, and writes the entry only when the template gives the same
 * bytes for this pid.
 *
 * Trust: an entry is policy. Entries live in `$SECCOMP_SCOPES_CACHE_DIR`,
 * else `$XDG_CACHE_HOME/seccomp-scopes`, else `~/.cache/seccomp-scopes`,
 * under `node-pledge/`, a directory of mode 0700 owned by the effective
 * user, every directory above it (as named and as resolved) the user's or
 * root's and not writable by others (or sticky); entries are mode
 * 0600, owned by the effective user, opened without following a link, and
 * carry their full key and a check of their bytes. Anything else is not
 * used (the filter is compiled). `SECCOMP_SCOPES_NO_CACHE` set (non-empty)
 * disables the cache, as for the `pledge` command; so does a `dev` build
 * (no build id to key by). A write that finds more than 256 entries removes
 * the older half. The cache is read and written only while the
 * process has no seccomp filter at all (its first pledge(), not under the
 * `pledge` command): a filter in force may refuse the file calls.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BPF_JEQ, BPF_JGE, BPF_JMP, BPF_LD, BPF_RET, BUILD_ID as CORE_BUILD_ID, REPORT_TABLES_LAYOUT, TEMPLATE_PIDS, artifactCheck, fillPidTemplate, pidTemplate, prebuiltReportTables, type PrebuiltLayout,
  type ArchDescriptor, type FilterSpec, type PidTemplate, type ReportTablesOptions,
} from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { archBuildId, unfiltered } from './arch.js';
import { BUILD_ID } from './build-id.js';

/** The entry format. */
const FORMAT = 2;
/** Set (non-empty) to disable the cache (the `pledge` command's variable too). */
export const NO_CACHE_ENV = 'SECCOMP_SCOPES_NO_CACHE';
/** The base directory of the caches, instead of `$XDG_CACHE_HOME/seccomp-scopes`. */
export const CACHE_DIR_ENV = 'SECCOMP_SCOPES_CACHE_DIR';

/** What a filter is compiled from, besides the pid. */
export interface FilterCacheInputs {
  readonly arch: ArchDescriptor;
  readonly spec: FilterSpec;
  readonly jit: boolean;
  readonly uid: number;
  readonly gid: number;
}

/** A filter ready for seccomp(2): its bytes and its length in instructions. */
export interface CachedFilter {
  readonly bytes: Uint8Array;
  readonly instructions: number;
  /** Where it came from: the cache, or compiled (and then written to the cache when `stored`). */
  readonly source: 'cache' | 'compiled';
  readonly stored?: boolean;
}

/** The build ids of the code that compiles a filter (tools/build-id.mjs; `dev` when unbuilt). */
export interface BuildIds {
  readonly core: string;
  readonly arch: string;
  readonly pledge: string;
}

/** This code's build ids for `arch`. */
export function buildIdsFor(arch: ArchDescriptor): BuildIds {
  return { core: CORE_BUILD_ID, arch: archBuildId(arch) ?? 'dev', pledge: BUILD_ID };
}

/** The entry key: everything the filter depends on but the pid; undefined when nothing may be cached (a `dev` build). */
export function filterCacheKey(inputs: FilterCacheInputs, ids: BuildIds = buildIdsFor(inputs.arch)): string | undefined {
  if (ids.core === 'dev' || ids.arch === 'dev' || ids.pledge === 'dev') return undefined;
  const { spec } = inputs;
  return JSON.stringify({
    format: FORMAT, core: ids.core, arch: ids.arch, pledge: ids.pledge, archName: inputs.arch.name,
    promises: [...spec.promises].sort(), penalty: spec.penalty, trap: spec.trap, reporterRules: spec.reporterRules,
    reportFd: spec.reportFd, ringFds: spec.ringFds, eventFds: spec.eventFds, jit: inputs.jit, uid: inputs.uid, gid: inputs.gid,
  });
}

/** The directory of the entries, or undefined when there is none to use. */
export function filterCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[NO_CACHE_ENV]) return undefined;
  const base = env[CACHE_DIR_ENV] || (env['XDG_CACHE_HOME'] ? path.join(env['XDG_CACHE_HOME'], 'seccomp-scopes') : env['HOME'] ? path.join(env['HOME'], '.cache', 'seccomp-scopes') : undefined);
  return base && path.isAbsolute(base) ? path.join(base, 'node-pledge') : undefined;
}

/** FNV-1a 32 of the key: the entry's file name (the key itself is inside, compared whole). */
function keyHash(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const euid = (): number | undefined => process.geteuid?.();


/** Owned by the effective user and writable by nobody else. */
const ours = (st: { readonly uid: number; readonly mode: number }, uid: number): boolean => st.uid === uid && (st.mode & 0o022) === 0;

/**
 * The entries' directory is ours, and no other user can change what its
 * path leads to: every directory above it, as named and as it resolves
 * (realpath), is the user's or root's and not writable by others (or
 * sticky, as /tmp). Checking the parent alone is not enough: the owner of
 * a directory further up (SECCOMP_SCOPES_CACHE_DIR or XDG_CACHE_HOME named
 * under it) can put a link there to any directory of ours, one holding
 * files of ours with someone else's bytes (an unpacked archive, a clone).
 * The same rule guards the command's launch cache (pledge-cli policy-cache.ts).
 * @param uid the effective user id the directory must belong to.
 * @returns false also when a directory cannot be examined.
 */
export function trustedCacheDir(dir: string, uid: number): boolean {
  try {
    const facts = native.dirTrustFacts(dir);
    if (facts) return facts.self.isDir && ours(facts.self, uid) && facts.ancestors.every((a) => trustedAncestor(a, uid));
  } catch (e) {
    if ((e as native.NativeError).syscall !== undefined) return false; // lstat, realpath or stat failed
    // no addon: with fs
  }
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || !ours(st, uid)) return false;
    return trustedAncestors(dir, uid) && trustedAncestors(fs.realpathSync(dir), uid);
  } catch {
    return false;
  }
}

/** A directory above the entries' one (followed when a link): the user's or root's, and not writable by others unless sticky. */
const trustedAncestor = (st: { readonly uid: number; readonly mode: number }, uid: number): boolean =>
  (st.uid === uid || st.uid === 0) && ((st.mode & 0o022) === 0 || (st.mode & 0o1000) !== 0);

/** Every directory above `dir` is {@link trustedAncestor}. */
function trustedAncestors(dir: string, uid: number): boolean {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (!trustedAncestor(fs.statSync(d), uid)) return false;
    if (d === path.dirname(d)) return true;
  }
}

/** 'SSNE' read as a little-endian u32: an entry of this cache. */
const ENTRY_MAGIC = 0x454e5353;

/** What an entry holds: its key, the pid template (words of `unit` bytes), and what its user keeps beside it (report tables: their prebuilt layout). */
export interface CacheEntry {
  readonly key: string;
  readonly unit: 4 | 8;
  readonly slots: readonly number[];
  readonly bytes: Uint8Array;
  readonly extra?: unknown;
}

/** Header bytes of an entry: magic, format, description length, check (two words). */
const ENTRY_HEADER = 20;

/**
 * An entry's file: 'SSNE', the format, the length of a JSON description
 * (key, unit, slots, extra), the check (core artifactCheck, two words) of
 * everything after these five words, the description padded to 4 bytes, the bytes.
 */
export function encodeEntry(e: CacheEntry): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ key: e.key, unit: e.unit, slots: e.slots, ...(e.extra !== undefined ? { extra: e.extra } : {}) }));
  const at = ENTRY_HEADER + ((json.length + 3) & ~3);
  const out = new Uint8Array(at + e.bytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, ENTRY_MAGIC, true);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, json.length, true);
  out.set(json, ENTRY_HEADER);
  out.set(e.bytes, at);
  const check = artifactCheck(out.subarray(ENTRY_HEADER));
  view.setUint32(12, parseInt(check.slice(0, 8), 16), true);
  view.setUint32(16, parseInt(check.slice(8), 16), true);
  return out;
}

/**
 * Core's artifactCheck of `bytes`, by the addon where it has it (some 20 us
 * for 52 KB; core's WebAssembly takes 0.5 ms on its first use in a process,
 * most of a cached first pledge()'s reading of its tables), else by core.
 * The same function either way (the native test compares them).
 */
function entryCheck(bytes: Uint8Array): string {
  let check: string | undefined;
  try {
    check = native.artifactCheck(bytes);
  } catch {
    check = undefined; // no addon: core's
  }
  return check ?? artifactCheck(bytes);
}

/** The entry in a file's bytes, or undefined when they are not an intact entry of this format (check included). */
export function decodeEntry(file: Uint8Array): CacheEntry | undefined {
  if (file.length < ENTRY_HEADER) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== ENTRY_MAGIC || view.getUint32(4, true) !== FORMAT) return undefined;
  const length = view.getUint32(8, true);
  const at = ENTRY_HEADER + ((length + 3) & ~3);
  if (at > file.length) return undefined;
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  if (hex(view.getUint32(12, true)) + hex(view.getUint32(16, true)) !== entryCheck(file.subarray(ENTRY_HEADER))) return undefined;
  let d: { key?: unknown; unit?: unknown; slots?: unknown; extra?: unknown };
  try {
    d = JSON.parse(new TextDecoder().decode(file.subarray(ENTRY_HEADER, ENTRY_HEADER + length))) as typeof d;
  } catch {
    return undefined;
  }
  if (typeof d.key !== 'string' || (d.unit !== 4 && d.unit !== 8) || !Array.isArray(d.slots)) return undefined;
  return { key: d.key, unit: d.unit, slots: d.slots as number[], bytes: file.subarray(at), ...(d.extra !== undefined ? { extra: d.extra } : {}) };
}

/**
 * The bytes of a regular file of the user's, writable by nobody else
 * ({@link ours}), of at most 1 MiB, opened without following a link; else
 * undefined. Read by the addon in one call where it can (native
 * readArtifactFile), else with fs.
 */
function readOwnFile(file: string, uid: number): Uint8Array | undefined {
  const MAX = 1 << 20;
  let got: native.ArtifactFile | undefined;
  try {
    got = native.readArtifactFile(file, MAX);
  } catch (e) {
    if ((e as native.NativeError).syscall !== undefined) return undefined; // open, fstat or read failed: ENOENT, ELOOP (a link)...
    got = undefined; // no addon: read with fs
  }
  if (got) return got.regular && got.uid === uid && (got.mode & 0o022) === 0 && got.size <= MAX ? got.bytes : undefined;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !ours(st, uid) || st.size > MAX) return undefined;
    // One read of the size fstat gave (readFileSync would fstat again); a file that grew since reads short and fails its check.
    const buffer = Buffer.allocUnsafe(st.size);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, st.size, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The entry of `key` when it is there and trusted, as a pid template of `unit`-byte words; else undefined. */
function readEntry(dir: string, key: string, uid: number, unit: 4 | 8): CacheEntry | undefined {
  if (!trustedCacheDir(dir, uid)) return undefined;
  const file = readOwnFile(path.join(dir, `${keyHash(key)}.entry`), uid);
  if (!file) return undefined;
  const e = decodeEntry(file);
  if (!e || e.key !== key || e.unit !== unit) return undefined;
  const n = e.bytes.length / unit;
  if (e.bytes.length === 0 || !Number.isInteger(n) || (unit === 8 && n > 4096)) return undefined;
  if (!e.slots.every((s) => Number.isInteger(s) && s >= 0 && s < n)) return undefined;
  return e;
}

/**
 * Creates the cache directory `dir` and its missing parents, mode 0700,
 * one level at a time. Not `mkdirSync(dir, { recursive: true })`: under
 * /proc (`XDG_CACHE_HOME=/proc/nope`) mkdir and the lookup both answer
 * ENOENT and Node's recursive walk loops forever; here each missing level
 * is made once, so an impossible directory fails at once.
 * @throws Node's error of the first level that cannot be made (ENOENT,
 *   EACCES, ENOTDIR...), or ENOTDIR when an existing level is not a
 *   directory; the callers take that as "no cache".
 */
export function makeCacheDir(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR', path: d });
      break;
    }
    if (path.dirname(d) === d) break;
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Writes the entry atomically (a temporary file, then rename), mode 0600 in a 0700 directory; false when it could not. */
function writeEntry(dir: string, key: string, uid: number, template: PidTemplate, extra?: unknown): boolean {
  try {
    makeCacheDir(dir);
    if (!trustedCacheDir(dir, uid)) return false;
    const file = path.join(dir, `${keyHash(key)}.entry`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, encodeEntry({ key, unit: template.unit, slots: template.slots, bytes: template.bytes, ...(extra !== undefined ? { extra } : {}) }), { flag: 'wx', mode: 0o600 });
    fs.renameSync(tmp, file);
    prune(dir, file);
    return true;
  } catch {
    return false;
  }
}

/** Entries a directory keeps: past this, a write removes the least recently written half (entries of older builds go first). */
export const MAX_ENTRIES = 256;

/** Removes the oldest entries (by modification time) past {@link MAX_ENTRIES}, never `keep`; on a miss only, after the write. */
function prune(dir: string, keep: string): void {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.entry'));
  if (names.length <= MAX_ENTRIES) return;
  const byAge = names.map((n) => {
    const file = path.join(dir, n);
    try {
      return { file, mtime: fs.lstatSync(file).mtimeMs };
    } catch {
      return { file, mtime: 0 };
    }
  }).sort((a, b) => a.mtime - b.mtime);
  for (const { file } of byAge.slice(0, names.length - MAX_ENTRIES / 2)) {
    if (file === keep) continue;
    try {
      fs.unlinkSync(file);
    } catch {
      // removed meanwhile
    }
  }
}

/** Options of {@link cachedFilter} and {@link cachedReportTables}. */
export interface FilterCacheOptions {
  /** The environment naming the cache directory (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The build ids keying the entry (default: this code's, {@link buildIdsFor}). */
  readonly buildIds?: BuildIds;
}

/**
 * The filter for `inputs` and `pid`: from the cache when a trusted entry
 * is keyed by the same inputs, else `compile(pid)`, kept for the next
 * process when the pid template of `compile` gives those same bytes.
 * @param compile the filter's bytes for a pid (checked with the kernel verifier's rules; it throws what compiling throws).
 */
export function cachedFilter(inputs: FilterCacheInputs, pid: number, compile: (pid: number) => Uint8Array, options: FilterCacheOptions = {}): CachedFilter {
  const got = cachedOutput(filterCacheKey(inputs, options.buildIds), inputs.arch, pid, 8, compile, options);
  return { ...got, instructions: got.bytes.length / 8 };
}

/**
 * The report tables for `options` (core buildReportTables): from the cache
 * when a trusted entry is keyed by the same options but the pid, else
 * `build(options)`, kept for the next process like a filter.
 */
export function cachedReportTables(arch: ArchDescriptor, tables: ReportTablesOptions, build: (arch: ArchDescriptor, options: ReportTablesOptions) => Uint8Array, options: FilterCacheOptions = {}): { bytes: Uint8Array; source: 'cache' | 'compiled'; stored?: boolean; layout?: PrebuiltLayout } {
  const ids = options.buildIds ?? buildIdsFor(arch);
  const key = ids.core === 'dev' || ids.arch === 'dev' || ids.pledge === 'dev' ? undefined : JSON.stringify({
    format: FORMAT, kind: 'report-tables', core: ids.core, arch: ids.arch, pledge: ids.pledge, archName: arch.name,
    promises: [...tables.promises].sort(), comm: tables.comm, uid: tables.uid ?? -1, gid: tables.gid ?? -1, penalty: tables.penalty ?? 'kill', errno: tables.errno ?? null,
  });
  // Kept beside the tables: where their prebuilt part ends (core useReportTablesFrom, for later calls of the process).
  const layout = (): PrebuiltLayout => {
    const { stringsAt, poolSize, runtimeRules } = prebuiltReportTables(arch);
    return { stringsAt, poolSize, runtimeRules };
  };
  const got = cachedOutput(key, arch, tables.pid, 4, (pid) => build(arch, { ...tables, pid }), options, layout);
  const { extra, ...rest } = got;
  return { ...rest, ...(extra !== undefined ? { layout: extra as PrebuiltLayout } : {}) };
}

/**
 * Whether `pid` equals another value of a value list that holds the pid in
 * the template: in a filter, another `jeq`/`jge` constant between the
 * argument load before a pid slot and the next load or return (one
 * condition's value search, core codegen); in report tables, another value
 * of a condition whose values hold a pid slot (core REPORT_TABLES_LAYOUT).
 * Compiled for that pid, the list would keep one of the two, so the output
 * would not be the template's: it is computed instead. (How the pid sorts
 * among the other values is what the two ends of the pid range settle:
 * core pidTemplate.)
 */
function pidCollides(entry: CacheEntry, unit: 4 | 8, pid: number, arch: ArchDescriptor): boolean {
  const little = arch.endian === 'little';
  const view = new DataView(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
  const slots = new Set(entry.slots);
  if (unit === 8) {
    const n = entry.bytes.length / 8;
    const code = (i: number): number => view.getUint16(i * 8, little);
    const isLoadOrRet = (i: number): boolean => (code(i) & 0x07) === BPF_LD || (code(i) & 0x07) === BPF_RET;
    for (const slot of entry.slots) {
      let i = slot;
      while (i > 0 && (code(i) & 0x07) !== BPF_LD) i--;
      for (i++; i < n && !isLoadOrRet(i); i++) {
        const op = code(i) & 0xf0;
        if ((code(i) & 0x07) === BPF_JMP && (op === BPF_JEQ || op === BPF_JGE) && !slots.has(i) && view.getUint32(i * 8 + 4, little) === pid) return true;
      }
    }
    return false;
  }
  const L = REPORT_TABLES_LAYOUT;
  const word = (index: number): number => view.getUint32(index * 4, little);
  const conditionsAt = word(L.header.conditions);
  const conditions = word(L.header.conditions + 1);
  const valuesAt = word(L.header.values);
  if (conditionsAt + conditions * L.recordBytes.condition > entry.bytes.length) return true;
  const slotValue = (v: number): boolean => slots.has((valuesAt + v * L.recordBytes.value) / 4);
  for (let c = 0; c < conditions; c++) {
    const rec = conditionsAt + c * L.recordBytes.condition;
    const start = view.getUint32(rec + L.fields.condition.valueStart, little);
    const count = view.getUint32(rec + L.fields.condition.valueCount, little);
    let has = false;
    for (let v = start; v < start + count; v++) if (slotValue(v)) has = true;
    if (!has) continue;
    for (let v = start; v < start + count; v++) {
      const lo = valuesAt + v * L.recordBytes.value;
      if (lo + 8 > entry.bytes.length) return true;
      if (!slotValue(v) && view.getUint32(lo, little) === pid && view.getUint32(lo + 4, little) === 0) return true;
    }
  }
  return false;
}

/** An entry's output for `pid` (and what was kept beside it), or `compute(pid)` (stored as a template, with `extra()`, when the template gives the same bytes). */
function cachedOutput(
  key: string | undefined, arch: ArchDescriptor, pid: number, unit: 4 | 8, compute: (pid: number) => Uint8Array, options: FilterCacheOptions, extra?: () => unknown,
): { bytes: Uint8Array; source: 'cache' | 'compiled'; stored?: boolean; extra?: unknown } {
  const dir = filterCacheDir(options.env);
  const uid = euid();
  const usable = key !== undefined && dir !== undefined && uid !== undefined && pid >= TEMPLATE_PIDS[0] && pid <= TEMPLATE_PIDS[1] && unfiltered();
  if (usable) {
    const entry = readEntry(dir, key, uid, unit);
    if (entry && !pidCollides(entry, unit, pid, arch)) {
      return { bytes: fillPidTemplate({ ...entry, unit }, pid, arch.endian), source: 'cache', ...(entry.extra !== undefined ? { extra: entry.extra } : {}) };
    }
  }
  const bytes = compute(pid);
  let stored = false;
  if (usable) {
    const template = pidTemplate(compute, unit, arch.endian);
    // Kept only when the template gives exactly what was just computed for this pid.
    if (template && Buffer.from(fillPidTemplate(template, pid, arch.endian)).equals(Buffer.from(bytes))) stored = writeEntry(dir, key, uid, template, extra?.());
  }
  return { bytes, source: 'compiled', stored };
}
