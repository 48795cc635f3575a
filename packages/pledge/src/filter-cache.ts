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
 * Trust: an entry is policy. The cache is used only by a process whose
 * real and effective uids are one (the addon's rule also compares the saved
 * uid): entries are keyed by the real uid and trusted as the effective
 * user's files. Entries live in `$SECCOMP_SCOPES_CACHE_DIR`,
 * else `$XDG_CACHE_HOME/seccomp-scopes`, else `~/.cache/seccomp-scopes`,
 * under `node-pledge/`, a directory of mode 0700 owned by the effective
 * user, every directory above it (as named and as resolved) the user's or
 * root's and not writable by others (or sticky), every symbolic link met
 * resolving its path the user's or root's; entries are mode
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
  type ArchDescriptor, type FilterSpec, type PidTemplate, type PledgePlan, type PledgeState, type ReportTablesOptions, type ReporterPlan,
} from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { archBuildId, unfiltered } from './arch.js';
import { BUILD_ID } from './build-id.js';

/** The entry format. */
const FORMAT = 3;
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
  /** The pid template it was filled from, or was stored as (a first call's entry is made of it). */
  readonly template?: PidTemplate;
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

/**
 * The effective uid the entries must belong to, or undefined (no cache) when the real uid differs: the entries are
 * keyed by the real uid and trusted as the effective user's files, so root acting as another user (seteuid) would
 * take that user's files as its own policy. The addon's rule (native readOwnedFile) also compares the saved uid.
 */
const euid = (): number | undefined => {
  const uid = process.geteuid?.();
  return uid !== undefined && uid === process.getuid?.() ? uid : undefined;
};


/** Owned by the effective user and writable by nobody else. */
const ours = (st: { readonly uid: number; readonly mode: number }, uid: number): boolean => st.uid === uid && (st.mode & 0o022) === 0;

/**
 * The entries' directory is ours, and no other user can change what its
 * path leads to: every directory above it, as named and as it resolves
 * (realpath), is the user's or root's and not writable by others (or
 * sticky, as /tmp), and so is every symbolic link met on the way (stat
 * follows a link; another user's link in /tmp could lead anywhere). Checking the parent alone is not enough: the owner of
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
    if (facts) {
      return facts.self.isDir && ours(facts.self, uid) && facts.ancestors.every((a) => trustedAncestor(a, uid)) &&
        (facts.links ?? linksOnPath(dir)).every((l) => l.uid === uid || l.uid === 0);
    }
  } catch (e) {
    if ((e as native.NativeError).syscall !== undefined) return false; // lstat, realpath or stat failed
    // no addon: with fs
  }
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || !ours(st, uid)) return false;
    return trustedAncestors(dir, uid) && trustedAncestors(fs.realpathSync(dir), uid) && linksOnPath(dir).every((l) => l.uid === uid || l.uid === 0);
  } catch {
    return false;
  }
}

/**
 * The symbolic links met resolving the absolute path `p` as the kernel
 * does (named ones, and those their targets lead through), with their
 * owners: what native dirTrustFacts gives as `links` (linux/owned-file.h
 * LinksOnPath), here with fs. A link's owner can point it anywhere, and
 * stat follows it, so the directories' own checks cannot tell.
 * @throws Node's error of an lstat or readlink that fails, or ELOOP past 40 links.
 */
