/**
 * The command's path exceptions (@seccomp-scopes/core PATH_EXCEPTIONS,
 * OpenBSD's pledge_namei whitelist plus glibc's locale): a read-only open
 * of one of those files, under the promises its group requires, is
 * performed by the supervisor (it opens the file itself and hands the
 * descriptor over), whatever the promises otherwise allow. `dns` and
 * `getpw` mean their files only: in the supervised filter they no longer
 * allow any read-only open (./filter.ts), and here a read-only open they
 * alone would have allowed is refused unless it names one of their files.
 * The same holds for their other path calls (the stat family): see
 * {@link decideStat}.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  METADATA_EXCEPTIONS, canonicalPath, constantOf, pathExceptionOf, pathExceptionsFor, pathProbeOf, rulesFor, syscallArg,
  type ArchDescriptor, type PathException, type PathProbe, type SyscallName,
} from '@seccomp-scopes/core';
import type { EmulateOpenVerdict, SupervisedCall } from '@seccomp-scopes/native';

/** Promises whose read-only opens are path-precise in the command. */
export const PATH_PRECISE_PROMISES: ReadonlySet<string> = new Set(['dns', 'getpw']);

const O_ACCMODE = 3;
const O_RDONLY = 0;

/** An open or openat call's flags and path, when it is one. */
export interface OpenCallShape {
  readonly flags: number;
  readonly readOnly: boolean;
}

/** Reads an open/openat call of `arch` (undefined for any other call). */
export function openCallOf(call: SupervisedCall, arch: ArchDescriptor): OpenCallShape | undefined {
  let flagsArg: number;
  if (call.nr === arch.syscalls['openat']) flagsArg = 2;
  else if (arch.syscalls['open'] !== undefined && call.nr === arch.syscalls['open']) flagsArg = 1;
  else return undefined;
  const flags = Number(call.args[flagsArg]! & 0xffffffffn);
  const c = arch.constants;
  const writeBits = Number(c['O_CREAT'] ?? 0) | Number(c['O_TRUNC'] ?? 0) | Number(c['__O_TMPFILE'] ?? 0);
  return { flags, readOnly: (flags & O_ACCMODE) === O_RDONLY && (flags & writeBits) === 0 };
}

/** Paths as the supervisor checks them: each listed path, and the file a listed file's links lead to. */
const listCache = new Map<string, string[]>();
export function openPathsFor(promises: ReadonlySet<string>, node: boolean): string[] {
  const exceptions = [...pathExceptionsFor(promises), ...(node ? NODE_START_FILES : [])];
  const key = exceptions.map((e) => e.path).join('\0');
  let list = listCache.get(key);
  if (!list) {
    const out = new Set<string>();
    for (const e of exceptions) {
      out.add(e.path);
      try {
        const real = fs.realpathSync(e.path);
        out.add(e.path.endsWith('/') ? `${real}/` : real);
      } catch {
        // absent here
      }
    }
    list = [...out];
    listCache.set(key, list);
  }
  return list;
}

/**
 * `--node`: files Node's start-up must read, which pledge() in a Node
 * process never sees (they are read before any user code). Node exits
 * ("OpenSSL configuration error") when it cannot read OpenSSL's
 * configuration; a missing file is fine, a refused one is not.
 */
export const NODE_START_FILES: readonly PathException[] = Object.freeze(
  ['/etc/ssl/openssl.cnf', '/usr/lib/ssl/openssl.cnf'].map((p): PathException => ({
    path: p, requires: [], access: 'read', why: "Node's start-up loads OpenSSL's configuration and exits when it is refused", source: 'node --version 20..26 under pledge run --node',
  })),
);

/** What to do with an open call outside `rpath`'s reach. */
export type OpenDecision =
  | { readonly kind: 'emulate'; readonly verdict: EmulateOpenVerdict; readonly exception: PathException }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'judge' };

/**
 * Decides an open/openat the filter sent to the supervisor, in a process
 * under `promises`: one of the path exceptions is performed by the
 * supervisor (a read-only one only without `rpath`, which allows it in the
 * kernel; /dev/null's read and write whatever the promises, OpenBSD
 * pledge_namei); a read-only open that only `dns` or `getpw` would allow
 * (any path, in-process) is refused; anything else is for the judge.
 * The native launcher's client (@seccomp-scopes/native src/launch/native-client.cc)
 * makes the same decision.
 */
