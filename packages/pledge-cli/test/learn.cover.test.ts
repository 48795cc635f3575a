/**
 * `pledge learn`'s computation without the kernel (src/learn-cover.ts,
 * src/learn-unveil.ts, buildResult of src/learn.ts): the power order, the
 * least powerful cover, the attribution of recorded calls on the aarch64
 * tables (this machine's arch does not matter), and the unveil rules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMISES, type ArchDescriptor } from '@seccomp-scopes/core';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { PROMISE_POWER, attributeCall, canonicalPromises, handledErrno, leastCover, powerRank, type AttributionContext } from '../src/learn-cover.js';
import { unveilRules } from '../src/learn-unveil.js';
import { buildResult, parseRecord, shellQuote, type Observation } from '../src/learn.js';

const AT_FDCWD = BigInt.asUintN(64, -100n);

/** An observation as `pledge learn --json` records it, by syscall name on `arch`. */
function obs(arch: ArchDescriptor, syscall: string, args: readonly (number | bigint)[], extra: Partial<Observation> = {}): Observation {
  const nr = arch.syscalls[syscall];
  if (nr === undefined) throw new Error(`${syscall} is not on ${arch.name}`);
  const full = [0, 1, 2, 3, 4, 5].map((i) => `0x${BigInt.asUintN(64, BigInt(args[i] ?? 0)).toString(16)}`);
  return { run: 0, nr, syscall, args: full, comm: 'prog', pid: 4242, process: 1, execed: false, main: true, foreign: false, site: null, count: 1, ...extra };
}

const c = (arch: ArchDescriptor, name: string): number => Number(arch.constants[name as keyof typeof arch.constants]);

describe('PROMISE_POWER', () => {
  it('ranks every promise exactly once', () => {
    expect(PROMISE_POWER.map((p) => p.promise).sort()).toEqual(PROMISES.map((p) => p.name).sort());
  });
  it('puts tmppath before rpath, wpath and cpath, getpw before dns and unix', () => {
    for (const p of ['rpath', 'wpath', 'cpath']) expect(powerRank('tmppath')).toBeLessThan(powerRank(p));
    expect(powerRank('getpw')).toBeLessThan(powerRank('unix'));
    expect(powerRank('getpw')).toBeLessThan(powerRank('dns'));
  });
});

describe('leastCover', () => {
  it('chooses the least powerful alternative, not the first given nor the fewest promises', () => {
    // Alternatives listed most powerful first: a cover taking the first would pick unix / rpath wpath cpath / inet.
    expect([...leastCover([[['unix'], ['getpw']]])].sort()).toEqual(['getpw', 'stdio']);
    expect([...leastCover([[['rpath', 'wpath', 'cpath'], ['tmppath']]])].sort()).toEqual(['stdio', 'tmppath']);
    // Fewest promises would take inet (one) over dns getpw (two); the power order does not.
    expect(canonicalPromises(leastCover([[['inet'], ['dns', 'getpw']]]))).toBe('stdio dns getpw');
  });
  it('reuses what another call needs anyway, and stays inclusion-minimal', () => {
    // rpath is needed for a read; a stat needs rpath or wpath: rpath covers both.
    expect(canonicalPromises(leastCover([[['rpath']], [['wpath'], ['rpath']]]))).toBe('stdio rpath');
    // unix is needed by a real local socket: the nscd probe's getpw is then not added.
    expect(canonicalPromises(leastCover([[['unix']], [['unix'], ['getpw']]]))).toBe('stdio unix');
  });
  it('chooses within a given set (execpromises within promises)', () => {
    expect(canonicalPromises(leastCover([[['getpw'], ['rpath']]], new Set(['stdio', 'rpath'])))).toBe('stdio rpath');
  });
});

