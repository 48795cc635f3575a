/**
 * The probes the `pledge` command's supervisor answers with an errno
 * (core PATH_PROBES): each decision (the errno, whether it is reported and
 * what the report names), the report's form, tmppath named first for
 * mkstemp in /tmp, and the attacks: the answer depends on the string only
 * (no lookup, no /proc of the supervisor), so nothing is read through it.
 */
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import {
  PATH_EXCEPTIONS, PATH_PROBES, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, canonicalPath, compilePromises, constantOf,
  pathExceptionOf, pathProbeOf, simulate, type ConstantName,
} from '@seccomp-scopes/core';
import type { SupervisedCall } from '@seccomp-scopes/native';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asRefused, decideOpen, decideProbe, needsOf, openCallOf, preferTmppath } from '../src/path-exceptions.js';
import { buildFixture, describeRun, pledgeCli, reports, tempDir, which } from './cli-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The `pledge` entry script, and the native launcher it executes when built. */
const ENTRY = path.resolve(here, '../bin/pledge');
const LAUNCHER = path.resolve(here, '../../native/build/Release/pledge-launch');
const nr = (name: string): number => x86_64.syscalls[name]!;
const c = (name: string): number => constantOf(x86_64, name as ConstantName);
const call = (name: string, path: string | undefined, args: number[] = []): SupervisedCall => ({
  pid: 1000, tid: 1000, nr: nr(name), arch: x86_64.auditArch, args: [0, 1, 2, 3, 4, 5].map((i) => BigInt(args[i] ?? 0)), ip: 0n,
  ...(path !== undefined ? { path } : {}), phase: 'running', main: true,
});
const AT_FDCWD = -100 >>> 0;
const openat = (path: string, flags: number): SupervisedCall => call('openat', path, [AT_FDCWD, 0, flags]);
const answer = (sc: SupervisedCall, home?: string): { errno: string; quiet: boolean; needs?: readonly string[] } | undefined => {
  const a = decideProbe(sc, x86_64, openCallOf(sc, x86_64), home);
  return a && { errno: a.probe.errno, quiet: a.probe.quiet, ...(a.probe.needs ? { needs: a.probe.needs } : {}) };
};