export function decideOpen(call: SupervisedCall, open: OpenCallShape, promises: ReadonlySet<string>, node = false): OpenDecision {
  if (call.path !== undefined && call.path.startsWith('/')) {
    const canonical = path.posix.normalize(call.path);
    const exception = pathExceptionOf(canonical, promises) ?? (node ? NODE_START_FILES.find((e) => e.path === canonical) : undefined);
    const accessOk = exception && (open.readOnly || (exception.access === 'read-write' && (open.flags & O_ACCMODE) !== O_ACCMODE));
    // Under rpath the kernel allows a read-only open by itself (and checks
    // the -v rules on it): that one is left to the judge. A write to a
    // read-write exception (/dev/null) is performed whatever the promises,
    // as OpenBSD's pledge_namei does.
    if (exception && accessOk && !(open.readOnly && promises.has('rpath'))) {
      const directoryFile = exception.directoryFiles?.[path.posix.basename(canonical)];
      return { kind: 'emulate', verdict: { openPaths: openPathsFor(promises, node), ...(directoryFile !== undefined ? { directoryFile } : {}) }, exception };
    }
  }
  if (open.readOnly && !promises.has('rpath') && [...PATH_PRECISE_PROMISES].some((p) => promises.has(p))) return { kind: 'refuse' };
  return { kind: 'judge' };
}

/**
 * The calls other than open/openat that `dns` or `getpw` allow on a path
 * (the stat family: newfstatat, statx, stat), from the catalog: every ALLOW
 * rule that requires only path-precise promises, on a syscall whose
 * argument the report reads as a path (`pathArgs`, ./filter.ts
 * pathArguments). The command's filter leaves these rules out, so such a
 * call reaches the supervisor, which decides it with {@link decideStat}.
 */
const preciseStatSyscallsCache = new WeakMap<Readonly<Record<string, number>>, SyscallName[]>();
export function preciseStatSyscalls(pathArgs: Readonly<Record<string, number>>): SyscallName[] {
  const known = preciseStatSyscallsCache.get(pathArgs);
  if (known) return known;
  const out = new Set<SyscallName>();
  for (const r of rulesFor(PATH_PRECISE_PROMISES)) {
    if (r.action.kind !== 'allow' || r.requires.length === 0 || !r.requires.every((p) => PATH_PRECISE_PROMISES.has(p))) continue;
    if (r.syscall === 'open' || r.syscall === 'openat' || pathArgs[r.syscall] === undefined) continue;
    out.add(r.syscall);
  }
  preciseStatSyscallsCache.set(pathArgs, [...out]);
  return [...out];
}

/**
 * Of {@link preciseStatSyscalls}, those `promises` would allow only through
 * `dns` or `getpw`: one of them is promised, and no other promised rule
 * allows the syscall whatever its arguments (rpath, wpath, tmppath do).
 * stdio's fstat shape (an fd with AT_EMPTY_PATH) is left to the judge by
 * {@link decideStat} itself, unless {@link preciseFstatsFor} holds the
 * syscall.
 */
const preciseStatsCache = new Map<string, SyscallName[]>();
const preciseStatsBySet = new WeakMap<ReadonlySet<string>, SyscallName[]>();
export function preciseStatsFor(promises: ReadonlySet<string>, pathArgs: Readonly<Record<string, number>>): SyscallName[] {
  const bySet = preciseStatsBySet.get(promises);
  if (bySet) return bySet;
  const key = [...promises].sort().join(' ');
  const known = preciseStatsCache.get(key);
  if (known) {
    preciseStatsBySet.set(promises, known);
    return known;
  }
  const rules = rulesFor(promises);
  const out = preciseStatSyscalls(pathArgs).filter((s) =>
    rules.some((r) => r.syscall === s && r.action.kind === 'allow' && r.requires.length > 0 && r.requires.every((p) => PATH_PRECISE_PROMISES.has(p))) &&
    !rules.some((r) => r.syscall === s && r.action.kind === 'allow' && r.when === undefined && !(r.requires.length > 0 && r.requires.every((p) => PATH_PRECISE_PROMISES.has(p)))));
  preciseStatsCache.set(key, out);
  preciseStatsBySet.set(promises, out);
  return out;
}

