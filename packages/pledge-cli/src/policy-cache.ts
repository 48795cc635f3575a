/**
 * The cache of compiled policies behind the command's fast launch
 * (docs/cli.md, "Launch and the policy cache").
 *
 * The native launcher (@seccomp-scopes/native src/launch/) runs a program
 * without starting Node when it finds an entry for the same command line:
 * it reads the entry, checks it, and supervises the program with a native
 * client whose decisions and report lines come from the entry's tables. On
 * a miss it starts this command (Node) with the request in
 * {@link CACHE_REQUEST_ENV}: where the entry goes, its key (computed by the
 * launcher, the key's only implementation) and how many words of the
 * command line were options. After computing the policy, {@link writePolicyEntry}
 * writes the entry: only compiled OUTPUT of the one policy (the supervised
 * filter and the judge filter as compiled by ./filter.ts, the report tables
 * of core's buildReportTables, core's path exceptions, the loader window's
 * table), never a second policy.
 *
 * What depends on the pid of the process (the catalog's "signals to
 * itself" rules name it) is stored as core's pid template (pidTemplate: the
 * output compiled at both ends of the pid range, differing only in the pid's
 * words; otherwise the policy is not cached), and the launcher writes the
 * real pid there.
 *
 * The entry is policy: written atomically (a temporary file, then rename),
 * mode 0600 in a directory of mode 0700 owned by the user; the launcher
 * refuses an entry or directory owned by anyone else or writable by group
 * or others, and one whose format, key, checksum or recorded files
 * (the program, its loader, the preload object, this package's code) do not
 * match.
 *
 * Layout (little-endian; `str` and `blob` are a u32 length and the bytes,
 * `list` a u32 count and the items), after a 16-byte header (magic
 * 'SSPC', format, FNV-1a 64 of everything after the header):
 * key str, format str, arch str, deps list, file str, loader u32,
 * loader timeout u32, program identity (u32 set, dev u64, ino u64: the
 * inspected file's, which the started program must be for the loader
 * window), messages list, LD_PRELOAD (u32 set, str), filter blob
 * + pid slots (instruction indices), judge blob + slots, report tables blob
 * + slots (indices of u32 words), penalty kill u32, errno u32, quiet
 * u32, promises list, path arguments blob, loader paths list, loader window list, path
 * exceptions (read-only ones active u32 (no rpath), refuse u32, list of (path str, read-write u32,
 * requires list, directory files list of (name str, file str)), open paths
 * list, path-precise stat syscalls list (u32 numbers), stat paths list, those of the stat
 * syscalls whose fstat shape is path-precise too (u32 numbers), needs lists,
 * stat groups list of (promise str, paths list), the stat syscalls dns/getpw allow on a path list (u32 numbers)),
 * path probes list, node u32, Node's start files list, -e u32 (and then
 * the execpromises' judge + slots, tables + slots, promises, exception
 * flags, exceptions, open paths, path-precise stat syscalls, stat paths and fstat-precise ones), end mark. The reader is src/launch/policy-entry.cc of the addon package;
 * both sides change together (ENTRY_FORMAT).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PATH_PROBES, constantOf, pathExceptionsFor, pidTemplate, type ArchDescriptor, type ConstantName, type PathException } from '@seccomp-scopes/core';
import type { LoaderWindowEntry } from '@seccomp-scopes/native';
import { makeCacheDir, trustedCacheDir } from '@seccomp-scopes/pledge';
import { pathArguments } from './filter.js';
import { PATH_PRECISE_PROMISES, preciseStatSyscalls, statPathsFor } from './path-exceptions.js';

/** The variable the native launcher passes its request in (removed from the environment on import). */
export const CACHE_REQUEST_ENV = 'SECCOMP_SCOPES_CACHE_WRITE';
/** Set (non-empty) to disable the cache: no entry is used or written. `--no-cache` does the same. */
export const NO_CACHE_ENV = 'SECCOMP_SCOPES_NO_CACHE';

/** The entry format: the launcher sends its own and uses only entries written for it. */
const MAGIC = 0x43505353; // 'SSPC'
const END_MARK = 0x21444e45; // 'END!'
/**
 * The layout {@link encodePolicyEntry} writes, as the addon's
 * src/launch/policy-entry.h kEntryFormat names it: an entry is written only
 * for a launcher that asks for this one (a launcher of another build, e.g. a
 * stale prebuild, would read this layout as its own).
 */
