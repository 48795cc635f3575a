/**
 * `dns` and `getpw` are path-precise in the command for the stat family
 * too (path-exceptions.ts decideStat): a stat that only they would allow
 * reaches the supervisor, which performs it for their files (and "/",
 * core METADATA_EXCEPTIONS) and refuses any other path as the promises
 * without them refuse it. The attack (`pledge -p 'stdio getpw' -- stat
 * /root/anything` printing any path's metadata) is tried through Node's
 * supervisor and through the native launcher's cached entry (miss, then
 * hit); so are the lookups glibc makes (getent, ls -l) and a thread
 * swapping the path string while another stats it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { METADATA_EXCEPTIONS, type ArchDescriptor } from '@seccomp-scopes/core';
import type { SupervisedCall } from '@seccomp-scopes/native';
import { pathArguments } from '../src/filter.js';
import { decideStat, preciseStatSyscalls, preciseStatsFor, statPathsFor } from '../src/path-exceptions.js';
import { CLI, KILLED, NODE, buildFixture, describeRun, direct, launchEnvironment, pledgeCli, reports, tempDir, type CliResult } from './cli-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.resolve(here, '../bin/pledge');
const LAUNCHER = path.resolve(here, '../../native/build/Release/pledge-launch');

let dir: string;
let secret: string;
beforeAll(() => {
  dir = tempDir();
  secret = path.join(dir, 'secret.bin');
  fs.writeFileSync(secret, 'x'.repeat(4321));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `pledge ARGS` through the entry script and the launch cache under `cache` (its trace: miss or hit). */
