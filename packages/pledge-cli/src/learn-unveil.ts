/**
 * `pledge learn`'s unveil rules: from the paths the program used, with the
 * letters each use needed under Landlock (unveil's `r`, `w`, `x`, `c`:
 * core's UNVEIL_PERMISSIONS), folded into directories where a person would
 * write a directory, with the paths the command opens for the program
 * anyway (its path exceptions) left out.
 *
 * What Landlock checks, and so what needs a rule (landlock(7)): opening a
 * file to read (`r`), to write or truncate (`w`), listing a directory
 * (`r`), executing a file (`rx`: the kernel opens the program and its ELF
 * interpreter to read and execute),
 * creating or removing an entry (`c`, on the directory that holds it).
 * Path metadata (stat, access, readlink, chdir) is not restricted, and a
 * path that does not exist fails with ENOENT before any check: neither
 * needs a rule.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathExceptionOf, unveilRuleRights, type ArchDescriptor } from '@seccomp-scopes/core';

/** One path use, as the learner recorded it. */
export interface PathUse {
  readonly syscall: string;
  readonly args: readonly bigint[];
  /** The absolute path it named (resolved against the caller's directory). */
  readonly file: string;
  /** Whether it existed when the call was made. */
  readonly exists: boolean;
  /** For execve: the file starts with `#!`. */
  readonly script?: boolean;
  /** For execve: its ELF interpreter (`PT_INTERP`), which the kernel opens for execution too. */
  readonly interpreter?: string;
  /** The caller's pid: `/proc/<pid>/...` is written `/proc/self/...`. */
  readonly pid?: number;
}

/** One proposed rule. */
export interface LearnedUnveil {
  readonly path: string;
  /** Letters in unveil's order (`rwxc`). */
  readonly permissions: string;
}

const LETTERS = 'rwxc';
const order = (letters: Iterable<string>): string => [...LETTERS].filter((l) => new Set(letters).has(l)).join('');

/**
 * The (path, letters) one use needs, or none. `arch` gives the open flags'
 * values.
 */
export function pathNeeds(use: PathUse, arch: ArchDescriptor): { path: string; letters: string }[] {
  const c = arch.constants;
  const O_ACCMODE = 3;
  const num = (n: string): number => Number(c[n as keyof typeof c] ?? 0);
  const parent = path.posix.dirname(use.file);
  switch (use.syscall) {
    case 'open':
    case 'openat':
    case 'openat2': {
      const flags = Number(use.args[use.syscall === 'open' ? 1 : 2]! & 0xffffffffn);
      const mode = flags & O_ACCMODE;
      const creates = (flags & num('O_CREAT')) !== 0 && !use.exists;
      if (!use.exists && !creates) return [];
      const letters = new Set<string>();
      if (mode === 0 || mode === 2) letters.add('r');
      if (mode === 1 || mode === 2 || (flags & num('O_TRUNC')) !== 0) letters.add('w');
      if (creates) return [{ path: parent, letters: order([...letters, 'c']) }];
      return [{ path: use.file, letters: order(letters) }];
    }
    case 'execve':
    case 'execveat':
      if (!use.exists) return [];
      // The kernel opens the program and its ELF interpreter to read and execute (open_exec: Landlock checks READ_FILE and EXECUTE).
      return [
        { path: use.file, letters: 'rx' },
        ...(use.interpreter ? [{ path: use.interpreter, letters: 'rx' }] : []),
      ];
    case 'truncate':
      return use.exists ? [{ path: use.file, letters: 'w' }] : [];
    case 'mkdir': case 'mkdirat': case 'mknod': case 'mknodat': case 'symlink': case 'symlinkat':
    case 'link': case 'linkat': case 'rename': case 'renameat': case 'renameat2':
    case 'unlink': case 'unlinkat': case 'rmdir':
      return [{ path: parent, letters: 'c' }];
    default:
      return [];
  }
}

/** Trees whose first-level directories a person unveils whole rather than file by file (read and execute only). */
const SYSTEM_TREES = ['/usr/lib/', '/usr/lib64/', '/lib/', '/lib64/', '/usr/share/', '/usr/local/lib/', '/usr/libexec/'];

/** How many rules beneath one directory, with the same letters, make a directory rule. */
export const FOLD_AT = 3;

/** Directories never proposed by folding: the top of the file system, system trees' roots, the home directory. */
const NO_FOLD: ReadonlySet<string> = new Set([
  '/', '/etc', '/proc', '/proc/self', '/dev', '/sys', '/usr', '/home', '/var', '/tmp', '/root', '/run', '/opt', '/srv', '/mnt', '/media',
  ...SYSTEM_TREES.map((t) => t.slice(0, -1)), ...(process.env['HOME'] ? [path.posix.normalize(process.env['HOME'])] : []),
]);

/**
 * The rules for `uses`: the paths the command opens itself left out (its
 * path exceptions: core's PATH_EXCEPTIONS under the promises proposed,
 * when they do not allow the open in the kernel: a read without `rpath`,
 * a write to /dev/null without `wpath`),
 * the files the command unveils itself, read (`implied`: unveil.ts
 * impliedReadFiles, the preload object), left out too;
 * `/proc/<pid>/` of the caller as `/proc/self/`; files below a first-level
 * directory of a system tree (`/usr/lib/python3.11`, `/usr/share/locale`,
 * ...) read or executed only, as that directory;
 * {@link FOLD_AT} or more rules beneath one directory with the same
 * letters, as the directory (the deepest first, repeated; never a
 * directory of NO_FOLD); rules within a directory rule that gives them all
 * their letters, dropped.
 */