/**
 * Of {@link preciseStatsFor}, those no other promised rule allows in any
 * shape: without `stdio` (its fstat rule: a descriptor with AT_EMPTY_PATH),
 * `newfstatat(fd, "/any/path", AT_EMPTY_PATH)` would be allowed by dns or
 * getpw alone, and the kernel ignores the descriptor for an absolute path:
 * for these, {@link decideStat} checks fstat's shape by its path too (an
 * empty one is refused: fstat is stdio's, as on OpenBSD).
 */
const preciseFstatsBySet = new WeakMap<ReadonlySet<string>, SyscallName[]>();
export function preciseFstatsFor(promises: ReadonlySet<string>, pathArgs: Readonly<Record<string, number>>): SyscallName[] {
  const known = preciseFstatsBySet.get(promises);
  if (known) return known;
  const rules = rulesFor(promises);
  const out = preciseStatsFor(promises, pathArgs).filter((s) =>
    !rules.some((r) => r.syscall === s && r.action.kind === 'allow' && !(r.requires.length > 0 && r.requires.every((p) => PATH_PRECISE_PROMISES.has(p)))));
  preciseFstatsBySet.set(promises, out);
  return out;
}

/**
 * The paths whose metadata a path-precise stat may read under `promises`:
 * the files of the `dns`/`getpw` path exceptions promised (not the
 * directories, not the exceptions every promise set has: without dns or
 * getpw their stat is refused as before) and core's METADATA_EXCEPTIONS
 * ("/"), each as listed and as realpath(3) resolves it (the supervisor
 * compares the path it resolved itself).
 */
const statPathsCache = new Map<string, string[]>();
export function statPathsFor(promises: ReadonlySet<string>): string[] {
  const key = [...promises].filter((p) => PATH_PRECISE_PROMISES.has(p)).sort().join(' ');
  const known = statPathsCache.get(key);
  if (known) return known;
  const listed = [...pathExceptionsFor(promises), ...METADATA_EXCEPTIONS.filter((e) => e.requires.every((p) => promises.has(p)))]
    .filter((e) => e.requires.length > 0 && e.requires.every((p) => PATH_PRECISE_PROMISES.has(p)) && (e.path === '/' || !e.path.endsWith('/')))
    .map((e) => e.path);
  const out = new Set<string>();
  for (const p of listed) {
    out.add(p);
    try {
      out.add(fs.realpathSync(p));
    } catch {
      // absent here
    }
  }
  statPathsCache.set(key, [...out]);
  return [...out];
}

/** What to do with a stat-family call ({@link decideStat}). */
export type StatDecision =
  | { readonly kind: 'emulate'; readonly verdict: EmulateOpenVerdict }
  | { readonly kind: 'refuse' };

/**
 * Decides a stat-family call the filter sent to the supervisor that only
 * `dns` or `getpw` would allow in `promises` ({@link preciseStatsFor}):
 * when it names one of {@link statPathsFor}'s paths (absolute, compared
 * after removing `//`, `/./`, `/../`) the supervisor performs it itself
 * (`emulate`: it reads the path once, resolves it, checks the file it
 * reached against the list, stats that file and writes the result into the
 * caller's buffer, so swapping the path string after the check changes
 * nothing); any other path, a relative one, or an empty one
 * (AT_EMPTY_PATH on AT_FDCWD: the working directory) is refused, as the
 * promises without dns and getpw refuse it. Undefined: not such a call (the
 * judge decides), including stdio's fstat, newfstatat/statx of a
 * descriptor with AT_EMPTY_PATH, when another promise allows the syscall
 * ({@link preciseFstatsFor}; without one, that shape is decided by its
 * path like the others). The native launcher's client
 * (@seccomp-scopes/native src/launch/native-client.cc) decides the same.
 */
export function decideStat(call: SupervisedCall, arch: ArchDescriptor, promises: ReadonlySet<string>, pathArgs: Readonly<Record<string, number>>): StatDecision | undefined {
  const name = syscallName(arch, call.nr);
  // Cheap first: most calls the supervisor sees are no stat at all.
  if (name === undefined || !preciseStatSyscalls(pathArgs).includes(name as SyscallName)) return undefined;
  if (!preciseStatsFor(promises, pathArgs).includes(name as SyscallName)) return undefined;
  if (isFstatShape(name, call, arch) && !preciseFstatsFor(promises, pathArgs).includes(name as SyscallName)) return undefined;
  if (call.path !== undefined && call.path.startsWith('/') && statPathsFor(promises).includes(canonicalPath(call.path))) {
    return { kind: 'emulate', verdict: { openPaths: statPathsFor(promises) } };
  }
  return { kind: 'refuse' };
}

