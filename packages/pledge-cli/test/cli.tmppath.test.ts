/**
 * `tmppath` means /tmp under the command (OpenBSD pledge(2) "tmppath":
 * mkstemp-style creation and unlink for paths under /tmp/ only): without
 * `-v` and `cpath`, a Landlock ruleset handling only MAKE_REG and
 * REMOVE_FILE grants them beneath /tmp (core `tmppathConfined`). Tested on
 * the real kernel, in children. We are root: the EACCES seen here can only
 * come from Landlock (root bypasses file permissions, not Landlock).
 *
 * - mkstemp in /tmp works (tac copying a pipe), elsewhere fails with EACCES;
 * - unlink outside /tmp fails, inside works; reads and writes of existing
 *   files elsewhere are untouched (`stdio rpath tmppath`, `wpath`);
 * - with `cpath` (or -v) tmppath is not confined: behaviour unchanged;
 * - the attack: every route to a new name outside /tmp under
 *   `stdio rpath tmppath` fails (a dirfd, chdir, /proc/self/fd, `..`,
 *   symlinks in /tmp, openat2, O_TMPFILE, creat, mknod, rename, link,
 *   symlink), and nothing is created;
 * - the native launcher never serves such a policy from its cache (its
 *   entry holds no ruleset): every launch goes through Node and is confined.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as native from '@seccomp-scopes/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, buildFixture, describeRun, pledgeCli, which } from './cli-harness.js';

let landlock = 0;
try {
  landlock = native.landlockAbi();
} catch {
  landlock = 0;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.resolve(here, '../bin/pledge');
const LAUNCHER = path.resolve(here, '../../native/build/Release/pledge-launch');

let attack: string;
let staticAttack: string;
/** Under /tmp (OpenBSD's tmppath directory). */
let inside: string;
/** Outside /tmp, on a real directory (not a link into /tmp). */
let outside: string;

beforeAll(() => {
  attack = buildFixture('tmppath-attack');
  staticAttack = buildFixture('tmppath-attack', ['-static']);
  inside = fs.mkdtempSync('/tmp/pledge-tmppath-in-');
  outside = fs.mkdtempSync('/var/tmp/pledge-tmppath-out-');
  if (fs.realpathSync(outside).startsWith('/tmp/')) throw new Error(`${outside} is under /tmp: no outside directory to test with`);
  fs.writeFileSync(path.join(outside, 'victim'), 'v\n');
  fs.writeFileSync(path.join(inside, 'victim'), 'v\n');
  fs.symlinkSync(outside, path.join(inside, 'link'));
  fs.symlinkSync(path.join(outside, 'dangling-target'), path.join(inside, 'dangling'));
});