export function unveilRules(uses: readonly PathUse[], arch: ArchDescriptor, promises: ReadonlySet<string>, implied: readonly string[] = []): LearnedUnveil[] {
  // Files the command unveils itself (unveil.ts impliedReadFiles: the preload object), as given and as resolved.
  const impliedPaths = new Set(implied.flatMap((f) => {
    try {
      return [path.posix.normalize(f), fs.realpathSync(f)];
    } catch {
      return [path.posix.normalize(f)];
    }
  }));
  const need = new Map<string, Set<string>>();
  const add = (p: string, letters: string): void => {
    if (letters === '') return;
    let set = need.get(p);
    if (!set) need.set(p, (set = new Set()));
    for (const l of letters) set.add(l);
  };
  for (const use of uses) {
    for (const n of pathNeeds(use, arch)) {
      let p = path.posix.normalize(n.path);
      if (use.pid !== undefined) p = p.replace(new RegExp(`^/proc/${use.pid}(?=/|$)`), '/proc/self');
      if (p !== '/' && p.endsWith('/')) p = p.slice(0, -1);
      // The command opens its path exceptions itself, bypassing -v, when
      // the promises do not allow the open in the kernel (a read without
      // rpath, a write to /dev/null without wpath; path-exceptions.ts
      // decideOpen); else the kernel lets it through and Landlock judges it.
      const exception = pathExceptionOf(p, promises);
      const inKernel = [...n.letters].every((l) => (l === 'r' ? promises.has('rpath') : l === 'w' && promises.has('wpath')));
      if (exception && !inKernel && (n.letters === 'r' || ((n.letters === 'rw' || n.letters === 'w') && exception.access === 'read-write'))) continue;
      // Read by the loader of a program started with the command's LD_PRELOAD: the command unveils it.
      if (impliedPaths.has(p) && n.letters === 'r') continue;
      add(p, n.letters);
    }
  }
  // System trees, read and execute only: by their first level
  // (/usr/lib/locale, /usr/lib/python3.11, /usr/lib/x86_64-linux-gnu).
  for (const [p, letters] of [...need]) {
    const tree = SYSTEM_TREES.find((t) => p.startsWith(t));
    const below = tree ? p.slice(tree.length).split('/') : [];
    if (tree && below.length > 1 && [...letters].every((l) => l === 'r' || l === 'x')) {
      need.delete(p);
      add(`${tree}${below[0]}`, order(letters));
    }
  }
  // Several rules beneath one directory with the same letters: the
  // deepest such directory first, again until none is left (a project's
  // files fold into the project), never into the top of the file system,
  // a system tree's root or the home directory.
  for (;;) {
    const counts = new Map<string, number>();
    for (const [p, letters] of need) {
      for (let dir = path.posix.dirname(p); !NO_FOLD.has(dir) && dir.split('/').length > 2; dir = path.posix.dirname(dir)) {
        const key = `${dir}\0${order(letters)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const best = [...counts].filter(([, n]) => n >= FOLD_AT).map(([k]) => k).sort((x, y) => y.split('\0')[0]!.length - x.split('\0')[0]!.length)[0];
    if (best === undefined) break;
    const [dir, letters] = best.split('\0') as [string, string];
    for (const [p, l] of [...need]) if (p.startsWith(`${dir}/`) && order(l) === letters) need.delete(p);
    add(dir, letters);
  }
  // Landlock attaches a rule to the file the path resolves to, and grants
  // the union of the rules on the way from /: one rule per file as the
  // kernel resolves it (letters merged), a rule beneath another given the
  // other's letters too (what Landlock grants it anyway; unveil's plan
  // refuses a rule that would silently get more than it says): only the
  // letters that grant it something (on a file, `c` grants nothing and the
  // command warns about it: core's unveilRuleRights), and then dropped
  // when the outer rule already says it all.
  const byReal = new Map<string, { path: string; letters: Set<string>; directory: boolean }>();
  for (const [p, letters] of need) {
    const real = realPath(p);
    const known = byReal.get(real);
    if (known) for (const l of letters) known.letters.add(l);
    else byReal.set(real, { path: p, letters: new Set(letters), directory: isDirectory(real) });
  }
  const within = (inner: string, outer: string): boolean => outer === '/' ? inner !== '/' : inner.startsWith(`${outer}/`);
  const entries = [...byReal];
  for (const [real, r] of entries) {
    for (const [outerReal, o] of entries) {
      if (outerReal === real || !within(real, outerReal)) continue;
      for (const l of o.letters) if (r.directory || unveilRuleRights(l, false).rights !== 0) r.letters.add(l);
    }
  }
  return entries
    .filter(([real, r]) => !entries.some(([outerReal, o]) => outerReal !== real && within(real, outerReal) && [...r.letters].every((l) => o.letters.has(l))))
    .map(([, r]) => ({ path: r.path, permissions: order(r.letters) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The path as the kernel resolves it (symbolic links followed), or as given when it does not exist. */
function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Whether the path is a directory now (symbolic links followed); false when it does not exist. */
function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