describe('PATH_PROBES decisions', () => {
  it('every entry has its reason, its source and an errno of the arch tables', () => {
    for (const p of PATH_PROBES) {
      expect(p.why.length, JSON.stringify(p)).toBeGreaterThan(40);
      expect(p.source.length).toBeGreaterThan(10);
      expect(constantOf(x86_64, p.errno)).toBeGreaterThan(0);
      for (const s of p.syscalls) expect(x86_64.syscalls[s] !== undefined || s === 'open' || s === 'stat' || s === 'lstat' || s === 'access', s).toBe(true);
    }
  });

  it("libselinux's probes: ENOENT, quiet (a machine without SELinux, without /proc)", () => {
    expect(answer(call('statfs', '/sys/fs/selinux'))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(call('statfs', '/selinux'))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(openat('/proc/filesystems', c('O_RDONLY') | c('O_CLOEXEC')))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(openat('/proc/mounts', c('O_RDONLY') | c('O_CLOEXEC')))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(call('access', '/etc/selinux/config', [0, 0]))).toEqual({ errno: 'ENOENT', quiet: true });
    // Another file system's statfs is no probe: the penalty stands.
    expect(answer(call('statfs', '/'))).toBeUndefined();
    expect(answer(call('statfs', '/sys/fs/cgroup'))).toBeUndefined();
  });

  it('/proc/self/maps read-only: ENOENT, quiet; written or another process\' maps: no answer', () => {
    expect(answer(openat('/proc/self/maps', c('O_RDONLY')))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(openat('/proc/self/./maps', c('O_RDONLY')))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(openat('/proc/self/maps', c('O_RDWR')))).toBeUndefined();
    expect(answer(openat('/proc/1/maps', c('O_RDONLY')))).toBeUndefined();
    expect(answer(openat('/proc/self/mem', c('O_RDONLY')))).toBeUndefined();
  });

  it("zstd's stdin and stdout marks: ENOENT, quiet", () => {
    expect(answer(call('newfstatat', '/*stdin*\\', [AT_FDCWD]))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(call('newfstatat', '/*stdout*\\', [AT_FDCWD]))).toEqual({ errno: 'ENOENT', quiet: true });
    expect(answer(call('newfstatat', '/etc/passwd', [AT_FDCWD]))).toBeUndefined();
    // Relative names are never probes.
    expect(answer(call('newfstatat', '-', [AT_FDCWD]))).toBeUndefined();
  });

  it('/dev/tty without tty: ENXIO, reported, naming tty; creating or truncating it is no probe', () => {
    expect(answer(openat('/dev/tty', c('O_RDWR') | c('O_NONBLOCK')))).toEqual({ errno: 'ENXIO', quiet: false, needs: ['tty'] });
    expect(answer(openat('/dev/tty', c('O_RDONLY')))).toEqual({ errno: 'ENXIO', quiet: false, needs: ['tty'] });
    expect(answer(openat('/dev/tty', c('O_RDWR') | c('O_TRUNC')))).toBeUndefined();
    expect(answer(openat('/dev/tty', c('O_WRONLY') | c('O_CREAT')))).toBeUndefined();
    // Under tty it is a path exception (emulated), not a probe.
    expect(pathExceptionOf('/dev/tty', new Set(['tty']))?.requires).toEqual(['tty']);
  });

  it('getcwd without rpath/wpath: EACCES, reported', () => {
    expect(answer(call('getcwd', undefined))).toEqual({ errno: 'EACCES', quiet: false });
  });

  it("jq's ~/.jq: EACCES, reported; only $HOME/.jq, never another name", () => {
    expect(answer(openat('/home/u/.jq', c('O_RDONLY')), '/home/u')).toEqual({ errno: 'EACCES', quiet: false });
    expect(answer(openat('/home/u/.jq', c('O_RDONLY')), '/home/u/')).toEqual({ errno: 'EACCES', quiet: false });
    expect(answer(openat('/home/u/.jq', c('O_RDONLY')), '/root')).toBeUndefined();
    expect(answer(openat('/home/u/.jq', c('O_RDONLY')))).toBeUndefined();
    expect(answer(openat('/home/u/.jqx', c('O_RDONLY')), '/home/u')).toBeUndefined();
    expect(answer(openat('/home/u/.jq', c('O_RDWR')), '/home/u')).toBeUndefined();
  });

  it('paths are compared canonically (OpenBSD canonicalises before its whitelist)', () => {
    expect(canonicalPath('//proc/./self/../self//maps/')).toBe('/proc/self/maps');
    expect(canonicalPath('/../..')).toBe('/');
    expect(pathProbeOf('statfs', '/sys/fs/../fs/selinux')?.errno).toBe('ENOENT');
  });

  it("the locale's LC_MESSAGES directory is opened as its SYS_LC_MESSAGES file; other directories get no substitute", () => {
    const promises = new Set(['stdio']);
    const d = (p: string): unknown => {
      const sc = openat(p, c('O_RDONLY') | c('O_CLOEXEC'));
      const r = decideOpen(sc, openCallOf(sc, x86_64)!, promises);
      return r.kind === 'emulate' ? r.verdict.directoryFile ?? null : r.kind;
    };
    expect(d('/usr/lib/locale/C.utf8/LC_MESSAGES')).toBe('SYS_LC_MESSAGES');
    expect(d('/usr/lib/locale/C.utf8/LC_CTYPE')).toBe(null);
    expect(d('/usr/share/locale/de/LC_MESSAGES')).toBe(null);
  });

  it("locale.alias: Debian's link target /etc/locale.alias is a path exception under every promise set", () => {
    expect(pathExceptionOf('/etc/locale.alias', new Set())?.access).toBe('read');
    expect(PATH_EXCEPTIONS.some((e) => e.path === '/etc/locale.alias' && e.requires.length === 0)).toBe(true);
  });
});

describe('PROBE_RULES: ioctl(TIOCGPGRP)', () => {
  const verdict = (promises: string): string => {
    const f = compilePromises(new Set(promises.split(' ')), { arch: x86_64, runtime: { pid: 1, uid: 0, gid: 0 } });
    const { ret } = simulate(f.program, { nr: nr('ioctl'), arch: x86_64.auditArch, instructionPointer: 0n, args: [2n, BigInt(c('TIOCGPGRP')), 0n, 0n, 0n, 0n] }, x86_64.endian);
    const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
    return action === SECCOMP_RET_ALLOW ? 'allow' : action === SECCOMP_RET_ERRNO ? `errno ${ret & SECCOMP_RET_DATA}` : 'kill';
  };
  it("bash's tcgetpgrp(stderr): ENOTTY outside tty (a non-terminal's answer), allowed under tty", () => {
    expect(verdict('stdio')).toBe(`errno ${c('ENOTTY')}`);
    expect(verdict('stdio rpath proc exec')).toBe(`errno ${c('ENOTTY')}`);
    expect(verdict('stdio tty')).toBe('allow');
  });
});

