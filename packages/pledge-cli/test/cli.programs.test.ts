/**
 * `pledge run` with real programs from Debian: under the promises they
 * need they print what they print unsandboxed; under fewer, the first call
 * outside the promises is stopped (exit 159) and reported, naming the call
 * (and the path, for path calls).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { KILLED, NODE, describeRun, direct, pledgeCli, reports, tempDir, which } from './cli-harness.js';

let dir: string;

beforeAll(() => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'lines.txt'), 'pear\napple\nfig\n');
  fs.writeFileSync(path.join(dir, 'data.json'), '{"fruit":["pear","apple"],"n":3}\n');
  fs.writeFileSync(path.join(dir, 'lines.txt.gz'), gzipSync(fs.readFileSync(path.join(dir, 'lines.txt'))));
  fs.mkdirSync(path.join(dir, 'tree'));
  for (const f of ['b', 'a', 'c']) fs.writeFileSync(path.join(dir, 'tree', f), f);
  if (which('sqlite3')) {
    const r = direct(['sqlite3', path.join(dir, 'db.sqlite'), "create table t(x); insert into t values ('one'),('two');"]);
    if (r.status !== 0) throw new Error(describeRun(r));
  }
});

interface Case {
  readonly name: string;
  /** Installed program the case needs. */
  readonly needs: string;
  readonly command: () => string[];
  readonly promises: string;
  readonly extra?: readonly string[];
  /** A promise set that lacks something the program does, and what the report must name. */
  readonly fewer: string;
  readonly blocked: RegExp;
}

const python = '/usr/bin/python3';