export const ENTRY_FORMAT = 'pledge-launch/12';

/** What the launcher asked for. */
export interface CacheRequest {
  /** How many words of the command line the launcher took as options (the command starts there). */
  readonly optionWords: number;
  readonly entryPath: string;
  readonly key: Uint8Array;
  readonly format: string;
}

let request: CacheRequest | undefined;
{
  const raw = process.env[CACHE_REQUEST_ENV];
  // Never seen by the program, nor by anything this process starts.
  delete process.env[CACHE_REQUEST_ENV];
  if (raw !== undefined) {
    const [words, format, keyHex, ...rest] = raw.split('\n');
    const entryPath = rest.join('\n');
    if (words && /^\d+$/.test(words) && format && keyHex && /^([0-9a-f]{2})+$/.test(keyHex) && entryPath.startsWith('/')) {
      request = { optionWords: Number(words), format, key: Buffer.from(keyHex, 'hex'), entryPath };
    }
  }
}

/**
 * The launcher's request, when this process was started by it on a cache
 * miss, the cache is not disabled, the launcher's split of the command
 * line is this command's (`argv`: the words after the script, `command`: the
 * program and its arguments as parsed, `file`: the program as found in
 * PATH), and the request names this command line: its key is the one the
 * launcher computes for these option words, program, ids and environment
 * ({@link expectedKey}), and its entry path is that key's file in the cache
 * directory. The variable is only the launcher's word, so anyone who sets
 * it would otherwise have this command write its policy under another
 * command line's key (a weaker entry for a stricter `-p`) or over any file
 * of the user's.
 */
export function cacheRequest(argv: readonly string[], command: readonly string[], noCache: boolean, file: string): CacheRequest | undefined {
  if (!request || noCache || process.env[NO_CACHE_ENV] || request.format !== ENTRY_FORMAT) return undefined;
  const rest = argv.slice(request.optionWords);
  if (rest.length !== command.length || rest.some((w, i) => w !== command[i])) return undefined;
  let key: string;
  try {
    key = expectedKey(request.format, argv.slice(0, request.optionWords), file);
  } catch {
    return undefined;  // no working directory (removed): the launcher's key holds "?", nothing is written
  }
  if (!Buffer.from(key, 'utf8').equals(Buffer.from(request.key))) return undefined;
  const dir = launchCacheDir();
  const name = `${fnv1a64(request.key).toString(16).padStart(16, '0')}.policy`;
  if (dir === undefined || request.entryPath !== `${dir}/${name}`) return undefined;
  return request;
}

/**
 * The key the launcher computes (src/launch/main.cc Launch; docs/cli.md
 * "Launch and the policy cache"): the entry format, the arch, the real
 * uid and gid and the effective uid, each option word, the program (and
 * the working directory when it is relative), LD_PRELOAD and
 * LD_LIBRARY_PATH (a name alone when unset), NUL-separated. Here only to
 * check a request against: a mismatch writes nothing.
 */
function expectedKey(format: string, options: readonly string[], file: string): string {
  let key = `${format}\0${process.arch}\0${process.getuid?.() ?? 0}\0${process.getgid?.() ?? 0}\0${process.geteuid?.() ?? 0}\0`;
  for (const w of options) key += `${w}\0`;
  key += `\x01${file}\0`;
  if (!file.startsWith('/')) key += process.cwd();
  for (const name of ['LD_PRELOAD', 'LD_LIBRARY_PATH']) {
    const v = process.env[name];
    key += `\0${name}${v !== undefined ? `=${v}` : ''}`;
  }
  return key;
}

/** The launcher's cache directory (main.cc CacheDir): $XDG_CACHE_HOME/seccomp-scopes, else ~/.cache/seccomp-scopes, when absolute. */
function launchCacheDir(): string | undefined {
  const xdg = process.env['XDG_CACHE_HOME'];
  if (xdg?.startsWith('/')) return `${xdg}/seccomp-scopes`;
  const home = process.env['HOME'];
  return home?.startsWith('/') ? `${home}/.cache/seccomp-scopes` : undefined;
}