describe('report lines', () => {
  const line = 'jq[7]: pledge "stdio" blocked getcwd(); it needs "rpath" or "wpath"';
  it('a probe answered with an errno is reported as refused, with that errno', () => {
    expect(asRefused(line, 'EACCES', 'text')).toBe('jq[7]: pledge "stdio" refused getcwd() with EACCES; it needs "rpath" or "wpath"');
    const json = JSON.parse(asRefused(JSON.stringify({ process: 'jq', syscall: 'getcwd', needs: [['rpath']], penalty: 'kill' }), 'EACCES', 'json')) as Record<string, unknown>;
    expect(json).toMatchObject({ penalty: 'errno', errno: 'EACCES', needs: [['rpath']] });
  });
  it('needsOf reads the sets after "it needs", not the call\'s quoted arguments', () => {
    expect(needsOf('bash[1]: pledge "stdio" blocked openat(AT_FDCWD, "/dev/tty", flags=O_RDWR); it needs "rpath wpath"', 'text')).toEqual([['rpath', 'wpath']]);
    expect(needsOf('x[1]: pledge "stdio" blocked foo(); no promise allows this', 'text')).toEqual([]);
  });
  it('tmppath is named first for a mkstemp open under /tmp/, and left out elsewhere (the command confines it to /tmp)', () => {
    const l = (p: string): string => `tac[1]: pledge "stdio" blocked openat(AT_FDCWD, "${p}", flags=O_RDWR|O_CREAT|O_EXCL); it needs "rpath wpath cpath" or "tmppath"`;
    const elsewhere = (p: string): string => `tac[1]: pledge "stdio" blocked openat(AT_FDCWD, "${p}", flags=O_RDWR|O_CREAT|O_EXCL); it needs "rpath wpath cpath"`;
    expect(preferTmppath(l('/tmp/tacX'), '/tmp/tacX', 'text')).toMatch(/; it needs "tmppath" or "rpath wpath cpath"$/);
    expect(preferTmppath(l('/var/tmp/tacX'), '/var/tmp/tacX', 'text')).toBe(elsewhere('/var/tmp/tacX'));
    expect(preferTmppath(l('/tmp/../etc/x'), '/tmp/../etc/x', 'text')).toBe(elsewhere('/tmp/../etc/x'));
    // A set with cpath beside tmppath is not confined: kept.
    const both = `x[1]: pledge "stdio" blocked openat(AT_FDCWD, "/etc/x", flags=O_RDWR|O_CREAT|O_EXCL); it needs "rpath wpath cpath" or "cpath tmppath"`;
    expect(preferTmppath(both, '/etc/x', 'text')).toBe(both);
  });
});