/** newfstatat/statx of a descriptor (not AT_FDCWD) with AT_EMPTY_PATH: fstat, stdio's (core catalog/stdio.ts). */
function isFstatShape(name: string, call: SupervisedCall, arch: ArchDescriptor): boolean {
  if (name !== 'newfstatat' && name !== 'statx') return false;
  const dirfd = Number(BigInt.asIntN(32, call.args[syscallArg(name, 'dirfd').index]!));
  const flags = Number(call.args[syscallArg(name, 'flags').index]! & 0xffffffffn);
  return dirfd !== Number(arch.constants['AT_FDCWD']) && (flags & Number(arch.constants['AT_EMPTY_PATH'])) !== 0;
}

/**
 * The promises that would allow a stat-family call of `filePath` refused
 * by {@link decideStat}: the path-precise groups whose list holds it (e.g.
 * `getpw` for /etc/passwd, both for "/"), then the catalog's others (the
 * sets in `line`'s report that do not rest on dns or getpw alone).
 */
export function withStatNeeds(line: string, filePath: string | undefined, promisesThere: ReadonlySet<string>, format: 'text' | 'json'): string {
  const groups: string[][] = [];
  const canonical = filePath !== undefined && filePath.startsWith('/') ? canonicalPath(filePath) : undefined;
  if (canonical !== undefined) {
    for (const p of PATH_PRECISE_PROMISES) if (statPathsFor(new Set([p])).includes(canonical)) groups.push([p]);
  }
  const others = needsOf(line, format).filter((s) => !s.every((p) => PATH_PRECISE_PROMISES.has(p)));
  return withNeeds(line, [...groups, ...others].filter((s) => !s.every((p) => promisesThere.has(p))), format);
}

/**
 * The promises that would allow a refused read-only open of `filePath`:
 * its exception group's (e.g. `getpw` for /etc/passwd), then `rpath`.
 * Undefined when the path is unknown (the catalog's attribution stands).
 */
export function openNeeds(filePath: string | undefined): string[][] | undefined {
  if (filePath === undefined || !filePath.startsWith('/')) return undefined;
  const canonical = path.posix.normalize(filePath);
  const all = new Set(['dns', 'getpw', 'tty']);
  const groups: string[][] = [];
  for (const p of all) {
    const e = pathExceptionOf(canonical, new Set([p]));
    if (e && e.requires.length > 0) groups.push([...e.requires]);
  }
  return [...groups, ['rpath']];
}

/**
 * A report `line` of a refused read-only open of `filePath` with its
 * "needs" made path-precise ({@link openNeeds}), leaving out the sets
 * already in force (`promisesThere`); `line` unchanged for an unknown path.
 */
export function withOpenNeeds(line: string, filePath: string | undefined, promisesThere: ReadonlySet<string>, format: 'text' | 'json'): string {
  const needs = openNeeds(filePath);
  return needs ? withNeeds(line, needs.filter((s) => !s.every((p) => promisesThere.has(p))), format) : line;
}

/** The "needs" of `line` (a report, text or JSON form). */
export function needsOf(line: string, format: 'text' | 'json'): string[][] {
  if (format === 'json') {
    try {
      return (JSON.parse(line) as { needs?: string[][] }).needs ?? [];
    } catch {
      return [];
    }
  }
  const i = line.lastIndexOf('; it needs ');
  return i < 0 ? [] : [...line.slice(i).matchAll(/"([^"]+)"/g)].map((m) => m[1]!.split(' '));
}

/** `line` (a report) with its "needs" replaced by `needs` (text or JSON form). */
export function withNeeds(line: string, needs: readonly (readonly string[])[], format: 'text' | 'json'): string {
  if (format === 'json') {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      o['needs'] = needs;
      return JSON.stringify(o);
    } catch {
      return line;
    }
  }
  const text = `; it needs ${needs.map((s) => `"${s.join(' ')}"`).join(' or ')}`;
  const i = line.lastIndexOf('; it needs ');
  const j = line.lastIndexOf('; no promise allows this');
  const at = Math.max(i, j);
  return at >= 0 ? line.slice(0, at) + text : line + text;
}

/** Per arch: syscall number to name. */
const namesByArch = new WeakMap<ArchDescriptor, ReadonlyMap<number, string>>();
function syscallName(arch: ArchDescriptor, nr: number): string | undefined {
  let names = namesByArch.get(arch);
  if (!names) {
    names = new Map(Object.entries(arch.syscalls).map(([name, n]) => [n, name]));
    namesByArch.set(arch, names);
  }
  return names.get(nr);
}