/** FNV-1a, 64 bits: the entry's checksum (corruption, not an attacker: ownership and modes are the guard). */
export function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

class Writer {
  private chunks: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.chunks.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    this.chunks.push(b);
    return this;
  }
  blob(bytes: Uint8Array): this {
    this.u32(bytes.length);
    this.chunks.push(Buffer.from(bytes));
    return this;
  }
  str(s: string): this {
    return this.blob(Buffer.from(s, 'utf8'));
  }
  list<T>(items: readonly T[], each: (w: this, item: T) => void): this {
    this.u32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * A recorded fact the launcher checks again before using the entry:
 * `stat` (following links) of a file the policy was computed from (its
 * identity: device, inode, size, modification and change times; all zero
 * when absent), or `real`: what a path resolves to (realpath; "" when it
 * does not).
 */
export interface Dep {
  readonly kind: 'stat' | 'real';
  readonly path: string;
  /** `stat`: the identity to record instead of a stat now (the program's, from the descriptor it was inspected through). */
  readonly identity?: { readonly dev: bigint; readonly ino: bigint; readonly size: bigint; readonly mtimeNs: bigint; readonly ctimeNs: bigint };
}

function depRecord(w: Writer, dep: Dep): void {
  w.u32(dep.kind === 'stat' ? 1 : 2).str(dep.path);
  if (dep.kind === 'stat') {
    let st: Dep['identity'] | undefined = dep.identity;
    if (!st) {
      try {
        st = fs.statSync(dep.path, { bigint: true });
      } catch {
        st = undefined;
      }
    }
    w.u64(st?.dev ?? 0n).u64(st?.ino ?? 0n).u64(st?.size ?? 0n).u64(st?.mtimeNs ?? 0n).u64(st?.ctimeNs ?? 0n);
  } else {
    let real = '';
    try {
      real = fs.realpathSync(dep.path);
    } catch {
      real = '';
    }
    w.str(real);
  }
}

/** The code the policy is computed by: every module of the packages involved, their package.json, the addon. */
export function codeDeps(): Dep[] {
  const require = createRequire(import.meta.url);
  const out: Dep[] = [];
  for (const name of ['@seccomp-scopes/core', '@seccomp-scopes/pledge', '@seccomp-scopes/native', '@seccomp-scopes/arch-x86_64', '@seccomp-scopes/arch-aarch64']) {
    let dir: string;
    try {
      dir = path.dirname(path.dirname(require.resolve(name)));
    } catch {
      continue;  // an arch package a packed install may leave out
    }
    out.push(...packageDeps(dir));
  }
  out.push(...packageDeps(path.dirname(path.dirname(new URL(import.meta.url).pathname))));
  return out;
}

function packageDeps(dir: string): Dep[] {
  const out: Dep[] = [{ kind: 'stat', path: path.join(dir, 'package.json') }];
  const walk = (d: string): void => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|node)$/.test(e.name)) out.push({ kind: 'stat', path: p });
    }
  };
  walk(path.join(dir, 'dist'));
  walk(path.join(dir, 'build', 'Release'));
  walk(path.join(dir, 'prebuilds'));
  return out;
}

