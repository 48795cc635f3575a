/**
 * Issue 12, the command's part: --node without rpath gets past the loader,
 * descriptors 3 and up reach the program, OpenBSD's path exceptions (and
 * glibc's locale) are opened by the supervisor, `dns`/`getpw` are
 * path-precise, a Node program run without --node is told so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, KILLED, NODE, describeRun, direct, pledgeCli, reports, tempDir } from './cli-harness.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'in.txt'), 'hello\n');
});

const utf8 = { LANG: 'C.UTF-8', LC_ALL: undefined } as const;

describe('pledge --node without rpath', () => {
  it('starts Node: the loader\'s opens reach the start-up window (they were answered EACCES in the kernel: exit 127)', () => {
    const r = pledgeCli(['-p', 'stdio prot_exec', '--node', '--', NODE, '-e', 'console.log(6 * 7)'], { env: { NODE_EXTRA_CA_CERTS: undefined } });
    expect(r.stderr, describeRun(r)).not.toMatch(/error while loading shared libraries/);
    expect(r.stdout, describeRun(r)).toBe('42\n');
    expect(r.status).toBe(0);
  });

  it('still answers Node\'s own read-only opens with EACCES after the window (no report)', () => {
    const r = pledgeCli(['-p', 'stdio prot_exec', '--node', '--', NODE, '-e', "try { require('fs').readFileSync('/etc/hostname') } catch (e) { console.log(e.code) }"], { env: { NODE_EXTRA_CA_CERTS: undefined } });
    expect(r.stdout, describeRun(r)).toBe('EACCES\n');
    expect(reports(r.stderr)).toEqual([]);
  });
});

describe('descriptors 3 and up', () => {
  it('are passed to the program, as env(1) passes them', () => {
    const out = path.join(dir, 'out.txt');
    const input = fs.openSync(path.join(dir, 'in.txt'), 'r');
    const output = fs.openSync(out, 'w');
    try {
      const r = spawnSync(NODE, [CLI, '-p', 'stdio rpath', '--', 'dash', '-c', 'read x <&3; echo "got $x" >&4'], {
        stdio: ['ignore', 'pipe', 'pipe', input, output], encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' },
      });
      expect(r.stderr).not.toMatch(/Bad file descriptor/);
      expect(r.status, r.stderr).toBe(0);
    } finally {
      fs.closeSync(input);
      fs.closeSync(output);
    }
    expect(fs.readFileSync(out, 'utf8')).toBe('got hello\n');
  });

  it('but not the command\'s own (event loop objects, its internal pipes)', () => {
    const r = pledgeCli(['-p', 'stdio rpath getpw', '--', 'ls', '-l', '/proc/self/fd/']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).not.toMatch(/anon_inode|eventpoll|eventfd/);
  });
});

describe('path exceptions (OpenBSD pledge_namei, glibc\'s locale)', () => {
  it('LANG=C.UTF-8 sort runs under stdio, as OpenBSD\'s sort does', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'sort'], { env: utf8, input: 'pear\napple\névian\n' });
    expect(r.stdout, describeRun(r)).toBe(direct(['sort'], { env: utf8, input: 'pear\napple\névian\n' }).stdout);
    expect(r.status).toBe(0);
  });

  it('the time zone: date under stdio with TZ', () => {
    const env = { TZ: 'Europe/Paris' };
    const r = pledgeCli(['-p', 'stdio', '--', 'date', '-d', '@0', '+%Z %H'], { env });
    expect(r.stdout, describeRun(r)).toBe('CET 01\n');
  });

  it('/dev/null under stdio, for reading and writing', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'cat', '/dev/null']);
    expect(r.status, describeRun(r)).toBe(0);
  });

  it('/dev/null for writing whatever the promises: under stdio rpath too (OpenBSD pledge_namei), and nothing else', () => {
    for (const promises of ['stdio', 'stdio rpath', 'stdio wpath']) {
      const r = pledgeCli(['-p', promises, '--', 'dd', 'if=/dev/null', 'of=/dev/null', 'status=none']);
      expect(r.status, `${promises}\n${describeRun(r)}`).toBe(0);
      expect(reports(r.stderr)).toEqual([]);
    }
    // Read and write on one descriptor (daemon(3)'s O_RDWR) under rpath alone.
    const rw = pledgeCli(['-p', 'stdio rpath', '--', 'dash', '-c', 'exec 3<>/dev/null && echo ok'], { env: { PWD: undefined } });
    expect(rw.stdout, describeRun(rw)).toBe('ok\n');
    // The attack: rpath's presence widens no other exception to writing (/etc/localtime is read-only), nor any other path.
    const localtime = pledgeCli(['-p', 'stdio rpath', '--', 'dd', 'if=/dev/null', 'of=/etc/localtime', 'conv=notrunc', 'status=none']);
    expect(localtime.status, describeRun(localtime)).toBe(KILLED);
    expect(reports(localtime.stderr)[0]).toMatch(/blocked openat\(AT_FDCWD, "\/etc\/localtime", flags=O_WRONLY\|O_CREAT\); it needs "wpath cpath"$/);
    const other = pledgeCli(['-p', 'stdio rpath', '--', 'dd', 'if=/dev/null', `of=${path.join(dir, 'out-null')}`, 'status=none']);
    expect(other.status, describeRun(other)).toBe(KILLED);
    expect(fs.existsSync(path.join(dir, 'out-null'))).toBe(false);
  });

  it('dns alone cannot read /etc/passwd (the report names getpw)', () => {
    const r = pledgeCli(['-p', 'stdio dns', '--', 'cat', '/etc/passwd']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).toBe('');
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/pledge "stdio dns" blocked openat\(AT_FDCWD, "\/etc\/passwd", flags=O_RDONLY\); it needs "getpw" or "rpath"$/)]);
  });

  it('dns reads the resolver\'s files, getpw the password database; neither any other file', () => {
    expect(pledgeCli(['-p', 'stdio dns', '--', 'cat', '/etc/hosts']).stdout).toBe(fs.readFileSync('/etc/hosts', 'utf8'));
    expect(pledgeCli(['-p', 'stdio getpw', '--', 'cat', '/etc/passwd']).stdout).toBe(fs.readFileSync('/etc/passwd', 'utf8'));
    const r = pledgeCli(['-p', 'stdio getpw dns', '--', 'cat', path.join(dir, 'in.txt')]);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(reports(r.stderr)[0]).toMatch(/it needs "rpath"$/);
  });

  it('a file is opened by the supervisor, read-only: writing an exception path is refused', () => {
    const r = pledgeCli(['-p', 'stdio wpath', '--no-unveil-warning', '--', 'dash', '-c', 'echo x >>/etc/localtime'], { env: { PWD: undefined } });
    expect(r.status, describeRun(r)).not.toBe(0);
  });
});

describe('a Node program without --node', () => {
  it('is told to use --node', () => {
    const r = pledgeCli(['-p', 'stdio', '--', NODE, '-e', '1']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(reports(r.stderr)[0]).toMatch(/blocked capget\(\); no promise allows this \(the program is Node\.js: run it with pledge --node\)$/);
  });
});
