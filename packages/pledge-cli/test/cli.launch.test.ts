/**
 * The native launcher and the policy cache (issue 18 item 3; docs/cli.md,
 * "Launch and the policy cache"): the `pledge` entry script (bin/pledge)
 * reaches the launcher without Node; a command line seen before runs
 * without Node, and behaves exactly as the Node path: the same exit
 * status, stdout and stderr (report lines byte for byte, pids aside), for
 * the programs of cli.programs40 (sort, cat FILE allowed and refused, a
 * dynamic program in the loader window, --penalty errno, -e, the path
 * exceptions, a probe), a static program, foreign ABIs, and Node under
 * --node. And the attacks on the cache: a tampered entry, a
 * group-writable directory, a symlinked entry, an entry of another owner,
 * a stale format or program, are never used.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archFor } from '@seccomp-scopes/pledge';
import { compileSupervisedFilter } from '../src/filter.js';
import { TEMPLATE_PIDS, fillPidTemplate, pidTemplate } from '@seccomp-scopes/core';
import { fnv1a64 } from '../src/policy-cache.js';
import { Reporter } from '../src/report.js';
import { CLI, NODE, launchEnvironment, buildFixture, tempDir, type CliResult } from './cli-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.resolve(here, '../bin/pledge');
const LAUNCHER = path.resolve(here, '../../native/build/Release/pledge-launch');
const FACADE = path.resolve(here, '../../pledge/dist/index.js');

let dir: string;
let text: string;
let staticHelper: string;
let foreignAbi: string;
let vmReadv: string;
const onX64 = process.arch === 'x64';

beforeAll(() => {
  staticHelper = buildFixture('cli-helper', ['-static']);
  foreignAbi = buildFixture('sec-foreign-abi', ['-static']);
  vmReadv = buildFixture('sec-vm-readv');
  dir = tempDir();
  text = path.join(dir, 'lines.txt');
  fs.writeFileSync(text, 'pear\napple\nfig\n');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run extends CliResult {
  /** What the launcher did (SECCOMP_SCOPES_CACHE_TRACE), '' for the Node path. */
  readonly trace: string;
}


/** `pledge ARGS` through the entry script (the launcher), or on Node directly (`node: true`). */
function run(cache: string, args: readonly string[], options: { input?: string; node?: boolean; env?: Record<string, string | undefined> } = {}): Run {
  const trace = path.join(cache, 'trace');
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(trace, '');
  const [cmd, argv] = options.node ? [NODE, [CLI, ...args]] : [ENTRY, [...args]];
  const r = spawnSync(cmd, argv, { env: launchEnvironment(cache, trace, options.env), input: options.input ?? '', encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, trace: fs.readFileSync(trace, 'utf8').trim() };
}

/** What must be equal both ways: report lines name each run's own pids. */
const comparable = (r: CliResult): { status: number | null; stdout: string; stderr: string } =>
  ({ status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/\[\d+\]/g, '[PID]') });

/** The entry file(s) of a cache directory. */
function entries(cache: string): string[] {
  const d = path.join(cache, 'seccomp-scopes');
  return fs.existsSync(d) ? fs.readdirSync(d).filter((n) => n.endsWith('.policy')).map((n) => path.join(d, n)) : [];
}

/** Rewrites an entry's body with `edit` and a valid checksum (what an attacker who can write it could do). */
function rewrite(file: string, edit: (body: Buffer) => Buffer): void {
  const bytes = fs.readFileSync(file);
  const body = edit(Buffer.from(bytes.subarray(16)));
  const header = Buffer.from(bytes.subarray(0, 16));
  header.writeBigUInt64LE(fnv1a64(body), 8);
  fs.writeFileSync(file, Buffer.concat([header, body]));
}