/** Everything the entry holds, as the command computed it. */
export interface PolicyEntryInput {
  /** The arch the entry is for (this machine's): its Node name is recorded, its numbers resolve the probes. */
  readonly arch: ArchDescriptor;
  readonly file: string;
  readonly deps: readonly Dep[];
  readonly loader: boolean;
  readonly loaderTimeoutMs: number;
  /** The inspected program's device and inode (fstat of the descriptor its header was read through): the loader window is for that file only. */
  readonly programIdentity?: { readonly dev: bigint; readonly ino: bigint } | undefined;
  /** Lines printed on stderr before the program starts (warnings), without newlines. */
  readonly messages: readonly string[];
  /** The preload object put first in LD_PRELOAD (undefined: the environment is passed as it is). */
  readonly preload: string | undefined;
  readonly filter: (pid: number) => Uint8Array;
  readonly judge: (pid: number) => Uint8Array;
  readonly reportTables: (pid: number) => Uint8Array;
  readonly penaltyKill: boolean;
  readonly errno: number;
  readonly quiet: boolean;
  readonly pathArgs: Int8Array;
  readonly loaderPaths: readonly string[];
  readonly loaderWindow: readonly LoaderWindowEntry[];
  readonly promises: ReadonlySet<string>;
  /** What ./path-exceptions.ts decides with: its open paths for `promises`. */
  readonly openPaths: readonly string[];
  readonly preciseRefuse: boolean;
  /** ./path-exceptions.ts decideStat: the syscalls only dns/getpw allow (preciseStatsFor), and statPathsFor. */
  readonly preciseStats: readonly string[];
  readonly statPaths: readonly string[];
  /** ./path-exceptions.ts preciseFstatsFor: of preciseStats, those whose fstat shape is checked by its path too. */
  readonly preciseFstats: readonly string[];
  /** `--node`: ./path-exceptions.ts NODE_START_FILES' paths (none without it). */
  readonly nodeStartFiles?: readonly string[];
  readonly node?: boolean;
  /** `-e`: what a process that called execve since the launch is judged by. */
  readonly after?: {
    readonly promises: ReadonlySet<string>;
    readonly judge: (pid: number) => Uint8Array;
    readonly reportTables: (pid: number) => Uint8Array;
    readonly openPaths: readonly string[];
    readonly preciseRefuse: boolean;
    readonly preciseStats: readonly string[];
    readonly statPaths: readonly string[];
    readonly preciseFstats: readonly string[];
  };
}

/** The promises ./path-exceptions.ts openNeeds looks a refused path up under, in its order. */
export const NEEDS_GROUPS = ['dns', 'getpw', 'tty'] as const;

/**
 * The entry's bytes, or undefined when the policy cannot be cached (a
 * pid-dependent output that is not a clean template).
 */
