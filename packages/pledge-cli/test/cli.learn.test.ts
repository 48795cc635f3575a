/**
 * `pledge learn` on real programs (issue 14), each run in a child: the
 * proposal for coreutils filters, a file reader, an archiver, an
 * interpreter and a shell pipeline that spawns; the proposed command line
 * gives the output of the unsandboxed run and `--verify` agrees. Also the
 * `--json` shape, `--merge`, typed errors for bad input, and that the
 * enforcing path never takes learn mode's answers (the learn marker is not
 * acknowledged, SECCOMP_SCOPES_LEARN in the environment changes nothing).
 * Node programs: cli.learn.node.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import * as native from '@seccomp-scopes/native';
import { NODE, describeRun, direct, pledgeCli, tempDir, type CliResult } from './cli-harness.js';
import type { LearnResult } from '../src/learn.js';

let dir: string;
const TEXT = 'pear\napple\nfig\napple\n';

beforeAll(() => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'lines.txt'), TEXT);
  fs.mkdirSync(path.join(dir, 'tree'));
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, 'tree', n), `${n}\n`);
});

/** `pledge learn --verify-stdout --json -o FILE -- command`; the run and the profile. */
function learn(command: readonly string[], input = '', extra: readonly string[] = []): { r: CliResult; profile: LearnResult; file: string } {
  const file = path.join(dir, `profile-${Math.random().toString(36).slice(2)}.json`);
  const r = pledgeCli(['learn', '--verify-stdout', '--json', '-o', file, ...extra, '--', ...command], { cwd: dir, input, timeoutMs: 60_000 });
  expect(fs.existsSync(file), describeRun(r)).toBe(true);
  return { r, profile: JSON.parse(fs.readFileSync(file, 'utf8')) as LearnResult, file };
}

/** The program learned, its proposal run, and the unsandboxed run: the same output; --verify said so. */
function check(command: readonly string[], promises: string, input = ''): LearnResult {
  const { r, profile } = learn(command, input);
  const want = direct(command, { cwd: dir, input });
  expect(want.status, describeRun(want)).toBe(0);
  expect(r.status, describeRun(r)).toBe(0);
  expect(r.stdout).toBe(want.stdout);
  expect(r.stderr).toContain('pledge learn: verify: the proposal behaved the same: exit status 0 (learned run: 0), stdout identical');
  expect(r.stderr).toContain('learning only sees what this run exercised');
  expect(profile.promises, JSON.stringify(profile.why)).toBe(promises);
  expect(profile.argv.slice(-command.length - 1)).toEqual(['--', ...command]);
  const got = pledgeCli(profile.argv, { cwd: dir, input });
  expect(got.status, describeRun(got)).toBe(0);
  expect(got.stdout).toBe(want.stdout);
  return profile;
}