function linksOnPath(p: string): { path: string; uid: number }[] {
  const links: { path: string; uid: number }[] = [];
  const todo = p.split('/').filter((c) => c !== '').reverse();
  let at = '';
  while (todo.length > 0) {
    const part = todo.pop()!;
    if (part === '.') continue;
    if (part === '..') {
      at = at === '' ? '' : path.dirname(at);
      if (at === '/') at = '';
      continue;
    }
    const next = `${at}/${part}`;
    const st = fs.lstatSync(next);
    if (!st.isSymbolicLink()) {
      at = next;
      continue;
    }
    if (links.length >= 40) throw Object.assign(new Error(`${p}: too many levels of symbolic links`), { code: 'ELOOP' });
    links.push({ path: next, uid: st.uid });
    const to = fs.readlinkSync(next);
    if (to.startsWith('/')) at = '';
    todo.push(...to.split('/').filter((c) => c !== '').reverse());
  }
  return links;
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

/**
 * The entry in a file's bytes, or undefined when they are not an intact entry of this format (check included).
 * @param check the check of the bytes after the header when the addon computed it as it read them (native readOwnedFile).
 */
export function decodeEntry(file: Uint8Array, check?: string): CacheEntry | undefined {
  if (file.length < ENTRY_HEADER) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== ENTRY_MAGIC || view.getUint32(4, true) !== FORMAT) return undefined;
  const length = view.getUint32(8, true);
  const at = ENTRY_HEADER + ((length + 3) & ~3);
  if (at > file.length) return undefined;
  const hex = (v: number): string => v.toString(16).padStart(8, '0');
  if (hex(view.getUint32(12, true)) + hex(view.getUint32(16, true)) !== (check ?? entryCheck(file.subarray(ENTRY_HEADER)))) return undefined;
  let d: { key?: unknown; unit?: unknown; slots?: unknown; extra?: unknown };
  try {
    d = JSON.parse(new TextDecoder().decode(file.subarray(ENTRY_HEADER, ENTRY_HEADER + length))) as typeof d;
  } catch {
    return undefined;
  }
  if (typeof d.key !== 'string' || (d.unit !== 4 && d.unit !== 8) || !Array.isArray(d.slots)) return undefined;
  return { key: d.key, unit: d.unit, slots: d.slots as number[], bytes: file.subarray(at), ...(d.extra !== undefined ? { extra: d.extra } : {}) };
}

/** The largest entry read. */
const MAX_ENTRY_BYTES = 1 << 20;

/**
 * The bytes of a regular file of the user's, writable by nobody else
 * ({@link ours}), of at most 1 MiB, opened without following a link; else
 * undefined. Read by the addon in one call where it can (native
 * readArtifactFile), else with fs.
 */