function launched(cache: string, args: readonly string[]): CliResult & { trace: string } {
  const trace = path.join(cache, 'trace');
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(trace, '');
  const r = spawnSync(ENTRY, [...args], { env: launchEnvironment(cache, trace), input: '', encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, trace: fs.readFileSync(trace, 'utf8').trim() };
}

const attack = (promises: string): string[] => ['-p', promises, '--', 'stat', '-c', '%n %s', secret];
const refusal = (promises: string): RegExp =>
  new RegExp(`pledge "${promises}" blocked statx\\(AT_FDCWD, "${secret.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}", flags=[^)]*\\); it needs "rpath" or "wpath" or "tmppath"$`);

describe.each([x86_64, aarch64])('decideStat on $name (the decision both clients make)', (arch: ArchDescriptor) => {
  const pa = pathArguments();
  const call = (name: string, path: string | undefined, args: bigint[]): SupervisedCall => ({
    pid: 1000, tid: 1000, nr: arch.syscalls[name]!, arch: arch.auditArch, args: [0, 1, 2, 3, 4, 5].map((i) => args[i] ?? 0n), ip: 0n,
    ...(path !== undefined ? { path } : {}), phase: 'running', main: true,
  });
  const AT_FDCWD = BigInt.asUintN(64, -100n);
  const EMPTY = BigInt(Number(arch.constants['AT_EMPTY_PATH']));
  const fstatat = (dirfd: bigint, path: string, flags: bigint): SupervisedCall => call('newfstatat', path, [dirfd, 0n, 0n, flags]);
  const getpw = new Set(['stdio', 'getpw']);

  it('the stat syscalls come from the catalog (dns and getpw rules on a path); rpath and wpath take them back, tmppath its own', () => {
    expect(preciseStatSyscalls(pa).sort()).toEqual(['newfstatat', 'stat', 'statx']);
    expect(preciseStatsFor(new Set(['stdio', 'rpath', 'getpw']), pa)).toEqual([]);
    expect(preciseStatsFor(new Set(['stdio', 'wpath', 'dns']), pa)).toEqual([]);
    expect(preciseStatsFor(new Set(['stdio', 'tmppath', 'dns']), pa)).toEqual(['stat']);
    expect(preciseStatsFor(new Set(['stdio']), pa)).toEqual([]);
  });

  it('their files and "/" are performed by the supervisor; any other path, a relative or empty one is refused; fstat is the judge\'s', () => {
    expect(METADATA_EXCEPTIONS.map((e) => e.path)).toEqual(['/', '/']);
    expect(decideStat(fstatat(AT_FDCWD, '/etc/passwd', 0n), arch, getpw, pa)).toEqual({ kind: 'emulate', verdict: { openPaths: statPathsFor(getpw) } });
    expect(decideStat(fstatat(AT_FDCWD, '/etc/../etc//passwd', 0n), arch, getpw, pa)?.kind).toBe('emulate');
    expect(decideStat(fstatat(AT_FDCWD, '/', 0n), arch, getpw, pa)?.kind).toBe('emulate');
    expect(decideStat(fstatat(AT_FDCWD, '/etc/resolv.conf', 0n), arch, getpw, pa)?.kind).toBe('refuse');
    expect(decideStat(fstatat(AT_FDCWD, '/etc/passwd/../../root/x', 0n), arch, getpw, pa)?.kind).toBe('refuse');
    expect(decideStat(fstatat(AT_FDCWD, 'passwd', 0n), arch, getpw, pa)?.kind).toBe('refuse');
    // newfstatat(AT_FDCWD, "", AT_EMPTY_PATH) is a stat of the working directory.
    expect(decideStat(fstatat(AT_FDCWD, '', EMPTY), arch, getpw, pa)?.kind).toBe('refuse');
    expect(decideStat(fstatat(3n, '', EMPTY), arch, getpw, pa)).toBeUndefined();
    expect(decideStat(call('statx', '', [3n, 0n, EMPTY, 0xfffn]), arch, getpw, pa)).toBeUndefined();
    expect(decideStat(call('statx', '/etc/group', [AT_FDCWD, 0n, 0n, 0xfffn]), arch, getpw, pa)?.kind).toBe('emulate');
    expect(decideStat(fstatat(AT_FDCWD, '/root/x', 0n), arch, new Set(['stdio', 'rpath', 'getpw']), pa)).toBeUndefined();
    expect(decideStat(call('openat', '/etc/passwd', [AT_FDCWD]), arch, getpw, pa)).toBeUndefined();
  });
});

describe.each(['stdio getpw', 'stdio dns'])('under "%s", through Node\'s supervisor', (promises) => {
  it('a stat of any other path is refused as without it (the attack printed its size)', () => {
    const r = pledgeCli(attack(promises));
    expect(r.stdout, describeRun(r)).toBe('');
    expect(r.status).toBe(KILLED);
    expect(reports(r.stderr)).toEqual([expect.stringMatching(refusal(promises))]);
  });
});

describe('the lookups glibc makes still work (its stats of "/", nsswitch.conf, resolv.conf are performed by the supervisor)', () => {
  it('getent passwd root and id under stdio getpw, getent hosts localhost under stdio dns, ls -l under stdio rpath getpw', () => {
    for (const [promises, command] of [
      ['stdio getpw', ['getent', 'passwd', 'root']],
      // sysconf(_SC_NGROUPS_MAX) reads /proc/sys/kernel/ngroups_max (a path exception whatever the promises).
      ['stdio getpw', ['id']],
      ['stdio dns', ['getent', 'hosts', 'localhost']],
      ['stdio rpath getpw', ['ls', '-l', '--time-style=+', dir]],
    ] as const) {
      const r = pledgeCli(['-p', promises, '--', ...command]);
      expect(r.status, describeRun(r)).toBe(0);
      expect(r.stdout).toBe(direct(command).stdout);
      expect(reports(r.stderr)).toEqual([]);
    }
  });

  it('stat of getpw\'s own files and of "/" gives their real metadata (statx, with and without following links); fstat stays stdio\'s', () => {
    const r = pledgeCli(['-p', 'stdio getpw', '--', 'stat', '-c', '%n %s %i %U %d %h %f %b %Y %Z %W', '/etc/passwd', '/etc/group', '/']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe(direct(['stat', '-c', '%n %s %i %U %d %h %f %b %Y %Z %W', '/etc/passwd', '/etc/group', '/']).stdout);
    const l = pledgeCli(['-p', 'stdio dns', '--', 'stat', '-L', '-c', '%n %s %i', '/etc/hosts']);
    expect(l.stdout, describeRun(l)).toBe(`/etc/hosts ${fs.statSync('/etc/hosts').size} ${fs.statSync('/etc/hosts').ino}\n`);
    const f = spawnSync(NODE, [CLI, '-p', 'stdio', '--', 'stat', '-c', '%s', '-'], { stdio: [fs.openSync(secret, 'r'), 'pipe', 'pipe'], encoding: 'utf8' });
    expect(f.stdout, f.stderr).toBe('4321\n');
  });

  it('a file of the other promise is refused, and the report names that promise first', () => {
    const r = pledgeCli(['-p', 'stdio dns', '--', 'stat', '-c', '%s', '/etc/passwd']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/blocked statx\(AT_FDCWD, "\/etc\/passwd", flags=[^)]*\); it needs "getpw" or "rpath" or "wpath" or "tmppath"$/)]);
  });
});

describe('under stdio alone, a refused stat names what allows that path in the command', () => {
  it('not dns or getpw for any path; getpw for its own file', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'stat', '-c', '%s', secret]);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(reports(r.stderr)).toEqual([expect.stringMatching(refusal('stdio'))]);
    const p = pledgeCli(['-p', 'stdio', '--', 'stat', '-c', '%s', '/etc/passwd']);
    expect(reports(p.stderr)).toEqual([expect.stringMatching(/blocked statx\(AT_FDCWD, "\/etc\/passwd", flags=[^)]*\); it needs "getpw" or "rpath" or "wpath" or "tmppath"$/)]);
  });
});

