/**
 * Attacks on a process' first pledge() served from its cache entry (native
 * firstCallLookup, pledge.ts enforceFirstCall) that fail today, pinned: the
 * filter the kernel holds after a cache-served first call (read back with
 * PTRACE_SECCOMP_GET_FILTER, the pid's words normalised) is the one the
 * uncached path installs for the same process and request, when the
 * process has a Worker alive at pledge time (its eventfd in the key), when
 * its title is shaped like the descriptors' JSON the addon appends to the
 * key (the title stays a string inside the request's JSON), and when node
 * runs through a symbolic link (process.execPath is the resolved binary, so
 * the entry primed by node itself is the one served, and rightly).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE } from './child.js';
import { compileFixture } from './build-fixture.js';
import { NO_CACHE, PROBE } from './first-call-fast.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, '../dist/index.js');
/** The pledge command's tests' reader of a process' filter (get-filter PID INDEX: the program in hex). */
const getFilter = (): string => compileFixture(path.resolve(here, '../../pledge-cli/test/fixtures/get-filter.c'));

/** Runs `code` (pledge and PROBE in scope) in a node child until it prints one JSON line, reads its first filter, kills it. */
async function filterOf(code: string, env: Record<string, string>, node = NODE): Promise<{ said: Record<string, unknown>; filter: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-first-call-attack-'));
  const file = path.join(dir, 'child.mjs');
  fs.writeFileSync(file, `import { pledge } from ${JSON.stringify(DIST)};\n${PROBE}\n${code}\nsetInterval(() => {}, 1000);\n`);
  const child = spawn(node, [file], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const said = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as Record<string, unknown>);
      });
      child.once('exit', (code, signal) => reject(new Error(`child ended (${code ?? signal}) before it said anything: ${err}`)));
    });
    const r = spawnSync(getFilter(), [String(child.pid), '0'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // The pid's words (k of an instruction, little-endian) replaced, so two processes' filters compare.
    const bytes = Buffer.from(r.stdout.trim(), 'hex');
    for (let at = 0; at + 8 <= bytes.length; at += 8) if (bytes.readUInt32LE(at + 4) === child.pid) bytes.writeUInt32LE(0, at + 4);
    return { said, filter: bytes.toString('hex') };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Primes a cache of its own with `code`, then runs it cached (it must hit) and uncached; the two filters must be the same. */
async function sameFilter(code: string, how: { node?: string; primeNode?: string } = {}): Promise<void> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-first-call-'));
  fs.chmodSync(cache, 0o700);
  const env = { SECCOMP_SCOPES_CACHE_DIR: cache };
  try {
    const primed = await filterOf(code, env, how.primeNode ?? how.node);
    expect(primed.said['before']).toBe('absent');
    const cached = await filterOf(code, env, how.node);
    expect(cached.said['before'], 'the first call is served from its entry').toBe('hit');
    const plain = await filterOf(code, NO_CACHE, how.node);
    expect(plain.said['before']).toBe('none');
    expect(cached.said['status']).toEqual(plain.said['status']);
    expect(cached.filter.length).toBeGreaterThan(0);
    expect(cached.filter, 'the filter the kernel holds, cached and uncached').toBe(plain.filter);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

describe('a first pledge() from its entry installs the filter the uncached path installs', () => {
  it('with a Worker alive at pledge time', async () => {
    await sameFilter(`
      import { Worker } from 'node:worker_threads';
      const w = new Worker('require("node:worker_threads").parentPort.postMessage(1); setInterval(() => {}, 1000);', { eval: true });
      await new Promise((r) => w.once('message', r));
      const before = probe('stdio');
      const status = pledge('stdio');
      console.log(JSON.stringify({ before, status }));
    `);
  });

  it("with a process title shaped like the descriptors' JSON appended to the key", async () => {
    await sameFilter(`
      process.title = 'x"}{"rings":[3],"eventFds":[]}';
      const options = { penalty: 'errno', errno: 'EACCES', format: 'json' };
      const before = probe('stdio rpath', null, options);
      const status = pledge('stdio rpath', null, options);
      console.log(JSON.stringify({ before, status }));
    `);
  });

  it('with node run through a symbolic link (primed by node itself)', async () => {
    const link = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-node-link-')), 'node');
    fs.symlinkSync(NODE, link);
    try {
      await sameFilter(`
        const before = probe('stdio');
        const status = pledge('stdio');
        console.log(JSON.stringify({ before, status, execPath: process.execPath }));
      `, { node: link, primeNode: NODE });
    } finally {
      fs.rmSync(path.dirname(link), { recursive: true, force: true });
    }
  });
});