function readOwnFile(file: string, uid: number): { bytes: Uint8Array } | undefined {
  let got: native.ArtifactFile | undefined;
  try {
    got = native.readArtifactFile(file, MAX_ENTRY_BYTES);
  } catch (e) {
    if ((e as native.NativeError).syscall !== undefined) return undefined; // open, fstat or read failed: ENOENT, ELOOP (a link)...
    got = undefined; // no addon: read with fs
  }
  if (got) {
    if (!got.regular || got.uid !== uid || (got.mode & 0o022) !== 0 || got.size > MAX_ENTRY_BYTES || !got.bytes) return undefined;
    return { bytes: got.bytes };
  }
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !ours(st, uid) || st.size > MAX_ENTRY_BYTES) return undefined;
    // One read of the size fstat gave (readFileSync would fstat again); a file that grew since reads short and fails its check.
    const buffer = Buffer.allocUnsafe(st.size);
    return { bytes: buffer.subarray(0, fs.readSync(fd, buffer, 0, st.size, 0)) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The entry of `key` (in file `name`) when it is there and trusted, as a
 * pid template of `unit`-byte words; else undefined. Trusted: the rule of
 * {@link trustedCacheDir} and readOwnFile, applied by the addon in one call
 * where it can (native readOwnedFile, which also computes the entry's
 * check), else here.
 */
function readEntry(dir: string, key: string, uid: number, unit: 4 | 8, name = `${keyHash(key)}.entry`): CacheEntry | undefined {
  let file: { readonly bytes: Uint8Array; readonly check?: string } | undefined;
  let owned: native.OwnedFile | undefined;
  try {
    // In one call where the addon has it: the same rule (native readOwnedFile, the command's launcher's), for the effective user.
    owned = uid === euid() ? native.readOwnedFile(dir, name, MAX_ENTRY_BYTES, ENTRY_HEADER) : undefined;
  } catch {
    owned = undefined; // no addon
  }
  if (owned) file = owned.why === undefined ? owned : undefined;
  else file = readTrusted(dir, name, uid);
  if (!file) return undefined;
  const e = decodeEntry(file.bytes, file.check);
  if (!e || e.key !== key || e.unit !== unit) return undefined;
  const n = e.bytes.length / unit;
  if (e.bytes.length === 0 || !Number.isInteger(n) || (unit === 8 && n > 4096)) return undefined;
  if (!e.slots.every((s) => Number.isInteger(s) && s >= 0 && s < n)) return undefined;
  return e;
}

/** {@link readEntry}'s file read here, without the addon's readOwnedFile: the same rule ({@link trustedCacheDir}, readOwnFile). */
function readTrusted(dir: string, name: string, uid: number): { readonly bytes: Uint8Array } | undefined {
  return trustedCacheDir(dir, uid) ? readOwnFile(`${dir}/${name}`, uid) : undefined;
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
function writeEntry(dir: string, key: string, uid: number, template: PidTemplate, extra?: unknown, name = `${keyHash(key)}.entry`): boolean {
  try {
    makeCacheDir(dir);
    if (!trustedCacheDir(dir, uid)) return false;
    const file = path.join(dir, name);
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
  /** The seccomp mode the caller read just before (native processFacts), instead of asking again: 0 when no filter binds the process. */
  readonly seccompMode?: number;
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
export function cachedReportTables(arch: ArchDescriptor, tables: ReportTablesOptions, build: (arch: ArchDescriptor, options: ReportTablesOptions) => Uint8Array, options: FilterCacheOptions = {}): { bytes: Uint8Array; source: 'cache' | 'compiled'; stored?: boolean; layout?: PrebuiltLayout; template?: PidTemplate } {
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
  const values = collidingPids(entry, unit, arch);
  return values === undefined || values.includes(pid);
}

/**
 * The pids {@link pidCollides} refuses for a template: the other values of
 * every value list that holds a pid slot; undefined when the template's
 * tables are malformed (then no pid is filled in). Kept in a first call's
 * entry, so that a hit tests one list instead of walking the template.
 */
export function collidingPids(entry: { readonly bytes: Uint8Array; readonly slots: readonly number[] }, unit: 4 | 8, arch: ArchDescriptor): number[] | undefined {
  const little = arch.endian === 'little';
  const view = new DataView(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
  const slots = new Set(entry.slots);
  const found = new Set<number>();
  if (unit === 8) {
    const n = entry.bytes.length / 8;
    const code = (i: number): number => view.getUint16(i * 8, little);
    const isLoadOrRet = (i: number): boolean => (code(i) & 0x07) === BPF_LD || (code(i) & 0x07) === BPF_RET;
    for (const slot of entry.slots) {
      let i = slot;
      while (i > 0 && (code(i) & 0x07) !== BPF_LD) i--;
      for (i++; i < n && !isLoadOrRet(i); i++) {
        const op = code(i) & 0xf0;
        if ((code(i) & 0x07) === BPF_JMP && (op === BPF_JEQ || op === BPF_JGE) && !slots.has(i)) found.add(view.getUint32(i * 8 + 4, little));
      }
    }
    return [...found].sort((a, b) => a - b);
  }
  const L = REPORT_TABLES_LAYOUT;
  const word = (index: number): number => view.getUint32(index * 4, little);
  const conditionsAt = word(L.header.conditions);
  const conditions = word(L.header.conditions + 1);
  const valuesAt = word(L.header.values);
  if (conditionsAt + conditions * L.recordBytes.condition > entry.bytes.length) return undefined;
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
      if (lo + 8 > entry.bytes.length) return undefined;
      if (!slotValue(v) && view.getUint32(lo + 4, little) === 0) found.add(view.getUint32(lo, little));
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** An entry's output for `pid` (and what was kept beside it), or `compute(pid)` (stored as a template, with `extra()`, when the template gives the same bytes); with the template it came from or was stored as. */
function cachedOutput(
  key: string | undefined, arch: ArchDescriptor, pid: number, unit: 4 | 8, compute: (pid: number) => Uint8Array, options: FilterCacheOptions, extra?: () => unknown,
): { bytes: Uint8Array; source: 'cache' | 'compiled'; stored?: boolean; extra?: unknown; template?: PidTemplate } {
  const dir = filterCacheDir(options.env);
  const uid = euid();
  const usable = key !== undefined && dir !== undefined && uid !== undefined && pid >= TEMPLATE_PIDS[0] && pid <= TEMPLATE_PIDS[1] && unfiltered();
  if (usable) {
    const entry = readEntry(dir, key, uid, unit);
    if (entry && !pidCollides(entry, unit, pid, arch)) {
      const template: PidTemplate = { bytes: entry.bytes, slots: entry.slots, unit };
      return { bytes: fillPidTemplate(template, pid, arch.endian), source: 'cache', template, ...(entry.extra !== undefined ? { extra: entry.extra } : {}) };
    }
  }
  const bytes = compute(pid);
  if (usable) {
    const template = pidTemplate(compute, unit, arch.endian);
    // Kept only when the template gives exactly what was just computed for this pid.
    if (template && Buffer.from(fillPidTemplate(template, pid, arch.endian)).equals(Buffer.from(bytes))) {
      const kept = extra?.();
      const stored = writeEntry(dir, key, uid, template, kept);
      return { bytes, source: 'compiled', stored, ...(stored ? { template, ...(kept !== undefined ? { extra: kept } : {}) } : {}) };
    }
  }
  return { bytes, source: 'compiled', stored: false };
}

/**
 * A process' first pledge() (from core INITIAL_PLEDGE_STATE) as the fast
 * path keys it: the call's arguments as given, and the facts of the process
 * its plan depends on, but the pid.
 */
export interface FirstCallRequest {
  readonly arch: ArchDescriptor;
  readonly promises: string;
  readonly execpromises: string | null;
  /** The caller's options object, as given to pledge(). */
  readonly options: unknown;
  readonly jit: boolean;
  readonly uid: number;
  readonly gid: number;
  /** The process name reports show (pledge.ts processName). */
  readonly comm: string;
  /** The Node binary (process.execPath): among the opens the reporter keeps quiet (node-runtime.ts nodeQuietOpenPaths). */
  readonly execPath: string;
  /**
   * io_uring descriptors found to adopt, and eventfds (core PledgeFacts).
   * Absent in a lookup: the addon scans /proc/self for them (native
   * firstCallLookup), and a miss hands that scan on.
   */
  readonly rings?: readonly number[];
  readonly eventFds?: readonly number[];
}

/** What a first pledge() gives for a pid, from its entry: the plan (reporter tables filled in), the filter, and the tables' prebuilt layout. */
export interface FirstCall {
  readonly plan: PledgePlan;
  readonly filter: CachedFilter;
  readonly layout?: PrebuiltLayout;
  /** What pledge() returned and what its availability check found, when the entry was written (pledge.ts status, availability). */
  readonly status?: unknown;
  readonly available?: unknown;
}

/** The option fields core planPledge reads (PenaltyOptions). */
export const OPTION_FIELDS = ['penalty', 'errno', 'quiet', 'format', 'reportFd'] as const;

/**
 * The key of a first call's entry but its io_uring and eventfd descriptors,
 * computed from the raw request (no planning): the build ids, the arch, the
 * promise and execpromise strings as given, the option fields planPledge
 * reads (each read once; a value that is not a string, number or boolean
 * keys nothing), the JIT, uid, gid, process name and Node binary. The addon appends the
 * descriptors (native firstCallKey, the one definition; firstCallLookup
 * appends those it scanned). Undefined when nothing may be cached (a `dev`
 * build, options of another shape): the call is then planned.
 */
function firstCallPrefix(req: FirstCallRequest, ids: BuildIds = buildIdsFor(req.arch)): string | undefined {
  if (ids.core === 'dev' || ids.arch === 'dev' || ids.pledge === 'dev') return undefined;
  const given = req.options;
  if (given === null || typeof given !== 'object') return undefined;
  const options: Record<string, string | number | boolean> = {};
  for (const field of OPTION_FIELDS) {
    const v = (given as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'boolean' && (typeof v !== 'number' || !Number.isFinite(v))) return undefined;
    options[field] = v;
  }
  return JSON.stringify({ format: FORMAT, kind: 'first-call', core: ids.core, arch: ids.arch, pledge: ids.pledge }) +
    JSON.stringify({
      archName: req.arch.name, promises: req.promises, execpromises: req.execpromises, options, jit: req.jit, uid: req.uid, gid: req.gid, comm: req.comm, execPath: req.execPath,
    });
}

/** The whole key of a first call's entry and its file name (native firstCallKey), for a request with its descriptors; undefined when nothing may be cached. */
export function firstCallKey(req: FirstCallRequest, ids: BuildIds = buildIdsFor(req.arch)): { key: string; name: string } | undefined {
  const prefix = firstCallPrefix(req, ids);
  return prefix === undefined ? undefined : native.firstCallKey(prefix, req.rings ?? [], req.eventFds ?? []);
}

/** What a first call's entry keeps beside its bytes (the filter's template, then the report tables'): its description of the plan, and the status and availability the call returned and found. */
export interface FirstCallExtra {
  readonly filterBytes: number;
  /** Pids either template's value lists hold besides the pid ({@link collidingPids}): computed, never filled in. */
  readonly collide: readonly number[];
  readonly next: PledgeState;
  readonly spec: Omit<FilterSpec, 'promises'> & { readonly promises: readonly string[] };
  readonly reporter?: ReporterPlan['options'];
  readonly directExit: boolean;
  readonly lockUnveil: boolean;
  readonly layout?: PrebuiltLayout;
  readonly status?: unknown;
  readonly available?: unknown;
  /** The opens the reporter keeps quiet (node-runtime.ts nodeQuietOpenPaths for the request's execPath). */
  readonly quietPaths?: readonly string[];
}

/**
 * The first call's entry for `pid` as the addon finds it (native
 * firstCallLookup: the same trust rules as every entry, {@link trustedCacheDir},
 * an entry file of the user's, mode without group/other write, not a link;
 * its check, the full key, the pid in the template's range and not among its
 * colliding values, no seccomp filter binding the process), with the
 * request's descriptors, or scanning /proc/self for them when the request
 * has none. Undefined when nothing may be cached (no cache directory, a
 * `dev` build, options of another shape, a pid outside the template's
 * range, an addon without it); else the addon's answer, a hit or why not.
 * @param actions the filter return actions pledging needs (pledge.ts checkAvailability's).
 */
export function lookupFirstCall(req: FirstCallRequest, pid: number, actions: readonly number[], options: FilterCacheOptions = {}): native.FirstCallLookup | undefined {
  const prefix = firstCallPrefix(req, options.buildIds);
  const dir = filterCacheDir(options.env);
  if (prefix === undefined || dir === undefined || euid() === undefined || pid < TEMPLATE_PIDS[0] || pid > TEMPLATE_PIDS[1]) return undefined;
  return native.firstCallLookup({
    dir, prefix, pid, format: FORMAT, littleEndian: req.arch.endian === 'little', readImpliesExec: req.arch.constants.READ_IMPLIES_EXEC ?? 0, actions,
    ...(req.rings ? { rings: req.rings, eventFds: req.eventFds ?? [] } : {}),
  });
}

/**
 * The plan and filter of a hit of {@link lookupFirstCall}: the bytes
 * planPledge and the compiler gave for the same request and facts (the
 * entry is written from them, {@link storeFirstCall}), the pid filled in.
 */
export function firstCallOf(hit: native.FirstCallLookup, filter: Uint8Array): FirstCall {
  const extra = hit.extra as FirstCallExtra;
  const plan: PledgePlan = {
    next: extra.next, filter: { ...extra.spec, promises: new Set(extra.spec.promises) },
    ...(extra.reporter ? { reporter: { tables: hit.tables!, options: extra.reporter } } : {}),
    lockUnveil: extra.lockUnveil, directExit: extra.directExit,
  };
  return {
    plan, filter: { bytes: filter, instructions: filter.length / 8, source: 'cache' },
    ...(extra.layout ? { layout: extra.layout } : {}), ...(extra.status !== undefined ? { status: extra.status, available: extra.available } : {}),
  };
}

/** {@link lookupFirstCall} and {@link firstCallOf}: the first call of `req` for `pid` (with the request's descriptors, else those scanned now), or undefined. */
export function cachedFirstCall(req: FirstCallRequest, pid: number, options: FilterCacheOptions = {}): FirstCall | undefined {
  const got = lookupFirstCall(req, pid, [], options);
  return got?.filter ? firstCallOf(got, got.filter) : undefined;
}

/**
 * Keeps what the first call of `req` gave for `pid` (its plan, its filter
 * and report tables, with their pid templates, and the status it returns)
 * as one entry, when the templates filled with `pid` give exactly the bytes
 * the call computed. Never for a request without its descriptors.
 * @returns whether the entry was written.
 */
export function storeFirstCall(
  req: FirstCallRequest, pid: number,
  made: {
    readonly plan: PledgePlan; readonly filterBytes: Uint8Array; readonly filter: PidTemplate; readonly tables?: PidTemplate; readonly layout?: PrebuiltLayout;
    readonly status?: unknown; readonly available?: unknown; readonly quietPaths?: readonly string[];
  },
  options: FilterCacheOptions = {},
): boolean {
  const keys = firstCallKey(req, options.buildIds);
  const dir = filterCacheDir(options.env);
  const uid = euid();
  const { plan } = made;
  if (keys === undefined || dir === undefined || uid === undefined || !plan.filter || pid < TEMPLATE_PIDS[0] || pid > TEMPLATE_PIDS[1] || !unfiltered()) return false;
  if (req.rings === undefined || req.eventFds === undefined) return false;
  if (made.filter.unit !== 8 || (plan.reporter !== undefined) !== (made.tables !== undefined) || (made.tables && made.tables.unit !== 4)) return false;
  const endian = req.arch.endian;
  const collideFilter = collidingPids(made.filter, 8, req.arch);
  const collideTables = made.tables ? collidingPids(made.tables, 4, req.arch) : [];
  if (!collideFilter || !collideTables) return false;
  const filterBytes = made.filter.bytes.length;
  const template: PidTemplate = {
    unit: 4,
    bytes: Buffer.concat([made.filter.bytes, made.tables?.bytes ?? new Uint8Array(0)]),
    slots: [...made.filter.slots.map((s) => s * 2 + 1), ...(made.tables?.slots ?? []).map((s) => filterBytes / 4 + s)],
  };
  // Kept only when filled with this pid it gives exactly this call's bytes.
  const all = fillPidTemplate(template, pid, endian);
  const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  if (!same(all.subarray(0, filterBytes), made.filterBytes) || !same(all.subarray(filterBytes), plan.reporter?.tables ?? new Uint8Array(0))) return false;
  const extra: FirstCallExtra = {
    filterBytes, collide: [...new Set([...collideFilter, ...collideTables])].sort((a, b) => a - b), next: plan.next,
    spec: { ...plan.filter, promises: [...plan.filter.promises] },
    ...(plan.reporter ? { reporter: plan.reporter.options } : {}),
    directExit: plan.directExit, lockUnveil: plan.lockUnveil, ...(made.layout ? { layout: made.layout } : {}),
    ...(made.status !== undefined ? { status: made.status, available: made.available } : {}), ...(made.quietPaths ? { quietPaths: made.quietPaths } : {}),
  };
  return writeEntry(dir, keys.key, uid, template, extra, keys.name);
}