export function encodePolicyEntry(req: CacheRequest, input: PolicyEntryInput): Buffer | undefined {
  const filter = pidTemplate(input.filter, 8, input.arch.endian);
  const judge = pidTemplate(input.judge, 8, input.arch.endian);
  const tables = pidTemplate(input.reportTables, 4, input.arch.endian);
  if (!filter || !judge || !tables) return undefined;
  const afterJudge = input.after && pidTemplate(input.after.judge, 8, input.arch.endian);
  const afterTables = input.after && pidTemplate(input.after.reportTables, 4, input.arch.endian);
  if (input.after && (!afterJudge || !afterTables)) return undefined;
  const exc = (w: Writer, e: PathException): void => {
    w.str(e.path).u32(e.access === 'read-write' ? 1 : 0).list(e.requires, (x, p) => x.str(p))
      .list(Object.entries(e.directoryFiles ?? {}), (x, [dir, file]) => x.str(dir).str(file));
  };
  const nrs = (names: readonly string[]): number[] => names.map((n) => input.arch.syscalls[n]).filter((n): n is number => n !== undefined);
  const w = new Writer();
  w.blob(req.key).str(req.format).str(input.arch.nodeArch)
    .list(input.deps, depRecord)
    .str(input.file).u32(input.loader ? 1 : 0).u32(input.loaderTimeoutMs)
    .u32(input.programIdentity ? 1 : 0).u64(input.programIdentity?.dev ?? 0n).u64(input.programIdentity?.ino ?? 0n)
    .list(input.messages, (x, m) => x.str(m))
    .u32(input.preload !== undefined ? 1 : 0).str(input.preload ?? '')
    .blob(filter.bytes).list(filter.slots, (x, s) => x.u32(s))
    .blob(judge.bytes).list(judge.slots, (x, s) => x.u32(s))
    .blob(tables.bytes).list(tables.slots, (x, s) => x.u32(s))
    .u32(input.penaltyKill ? 1 : 0).u32(input.errno).u32(input.quiet ? 1 : 0)
    .list([...input.promises], (x, p) => x.str(p))
    .blob(new Uint8Array(input.pathArgs.buffer, input.pathArgs.byteOffset, input.pathArgs.byteLength))
    .list(input.loaderPaths, (x, p) => x.str(p))
    .list(input.loaderWindow, (x, e) => {
      x.u32(e.nr).u32(e.answer).list(e.when, (y, c) => {
        y.u32(c.arg).u32(c.negate ? 1 : 0).u64(c.mask).list(c.values, (z, v) => z.u64(v));
      });
    })
    .u32(input.promises.has('rpath') ? 0 : 1).u32(input.preciseRefuse ? 1 : 0)
    .list(pathExceptionsFor(input.promises), exc)
    .list(input.openPaths, (x, p) => x.str(p))
    .list(nrs(input.preciseStats), (x, n) => x.u32(n))
    .list(input.statPaths, (x, p) => x.str(p))
    .list(nrs(input.preciseFstats), (x, n) => x.u32(n))
    .list(NEEDS_GROUPS, (x, g) => x.list(pathExceptionsFor(new Set([g])), exc))
    .list([...PATH_PRECISE_PROMISES], (x, p) => x.str(p).list(statPathsFor(new Set([p])), (y, q) => y.str(q)))
    .list(nrs(preciseStatSyscalls(pathArguments())), (x, n) => x.u32(n))
    // core's PATH_PROBES, each syscall by number (those the arch lacks left out), the errno by value and name.
    .list(PATH_PROBES, (x, p) => {
      x.list(p.syscalls.map((n) => input.arch.syscalls[n]).filter((n): n is number => n !== undefined), (y, n) => y.u32(n))
        .u32(p.path !== undefined ? 1 : 0).str(p.path ?? '')
        .u32(p.access === 'read' ? 1 : p.access === 'read-write' ? 2 : 0)
        .u32(constantOf(input.arch, p.errno as ConstantName)).str(p.errno)
        .u32(p.quiet ? 1 : 0).list(p.needs ?? [], (y, n) => y.str(n));
    })
    .u32(input.node ? 1 : 0).list(input.nodeStartFiles ?? [], (x, p) => x.str(p))
    .u32(input.after ? 1 : 0);
  if (input.after && afterJudge && afterTables) {
    const a = input.after;
    w.blob(afterJudge.bytes).list(afterJudge.slots, (x, s) => x.u32(s))
      .blob(afterTables.bytes).list(afterTables.slots, (x, s) => x.u32(s))
      .list([...a.promises], (x, p) => x.str(p))
      .u32(a.promises.has('rpath') ? 0 : 1).u32(a.preciseRefuse ? 1 : 0)
      .list(pathExceptionsFor(a.promises), exc)
      .list(a.openPaths, (x, p) => x.str(p))
      .list(nrs(a.preciseStats), (x, n) => x.u32(n))
      .list(a.statPaths, (x, p) => x.str(p))
      .list(nrs(a.preciseFstats), (x, n) => x.u32(n));
  }
  w.u32(END_MARK);
  const body = w.bytes();
  const header = Buffer.alloc(16);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(1, 4);
  header.writeBigUInt64LE(fnv1a64(body), 8);
  return Buffer.concat([header, body]);
}

/**
 * Writes the entry for `req` atomically: the directory is created with
 * mode 0700 when missing, and used only when the pledge() cache's rule
 * holds for it (@seccomp-scopes/pledge trustedCacheDir: ours, not writable
 * by others, and so is every directory above it); the entry is written to a new
 * temporary file (mode 0600, never following a link) and renamed over.
 * @returns false when it was not written (not cacheable, a directory that
 *   is not ours, an error): the cache is an optimisation, never a failure.
 */
export function writePolicyEntry(req: CacheRequest, input: PolicyEntryInput): boolean {
  const bytes = encodePolicyEntry(req, input);
  if (!bytes) return false;
  const dir = path.dirname(req.entryPath);
  const uid = process.geteuid?.() ?? 0;
  let tmp: string | undefined;
  try {
    makeCacheDir(dir);  // not mkdirSync recursive: it loops forever under /proc
    if (!trustedCacheDir(dir, uid)) return false;  // the rule both caches and the launcher apply
    tmp = `${req.entryPath}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.fchmodSync(fd, 0o600);  // whatever the umask
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, req.entryPath);
    tmp = undefined;
    return true;
  } catch {
    return false;
  } finally {
    if (tmp !== undefined) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // gone
      }
    }
  }
}