describe('a thread swapping the path string while another stats it', () => {
  it('never gets the secret\'s metadata: the supervisor stats the path it checked', () => {
    const bin = buildFixture('sec-stat-swap', ['-pthread']);
    const ino = String(fs.statSync(secret).ino);
    const r = pledgeCli(['-p', 'stdio getpw', '--penalty', 'errno', '--', bin, '/etc/passwd', secret, ino, '3000']);
    const m = /^ok=(\d+) refused=(\d+) leaked=(\d+) enoent=\d+$/.exec(r.stdout.trim());
    expect(m, describeRun(r)).not.toBeNull();
    expect(Number(m![3])).toBe(0);
    // Both strings were seen: the race was run.
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeGreaterThan(0);
  });
});

describe('the supervisor looks up no path it was not asked for by a listed name', () => {
  // A name swapped in after the check must not even be looked up: ENOENT for a missing file
  // (where an existing one is refused with EACCES) would tell a program under stdio which paths exist.
  const missing = (): string => path.join(dir, 'no-such-file');
  it('a stat: the swapped name is refused by name (never ENOENT)', () => {
    const bin = buildFixture('sec-stat-swap', ['-pthread']);
    const r = pledgeCli(['-p', 'stdio getpw', '--penalty', 'errno', '-q', '--', bin, '/etc/passwd', missing(), '0', '3000']);
    const m = /^ok=(\d+) refused=(\d+) leaked=(\d+) enoent=(\d+)$/.exec(r.stdout.trim());
    expect(m, describeRun(r)).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![4])).toBe(0);
  });

  it('an open of a path exception (/etc/localtime under stdio): likewise', () => {
    const bin = buildFixture('sec-stat-swap', ['-pthread']);
    const r = pledgeCli(['-p', 'stdio', '--penalty', 'errno', '-q', '--', bin, '/etc/localtime', missing(), '0', '3000', 'open']);
    const m = /^ok=(\d+) refused=(\d+) leaked=(\d+) enoent=(\d+)$/.exec(r.stdout.trim());
    expect(m, describeRun(r)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![4])).toBe(0);
    const ino = String(fs.statSync(secret).ino);
    const other = pledgeCli(['-p', 'stdio', '--penalty', 'errno', '-q', '--', bin, '/etc/localtime', secret, ino, '3000', 'open']);
    expect(other.stdout, describeRun(other)).toMatch(/ leaked=0 enoent=0$/m);
  });
});

describe.runIf(fs.existsSync(LAUNCHER))('through the native launcher (its cache entry: miss, then hit)', () => {
  it.each(['stdio getpw', 'stdio dns', 'stdio'])('under "%s" the attack is refused on both', (promises) => {
    const cache = path.join(dir, `cache-${promises.replace(' ', '-')}`);
    for (const expected of [/^miss/, /^hit$/]) {
      const r = launched(cache, attack(promises));
      expect(r.trace).toMatch(expected);
      expect(r.stdout, describeRun(r)).toBe('');
      expect(r.status).toBe(KILLED);
      expect(reports(r.stderr)).toEqual([expect.stringMatching(refusal(promises))]);
    }
  });

  it('getent and getpw\'s own stats work on both, with the same output as Node\'s', () => {
    for (const [promises, command] of [
      ['stdio getpw', ['getent', 'passwd', 'root']],
      ['stdio dns', ['getent', 'hosts', 'localhost']],
      ['stdio getpw', ['stat', '-c', '%n %s %i', '/etc/passwd', '/']],
    ] as const) {
      const cache = path.join(dir, `cache-ok-${promises.replace(' ', '-')}-${command[0]}`);
      for (const expected of [/^miss/, /^hit$/]) {
        const r = launched(cache, ['-p', promises, '--', ...command]);
        expect(r.trace).toMatch(expected);
        expect(r.status, describeRun(r)).toBe(0);
        expect(r.stdout).toBe(direct(command).stdout);
      }
    }
  });

  it('the swapping thread gets nothing on a hit either', () => {
    const bin = buildFixture('sec-stat-swap', ['-pthread']);
    const ino = String(fs.statSync(secret).ino);
    const cache = path.join(dir, 'cache-swap');
    const args = ['-p', 'stdio getpw', '--penalty', 'errno', '--', bin, '/etc/passwd', secret, ino, '3000'];
    launched(cache, args);
    const r = launched(cache, args);
    expect(r.trace).toBe('hit');
    const m = /^ok=(\d+) refused=(\d+) leaked=(\d+) enoent=\d+$/.exec(r.stdout.trim());
    expect(m, describeRun(r)).not.toBeNull();
    expect(Number(m![3])).toBe(0);
    expect(Number(m![1])).toBeGreaterThan(0);
  });
});
