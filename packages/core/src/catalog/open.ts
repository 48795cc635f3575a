/**
 * open(2)/openat(2)/creat(2) under rpath, wpath and cpath, exactly as
 * OpenBSD decides them (sys/kern/vfs_syscalls.c `doopenat`, pledge(2)):
 *
 * - read access (O_RDONLY, O_RDWR) needs `rpath`;
 * - write access (O_WRONLY, O_RDWR) needs `wpath`;
 * - O_TRUNC writes the file, so it needs `wpath` whatever the access mode
 *   (Linux truncates even on O_RDONLY|O_TRUNC);
 * - O_CREAT needs `cpath` in addition;
 * - O_TMPFILE creates an unnamed file: `cpath` and `wpath`.
 *
 * Access mode 3 (O_ACCMODE) is never allowed. Other flags (O_CLOEXEC,
 * O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_PATH, …) do not change what a
 * call may do to the file system and pass. `flags` is a C int: only its
 * low 32 bits are compared. What seccomp cannot see: the path.
 */
import type { ConstantName } from '../constants.js';
import { ALLOW, arg, type PromiseName, type Rule } from '../rules.js';

const ACCESS: readonly { mode: ConstantName; read: boolean; write: boolean }[] = [
  { mode: 'O_RDONLY', read: true, write: false },
  { mode: 'O_WRONLY', read: false, write: true },
  { mode: 'O_RDWR', read: true, write: true },
];

/** The promises one combination of open flags needs, in OpenBSD's order. */
export function openRequires(read: boolean, write: boolean, creat: boolean, trunc: boolean, tmpfile: boolean): PromiseName[] {
  const need = new Set<PromiseName>();
  if (read) need.add('rpath');
  if (write || trunc || tmpfile) need.add('wpath');
  if (creat || tmpfile) need.add('cpath');
  return (['rpath', 'wpath', 'cpath'] as const).filter((p) => need.has(p));
}

function describe(mode: string, creat: boolean, trunc: boolean, tmpfile: boolean): string {
  return [mode, creat && 'O_CREAT', trunc && 'O_TRUNC', tmpfile && 'O_TMPFILE'].filter(Boolean).join('|');
}

/**
 * One rule per combination of access mode, O_CREAT, O_TRUNC and O_TMPFILE,
 * matching exactly that combination and requiring exactly the promises it
 * needs. `flagsArg` is the index of `flags`: 1 for open, 2 for openat.
 */
export function openRules(syscall: 'open' | 'openat', flagsArg: 1 | 2): Rule[] {
  const rules: Rule[] = [];
  const mask: ConstantName[] = ['O_ACCMODE', 'O_CREAT', 'O_TRUNC', '__O_TMPFILE'];
  const modeArg = (flagsArg + 1) as 2 | 3;
  for (const a of ACCESS) {
    for (const creat of [false, true]) {
      for (const trunc of [false, true]) {
        for (const tmpfile of [false, true]) {
          // O_TMPFILE with read-only access is EINVAL in the kernel; nothing to allow.
          if (tmpfile && !a.write) continue;
          const bits: ConstantName[] = [a.mode];
          if (creat) bits.push('O_CREAT');
          if (trunc) bits.push('O_TRUNC');
          if (tmpfile) bits.push('__O_TMPFILE');
          const requires = openRequires(a.read, a.write, creat, trunc, tmpfile);
          const when = [arg.masked(flagsArg, 32, 'flags', mask, [bits])];
          // A new file must not be born setuid/setgid (OpenBSD strips those bits under pledge; seccomp can only refuse).
          if (creat || tmpfile) when.push(arg.bitsClear(modeArg, 32, 'mode', ['S_ISUID', 'S_ISGID']));
          rules.push({
            syscall,
            when,
            action: ALLOW,
            requires,
            why: `${syscall} with ${describe(a.mode, creat, trunc, tmpfile)} needs ${requires.join(' and ')}`,
            source: 'OpenBSD pledge(2), sys/kern/vfs_syscalls.c doopenat',
          });
        }
      }
    }
  }
  return rules;
}

/**
 * `tmppath`: what mkstemp(3) and unlink(2) need. OpenBSD restricts these to
 * paths under /tmp; seccomp cannot see paths, so here the shape of the call
 * is all that is checked (O_RDWR|O_CREAT|O_EXCL, mode without setuid bits).
 * The `pledge` command adds a Landlock ruleset that grants the creation and
 * removal beneath /tmp only (unveil-plan.ts tmppathConfined); in-process,
 * pair it with unveil("/tmp", "rwc") to get OpenBSD's meaning.
 */
export function tmppathOpenRules(): Rule[] {
  return ([['openat', 2], ['open', 1]] as const).map(([syscall, flagsArg]) => ({
    syscall,
    when: [
      arg.masked(flagsArg, 32, 'flags', ['O_ACCMODE', 'O_CREAT', 'O_EXCL', 'O_TRUNC', '__O_TMPFILE'], [['O_RDWR', 'O_CREAT', 'O_EXCL']]),
      arg.bitsClear((flagsArg + 1) as 2 | 3, 32, 'mode', ['S_ISUID', 'S_ISGID']),
    ],
    action: ALLOW,
    requires: ['tmppath'],
    why: 'mkstemp(3): a new file opened O_RDWR|O_CREAT|O_EXCL; /tmp only under the pledge command (Landlock); in-process pair with unveil',
    source: 'OpenBSD pledge(2) "tmppath"',
  }));
}

/** Index of `flags` in open(2) and openat(2). */
export const FLAGS_ARG = { open: 1, openat: 2 } as const;

/**
 * Rules giving `action` to read-only opens (access mode O_RDONLY, none of
 * O_CREAT, O_TRUNC, O_TMPFILE) through open and openat under `requires`:
 * what `dns` and `getpw` need, and what the Node runtime answers with EACCES.
 */
export function readOnlyOpenRules(requires: readonly PromiseName[], action: Rule['action'], why: string, source: string): Rule[] {
  return (['openat', 'open'] as const).map((syscall) => ({
    syscall,
    when: [arg.masked(FLAGS_ARG[syscall], 32, 'flags', ['O_ACCMODE', 'O_CREAT', 'O_TRUNC', '__O_TMPFILE'], ['O_RDONLY'])],
    action,
    requires,
    why,
    source,
  }));
}

/** creat(path, mode) is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode). */
export const CREAT_RULE: Rule = {
  syscall: 'creat',
  when: [arg.bitsClear(1, 32, 'mode', ['S_ISUID', 'S_ISGID'])],
  action: ALLOW,
  requires: ['wpath', 'cpath'],
  why: 'creat() is open(O_CREAT|O_WRONLY|O_TRUNC)',
  source: 'creat(2), OpenBSD pledge(2)',
};