describe('under the command (real kernel)', () => {
  const bin = buildFixture('path-probe');
  const run = (promises: string, args: string[], extra: string[] = []) =>
    pledgeCli(['-p', promises, ...extra, '--', bin, ...args], { timeoutMs: 30_000 });

  it('statfs("/sys/fs/selinux") and /proc/self/maps under stdio: ENOENT, no report, the program goes on', () => {
    for (const args of [['statfs', '/sys/fs/selinux'], ['open', '/proc/self/maps'], ['access', '/etc/selinux/config'], ['stat', '/*stdin*\\']]) {
      const r = run('stdio', args);
      expect(r.stdout, describeRun(r)).toBe('error ENOENT\n');
      expect(r.status).toBe(1);
      expect(reports(r.stderr), describeRun(r)).toEqual([]);
    }
  });

  it('without the probe answer the same calls are violations (the penalty and a report)', () => {
    const r = run('stdio', ['statfs', '/sys/fs/cgroup']);
    expect(r.status, describeRun(r)).toBe(159);
    expect(reports(r.stderr)[0]).toMatch(/blocked statfs\("\/sys\/fs\/cgroup"\); it needs "rpath"/);
  });

  it('/dev/tty without tty: ENXIO and one report naming tty first', () => {
    const r = run('stdio', ['open-rw', '/dev/tty']);
    expect(r.stdout, describeRun(r)).toBe('error ENXIO\n');
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/: pledge "stdio" refused openat\(AT_FDCWD, "\/dev\/tty", flags=O_RDWR\) with ENXIO; it needs "tty" or "rpath wpath"$/)]);
  });

  it('getcwd without rpath: EACCES and a report; JSON reports say errno EACCES', () => {
    const r = run('stdio', ['getcwd']);
    expect(r.stdout, describeRun(r)).toBe('error EACCES\n');
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/refused getcwd\(\) with EACCES; it needs "rpath" or "wpath"$/)]);
    const j = run('stdio', ['getcwd'], ['--report-format', 'json']);
    const line = j.stderr.split('\n').find((l) => l.startsWith('{'));
    expect(JSON.parse(line!), describeRun(j)).toMatchObject({ syscall: 'getcwd', penalty: 'errno', errno: 'EACCES', needs: [['rpath'], ['wpath']] });
  });

  it('with rpath the calls are the real ones (the probe answers only what the promises refuse)', () => {
    const r = run('stdio rpath', ['open', '/proc/self/maps']);
    expect(r.stdout, describeRun(r)).toMatch(/^ok [0-9a-f]+-/);
    expect(run('stdio rpath', ['getcwd']).stdout).toBe('ok\n');
  });

  it('-q prints no probe report', () => {
    const r = run('stdio', ['getcwd'], ['-q']);
    expect(r.stdout).toBe('error EACCES\n');
    expect(r.stderr).toBe('');
  });

  it("attack: /proc/self/maps is never the supervisor's (nor anyone's) memory map, whatever the spelling", () => {
    for (const p of ['/proc/self/maps', '/proc//self/./maps', '/proc/thread-self/../self/maps']) {
      const r = run('stdio', ['open', p]);
      expect(r.stdout, describeRun(r)).toBe('error ENOENT\n');
    }
    // Any other /proc path is a violation, not an answer.
    expect(run('stdio', ['open', '/proc/self/environ']).status).toBe(159);
  });

  it('attack: a thread swapping the path between a probe and a secret never gets a descriptor', () => {
    // --penalty errno: the secret's refusals fail with EPERM instead of killing, so the race runs its course.
    const r = run('stdio', ['race', '3000', '/proc/self/maps', '/etc/passwd'], ['--penalty', 'errno']);
    expect(r.stdout, describeRun(r)).toBe('opened 0\nok\n');
  });

  it('attack: a link named like a probe is not followed (the answer is decided on the string)', () => {
    const dir = tempDir();
    const r = run('stdio', ['stat', `${dir}/../../*stdin*\\`]);
    // Canonically /*stdin*\ : ENOENT without a lookup; the file system is not asked.
    expect(r.stdout, describeRun(r)).toBe('error ENOENT\n');
  });

  it("C.utf8's LC_MESSAGES directory is answered with its SYS_LC_MESSAGES file, never a directory descriptor", () => {
    const dirPath = '/usr/lib/locale/C.utf8/LC_MESSAGES';
    const r = run('stdio', ['open-kind', dirPath]);
    expect(r.stdout, describeRun(r)).toBe('ok file\n');
    // Asked as a directory, or the locale's own directory: refused (EACCES), nothing handed over.
    expect(run('stdio', ['open-dir', dirPath]).stdout).toBe('error EACCES\n');
    expect(run('stdio', ['open-kind', '/usr/lib/locale/C.utf8']).stdout).toBe('error EACCES\n');
    expect(run('stdio', ['open-kind', '/usr/lib/locale/C.utf8/']).stdout).toBe('error EACCES\n');
  });

  it.runIf(which('rev') !== undefined)('rev runs under stdio in C.UTF-8 (setlocale succeeds: its multibyte input is read as UTF-8)', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'rev'], { input: 'pear\névian\n', env: { LANG: 'C.UTF-8', LC_ALL: undefined } });
    expect(r.stdout, describeRun(r)).toBe('raep\nnaivé\n');
    expect(r.status).toBe(0);
  });

  it.runIf(which('rev') !== undefined && fs.existsSync(LAUNCHER))('the native launcher answers the LC_MESSAGES directory the same way (a cached run of rev)', () => {
    const dir = tempDir();
    const trace = path.join(dir, 'trace');
    const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: undefined, XDG_CACHE_HOME: path.join(dir, 'cache'), SECCOMP_SCOPES_CACHE_TRACE: trace };
    const runs = [1, 2].map(() => spawnSync(ENTRY, ['-p', 'stdio', '--', 'rev'], { env, input: 'évian\n', encoding: 'utf8' }));
    expect(fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['miss', 'hit']);
    for (const r of runs) expect(r.stdout, r.stderr).toBe('naivé\n');
  });

  it.runIf(which('sed') !== undefined)('sed runs under stdio in C.UTF-8 with no report (libselinux probes answered quietly)', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'sed', 's/a/A/'], { input: 'banana\n', env: { LANG: 'C.UTF-8', LC_ALL: undefined } });
    expect(r.stdout, describeRun(r)).toBe('bAnana\n');
    expect(r.stderr).toBe('');
  });

  it.runIf(which('tac') !== undefined)('tac under stdio: the report leads to tmppath, under which it works', () => {
    const first = pledgeCli(['-p', 'stdio', '--', 'tac'], { input: 'a\nb\n' });
    expect(reports(first.stderr).at(-1), describeRun(first)).toMatch(/; it needs "tmppath" or "rpath wpath cpath"$/);
    const r = pledgeCli(['-p', 'stdio tmppath', '--no-unveil-warning', '--', 'tac'], { input: 'a\nb\n' });
    expect(r.stdout, describeRun(r)).toBe('b\na\n');
  });
});