describe('attribution on recorded calls (aarch64 tables)', () => {
  const context: AttributionContext = { arch: aarch64, runtime: { pid: 4242, uid: 1000, gid: 1000 }, mode: 'program' };
  const passwd = obs(aarch64, 'openat', [AT_FDCWD, 0x1000, c(aarch64, 'O_RDONLY') | c(aarch64, 'O_CLOEXEC')], { path: '/etc/passwd', file: '/etc/passwd', exists: true });
  const probe = obs(aarch64, 'socket', [c(aarch64, 'AF_UNIX'), c(aarch64, 'SOCK_STREAM') | c(aarch64, 'SOCK_CLOEXEC') | c(aarch64, 'SOCK_NONBLOCK'), 0]);
  const read = obs(aarch64, 'read', [0, 0x1000, 4096]);
  const data = obs(aarch64, 'openat', [AT_FDCWD, 0x1000, c(aarch64, 'O_RDONLY')], { path: '/etc/hostname', file: '/etc/hostname', exists: true });
  const tmp = obs(aarch64, 'openat', [AT_FDCWD, 0x1000, c(aarch64, 'O_RDWR') | c(aarch64, 'O_CREAT') | c(aarch64, 'O_EXCL')], { path: '/tmp/tmp.XXXXXX', file: '/tmp/tmp.XXXXXX', exists: false });
  const tcp = obs(aarch64, 'socket', [c(aarch64, 'AF_INET'), c(aarch64, 'SOCK_STREAM'), 0]);
  const attr = (o: Observation) => attributeCall({ nr: o.nr, args: o.args.map((a) => BigInt(a)), ...(o.path ? { path: o.path } : {}), ...(o.file ? { file: o.file } : {}) }, context);

  it('names what each call needs', () => {
    expect(attr(read)).toEqual({ kind: 'needs', sets: [['stdio']] });
    expect(attr(obs(aarch64, 'exit_group', [0]))).toEqual({ kind: 'free', why: 'allowed under every promise set' });
    expect(attr(passwd)).toEqual({ kind: 'needs', sets: [['getpw'], ['rpath']] });
    expect(attr(data)).toEqual({ kind: 'needs', sets: [['rpath']] });
    const p = attr(probe);
    expect(p.kind).toBe('needs');
    expect(p.kind === 'needs' && p.sets.some((s) => s.join(' ') === 'getpw')).toBe(true);
    expect(p.kind === 'needs' && p.sets.some((s) => s.includes('unix'))).toBe(false);
    const t = attr(tmp);
    expect(t.kind === 'needs' && t.sets.some((s) => s.join(' ') === 'tmppath')).toBe(true);
    // The same creation outside /tmp: tmppath is no answer there.
    const home = attr({ ...tmp, path: '/home/u/x', file: '/home/u/x' });
    expect(home.kind === 'needs' && home.sets.some((s) => s.includes('tmppath'))).toBe(false);
    expect(attr(tcp)).toMatchObject({ kind: 'needs' });
  });

  it('answers the nscd probe with its errno while learning, nothing else', () => {
    expect(handledErrno({ nr: probe.nr, args: probe.args.map((a) => BigInt(a)) }, aarch64, context.runtime)).toBe(c(aarch64, 'EACCES'));
    expect(handledErrno({ nr: tcp.nr, args: tcp.args.map((a) => BigInt(a)) }, aarch64, context.runtime)).toBeUndefined();
  });

  it('computes the least set, the unveil rules and the command line from observations', () => {
    const r = buildResult({
      arch: aarch64, node: false, runs: [{ command: ['prog'], pid: 4242, cwd: '/', status: 0, signal: null }],
      observations: [read, passwd, probe, tmp], records: [], runtime: { pid: 4242, uid: 1000, gid: 1000 }, command: ['prog', 'it s'],
    });
    // getpw reads /etc/passwd and answers the probe; tmppath creates the temporary file.
    expect(r.promises).toBe('stdio tmppath getpw');
    expect(r.why.map((w) => w.promise)).toEqual(['stdio', 'tmppath', 'getpw'].filter((p) => r.why.some((w) => w.promise === p)));
    // /etc/passwd is getpw's path exception (opened by the supervisor without rpath): no rule; the temporary file's directory gets rwc.
    expect(r.unveil).toEqual([{ path: '/tmp', permissions: 'rwc' }]);
    expect(r.argv).toEqual(['-p', 'stdio tmppath getpw', '-v', 'rwc:/tmp', '--', 'prog', 'it s']);
    expect(r.commandLine).toBe("pledge -p 'stdio tmppath getpw' -v rwc:/tmp -- prog 'it s'");
    // With a read of an ordinary file too, rpath comes in and /etc/passwd needs a rule (rpath lets the kernel open it: Landlock judges).
    const r2 = buildResult({ arch: aarch64, node: false, runs: [], observations: [read, passwd, data], records: [], runtime: { pid: 4242, uid: 1000, gid: 1000 }, command: ['prog'] });
    expect(r2.promises).toBe('stdio rpath');
    expect(r2.unveil).toEqual([{ path: '/etc/hostname', permissions: 'r' }, { path: '/etc/passwd', permissions: 'r' }]);
  });

  it('proposes execpromises when the programs started needed less', () => {
    const fork = obs(aarch64, 'clone', [c(aarch64, 'SIGCHLD'), 0, 0, 0, 0]);
    const exec = obs(aarch64, 'execve', [0x1000, 0x2000, 0x3000], { path: '/usr/bin/cat', file: '/usr/bin/cat', exists: true });
    const childRead = { ...data, comm: 'cat', process: 2, execed: true, main: false };
    const r = buildResult({ arch: aarch64, node: false, runs: [], observations: [read, fork, exec, childRead], records: [], runtime: { pid: 4242, uid: 1000, gid: 1000 }, command: ['sh'] });
    expect(r.promises).toBe('stdio rpath proc exec');
    expect(r.execpromises).toBe('stdio rpath');
    expect(r.images).toEqual([{ comm: 'cat', promises: 'stdio rpath' }]);
    expect(r.argv.slice(0, 4)).toEqual(['-p', 'stdio rpath proc exec', '-e', 'stdio rpath']);
  });

  it('lists calls no promise allows, with what to do', () => {
    const ptrace = obs(aarch64, 'ptrace', [0, 1, 0, 0]);
    const r = buildResult({ arch: aarch64, node: false, runs: [], observations: [read, ptrace], records: [], runtime: { pid: 4242, uid: 1000, gid: 1000 }, command: ['prog'] });
    expect(r.unattributed).toHaveLength(1);
    expect(r.unattributed[0]!.todo).toMatch(/refused under every promise set \(reaches into other processes/);
  });

  it('gives the same answers on the x86_64 tables', () => {
    const same = (o: Observation) => {
      const nr = x86_64.syscalls[o.syscall]!;
      return attributeCall({ nr, args: o.args.map((a) => BigInt(a)), ...(o.path ? { path: o.path } : {}), ...(o.file ? { file: o.file } : {}) }, { ...context, arch: x86_64 });
    };
    expect(same(passwd)).toEqual(attr(passwd));
    expect(same(data)).toEqual(attr(data));
  });
});

describe('in-process pledge() in Node: the runtime allowance', () => {
  const context: AttributionContext = { arch: x86_64, runtime: { pid: 4242, uid: 1000, gid: 1000 }, mode: 'in-process', nodeExecPath: '/opt/node/bin/node' };
  const attr = (o: Observation) => attributeCall({ nr: o.nr, args: o.args.map((a) => BigInt(a)), ...(o.path ? { path: o.path } : {}), ...(o.file ? { file: o.file } : {}) }, context);
  const open = (p: string) => obs(x86_64, 'openat', [AT_FDCWD, 0, c(x86_64, 'O_RDONLY') | c(x86_64, 'O_CLOEXEC')], { path: p, file: p });
  it("answers Node's own probes with an errno it copes with: no promise", () => {
    for (const p of ['/proc/sys/vm/overcommit_memory', '/proc/self/cgroup', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/proc/4242/maps', '/opt/node/bin/node']) {
      expect(attr(open(p)), p).toEqual({ kind: 'errno', errno: 13 });
    }
    expect(attr(obs(x86_64, 'readlink', [0, 0, 4096], { path: '/proc/self/fd/1', file: '/proc/self/fd/1' }))).toEqual({ kind: 'errno', errno: 13 });
    // Node restores the terminal at exit and accepts EPERM.
    expect(attr(obs(x86_64, 'ioctl', [0, c(x86_64, 'TCSETS')]))).toEqual({ kind: 'errno', errno: 1 });
  });
  it("the program's own reads get the same EACCES and fail: they still need rpath", () => {
    expect(attr(open('/srv/data'))).toEqual({ kind: 'needs', sets: [['rpath']] });
    expect(attr(open('/proc/sys/vm/swappiness')).kind).toBe('needs');
    expect(attr(obs(x86_64, 'newfstatat', [AT_FDCWD, 0, 0, 0], { path: '/srv/data', file: '/srv/data' })).kind).toBe('needs');
  });
});

describe('unveil rules', () => {
  const use = (file: string, flags: number, exists = true) => ({ syscall: 'openat', args: [AT_FDCWD, 0n, BigInt(flags)], file, exists });
  it('folds several files of a directory, keeps single files, and leaves missing files out', () => {
    const rules = unveilRules([
      use('/srv/a/1', 0), use('/srv/a/2', 0), use('/srv/a/3', 0), use('/srv/b', 0), use('/srv/missing', 0, false),
      use('/usr/lib/python3.11/os.py', 0), use('/srv/out/new', c(x86_64, 'O_WRONLY') | c(x86_64, 'O_CREAT'), false),
    ], x86_64, new Set(['stdio', 'rpath']));
    expect(rules).toEqual([
      { path: '/srv/a', permissions: 'r' }, { path: '/srv/b', permissions: 'r' }, { path: '/srv/out', permissions: 'wc' },
      { path: '/usr/lib/python3.11', permissions: 'r' },
    ]);
  });

  it('leaves out the path exceptions the command opens itself (bypassing -v), and only those: the ones the promises do not allow in the kernel', () => {
    const write = c(x86_64, 'O_WRONLY') | c(x86_64, 'O_CREAT') | c(x86_64, 'O_TRUNC');
    const uses = [use('/dev/null', write), use('/etc/localtime', 0)];
    // Neither rpath nor wpath: both reach the supervisor.
    expect(unveilRules(uses, x86_64, new Set(['stdio']))).toEqual([]);
    // rpath: the read is the kernel's (Landlock judges it); the write to /dev/null still reaches the supervisor.
    expect(unveilRules(uses, x86_64, new Set(['stdio', 'rpath']))).toEqual([{ path: '/etc/localtime', permissions: 'r' }]);
    // wpath: the write is the kernel's.
    expect(unveilRules(uses, x86_64, new Set(['stdio', 'wpath']))).toEqual([{ path: '/dev/null', permissions: 'w' }]);
  });

  it('a file beneath a directory rule gets only the letters that apply to a file: never "c" (cp in.txt out.txt)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'learn-unveil-'));
    fs.writeFileSync(path.join(dir, 'in.txt'), 'x');
    const create = c(x86_64, 'O_WRONLY') | c(x86_64, 'O_CREAT') | c(x86_64, 'O_EXCL');
    const rules = unveilRules([use(path.join(dir, 'in.txt'), 0), use(path.join(dir, 'out.txt'), create, false)], x86_64, new Set(['stdio', 'rpath', 'wpath', 'cpath']));
    // in.txt was only read; "w" is what Landlock grants it from the directory's rule anyway (strict -v refuses a rule that silently gets more).
    expect(rules).toEqual([{ path: dir, permissions: 'wc' }, { path: path.join(dir, 'in.txt'), permissions: 'rw' }]);
    fs.rmSync(dir, { recursive: true });
  });

  it('leaves out the files the command unveils itself (the preload object), read only', () => {
    const preload = '/opt/pledge/pledge_preload.so';
    const uses = [use(preload, 0), use('/srv/data', 0)];
    expect(unveilRules(uses, x86_64, new Set(['stdio', 'rpath']), [preload])).toEqual([{ path: '/srv/data', permissions: 'r' }]);
    expect(unveilRules(uses, x86_64, new Set(['stdio', 'rpath']))).toContainEqual({ path: preload, permissions: 'r' });
    // Written: not what the command grants, so proposed.
    expect(unveilRules([use(preload, c(x86_64, 'O_WRONLY'))], x86_64, new Set(['stdio', 'wpath']), [preload])).toEqual([{ path: preload, permissions: 'w' }]);
  });
});

describe('shellQuote', () => {
  it('quotes what a shell would split or expand', () => {
    expect(['a', 'r:/x', "it's", 'a b', '$x'].map(shellQuote)).toEqual(['a', 'r:/x', `'it'\\''s'`, "'a b'", "'$x'"]);
  });
});

describe('the learn marker\'s record', () => {
  it('is read when it has the protocol\'s shape, and refused with the reason otherwise', () => {
    const ok = { v: 1, call: 'pledge', promises: 'stdio', execpromises: null, path: null, permissions: null, site: 'app.js:4:1' };
    expect(parseRecord(JSON.stringify(ok))).toEqual({ call: 'pledge', promises: 'stdio', execpromises: null, path: null, permissions: null, site: 'app.js:4:1' });
    expect(parseRecord('{')).toBe('not JSON');
    expect(parseRecord(JSON.stringify({ ...ok, v: 2 }))).toBe('version 2 (expected 1)');
    expect(parseRecord(JSON.stringify({ ...ok, call: 'exec' }))).toBe('call "exec" (expected "pledge" or "unveil")');
    expect(parseRecord(JSON.stringify({ ...ok, promises: 7 }))).toBe('promises is not a string or null');
  });
});