describe('pledge learn proposes what a careful person finds, and the proposal runs the program unchanged', () => {
  it('sort (a filter): stdio, no unveil rule', () => {
    const p = check(['sort'], 'stdio', TEXT);
    expect(p.unveil).toEqual([]);
    expect(p.argv).toEqual(['-p', 'stdio', '--', 'sort']);
    expect(p.commandLine).toBe('pledge -p stdio -- sort');
  });

  it('cat FILE: stdio rpath and r on the file', () => {
    const file = path.join(dir, 'lines.txt');
    const p = check(['cat', file], 'stdio rpath');
    expect(p.unveil).toEqual([{ path: file, permissions: 'r' }]);
    expect(p.why.find((w) => w.promise === 'rpath')!.calls.join('\n')).toContain(`openat(AT_FDCWD, "${file}"`);
    expect(p.commandLine).toBe(`pledge -p 'stdio rpath' -v r:${file} -- cat ${file}`);
  });

  it('tar c of a directory to stdout: rpath, getpw for the owner names (not unix), the directory unveiled', () => {
    const p = check(['tar', '-C', dir, '-cf', '-', 'tree'], 'stdio rpath getpw');
    expect(p.unveil).toContainEqual({ path: dir, permissions: 'r' });
    expect(p.unattributed).toEqual([]);
  });

  it('an interpreter (perl -ne): stdio rpath', () => {
    check(['perl', '-ne', 'print uc'], 'stdio rpath', TEXT);
  });

  it('cp in.txt out.txt: "c" only on the directory, the input without it, and the proposal runs without a warning', () => {
    const copy = path.join(dir, 'copy');
    fs.mkdirSync(copy);
    fs.writeFileSync(path.join(copy, 'in.txt'), TEXT);
    const { r, profile } = learn(['cp', 'copy/in.txt', 'copy/out.txt']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(profile.unveil).toContainEqual({ path: copy, permissions: 'wc' });
    // Only read: "r", and the "w" Landlock grants it from the directory's rule (strict -v refuses a rule that silently gets more); never "c".
    expect(profile.unveil.find((u) => u.path === path.join(copy, 'in.txt'))?.permissions).toBe('rw');
    for (const u of profile.unveil) if (u.permissions.includes('c')) expect(fs.statSync(u.path).isDirectory(), u.path).toBe(true);
    fs.rmSync(path.join(copy, 'out.txt'));
    const got = pledgeCli(profile.argv, { cwd: dir });
    expect(got.status, describeRun(got)).toBe(0);
    expect(got.stderr).toBe('');
    expect(fs.readFileSync(path.join(copy, 'out.txt'), 'utf8')).toBe(TEXT);
  });

  it('a shell pipeline that spawns: proc exec for the shell, execpromises for what it started', () => {
    const p = check(['bash', '-c', `cat ${path.join(dir, 'lines.txt')} | sort | uniq -c`], 'stdio rpath proc exec prot_exec');
    expect(p.execpromises).not.toBeNull();
    expect(p.execpromises!.split(' ')).not.toContain('exec');
    expect(p.images.map((i) => i.comm)).toEqual(['cat', 'sort', 'uniq']);
    // The preload's marker that ends each started program's start-up window (getppid(PLEDGE_MARKER_A, PLEDGE_MARKER_B, ...)) is ours, not the program's: not evidence.
    const { markerA } = native.preloadProtocol();
    expect(p.observations.filter((o) => BigInt(o.args[0]!) === markerA)).toEqual([]);
    expect(p.why.flatMap((w) => w.calls).filter((call) => /getppid/.test(call))).toEqual([]);
    expect(p.argv).toContain('-e');
    // The programs it runs: read and execute (folded into their directory).
    expect(p.unveil).toContainEqual({ path: '/usr/bin', permissions: 'rx' });
  });

  it('bash started without SHELL looks the user up: getpw is proposed, and the proposal runs it', () => {
    // bash sets SHELL from the password database when it is unset (a service, cron, a CI runner):
    // glibc asks nscd first (socket(AF_UNIX)), then reads /etc/passwd. That is getpw, not unix.
    const command = ['bash', '-c', 'echo ok'];
    const env = { SHELL: undefined };
    const file = path.join(dir, 'profile-noshell.json');
    const r = pledgeCli(['learn', '--json', '-o', file, '--', ...command], { cwd: dir, env, timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(0);
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as LearnResult;
    expect(profile.promises.split(' ')).toContain('getpw');
    expect(profile.promises.split(' ')).not.toContain('unix');
    expect(profile.unveil).toContainEqual({ path: '/etc/passwd', permissions: 'r' });
    // getpw's reasons are its own calls: the nscd probe, the password database, NSS's configuration and
    // its stat of "/"; bash's stats of /tmp, "." and PATH's directories need rpath (getpw reaches its files only).
    const getpw = profile.why.find((w) => w.promise === 'getpw')!;
    expect(getpw.calls.length).toBe(getpw.count);
    expect(getpw.calls).toContain('bash: socket(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC)');
    expect(getpw.calls).toContainEqual(expect.stringMatching(/^bash: openat\(AT_FDCWD, "\/etc\/passwd", /));
    for (const call of getpw.calls) expect(call).toMatch(/^bash: (socket\(AF_UNIX, |(openat|newfstatat|statx|stat)\((AT_FDCWD, )?"(\/etc\/(passwd|group|nsswitch\.conf)|\/)", )/);
    const rpath = profile.why.find((w) => w.promise === 'rpath')!;
    expect(rpath.calls).toContainEqual(expect.stringMatching(/^bash: newfstatat\(AT_FDCWD, "[^"]+", flags=0\)$/));
    const got = pledgeCli(profile.argv, { cwd: dir, env });
    expect(got.status, describeRun(got)).toBe(0);
    expect(got.stdout).toBe('ok\n');
    // With SHELL set, the same shell needs no getpw (what the other tests here run with).
    const withShell = pledgeCli(['learn', '--json', '-o', file, '--', ...command], { cwd: dir, env: { SHELL: '/bin/bash' }, timeoutMs: 60_000 });
    expect(withShell.status, describeRun(withShell)).toBe(0);
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as LearnResult).promises.split(' ')).not.toContain('getpw');
  });
});

describe('pledge learn output', () => {
  it('--json has the documented shape; the text form names promises, calls and the command line', () => {
    const { profile } = learn(['cat', path.join(dir, 'lines.txt')]);
    expect(Object.keys(profile).sort()).toEqual(['arch', 'argv', 'commandLine', 'errno', 'execpromises', 'images', 'node', 'note', 'notes', 'observations', 'promises',
      'records', 'runs', 'sites', 'unattributed', 'unveil', 'version', 'why'].sort());
    expect(profile.version).toBe(1);
    expect(profile.runs).toHaveLength(1);
    expect(profile.runs[0]).toMatchObject({ command: ['cat', path.join(dir, 'lines.txt')], status: 0, signal: null });
    const open = profile.observations.find((o) => o.syscall === 'openat' && o.path === path.join(dir, 'lines.txt'))!;
    expect(open).toMatchObject({ run: 0, comm: 'cat', execed: false, main: true, exists: true, site: null });
    expect(open.args).toHaveLength(6);
    const text = pledgeCli(['learn', '--', 'cat', path.join(dir, 'lines.txt')], { cwd: dir });
    expect(text.status, describeRun(text)).toBe(0);
    expect(text.stdout).toBe(TEXT);
    expect(text.stderr).toContain('pledge learn: promises "stdio rpath"');
    expect(text.stderr).toMatch(/^ {2}rpath: cat: openat\(AT_FDCWD, /m);
    expect(text.stderr).toContain(`pledge learn: run it with: pledge -p 'stdio rpath' -v r:${path.join(dir, 'lines.txt')} -- cat`);
  });

  it('--merge joins earlier runs\' observations (with or without a new run)', () => {
    fs.writeFileSync(path.join(dir, 'other.txt'), 'other\n');
    const a = learn(['cat', path.join(dir, 'lines.txt')]);
    const b = learn(['cat', path.join(dir, 'other.txt')]);
    const out = path.join(dir, 'merged.json');
    const r = pledgeCli(['learn', '--json', '-o', out, '--merge', a.file, '--merge', b.file], { cwd: dir });
    expect(r.status, describeRun(r)).toBe(0);
    const merged = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(merged.runs).toHaveLength(2);
    expect(merged.promises).toBe('stdio rpath');
    expect(merged.unveil).toEqual([{ path: path.join(dir, 'lines.txt'), permissions: 'r' }, { path: path.join(dir, 'other.txt'), permissions: 'r' }]);
    // A new run merged with an earlier one: a filter learned with the reader.
    const both = pledgeCli(['learn', '--json', '-o', out, '--merge', a.file, '--', 'sort'], { cwd: dir, input: TEXT });
    expect(both.status, describeRun(both)).toBe(0);
    const m2 = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(m2.runs.map((x) => x.command[0])).toEqual(['sort', 'cat']);
    expect(m2.promises).toBe('stdio rpath');
  });

  it('bad input is a typed error naming the file, with no stack trace and nothing written', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"version": 1, "arch"');
    const r1 = pledgeCli(['learn', '--merge', bad]);
    expect(r1.status).toBe(125);
    expect(r1.stderr).toMatch(new RegExp(`^pledge learn: --merge ${bad}: not JSON: .*\\(expected the output of pledge learn --json, version 1\\)\\n$`));
    fs.writeFileSync(bad, JSON.stringify({ version: 1, arch: 'x86_64', runs: [], records: [], observations: [{ nr: 'x' }] }));
    const r2 = pledgeCli(['learn', '--merge', bad]);
    expect(r2.status).toBe(125);
    expect(r2.stderr).toContain(`--merge ${bad}: observations[0] is not an observation`);
    fs.writeFileSync(bad, JSON.stringify({ version: 1, arch: 'mips', runs: [], records: [], observations: [] }));
    expect(pledgeCli(['learn', '--merge', bad]).stderr).toContain('arch "mips" is not one of');
    const r3 = pledgeCli(['learn', '--merge', path.join(dir, 'absent.json')]);
    expect(r3.status).toBe(125);
    expect(r3.stderr).toContain('cannot be read');
    expect(pledgeCli(['learn']).stderr).toContain('pledge learn: no command given');
    for (const r of [r1, r2, r3]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says plainly when the proposal behaves differently', () => {
    // The program reads another file when it runs again: the second run is not the learned one.
    const flag = path.join(dir, 'flag');
    fs.rmSync(flag, { force: true });
    const script = `if [ -e ${flag} ]; then cat /etc/hostname; else : > ${flag}; fi`;
    const r = pledgeCli(['learn', '--verify', '--', 'sh', '-c', script], { cwd: dir, timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stderr).toContain('pledge learn: verify: the proposal behaved differently');
    expect(r.stderr).toContain('learning only sees what this run exercised');
  });
});

describe('the enforcing path never answers as the learner does', () => {
  it('SECCOMP_SCOPES_LEARN=1 in the environment of pledge run enforces', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'cat', '/etc/hostname'], { env: { SECCOMP_SCOPES_LEARN: '1' } });
    expect(r.status, describeRun(r)).toBe(159);
  });

  it('the learn marker gets LEARN_ACK only from pledge learn; under pledge run it is a plain getppid', () => {
    const native = path.resolve(__dirname, '../../native/dist/index.js');
    const code = `import(${JSON.stringify(native)}).then((n) => console.log(n.learnMark(JSON.stringify({ v: 1, call: 'pledge', promises: 'stdio', execpromises: null, path: null, permissions: null, site: 'x.js:1:1' })) === n.learnProtocol().ack ? 'ACK' : 'no ACK'))`;
    const run = pledgeCli(['-p', 'stdio rpath prot_exec', '--node', '--', NODE, '-e', code], { env: { SECCOMP_SCOPES_LEARN: '1' } });
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toBe('no ACK\n');
    const out = path.join(dir, 'marker.json');
    const learned = pledgeCli(['learn', '--node', '--json', '-o', out, '--', NODE, '-e', code]);
    expect(learned.status, describeRun(learned)).toBe(0);
    expect(learned.stdout).toBe('ACK\n');
    const profile = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(profile.records).toEqual([expect.objectContaining({ call: 'pledge', promises: 'stdio', site: 'x.js:1:1' })]);
  });
});

describe("the preload object in the programs a shell starts (the command unveils it itself)", () => {
  it('is not proposed, and the proposal runs the pipeline without it', () => {
    const out = path.join(dir, 'pipeline.json');
    const command = ['bash', '-c', 'ls /usr | cat'];
    const learned = pledgeCli(['learn', '--json', '-o', out, '--', ...command]);
    expect(learned.status, describeRun(learned)).toBe(0);
    const profile = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(profile.unveil.map((u) => u.path).filter((p) => p.endsWith('pledge_preload.so') || p.includes('/build/Release'))).toEqual([]);
    const r = pledgeCli(profile.argv);
    expect(r.stderr, describeRun(r)).not.toMatch(/cannot be preloaded/);
    expect(r.stdout).toBe(direct(command).stdout);
  });
});

describe('the preload applies the unveil descriptor only when it is open (a shell passes it on to the programs it runs)', () => {
  it('a library constructor that closes it first does not get the program out of the unveil domain: killed, exit 125', () => {
    const src = path.join(dir, 'evil.c');
    const lib = path.join(dir, 'evil.so');
    fs.writeFileSync(src, '#include <stdlib.h>\n#include <unistd.h>\n__attribute__((constructor)) static void evil(void) { const char *v = getenv("SECCOMP_SCOPES_LANDLOCK_FD"); if (v) close(atoi(v)); }\n');
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', lib, src], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const r = pledgeCli(['-p', 'stdio rpath', '-v', `r:${dir}`, '--', 'cat', '/etc/hostname'], { env: { LD_PRELOAD: lib } });
    expect(r.status, describeRun(r)).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('could not enter the unveil domain');
  });
});