const CASES: readonly Case[] = [
  { name: 'cat', needs: 'cat', command: () => ['cat', path.join(dir, 'lines.txt')], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked openat\(.*"[^"]*lines\.txt".*it needs "rpath"/ },
  { name: 'sort', needs: 'sort', command: () => ['sort', path.join(dir, 'lines.txt')], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked (newfstatat|openat)\(.*lines\.txt/ },
  { name: 'sha256sum', needs: 'sha256sum', command: () => ['sha256sum', path.join(dir, 'lines.txt')], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked openat\(.*lines\.txt/ },
  { name: 'gzip -dc', needs: 'gzip', command: () => ['gzip', '-dc', path.join(dir, 'lines.txt.gz')], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked openat\(/ },
  { name: 'ls', needs: 'ls', command: () => ['ls', path.join(dir, 'tree')], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked statfs\("\/sys\/fs\/selinux"\)|blocked (newfstatat|statx|openat)\(/ },
  // Before, jq's getcwd and ~/.jq are refused with EACCES (reported: core PATH_PROBES).
  { name: 'jq', needs: 'jq', command: () => ['jq', '-c', '.fruit', path.join(dir, 'data.json')], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked openat\(.*data\.json.*it needs "rpath"/ },
  { name: 'sqlite3', needs: 'sqlite3', command: () => ['sqlite3', path.join(dir, 'db.sqlite'), 'select x from t order by x;'], promises: 'stdio rpath wpath cpath flock fattr getpw',
    fewer: 'stdio rpath getpw', blocked: /blocked openat\(.*db\.sqlite.*it needs "wpath cpath"/ },
  { name: 'python3 -c', needs: python, command: () => [python, '-c', 'import sys; print(sorted(sys.argv[1:]))', 'b', 'a'], promises: 'stdio rpath',
    fewer: 'stdio', blocked: /blocked (openat|newfstatat|stat|getcwd|readlink)\(/ },
  { name: 'node -e', needs: NODE, command: () => [NODE, '-e', 'console.log([3, 1, 2].sort().join(","))'], promises: 'stdio rpath prot_exec', extra: ['--node'],
    fewer: 'stdio rpath', blocked: /blocked (mmap|mprotect)\(.*PROT_EXEC.*it needs "prot_exec"/ },
];

describe('pledge run with real programs', () => {
  for (const c of CASES) {
    const present = c.needs.startsWith('/') ? fs.existsSync(c.needs) : which(c.needs) !== undefined;
    // A missing program fails the test (never a silent skip): .ci/install-system-deps.sh installs them all.
    const need = (): void => expect(present, `${c.needs} is not installed: run .ci/install-system-deps.sh`).toBe(true);
    it(`${c.name}: same output as unsandboxed under "${c.promises}"`, () => {
      need();
      const want = direct(c.command(), { cwd: dir });
      expect(want.status, describeRun(want)).toBe(0);
      const got = pledgeCli(['-p', c.promises, ...(c.extra ?? []), '--', ...c.command()], { cwd: dir });
      expect(got.status, describeRun(got)).toBe(0);
      expect(got.stdout).toBe(want.stdout);
      expect(reports(got.stderr)).toEqual([]);
    });
    it(`${c.name}: under "${c.fewer}" the first call outside the promises is stopped and reported`, () => {
      need();
      const got = pledgeCli(['-p', c.fewer, ...(c.extra ?? []), '--', ...c.command()], { cwd: dir });
      expect(got.status, describeRun(got)).toBe(KILLED);
      // Probes answered with an errno may be reported before it ("refused ... with EACCES").
      const all = reports(got.stderr);
      const lines = all.filter((l) => !/" refused .* with E[A-Z]+; /.test(l));
      expect(lines.length, describeRun(got)).toBe(1);
      expect(lines[0]).toContain(`pledge "${c.fewer}" blocked `);
      expect(lines[0]).toMatch(c.blocked);
      expect(all.at(-1)).toBe(lines[0]);
    });
  }
});

describe('actions outside the promises after start-up', () => {
  const pythonThere = fs.existsSync(python);
  const py = (code: string): string[] => [python, '-c', code];
  const ACTIONS: readonly { what: string; code: string; blocked: RegExp }[] = [
    { what: 'opening a file for writing', code: 'import os; print("started", flush=True); os.open(sys_argv_file, os.O_WRONLY | os.O_CREAT)', blocked: /blocked openat\(AT_FDCWD, "[^"]*new\.txt", flags=O_WRONLY\|O_CREAT.*it needs "wpath cpath"/ },
    { what: 'spawning a process', code: 'import subprocess; print("started", flush=True); subprocess.run(["/bin/true"])', blocked: /blocked (vfork|clone|fork)\(.*it needs "proc"/ },
    { what: 'creating a socket', code: 'import socket; print("started", flush=True); socket.socket(socket.AF_INET, socket.SOCK_STREAM)', blocked: /blocked socket\(AF_INET, SOCK_STREAM.*it needs "inet"/ },
  ];
  for (const a of ACTIONS) {
    it(`python3: ${a.what} is stopped and reported`, () => {
      expect(pythonThere, `${python} is not installed: run .ci/install-system-deps.sh`).toBe(true);
      const target = path.join(dir, 'new.txt');
      const code = a.code.replace('sys_argv_file', JSON.stringify(target));
      const got = pledgeCli(['-p', 'stdio rpath', '--', ...py(code)], { cwd: dir });
      expect(got.status, describeRun(got)).toBe(KILLED);
      expect(got.stdout).toBe('started\n');
      const lines = reports(got.stderr);
      expect(lines.length, describeRun(got)).toBe(1);
      expect(lines[0]).toMatch(/^python3\[\d+\]: pledge "stdio rpath" blocked /);
      expect(lines[0]).toMatch(a.blocked);
      expect(fs.existsSync(target)).toBe(false);
    });
  }

  const NODE_ACTIONS: readonly { what: string; code: string; blocked: RegExp }[] = [
    { what: 'writing a file', code: 'console.log("started"); require("fs").writeFileSync(process.argv[1], "x")', blocked: /blocked openat\(AT_FDCWD, "[^"]*new\.txt", flags=O_WRONLY\|O_CREAT\|O_TRUNC.*it needs "wpath cpath"/ },
    { what: 'spawning a process', code: 'console.log("started"); require("child_process").execFileSync("/bin/true")', blocked: /it needs "proc"/ },
    { what: 'connecting', code: 'console.log("started"); require("net").connect(9, "127.0.0.1")', blocked: /blocked socket\(AF_INET, SOCK_STREAM.*it needs "inet"/ },
  ];
  for (const a of NODE_ACTIONS) {
    it(`node: ${a.what} is stopped and reported`, () => {
      const target = path.join(dir, 'new.txt');
      const got = pledgeCli(['-p', 'stdio rpath prot_exec', '--node', '--', NODE, '-e', a.code, target], { cwd: dir });
      expect(got.status, describeRun(got)).toBe(KILLED);
      expect(got.stdout).toBe('started\n');
      const lines = reports(got.stderr);
      expect(lines.length, describeRun(got)).toBe(1);
      // The command names a program by its comm, as ps does: Node 24 and later rename their main thread.
      expect(lines[0]).toMatch(/^(node|MainThread|node-MainThread)\[\d+\]: pledge "stdio rpath prot_exec" blocked /);
      expect(lines[0]).toMatch(a.blocked);
      expect(fs.existsSync(target)).toBe(false);
    });
  }
});