/** A probe the supervisor answers ({@link decideProbe}). */
export interface ProbeAnswer {
  readonly probe: PathProbe;
  /** The errno's value on `arch`. */
  readonly errno: number;
}

/**
 * The errno answer for a call the promises refused, when it is one of
 * core's PATH_PROBES (libselinux's statfs("/sys/fs/selinux"), an open of
 * /proc/self/maps, /dev/tty without tty, getcwd, ...). Decided on the
 * syscall and the path string read from the caller only: the path is never
 * looked up, so whatever the program changes in its memory, or wherever a
 * link would lead, the answer is the same and reveals nothing.
 * @param open the call's shape when it is an open or openat ({@link openCallOf}).
 * @param home $HOME of the program's environment (for core's `~/` probes).
 */
export function decideProbe(call: SupervisedCall, arch: ArchDescriptor, open?: OpenCallShape, home?: string): ProbeAnswer | undefined {
  const name = syscallName(arch, call.nr);
  if (name === undefined) return undefined;
  let access: 'read' | 'read-write' | 'other' | undefined;
  if (open) access = open.readOnly ? 'read' : (open.flags & writeBitsOf(arch)) === 0 && (open.flags & O_ACCMODE) !== O_ACCMODE ? 'read-write' : 'other';
  const probe = pathProbeOf(name, call.path, access, home);
  return probe ? { probe, errno: constantOf(arch, probe.errno) } : undefined;
}

function writeBitsOf(arch: ArchDescriptor): number {
  const c = arch.constants;
  return Number(c['O_CREAT'] ?? 0) | Number(c['O_TRUNC'] ?? 0) | Number(c['__O_TMPFILE'] ?? 0);
}

/**
 * `line` (a report of the refused call) as the report of a call answered
 * with `errno` instead of the penalty: `... refused CALL with ERRNO; it
 * needs ...` (JSON: `"penalty":"errno","errno":ERRNO`), the form the
 * in-process reporter uses for its refused read-only opens (docs/reports.md).
 */
export function asRefused(line: string, errno: string, format: 'text' | 'json'): string {
  if (format === 'json') {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      o['penalty'] = 'errno';
      o['errno'] = errno;
      return JSON.stringify(o);
    } catch {
      return line;
    }
  }
  const at = line.indexOf('" blocked ');
  if (at < 0) return line;
  const tail = Math.max(line.lastIndexOf('; it needs '), line.lastIndexOf('; no promise allows this'));
  const call = line.slice(at + '" blocked '.length, tail >= 0 ? tail : line.length);
  return `${line.slice(0, at)}" refused ${call} with ${errno}${tail >= 0 ? line.slice(tail) : ''}`;
}

/**
 * `line` (the report of a refused open that creates a file) with
 * `tmppath` named first when the path is under /tmp/ and `tmppath` alone
 * would allow the call (mkstemp's O_RDWR|O_CREAT|O_EXCL): OpenBSD's tmppath
 * means exactly that on paths under /tmp/, so it is the narrower answer
 * there (tac's temporary copy of a pipe needs `stdio tmppath`, not `rpath
 * wpath cpath`). Not for stat calls: `ls -l /tmp/dir` needs rpath.
 * For a path elsewhere, the sets that rely on `tmppath` without `cpath` are
 * left out: the command confines tmppath to /tmp with Landlock (./unveil.ts
 * buildTmppathRuleset), so it would not allow that call.
 */
export function preferTmppath(line: string, filePath: string | undefined, format: 'text' | 'json'): string {
  if (filePath === undefined) return line;
  const needs = needsOf(line, format);
  if (!canonicalPath(filePath).startsWith('/tmp/')) {
    // Elsewhere tmppath is no answer: the command confines it to /tmp (core tmppathConfined), except beside cpath.
    const kept = needs.filter((s) => !s.includes('tmppath') || s.includes('cpath'));
    return kept.length > 0 && kept.length < needs.length ? withNeeds(line, kept, format) : line;
  }
  const i = needs.findIndex((s) => s.length === 1 && s[0] === 'tmppath');
  return i > 0 ? withNeeds(line, [needs[i]!, ...needs.filter((_, j) => j !== i)], format) : line;
}
