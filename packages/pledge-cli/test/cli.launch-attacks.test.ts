/**
 * Attacks on the native launcher and its policy cache (docs/cli.md,
 * "Launch and the policy cache") beyond cli.launch.test.ts's tampered
 * entries: a forged launcher request (SECCOMP_SCOPES_CACHE_WRITE) making
 * Node write a weaker policy under another command line's key or over a
 * file outside the cache, the entry script's handling of awkward
 * arguments, PATH and the working directory choosing another program, a
 * cache directory of another user, the learn marker on a cached run, and a
 * few programs of cli.programs40 compared byte for byte on Node, the
 * launcher's miss and its hit. Every program runs in a child process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_FORMAT, fnv1a64 } from '../src/policy-cache.js';
import { CLI, NODE, buildFixture, launchEnvironment, tempDir, type CliResult } from './cli-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.resolve(here, '../bin/pledge');
const LAUNCHER = path.resolve(here, '../../native/build/Release/pledge-launch');

let dir: string;
let secret: string;
/** A directory with a `node` that records the launcher's request instead of running the command. */
let spy: string;

beforeAll(() => {
  dir = tempDir();
  secret = path.join(dir, 'secret.txt');
  fs.writeFileSync(secret, 'secret\n');
  fs.mkdirSync(path.join(dir, 'listed'));
  fs.writeFileSync(path.join(dir, 'listed', 'a'), 'a\n');
  spy = path.join(dir, 'spy');
  fs.mkdirSync(spy);
  fs.writeFileSync(path.join(spy, 'node'), `#!/bin/sh\nprintf '%s' "$SECCOMP_SCOPES_CACHE_WRITE" > "${path.join(spy, 'request')}"\n`, { mode: 0o755 });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run extends CliResult {
  readonly trace: string;
}


/** `pledge ARGS` through the entry script, or on Node directly (`node: true`). */
function run(cache: string, args: readonly string[], options: { input?: string | Buffer; node?: boolean; env?: Record<string, string | undefined>; cwd?: string } = {}): Run {
  const trace = path.join(cache, 'trace');
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(trace, '');
  const [cmd, argv] = options.node ? [NODE, [CLI, ...args]] : [ENTRY, [...args]];
  const r = spawnSync(cmd, argv, { cwd: options.cwd, env: launchEnvironment(cache, trace, options.env), input: options.input ?? '', encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, trace: fs.readFileSync(trace, 'utf8').trim() };
}

/** The request the launcher would pass to Node for `args` on a miss. */
function launcherRequest(cache: string, args: readonly string[]): string {
  const file = path.join(spy, 'request');
  fs.rmSync(file, { force: true });
  const r = spawnSync(LAUNCHER, ['--pledge-js', CLI, ...args], { env: { ...launchEnvironment(cache, path.join(cache, 'trace')), PATH: `${spy}:/usr/bin:/bin` }, encoding: 'utf8' });
  if (r.error) throw r.error;
  return fs.readFileSync(file, 'utf8');
}

const comparable = (r: CliResult): { status: number | null; stdout: string; stderr: string } =>
  ({ status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/\[\d+\]/g, '[PID]') });

const entries = (cache: string): string[] => {
  const d = path.join(cache, 'seccomp-scopes');
  return fs.existsSync(d) ? fs.readdirSync(d).filter((n) => n.endsWith('.policy')) : [];
};

describe.runIf(fs.existsSync(LAUNCHER))('attacks on the launcher and its cache', () => {
  it('a cached dynamic program gets the loader window only as the file it was inspected as (device and inode in the entry)', () => {
    const cache = path.join(dir, 'program-identity');
    const prog = path.join(dir, 'dyn-helper');
    fs.copyFileSync(buildFixture('cli-helper'), prog);
    fs.chmodSync(prog, 0o755);
    const args = ['-p', 'stdio', '--', prog, 'exit', '7'];
    expect(run(cache, args).status).toBe(7);
    const hit = run(cache, args);
    expect(hit.trace).toBe('hit');
    expect(hit.status, hit.stderr).toBe(7);
    // The entry records the program's identity after the loader timeout:
    // file str, loader 1, timeout 10000, identity set 1, dev, ino.
    const st = fs.statSync(prog, { bigint: true });
    const name = Buffer.from(prog);
    const fields = Buffer.alloc(4 + name.length + 12 + 16);
    fields.writeUInt32LE(name.length, 0);
    name.copy(fields, 4);
    fields.writeUInt32LE(1, 4 + name.length);
    fields.writeUInt32LE(10000, 8 + name.length);
    fields.writeUInt32LE(1, 12 + name.length);
    fields.writeBigUInt64LE(st.dev, 16 + name.length);
    fields.writeBigUInt64LE(st.ino, 24 + name.length);
    const [entryName] = entries(cache);
    const entry = path.join(cache, 'seccomp-scopes', entryName!);
    const bytes = fs.readFileSync(entry);
    const at = bytes.indexOf(fields, 16);
    expect(at).toBeGreaterThan(0);
    // The same entry naming another file (as if the path had been swapped between check and execve).
    bytes.writeBigUInt64LE(st.ino + 1n, at + 24 + name.length);
    bytes.writeBigUInt64LE(fnv1a64(bytes.subarray(16)), 8);
    fs.writeFileSync(entry, bytes);
    const r = run(cache, args);
    expect(r.trace).toBe('hit');
    expect(r.status, r.stderr).toBe(159);
    expect(r.stderr).toContain('changed after it was inspected');
  });

  it('a forged request: the key of `-p stdio` on a `-p "stdio rpath"` run writes nothing, so `-p stdio` never runs under rpath', () => {
    const cache = path.join(dir, 'forged-key');
    const strict = ['-p', 'stdio', '--', 'cat', secret];
    const request = launcherRequest(cache, strict);
    expect(request.split('\n')).toHaveLength(4);
    // The same split (3 option words), a weaker policy.
    const weak = run(cache, ['-p', 'stdio rpath', '--', 'cat', secret], { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: request } });
    expect(weak.stdout).toBe('secret\n');
    expect(entries(cache)).toHaveLength(0);
    const r = run(cache, strict);
    expect(r.trace).toMatch(/^miss/);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(159);
    // The honest request still writes the entry, and the hit enforces stdio.
    expect(run(cache, strict).trace).toBe('hit');
    expect(run(cache, strict).status).toBe(159);
  });

  it('a forged request: a key for another program, uid or environment writes nothing', () => {
    const cache = path.join(dir, 'forged-parts');
    const args = ['-p', 'stdio rpath', '--', 'cat', secret];
    const [words, format, keyHex, entry] = launcherRequest(cache, args).split('\n') as [string, string, string, string];
    const key = Buffer.from(keyHex, 'hex').toString('latin1');
    for (const forged of [
      key.replace('/usr/bin/cat', '/usr/bin/cut'),
      key.replace(/^([^\0]*\0[^\0]*\0)0\0/, '$11000\0'),
      key.replace('LD_PRELOAD', 'LD_PRELOAD=/x.so'),
    ]) {
      expect(forged).not.toBe(key);
      const hex = Buffer.from(forged, 'latin1').toString('hex');
      run(cache, args, { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: `${words}\n${format}\n${hex}\n${entry}` } });
      expect(entries(cache)).toHaveLength(0);
    }
    run(cache, args, { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: `${words}\n${format}\n${keyHex}\n${entry}` } });
    expect(entries(cache)).toEqual([path.basename(entry)]);
  });

  it('a launcher of another entry format (a stale prebuild) gets no entry: it would read this layout as its own', () => {
    const cache = path.join(dir, 'other-format');
    const args = ['-p', 'stdio rpath', '--', 'cat', secret];
    const [words, format, keyHex, entry] = launcherRequest(cache, args).split('\n') as [string, string, string, string];
    expect(format).toBe(ENTRY_FORMAT);
    const key = Buffer.from(keyHex, 'hex').toString('latin1');
    const stale = 'pledge-launch/11';
    // The key and its entry's name as that launcher computes them (the format comes first in the key).
    const staleKey = Buffer.from(key.replace(format, stale), 'latin1');
    const staleEntry = path.join(path.dirname(entry), `${fnv1a64(staleKey).toString(16).padStart(16, '0')}.policy`);
    run(cache, args, { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: `${words}\n${stale}\n${staleKey.toString('hex')}\n${staleEntry}` } });
    expect(entries(cache)).toHaveLength(0);
    run(cache, args, { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: `${words}\n${format}\n${keyHex}\n${entry}` } });
    expect(entries(cache)).toEqual([path.basename(entry)]);
  });

  it('a forged request: an entry path outside the cache directory (a file of the user\'s) is never written', () => {
    const cache = path.join(dir, 'forged-path');
    const args = ['-p', 'stdio', '--', 'true'];
    const [words, format, keyHex, entry] = launcherRequest(cache, args).split('\n') as [string, string, string, string];
    const private_ = path.join(dir, 'private');
    fs.mkdirSync(private_, { mode: 0o700 });
    const victim = path.join(private_, 'authorized_keys');
    fs.writeFileSync(victim, 'mine\n', { mode: 0o600 });
    for (const target of [victim, path.join(path.dirname(entry), 'other.policy'), path.join(path.dirname(entry), '0000000000000000.policy')]) {
      const r = run(cache, args, { node: true, env: { SECCOMP_SCOPES_CACHE_WRITE: `${words}\n${format}\n${keyHex}\n${target}` } });
      expect(r.status).toBe(0);
    }
    expect(fs.readFileSync(victim, 'utf8')).toBe('mine\n');
    expect(entries(cache)).toHaveLength(0);
  });

  it('the entry script passes arguments with spaces, newlines, globs, an empty one and option-like ones verbatim, miss and hit', () => {
    const cache = path.join(dir, 'args');
    const words = ['a b', 'c\nd', '*', '', '-p', '--', "$HOME", '\\', 'e=f'];
    const args = ['-p', 'stdio', '--', 'printf', '[%s]\\n', ...words];
    const expected = words.map((w) => `[${w}]\n`).join('');
    const first = run(cache, args, { cwd: dir });
    const second = run(cache, args, { cwd: dir });
    expect(first.trace).toMatch(/^miss/);
    expect(second.trace).toBe('hit');
    for (const r of [first, second]) expect(r.stdout).toBe(expected);
  });

  it('options with `=`, `--` and `run`: each spelling its own key; a weaker line\'s entry never serves a stricter one', () => {
    const cache = path.join(dir, 'spellings');
    const weak = ['run', '--promises=stdio rpath', '--', 'cat', secret];
    run(cache, weak);
    expect(run(cache, weak)).toMatchObject({ trace: 'hit', stdout: 'secret\n' });
    for (const strict of [['run', '--promises=stdio', '--', 'cat', secret], ['--promises=stdio', '--', 'cat', secret], ['-p', 'stdio', 'cat', secret], ['run', '--promises=stdio', 'rpath', '--', 'cat', secret]]) {
      const r = run(cache, strict);
      expect(r.trace, strict.join(' ')).not.toBe('hit');
      expect(r.stdout, strict.join(' ')).toBe('');
    }
  });

  it('PATH or the working directory choosing another program with the same name: another key, never the other entry', () => {
    const cache = path.join(dir, 'path');
    const a = path.join(dir, 'bin-a');
    const b = path.join(dir, 'bin-b');
    for (const d of [a, b]) {
      fs.mkdirSync(d);
      fs.copyFileSync('/bin/cat', path.join(d, 'prog'));
      fs.chmodSync(path.join(d, 'prog'), 0o755);
    }
    const args = ['-p', 'stdio rpath', '--', 'prog', secret];
    run(cache, args, { env: { PATH: `${a}:${path.dirname(NODE)}:/usr/bin:/bin` } });
    expect(run(cache, args, { env: { PATH: `${a}:${path.dirname(NODE)}:/usr/bin:/bin` } }).trace).toBe('hit');
    expect(run(cache, args, { env: { PATH: `${b}:${path.dirname(NODE)}:/usr/bin:/bin` } }).trace).toBe('miss: no entry');
    const rel = ['-p', 'stdio rpath', '--', './prog', secret];
    run(cache, rel, { cwd: a });
    expect(run(cache, rel, { cwd: a }).trace).toBe('hit');
    expect(run(cache, rel, { cwd: b }).trace).toBe('miss: no entry');
    // LD_LIBRARY_PATH (what the loader may open in the window): another key.
    expect(run(cache, args, { env: { PATH: `${a}:${path.dirname(NODE)}:/usr/bin:/bin`, LD_LIBRARY_PATH: b } }).trace).toBe('miss: no entry');
  });

  it("a cache directory of another user (XDG_CACHE_HOME pointing at it): its entry is never used, nothing written there", () => {
    const cache = path.join(dir, 'other-user');
    const args = ['-p', 'stdio', '--', 'cat', secret];
    run(cache, args);
    expect(run(cache, args).trace).toBe('hit');
    const d = path.join(cache, 'seccomp-scopes');
    // As if another user had planted it: ownership alone refuses it.
    fs.chownSync(d, 65534, 65534);
    for (const f of entries(cache)) fs.chownSync(path.join(d, f), 65534, 65534);
    const r = run(cache, args);
    expect(r.trace).toMatch(/^refused: the cache directory is not the user's own/);
    expect(r.status).toBe(159);
    expect(fs.readdirSync(d).filter((n) => n.endsWith('.tmp'))).toHaveLength(0);
    expect(entries(cache).map((f) => fs.statSync(path.join(d, f)).uid)).toEqual([65534]);
  });

  it("a cache path through another user's directory (XDG_CACHE_HOME under it, or a link into one): never used, whatever our directory at its end holds", () => {
    // Our directory V with an entry of this command line (any file of ours there would do: an unpacked archive's bytes).
    const v = path.join(dir, 'ours-v');
    const args = ['-p', 'stdio', '--', 'cat', secret];
    run(v, args);
    expect(run(v, args).trace).toBe('hit');
    // Another user's directory G naming it: only G's owner can change where G/base leads.
    const g = path.join(dir, 'other-g');
    fs.mkdirSync(g, { mode: 0o755 });
    fs.symlinkSync(v, path.join(g, 'base'));
    fs.chownSync(g, 65534, 65534);
    const through = run(path.join(g, 'base'), args);
    expect(through.trace).toMatch(/^refused: the cache directory is not the user's own/);
    expect(through.status).toBe(159);
    // A link of ours into another user's directory: the same.
    const h = path.join(dir, 'other-h');
    fs.mkdirSync(h, { mode: 0o755 });
    fs.renameSync(v, path.join(h, 'v'));
    fs.chownSync(h, 65534, 65534);
    const link = path.join(dir, 'link-v');
    fs.symlinkSync(path.join(h, 'v'), link);
    expect(run(link, args).trace).toMatch(/^refused: the cache directory is not the user's own/);
    // Ours all the way: used.
    fs.chownSync(h, process.geteuid!(), process.getegid!());
    expect(run(link, args).trace).toBe('hit');
  });

  it.runIf(fs.existsSync('/usr/bin/python3'))('-e: a thread of an executed program, its first judged call, is under the execpromises (not placed by the thread group\'s parent), on Node, miss and hit', () => {
    const cache = path.join(dir, 'thread');
    const out = path.join(dir, 'thread-out');
    const script = `import threading\ndef w():\n    try:\n        open(${JSON.stringify(out)}, 'w').write('x'); print('WRITTEN')\n    except Exception as e:\n        print('refused', e.errno)\nt = threading.Thread(target=w); t.start(); t.join()\n`;
    const args = ['-p', 'stdio rpath wpath cpath proc exec prot_exec', '-e', 'stdio rpath prot_exec', '--penalty', 'errno', '-q', '--no-unveil-warning', '--', 'sh', '-c', `/usr/bin/python3 -c "$1"`, 'sh', script];
    const runs = [run(cache, args, { node: true }), run(cache, args), run(cache, args)];
    expect(runs[2]!.trace).toBe('hit');
    for (const r of runs) expect(r.stdout).toBe('refused 1\n');
    expect(fs.existsSync(out)).toBe(false);
  });

  it.runIf(fs.existsSync('/usr/bin/python3'))("an io_uring ring the caller leaves open (SQPOLL: its kernel thread runs submissions under the creator's credentials, never the filter) never reaches the program, on Node, miss and hit", () => {
    const cache = path.join(dir, 'ring');
    // Creates the ring (io_uring_setup(4, {flags: IORING_SETUP_SQPOLL})), leaves it inheritable, and executes the rest.
    const maker = "import ctypes, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\np = ctypes.create_string_buffer(120)\nctypes.c_uint32.from_buffer(p, 8).value = 2\nfd = libc.syscall(425, 4, p)\nif fd < 0: print('no ring'); sys.exit(0)\nos.set_inheritable(fd, True)\nprint(os.readlink(f'/proc/self/fd/{fd}'), flush=True)\nos.execv(sys.argv[1], sys.argv[1:])\n";
    const lister = "import os\nfor i in range(3, 1024):\n    try: print(i, os.readlink(f'/proc/self/fd/{i}'))\n    except OSError: pass\n";
    const args = ['-p', 'stdio rpath prot_exec', '--', '/usr/bin/python3', '-c', lister];
    const trace = path.join(cache, 'trace');
    const outs = [[NODE, CLI], [ENTRY], [ENTRY]].map((cmd) => {
      fs.mkdirSync(cache, { recursive: true });
      fs.writeFileSync(trace, '');
      const r = spawnSync('/usr/bin/python3', ['-c', maker, ...cmd, ...args], { env: launchEnvironment(cache, trace), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { stdout: r.stdout, trace: fs.readFileSync(trace, 'utf8').trim() };
    });
    if (outs[0]!.stdout.startsWith('no ring')) return;  // io_uring disabled here
    expect(outs[2]!.trace).toBe('hit');
    for (const o of outs) {
      expect(o.stdout.split('\n')[0]).toBe('anon_inode:[io_uring]');
      expect(o.stdout.split('\n').slice(1).join('\n')).not.toContain('io_uring');
    }
  });

  it("the caller's own SECCOMP_SCOPES_CACHE_WRITE never reaches the program: on Node, the launcher's miss and its hit alike", () => {
    const cache = path.join(dir, 'request-env');
    const args = ['-p', 'stdio rpath proc exec prot_exec', '--', 'sh', '-c', 'echo "[$SECCOMP_SCOPES_CACHE_WRITE]"'];
    const env = { SECCOMP_SCOPES_CACHE_WRITE: 'from the caller' };
    const runs = [run(cache, args, { node: true, env }), run(cache, args, { env }), run(cache, args, { env })];
    expect(runs[2]!.trace).toBe('hit');
    for (const r of runs) expect(r.stdout).toBe('[]\n');
  });

  it('the learn marker on a cached run (native client): plain getppid, never LEARN_ACK, and pledge() enforces', () => {
    const cache = path.join(dir, 'learn');
    const native = path.resolve(here, '../../native/dist/index.js');
    const code = `import(${JSON.stringify(native)}).then((n) => console.log(n.learnMark(JSON.stringify({ v: 1, call: 'pledge', promises: 'stdio', execpromises: null, path: null, permissions: null, site: 'x.js:1:1' })) === n.learnProtocol().ack ? 'ACK' : 'no ACK'))`;
    const args = ['-p', 'stdio rpath prot_exec', '--node', '--', NODE, '-e', code];
    const first = run(cache, args, { env: { SECCOMP_SCOPES_LEARN: '1' } });
    const second = run(cache, args, { env: { SECCOMP_SCOPES_LEARN: '1' } });
    expect(second.trace).toBe('hit');
    for (const r of [first, second]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('no ACK\n');
    }
  });
});

describe.runIf(fs.existsSync(LAUNCHER))('programs of cli.programs40: Node, the launcher\'s miss and its hit, byte for byte', () => {
  const which = (p: string): boolean => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0;
  const CASES: readonly { name: string; args: () => string[]; input?: string; needs: string }[] = [
    { name: 'dash -c', args: () => ['-p', 'stdio rpath', '--', 'dash', '-c', 'for i in 1 2 3; do echo $i; done'], needs: 'dash' },
    { name: 'ls -l (getpw)', args: () => ['-p', 'stdio rpath getpw', '--', 'ls', '-l', '--time-style=+', path.join(dir, 'listed')], needs: 'ls' },
    { name: 'ls -l without getpw (refused, "it needs getpw")', args: () => ['-p', 'stdio rpath', '--penalty', 'errno', '--', 'ls', '-l', '--time-style=+', secret], needs: 'ls' },
    { name: 'openssl dgst (openssl.cnf a path exception)', args: () => ['-p', 'stdio', '--', 'openssl', 'dgst', '-sha256'], input: 'pear\n', needs: 'openssl' },
    { name: 'perl -ne', args: () => ['-p', 'stdio rpath', '--', 'perl', '-ne', 'print uc'], input: 'pear\n', needs: 'perl' },
    { name: 'file - under stdio (refused magic database)', args: () => ['-p', 'stdio', '--', 'file', '-'], input: 'pear\n', needs: 'file' },
  ];
  for (const c of CASES) {
    it.runIf(which(c.needs))(c.name, () => {
      const cache = path.join(dir, `p40-${CASES.indexOf(c)}`);
      const node = run(cache, c.args(), { input: c.input, node: true });
      const first = run(cache, c.args(), { input: c.input });
      const second = run(cache, c.args(), { input: c.input });
      expect(first.trace).toMatch(/^miss/);
      expect(second.trace).toBe('hit');
      expect(comparable(first)).toEqual(comparable(node));
      expect(comparable(second)).toEqual(comparable(node));
    });
  }
});
