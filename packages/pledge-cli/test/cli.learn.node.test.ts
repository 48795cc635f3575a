/**
 * `pledge learn --node` on Node programs (issue 14), on every tested Node
 * version (the root vitest.config.ts runs *.node.test.ts under each): an
 * HTTP server and a client in one process, whose proposal (with --node's
 * runtime allowance) runs it with the same output and --verify agrees; and
 * the program that calls pledge('stdio') too early: the learner
 * names the call site, says it needs rpath, and the unveil rule for the
 * file read after it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE, describeRun, direct, pledgeCli, tempDir } from './cli-harness.js';
import type { LearnResult } from '../src/learn.js';

const PLEDGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pledge/dist/index.js');
let dir: string;

beforeAll(() => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'server-client.js'), `
const http = require('node:http');
const server = http.createServer((q, r) => r.end('hello ' + q.url + '\\n')).listen(0, '127.0.0.1', () => {
  http.get('http://127.0.0.1:' + server.address().port + '/learn', (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => { process.stdout.write(body); server.close(); });
  });
});
`);
  fs.writeFileSync(path.join(dir, 'a.txt'), 'first\n');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'second\n');
  fs.writeFileSync(path.join(dir, 'app.mjs'), `import fs from 'node:fs';
import { pledge } from ${JSON.stringify(PLEDGE)};
const a = fs.readFileSync(${JSON.stringify(path.join(dir, 'a.txt'))}, 'utf8');
pledge('stdio'); // TOO EARLY
const b = fs.readFileSync(${JSON.stringify(path.join(dir, 'b.txt'))}, 'utf8');
process.stdout.write(a + b);
`);
  // Opens a file, pledges stdio, then asks Node for its memory limit: libuv reads /proc/self/cgroup and /sys/fs/cgroup/...,
  // V8 (Node 24+) /proc/sys/vm/overcommit_memory, probes the in-process Node allowance answers EACCES and Node copes with.
  fs.writeFileSync(path.join(dir, 'probes.mjs'), `import fs from 'node:fs';
import { pledge } from ${JSON.stringify(PLEDGE)};
const fd = fs.openSync(${JSON.stringify(path.join(dir, 'a.txt'))}, 'r');
pledge('stdio');
const limit = process.constrainedMemory();
const b = Buffer.alloc(6);
fs.readSync(fd, b);
process.stdout.write(b.toString() + typeof limit + '\\n');
`);
});

describe('pledge learn --node', () => {
  it('an HTTP server and client: the proposal (inet, --node) gives the same output, --verify agrees', () => {
    const out = path.join(dir, 'http.json');
    const command = [NODE, path.join(dir, 'server-client.js')];
    const r = pledgeCli(['learn', '--node', '--verify-stdout', '--json', '-o', out, '--', ...command], { cwd: dir, timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('hello /learn\n');
    expect(r.stderr).toContain('pledge learn: verify: the proposal behaved the same');
    const profile = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    // Node reads its script (rpath); the JIT (prot_exec); the sockets (inet); nothing for the resolver: 127.0.0.1 needs no name lookup.
    expect(profile.promises).toBe('stdio rpath inet prot_exec');
    expect(profile.argv).toContain('--node');
    expect(profile.unveil).toContainEqual({ path: path.join(dir, 'server-client.js'), permissions: 'r' });
    const want = direct(command, { cwd: dir });
    const got = pledgeCli(profile.argv, { cwd: dir, timeoutMs: 30_000 });
    expect(got.status, describeRun(got)).toBe(0);
    expect(got.stdout).toBe(want.stdout);
  });

  it("a pledge('stdio') too early: the call site needs rpath and the file read after it", () => {
    const out = path.join(dir, 'app.json');
    const r = pledgeCli(['learn', '--node', '--json', '-o', out, '--', NODE, path.join(dir, 'app.mjs')], { cwd: dir, timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('first\nsecond\n');
    const profile = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(profile.sites).toHaveLength(1);
    const site = profile.sites[0]!;
    expect(site.site).toMatch(new RegExp(`${path.join(dir, 'app.mjs')}:4:\\d+$`));
    expect(site.pledged).toBe('stdio');
    expect(site.needs).toBe('stdio rpath');
    expect(site.unveil).toContainEqual({ path: path.join(dir, 'b.txt'), permissions: 'r' });
    // a.txt was read before the call: not the site's.
    expect(site.unveil.map((u) => u.path)).not.toContain(path.join(dir, 'a.txt'));
    expect(site.write).toContain("pledge('stdio rpath')");
    const text = pledgeCli(['learn', '--node', '--', NODE, path.join(dir, 'app.mjs')], { cwd: dir, timeoutMs: 60_000 });
    expect(text.stderr).toMatch(new RegExp(`pledge learn: pledge\\('stdio'\\) at ${path.join(dir, 'app.mjs')}:4:\\d+ needs "stdio rpath" and .*r:${path.join(dir, 'b.txt')}`));
  });

  it('a Node program copying a file: "c" only on the directory, the input without it, and the proposal runs without a warning', () => {
    const copy = path.join(dir, `copy-${process.versions.node}`);
    fs.mkdirSync(copy);
    fs.writeFileSync(path.join(copy, 'in.txt'), 'data\n');
    fs.writeFileSync(path.join(dir, 'copy.js'), "require('node:fs').copyFileSync(process.argv[2], process.argv[3]);\n");
    const command = [NODE, path.join(dir, 'copy.js'), path.join(copy, 'in.txt'), path.join(copy, 'out.txt')];
    const out = path.join(copy, 'profile.json');
    const r = pledgeCli(['learn', '--node', '--json', '-o', out, '--', ...command], { cwd: dir, timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(0);
    const profile = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(profile.unveil).toContainEqual({ path: copy, permissions: 'wc' });
    expect(profile.unveil).toContainEqual({ path: path.join(copy, 'in.txt'), permissions: 'rw' });
    for (const u of profile.unveil) if (u.permissions.includes('c')) expect(fs.statSync(u.path).isDirectory(), u.path).toBe(true);
    fs.rmSync(path.join(copy, 'out.txt'));
    const got = pledgeCli(profile.argv, { cwd: dir, timeoutMs: 30_000 });
    expect(got.status, describeRun(got)).toBe(0);
    expect(got.stderr).toBe('');
    expect(fs.readFileSync(path.join(copy, 'out.txt'), 'utf8')).toBe('data\n');
  });

  it("Node's own probes after pledge('stdio'), which the in-process allowance answers EACCES, need no promise: the site needs what it pledged", () => {
    const command = [NODE, path.join(dir, 'probes.mjs')];
    // Enforced, it runs: the probes fail with EACCES and Node goes on.
    const enforced = direct(command, { cwd: dir });
    expect(enforced.status, describeRun(enforced)).toBe(0);
    expect(enforced.stdout).toBe('first\nnumber\n');
    const out = path.join(dir, 'probes.json');
    const r = pledgeCli(['learn', '--node', '--json', '-o', out, '--', ...command], { cwd: dir, timeoutMs: 60_000 });
    expect(r.status, describeRun(r)).toBe(0);
    const profile = JSON.parse(fs.readFileSync(out, 'utf8')) as LearnResult;
    expect(profile.sites).toHaveLength(1);
    const site = profile.sites[0]!;
    expect(site.needs, JSON.stringify(site.why)).toBe('stdio');
    expect(site.unveil).toEqual([]);
    expect(site.write).toBe("pledge('stdio') is what it needs");
  });
});
