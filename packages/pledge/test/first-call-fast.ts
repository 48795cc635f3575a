/**
 * What the tests of a first pledge() from its cache entry (pledge.ts
 * enforceFirstCall, native firstCallLookup) share: a cache directory of the
 * test's own, its first call's entries, and `probe()` for the children: what
 * the lookup answers for this process right now (`hit`, or why not), asked
 * as pledge() asks it, without installing anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEntry, encodeEntry, type CacheEntry } from '../dist/filter-cache.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

/**
 * Runs `fn` with a fresh cache directory (mode 0700, removed after) and the
 * environment that names it (SECCOMP_SCOPES_CACHE_DIR).
 */
export function withCache<T>(fn: (cache: string, env: Record<string, string>) => T): T {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-first-call-'));
  fs.chmodSync(cache, 0o700);
  try {
    return fn(cache, { SECCOMP_SCOPES_CACHE_DIR: cache });
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/** The environment that turns the cache off (filter-cache.ts NO_CACHE_ENV). */
export const NO_CACHE: Readonly<Record<string, string>> = { SECCOMP_SCOPES_NO_CACHE: '1' };

/** A first call's entry in the cache: its file, the key's request part, the entry decoded. */
export interface FirstCallEntry {
  readonly file: string;
  readonly request: Record<string, unknown>;
  readonly descriptors: { readonly rings: number[]; readonly eventFds: number[] };
  readonly entry: CacheEntry;
  readonly stat: fs.Stats;
}

/**
 * The first calls' entries in `cache` (node-pledge/*.entry whose key is a
 * first call's: filter-cache.ts firstCallPrefix, then the descriptors'
 * JSON), other entries (a filter's, report tables') left out.
 */
export function firstCallEntries(cache: string): FirstCallEntry[] {
  const dir = path.join(cache, 'node-pledge');
  if (!fs.existsSync(dir)) return [];
  const out: FirstCallEntry[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.entry'))) {
    const file = path.join(dir, name);
    const entry = decodeEntry(fs.readFileSync(file));
    if (!entry || !entry.key.includes('"kind":"first-call"')) continue;
    // The key: {format,kind,core,arch,pledge}{request}{"rings":[…],"eventFds":[…]}, three JSON objects end to end.
    const m = /^(\{[^{}]*\})(\{.*\})(\{"rings":\[[\d,]*\],"eventFds":\[[\d,]*\]\})$/.exec(entry.key);
    if (!m) throw new Error(`a first call's key of an unknown shape: ${entry.key}`);
    out.push({ file, request: JSON.parse(m[2]!) as Record<string, unknown>, descriptors: JSON.parse(m[3]!) as FirstCallEntry['descriptors'], entry, stat: fs.statSync(file) });
  }
  return out;
}

/** The one first call's entry for `promises` (as given to pledge()); throws when there is not exactly one. */
export function firstCallEntry(cache: string, promises: string): FirstCallEntry {
  const found = firstCallEntries(cache).filter((e) => e.request['promises'] === promises);
  if (found.length !== 1) throw new Error(`${found.length} first call entries for ${JSON.stringify(promises)} in ${cache}: ${firstCallEntries(cache).map((e) => e.entry.key).join('\n')}`);
  return found[0]!;
}

/** Writes `entry` over `file` (encodeEntry: a valid check), keeping it the user's, mode 0600. */
export function rewriteEntry(file: string, entry: CacheEntry): void {
  fs.writeFileSync(file, encodeEntry(entry));
  fs.chmodSync(file, 0o600);
}

/**
 * Code for a child (runChild): `probe(promises, execpromises = null,
 * options = {}, how = {})` answers what native firstCallLookup says for
 * this process now, asked as pledge.ts pledgeLocked asks it (the same
 * request: arch, promises and execpromises as given, options, JIT, uid, gid,
 * process name, Node binary; the actions pledge() needs): `hit`, `none` (no
 * cache to look in) or the lookup's `why`. `how.rings`/`how.eventFds`: the
 * descriptors, instead of scanning /proc/self; `how.noReadImpliesExec`: ask
 * as if the arch had no READ_IMPLIES_EXEC bit (what the key would find
 * but for the personality). Installs nothing.
 */
export const PROBE = `
import { lookupFirstCall as probeLookup, buildIdsFor as probeIds } from ${JSON.stringify(`${dist}/filter-cache.js`)};
import { archFor as probeArch } from ${JSON.stringify(`${dist}/arch.js`)};
import { isJitless as probeJitless } from ${JSON.stringify(`${dist}/pledge.js`)};
function probe(promises, execpromises = null, options = {}, how = {}) {
  const program = (process.title || '').split(' ')[0] ?? '';
  const comm = program.includes('/') ? program.slice(program.lastIndexOf('/') + 1) : program;
  const arch = probeArch();
  const asked = how.noReadImpliesExec ? { ...arch, constants: { ...arch.constants, READ_IMPLIES_EXEC: 0 } } : arch;
  const request = {
    arch: asked, promises, execpromises, options, jit: !probeJitless(), uid: process.getuid(), gid: process.getgid(), comm, execPath: process.execPath,
    ...(how.rings ? { rings: how.rings, eventFds: how.eventFds } : {}),
  };
  const got = probeLookup(request, process.pid, [0x80000000, 0x00050000, 0x7fff0000], { buildIds: probeIds(arch) });
  return got === undefined ? 'none' : got.filter ? 'hit' : got.why;
}
`;

/**
 * `text` with the child's pid, directory and user-space addresses (a JSON
 * report's raw pointer arguments, 0x7f…) replaced by PID, DIR and ADDR:
 * what differs between two children of the same code.
 */
export function normalized(text: string, pid: number | string, dir: string): string {
  return text.split(dir).join('DIR').replace(new RegExp(`\\b${pid}\\b`, 'g'), 'PID').replace(/\b0x[0-9a-f]{9,}\b/g, 'ADDR');
}
