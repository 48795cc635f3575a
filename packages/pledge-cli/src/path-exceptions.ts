/**
 * The command's path exceptions (@seccomp-scopes/core PATH_EXCEPTIONS,
 * OpenBSD's pledge_namei whitelist plus glibc's locale): a read-only open
 * of one of those files, under the promises its group requires, is
 * performed by the supervisor (it opens the file itself and hands the
 * descriptor over), whatever the promises otherwise allow. `dns` and
 * `getpw` mean their files only: in the supervised filter they no longer
 * allow any read-only open (./filter.ts), and here a read-only open they
 * alone would have allowed is refused unless it names one of their files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathExceptionOf, pathExceptionsFor, type ArchDescriptor, type PathException } from '@seccomp-scopes/core';
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
 * supervisor; a read-only open that only `dns` or `getpw` would allow (any
 * path, in-process) is refused; anything else is for the judge.
 */
export function decideOpen(call: SupervisedCall, open: OpenCallShape, promises: ReadonlySet<string>, node = false): OpenDecision {
  if (call.path !== undefined && call.path.startsWith('/')) {
    const canonical = path.posix.normalize(call.path);
    const exception = pathExceptionOf(canonical, promises) ?? (node ? NODE_START_FILES.find((e) => e.path === canonical) : undefined);
    const accessOk = exception && (open.readOnly || (exception.access === 'read-write' && (open.flags & O_ACCMODE) !== O_ACCMODE));
    if (exception && accessOk && !promises.has('rpath')) {
      return { kind: 'emulate', verdict: { openPaths: openPathsFor(promises, node) }, exception };
    }
  }
  if (open.readOnly && !promises.has('rpath') && [...PATH_PRECISE_PROMISES].some((p) => promises.has(p))) return { kind: 'refuse' };
  return { kind: 'judge' };
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