describe.runIf(fs.existsSync(LAUNCHER))('the native launcher', () => {
  // Each: the arguments, stdin, and whether the launcher serves it natively.
  const CASES: readonly { name: string; args: () => string[]; input?: string; native: boolean }[] = [
    { name: 'sort under stdio', args: () => ['-p', 'stdio', '--', 'sort'], input: 'pear\napple\nfig\n', native: true },
    { name: 'cat FILE under stdio rpath', args: () => ['-p', 'stdio rpath', '--', 'cat', text], native: true },
    { name: 'cat FILE under stdio: refused, reported, killed', args: () => ['-p', 'stdio', '--', 'cat', text], native: true },
    { name: '--penalty errno: each refused open fails, one report', args: () => ['-p', 'stdio', '--penalty', 'errno', '--', 'cat', text, '/etc/hostname'], native: true },
    { name: '--errno and -q', args: () => ['-q', '-p', 'stdio', '--penalty', 'errno', '--errno', 'EACCES', '--', 'cat', text], native: true },
    { name: 'a path exception (the supervisor opens /etc/localtime)', args: () => ['-p', 'stdio', '--', 'head', '-c', '4', '/etc/localtime'], native: true },
    { name: '/dev/null written under stdio rpath (a path exception whatever the promises)', args: () => ['-p', 'stdio rpath', '--', 'dd', 'if=/dev/null', 'of=/dev/null', 'status=none'], native: true },
    { name: '/etc/localtime written under stdio rpath: refused (its exception is read-only)', args: () => ['-p', 'stdio rpath', '--', 'dd', 'if=/dev/null', 'of=/etc/localtime', 'conv=notrunc', 'status=none'], native: true },
    { name: 'dns without getpw: /etc/passwd refused, "it needs getpw"', args: () => ['-p', 'stdio dns', '--', 'cat', '/etc/passwd'], native: true },
    { name: 'a write to /tmp refused (tmppath named first)', args: () => ['-p', 'stdio', '--penalty', 'errno', '--', 'dd', 'if=/dev/null', `of=${path.join('/tmp', `pledge-launch-${process.pid}`)}`], native: true },
    { name: 'a probe: getcwd answered EACCES and reported', args: () => ['-p', 'stdio', '--', 'pwd'], native: true },
    { name: '--no-window: the loader under the promises', args: () => ['--no-window', '-p', 'stdio rpath prot_exec', '--', 'cat', text], native: true },
    { name: 'a static program (no window, no preload) under --penalty errno', args: () => ['-p', 'stdio', '--penalty', 'errno', '--', staticHelper, 'open-twice', '/etc/hostname'], native: true },
    ...(onX64 ? [
      { name: 'a foreign ABI (int 0x80): reported and killed', args: () => ['-p', 'stdio', '--', foreignAbi, 'int80'], native: true },
      { name: 'a foreign ABI (x32): reported and killed', args: () => ['-p', 'stdio', '--penalty', 'errno', '--', foreignAbi, 'x32'], native: true },
    ] : []),
    { name: '--node: a read-only open refused with EACCES, unreported', args: () => ['-p', 'stdio prot_exec', '--node', '--', NODE, '-e', `try { require('fs').readFileSync(${JSON.stringify(text)}) } catch (e) { console.log(e.code) }`], native: true },
    { name: "--node: the program's own pledge() reports a refused read-only open (its reporter reads its own memory)", args: () => ['-p', 'stdio rpath prot_exec', '--node', '--', NODE, '-e', `import(${JSON.stringify(FACADE)}).then(({ pledge }) => { pledge('stdio'); try { require('fs').readFileSync(${JSON.stringify(text)}) } catch (e) { console.log(e.code) } })`], native: true },
    { name: '--node: a process reads its own memory; a forked child reading its parent is killed (-q: the report names a pid)', args: () => ['-q', '-p', 'stdio rpath proc exec prot_exec', '--node', '--', 'sh', '-c', `${vmReadv} self; ${vmReadv} parent`], native: true },
    { name: '--node: a write refused, reported, killed', args: () => ['-p', 'stdio rpath prot_exec', '--node', '--', NODE, '-e', `console.log('before'); require('fs').writeFileSync(${JSON.stringify(path.join(dir, 'out'))}, 'x')`], native: true },
    { name: '-e: an executed program under the execpromises', args: () => ['-p', 'stdio rpath proc exec prot_exec', '-e', 'stdio rpath prot_exec', '--', 'sh', '-c', `cat ${text}`], native: true },
    { name: '-e: an executed program refused what only the promises allow (reported under the execpromises)', args: () => ['-p', 'stdio rpath proc exec prot_exec', '-e', 'stdio prot_exec', '--', 'sh', '-c', `cat ${text}; echo status $?`], native: true },
    { name: '-e --penalty errno: a child that has not executed keeps the promises; each executed one is reported once', args: () => ['-p', 'stdio rpath proc exec prot_exec', '-e', 'stdio prot_exec', '--penalty', 'errno', '--', 'sh', '-c', `x=$(cat < ${text}); echo "$x"; /bin/true < ${text}; echo $?; head -c1 ${text}; echo $?`], native: true },
    { name: '-v: served by Node', args: () => ['-p', 'stdio rpath', '-v', `r:${dir}`, '--', 'cat', text], native: false },
  ];

  for (const c of CASES) {
    it(`${c.name}: the same both ways${c.native ? ', natively the second time' : ''}`, () => {
      const cache = path.join(dir, `cache-${CASES.indexOf(c)}`);
      const node = run(cache, c.args(), { input: c.input, node: true });
      const first = run(cache, c.args(), { input: c.input });
      const second = run(cache, c.args(), { input: c.input });
      expect(comparable(first)).toEqual(comparable(node));
      expect(comparable(second)).toEqual(comparable(node));
      if (c.native) {
        expect(first.trace).toMatch(/^miss/);
        expect(second.trace).toBe('hit');
        expect(entries(cache)).toHaveLength(1);
        expect(fs.statSync(entries(cache)[0]!).mode & 0o777).toBe(0o600);
        expect(fs.statSync(path.dirname(entries(cache)[0]!)).mode & 0o777).toBe(0o700);
      } else {
        expect(second.trace).toMatch(/^node: /);
        expect(entries(cache)).toHaveLength(0);
      }
    });
  }

  it('the program gets the same environment, descriptors and limits both ways', () => {
    const cache = path.join(dir, 'cache-env');
    const args = ['-p', 'stdio rpath proc exec prot_exec', '--', 'sh', '-c', 'env | sort; ls /proc/self/fd; ulimit -n'];
    const node = run(cache, args, { node: true });
    run(cache, args);
    const second = run(cache, args);
    expect(second.trace).toBe('hit');
    expect(second.stdout.replace(/SECCOMP_SCOPES_CACHE_TRACE=.*\n/, '')).toBe(node.stdout.replace(/SECCOMP_SCOPES_CACHE_TRACE=.*\n/, ''));
    expect(second.stdout).not.toContain('SECCOMP_SCOPES_CACHE_WRITE');
    expect(second.stdout).toMatch(/\n[0-9]+\n$/);
    expect(node.stdout).toContain('\nPATH=');
  });

  it('the launcher run directly (no --pledge-js) finds the command next to its package', () => {
    const cache = path.join(dir, 'cache-direct');
    const trace = path.join(cache, 'trace');
    fs.mkdirSync(cache, { recursive: true });
    for (const expected of [/^miss/, /^hit$/]) {
      fs.writeFileSync(trace, '');
      const r = spawnSync(LAUNCHER, ['-p', 'stdio', '--', 'sort'], { env: launchEnvironment(cache, trace), input: 'b\na\n', encoding: 'utf8' });
      expect(r.stdout).toBe('a\nb\n');
      expect(r.status).toBe(0);
      expect(fs.readFileSync(trace, 'utf8').trim()).toMatch(expected);
    }
  });

  it("the launcher's request is removed from the environment, and honoured only when its split of the command line is the command's", () => {
    const cache = path.join(dir, 'cache-request');
    const entry = path.join(cache, 'seccomp-scopes', 'x.policy');
    const args = ['-p', 'stdio rpath proc exec prot_exec', '--', 'sh', '-c', 'env'];
    const key = Buffer.from('k').toString('hex');
    // 4 words of options (-p, its value, --, sh) would make `-c` the program: not this command's split, nothing written.
    const bad = run(cache, args, { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: `4\npledge-launch/0\n${key}\n${entry}` } });
    expect(bad.status).toBe(0);
    expect(bad.stdout).not.toContain('SECCOMP_SCOPES_CACHE_WRITE');
    expect(fs.existsSync(entry)).toBe(false);
    // The launcher's own request (a forged one writes nothing: cli.launch-attacks.test.ts).
    const good = run(cache, args);
    expect(good.trace).toMatch(/^miss/);
    expect(good.stdout).not.toContain('SECCOMP_SCOPES_CACHE_WRITE');
    expect(entries(cache)).toHaveLength(1);
    expect(fs.statSync(entries(cache)[0]!).mode & 0o777).toBe(0o600);
  });

  it('--no-cache and SECCOMP_SCOPES_NO_CACHE: no entry used or written', () => {
    const cache = path.join(dir, 'cache-off');
    const a = run(cache, ['--no-cache', '-p', 'stdio', '--', 'true']);
    expect(a.status).toBe(0);
    expect(a.trace).toMatch(/^node: /);
    const b = run(cache, ['-p', 'stdio', '--', 'true'], { env: { SECCOMP_SCOPES_NO_CACHE: '1' } });
    expect(b.status).toBe(0);
    expect(b.trace).toMatch(/^off/);
    expect(entries(cache)).toHaveLength(0);
  });

  describe('attacks on the cache: an entry that is not exactly ours is never used', () => {
    const args = (): string[] => ['-p', 'stdio', '--', 'cat', text];
    let node: Run;
    const prime = (name: string): { cache: string; entry: string } => {
      const cache = path.join(dir, `attack-${name}`);
      node ??= run(cache, args(), { node: true });
      run(cache, args());
      expect(run(cache, args()).trace).toBe('hit');
      return { cache, entry: entries(cache)[0]! };
    };
    const refusedThen = (cache: string, why: RegExp, rewritten = true): void => {
      const r = run(cache, args());
      expect(r.trace).toMatch(why);
      expect(comparable(r)).toEqual(comparable(node));
      // Node wrote a good entry again (unless the directory is not ours).
      expect(run(cache, args()).trace).toBe(rewritten ? 'hit' : r.trace);
    };

    it('a tampered entry (checksum)', () => {
      const { cache, entry } = prime('tampered');
      const bytes = fs.readFileSync(entry);
      bytes[bytes.length - 40]! ^= 0xff;
      fs.writeFileSync(entry, bytes);
      refusedThen(cache, /^refused: checksum mismatch/);
    });

    it('an entry rewritten with a valid checksum for another program', () => {
      const { cache, entry } = prime('other-program');
      rewrite(entry, (body) => {
        const at = body.indexOf(Buffer.from('/usr/bin/cat'), 16);
        expect(at).toBeGreaterThan(0);
        body.write('/usr/bin/cad', at);
        return body;
      });
      refusedThen(cache, /^refused: written for another (key|program)/);
    });

    it('a stale format (another launcher version)', () => {
      const { cache, entry } = prime('stale-format');
      rewrite(entry, (body) => {
        const at = body.indexOf(Buffer.from('pledge-launch/'));
        expect(at).toBeGreaterThan(0);
        body.write('0', at + 'pledge-launch/'.length);
        return body;
      });
      refusedThen(cache, /^refused: written for another key, format or arch/);
    });

    it('a stale program (the file changed since)', () => {
      const cache = path.join(dir, 'attack-stale-program');
      const prog = path.join(dir, 'mycat');
      fs.copyFileSync('/bin/cat', prog);
      fs.chmodSync(prog, 0o755);
      const a = ['-p', 'stdio rpath', '--', prog, text];
      run(cache, a);
      expect(run(cache, a).trace).toBe('hit');
      const t = new Date(Date.now() + 5000);
      fs.utimesSync(prog, t, t);
      const r = run(cache, a);
      expect(r.trace).toBe(`stale: ${prog} changed`);
      expect(r.stdout).toBe('pear\napple\nfig\n');
      expect(run(cache, a).trace).toBe('hit');
    });

    it('a group- or world-writable entry', () => {
      const { cache, entry } = prime('writable-entry');
      fs.chmodSync(entry, 0o620);
      refusedThen(cache, /^refused: the entry is not the user's own/);
      fs.chmodSync(entries(cache)[0]!, 0o602);
      refusedThen(cache, /^refused: the entry is not the user's own/);
    });

    it('an entry owned by another user', () => {
      const { cache, entry } = prime('other-owner');
      fs.chownSync(entry, 65534, 65534);
      refusedThen(cache, /^refused: the entry is not the user's own/);
    });

    it('a group-writable directory: nothing is read nor written there', () => {
      const { cache, entry } = prime('writable-dir');
      fs.chmodSync(path.dirname(entry), 0o770);
      const before = fs.readFileSync(entry);
      fs.rmSync(entry);
      refusedThen(cache, /^refused: the cache directory is not the user's own/, false);
      expect(entries(cache)).toHaveLength(0);
      fs.writeFileSync(entry, before, { mode: 0o600 });
      expect(run(cache, args()).trace).toMatch(/^refused: the cache directory/);
    });

    it('a symlinked entry (to a valid entry elsewhere)', () => {
      const { cache, entry } = prime('symlink');
      const elsewhere = path.join(dir, 'elsewhere.policy');
      fs.renameSync(entry, elsewhere);
      fs.symlinkSync(elsewhere, entry);
      refusedThen(cache, /^refused: the entry is a symbolic link/);
      expect(fs.lstatSync(entry).isSymbolicLink()).toBe(false);
    });

    it('a symlinked cache directory', () => {
      const { cache, entry } = prime('symlink-dir');
      const d = path.dirname(entry);
      fs.renameSync(d, `${d}.real`);
      fs.symlinkSync(`${d}.real`, d);
      const r = run(cache, args());
      expect(r.trace).toMatch(/^refused: the cache directory is not the user's own/);
      expect(comparable(r)).toEqual(comparable(node));
    });
  });
});

describe('pid templates: the cached filter and report tables, given a pid, are what the command compiles for it', () => {
  const arch = archFor();
  for (const promises of ['stdio', 'stdio rpath', 'stdio proc', 'stdio rpath wpath cpath proc exec id']) {
    it(promises, () => {
      const set = new Set(promises.split(' '));
      const filter = (pid: number): Uint8Array => compileSupervisedFilter(set, arch, { pid, uid: 0, gid: 0 }).bytes;
      const reporter = new Reporter({ arch, format: 'text', penalty: 'kill', uid: 0, gid: 0 });
      const tables = (pid: number): Uint8Array => reporter.tablesFor(pid, set);
      const ft = pidTemplate(filter, 8, arch.endian)!;
      const tt = pidTemplate(tables, 4, arch.endian)!;
      expect(ft).toBeDefined();
      expect(tt).toBeDefined();
      // Under stdio the pid is in the filter (kill, tgkill, prlimit64 on itself); proc allows any pid.
      if (!set.has('proc')) expect(ft.slots.length).toBeGreaterThan(0);
      for (const pid of [TEMPLATE_PIDS[0], 3, 77, 4242, 65535, 65536, 1 << 20, TEMPLATE_PIDS[1]]) {
        expect(Buffer.from(fillPidTemplate(ft, pid, arch.endian)).equals(Buffer.from(filter(pid)))).toBe(true);
        expect(Buffer.from(fillPidTemplate(tt, pid, arch.endian)).equals(Buffer.from(tables(pid)))).toBe(true);
      }
    });
  }
});
