/**
 * `pledge run --node` of a Node program that calls pledge() itself (the
 * facade, @seccomp-scopes/pledge), on every tested Node version (the root
 * vitest.config.ts runs *.node.test.ts under each): when the in-process
 * pledge refuses a read-only open, its reporter copies the path through a
 * pipe of its own (write and read, which stdio allows; no process_vm_readv,
 * docs/reports.md), so the program gets the in-process EACCES and report
 * instead of being killed. cli.security.test.ts: process_vm_readv is refused
 * whichever process it names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE, describeRun, pledgeCli, reports, tempDir } from './cli-harness.js';

const PLEDGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pledge/dist/index.js');
let dir: string;

beforeAll(() => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'b.txt'), 'second\n');
  fs.writeFileSync(path.join(dir, 'app.mjs'), `import fs from 'node:fs';
import { pledge } from ${JSON.stringify(PLEDGE)};
pledge('stdio');
try { fs.readFileSync(${JSON.stringify(path.join(dir, 'b.txt'))}); console.log('read'); } catch (e) { console.log(e.code); }
console.log('after');
`);
});

describe('pledge run --node of a program that calls pledge()', () => {
  it("gets the in-process EACCES and report of a refused read-only open (its reporter copies the path through its pipe), not the command's kill", () => {
    const r = pledgeCli(['-p', 'stdio rpath prot_exec', '--node', '--', NODE, path.join(dir, 'app.mjs')], { cwd: dir, timeoutMs: 30_000 });
    expect(r.stdout, describeRun(r)).toBe('EACCES\nafter\n');
    expect(r.status).toBe(0);
    const lines = reports(r.stderr);
    expect(lines, describeRun(r)).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`pledge "stdio" refused openat\\(AT_FDCWD, "${path.join(dir, 'b.txt')}", flags=O_RDONLY\\|O_CLOEXEC\\) with EACCES; it needs "rpath"`));
    expect(r.stderr).not.toMatch(/process_vm_readv/);
  });
});