afterAll(() => {
  fs.rmSync(inside, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

/** The names in `outside` besides the victim: anything there was created by an attack. */
const created = (): string[] => fs.readdirSync(outside).filter((n) => n !== 'victim');

/** `pledge -q --penalty errno -p PROMISES -- attack ARGS`: each refusal an errno, not a kill. */
function tryIt(promises: string, args: readonly string[], options: { program?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): string {
  const r = pledgeCli(['-q', '--penalty', 'errno', '-p', promises, '--', options.program ?? attack, ...args], { cwd: options.cwd, env: { TMPDIR: undefined, ...options.env } });
  expect(r.stderr, describeRun(r)).toBe('');
  return r.stdout.trim();
}

describe.skipIf(landlock < 1)('tmppath means /tmp (Landlock)', () => {
  it('tac copies a pipe to a temporary file in /tmp under stdio tmppath, with no warning', () => {
    const tac = which('tac');
    if (!tac) return;
    const r = pledgeCli(['-p', 'stdio tmppath', '--', tac], { input: 'a\nb\n', env: { TMPDIR: undefined } });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('b\na\n');
    expect(r.stderr).toBe('');
  });

  it('tac with TMPDIR outside /tmp: refused (EACCES) and the command warns about TMPDIR first', () => {
    const tac = which('tac');
    if (!tac) return;
    const r = pledgeCli(['-p', 'stdio tmppath', '--', tac], { input: 'a\nb\n', env: { TMPDIR: outside } });
    expect(r.status, describeRun(r)).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^pledge: warning: TMPDIR=${outside} is not under /tmp: .*EACCES`, 'm'));
    expect(r.stderr).toMatch(/Permission denied/);
    expect(created()).toEqual([]);
  });

  for (const kind of ['dynamic', 'static'] as const) {
    it(`${kind}: mkstemp in /tmp works, outside it fails with EACCES; unlink likewise`, () => {
      const program = kind === 'dynamic' ? attack : staticAttack;
      expect(tryIt('stdio tmppath', ['mkstemp', path.join(inside, 'tXXXXXX')], { program })).toBe('ok');
      expect(tryIt('stdio tmppath', ['mkstemp', path.join(outside, 'tXXXXXX')], { program })).toBe('error EACCES');
      expect(tryIt('stdio tmppath', ['create', path.join(outside, 'c')], { program })).toBe('error EACCES');
      expect(tryIt('stdio tmppath', ['unlink', path.join(outside, 'victim')], { program })).toBe('error EACCES');
      expect(fs.existsSync(path.join(outside, 'victim'))).toBe(true);
      fs.writeFileSync(path.join(inside, `gone-${kind}`), '');
      expect(tryIt('stdio tmppath', ['unlink', path.join(inside, `gone-${kind}`)], { program })).toBe('ok');
      expect(fs.existsSync(path.join(inside, `gone-${kind}`))).toBe(false);
      expect(created()).toEqual([]);
    });
  }

  it('reads elsewhere still work under stdio rpath tmppath; writes to existing files under wpath tmppath', () => {
    expect(tryIt('stdio rpath tmppath', ['read', path.join(outside, 'victim')])).toBe('ok');
    expect(tryIt('stdio rpath tmppath', ['read', '/etc/hostname'])).toBe('ok');
    // wpath uses neither right: tmppath stays confined, wpath unchanged.
    expect(tryIt('stdio wpath tmppath', ['write', path.join(outside, 'victim')])).toBe('ok');
    expect(tryIt('stdio wpath tmppath', ['create', path.join(outside, 'w')])).toBe('error EACCES');
    expect(created()).toEqual([]);
  });

  it('with cpath (or -v) tmppath is not confined: creation and removal anywhere as before', () => {
    const r = pledgeCli(['-q', '-p', 'stdio rpath wpath cpath tmppath', '--', attack, 'create', path.join(outside, 'by-cpath')]);
    expect(r.stdout, describeRun(r)).toBe('ok\n');
    const u = pledgeCli(['-q', '-p', 'stdio rpath wpath cpath tmppath', '--', attack, 'unlink', path.join(outside, 'by-cpath')]);
    expect(u.stdout, describeRun(u)).toBe('ok\n');
    // The writing promises' warning still names tmppath there (it reaches the whole file system).
    const w = pledgeCli(['-p', 'stdio cpath tmppath', '--', attack, 'read', '/nonexistent']);
    expect(w.stderr).toMatch(/^pledge: warning: "cpath" without -v/m);
    expect(w.stderr).toMatch(/^pledge: warning: "tmppath" without -v/m);
    // -v: the user's rules decide (here: "c" on the outside directory).
    const v = pledgeCli(['-q', '-p', 'stdio rpath tmppath', '-v', `rwc:${outside}`, '--', attack, 'create', path.join(outside, 'by-v')]);
    expect(v.stdout, describeRun(v)).toBe('ok\n');
    fs.rmSync(path.join(outside, 'by-v'));
    expect(created()).toEqual([]);
  });

  it('the attack: no route creates a name outside /tmp under stdio rpath tmppath', () => {
    const fd3 = fs.openSync(outside, 'r');
    try {
      const routes: [string[], string][] = [
        [['create-at', '/', path.relative('/', path.join(outside, 'a1'))], 'error EACCES'], // a dirfd to /
        [['chdir-create', outside, 'a2'], 'error EACCES'], // relative to a cwd outside
        [['create', `/proc/self/fd/3/a3`], 'error EACCES'], // through an inherited descriptor's /proc link
        [['create-fd', '3', 'a4'], 'error EACCES'], // openat on the inherited descriptor
        [['create', `/tmp/..${outside}/a5`], 'error EACCES'], // /tmp/.. is /
        [['create', path.join(inside, 'link', 'a6')], 'error EACCES'], // a symlink in /tmp to a directory outside
        [['create', path.join(inside, 'dangling')], 'error EEXIST'], // O_EXCL never follows the last link
        [['openat2', path.join(outside, 'a7')], 'error ENOSYS'], // openat2: the filter cannot read its flags
        [['tmpfile', outside], 'error EPERM'], // O_TMPFILE: not tmppath's
        [['creat', path.join(outside, 'a8')], 'error EPERM'], // O_WRONLY|O_TRUNC: not tmppath's
        [['mknod-reg', path.join(outside, 'a9')], 'error EPERM'],
        [['rename', path.join(inside, 'victim'), path.join(outside, 'a10')], 'error EPERM'],
        [['link', path.join(inside, 'victim'), path.join(outside, 'a11')], 'error EPERM'],
        [['symlink', '/etc/passwd', path.join(outside, 'a12')], 'error EPERM'],
        [['unlinkat-fd', '3', 'victim'], 'error EACCES'],
      ];
      const got = routes.map(([args]) => {
        const r = spawnSync(NODE, [path.resolve(here, '../bin/pledge.js'), '-q', '--penalty', 'errno', '-p', 'stdio rpath tmppath', '--', attack, ...args], {
          encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', fd3], env: { ...process.env, LC_ALL: 'C', TMPDIR: '' }, timeout: 20_000,
        });
        return [args.join(' '), r.stdout.trim() || `(status ${r.status}, ${r.stderr.trim()})`];
      });
      expect(got).toEqual(routes.map(([args, want]) => [args.join(' '), want]));
    } finally {
      fs.closeSync(fd3);
    }
    expect(created()).toEqual([]);
    expect(fs.existsSync(path.join(outside, 'dangling-target'))).toBe(false);
    expect(fs.existsSync(path.join(outside, 'victim'))).toBe(true);
  });

  it('a refused mkstemp-style open is reported with tmppath only under /tmp (elsewhere tmppath would not allow it), on Node and natively', () => {
    const cache = fs.mkdtempSync('/tmp/pledge-tmppath-cache-');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', XDG_CACHE_HOME: cache, PATH: `${path.dirname(NODE)}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
      delete env['SECCOMP_SCOPES_NO_CACHE'];
      for (const [where, needs] of [[outside, 'it needs "rpath wpath cpath"'], [inside, 'it needs "tmppath" or "rpath wpath cpath"']] as const) {
        const args = ['--penalty', 'errno', '-p', 'stdio', '--', attack, 'create', path.join(where, 'r')];
        // On Node, then through the entry script twice (the launcher's miss, then its native hit where it is built).
        const runs = [spawnSync(NODE, [path.resolve(here, '../bin/pledge.js'), ...args], { env, encoding: 'utf8' }), ...[1, 2].map(() => spawnSync(ENTRY, args, { env, encoding: 'utf8' }))];
        for (const r of runs) {
          expect(r.stdout, r.stderr).toBe('error EPERM\n');
          expect(r.stderr.replace(/^\S+\[\d+\]/, 'PROGRAM[PID]')).toBe(`PROGRAM[PID]: pledge "stdio" blocked openat(AT_FDCWD, "${path.join(where, 'r')}", flags=O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC); ${needs}\n`);
        }
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it.runIf(fs.existsSync(LAUNCHER))('the native launcher never serves tmppath from its cache: each launch is confined', () => {
    const cache = fs.mkdtempSync('/tmp/pledge-tmppath-cache-');
    try {
      const trace = path.join(cache, 'trace');
      const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', XDG_CACHE_HOME: cache, SECCOMP_SCOPES_CACHE_TRACE: trace, PATH: `${path.dirname(NODE)}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
      delete env['SECCOMP_SCOPES_NO_CACHE'];
      for (const round of [1, 2]) {
        fs.writeFileSync(trace, '');
        const r = spawnSync(ENTRY, ['-p', 'stdio tmppath', '--', attack, 'create', path.join(outside, `launch-${round}`)], { env, encoding: 'utf8', timeout: 30_000 });
        expect(r.stdout, `${r.stderr}`).toBe('error EACCES\n');
        expect(fs.readFileSync(trace, 'utf8').trim()).toMatch(/^miss/);
      }
      const dir = path.join(cache, 'seccomp-scopes');
      expect(fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.policy')) : []).toEqual([]);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
    expect(created()).toEqual([]);
  });
});
