/**
 * A Worker starting or ending while a process' first pledge() runs (Node 22
 * and later: each event loop has an io_uring instance and an eventfd). A
 * ring made after pledge()'s scan was never adopted, and libuv aborted on
 * its first io_uring_enter (ENOSYS); a ring closed after the scan failed its
 * adoption (EBADF, "close it before pledge()"). pledge() now looks at
 * /proc/self again just before its filter and at the adoption, and plans
 * again when anything changed (found by an attacker session: 4 in 40 and 19
 * in 40 runs failed on Node 24, cached). On Node 20 (no rings) the same runs
 * pass as well.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE } from './child.js';
import { NO_CACHE } from './first-call-fast.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

/** A program that starts a Worker (`start`: pledges at once; `end`: waits for it, then ends it without waiting and pledges), then uses the Worker's loop or its own. */
function program(dir: string, mode: 'start' | 'end'): string {
  const file = path.join(dir, `${mode}.mjs`);
  fs.writeFileSync(file, `
    import { pledge } from ${JSON.stringify(dist)};
    import { Worker } from 'node:worker_threads';
    const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m * 2));', { eval: true });
    ${mode === 'end' ? "await new Promise((r) => { w.once('message', r); w.postMessage(1); }); w.terminate();" : ''}
    pledge('stdio');
    ${mode === 'start' ? "console.log(await new Promise((r) => { w.once('message', r); w.postMessage(21); })); await w.terminate();" : "console.log(await new Promise((r) => setTimeout(() => r(42), 20)));"}
  `);
  return file;
}

/** Runs `file` `runs` times, `parallel` at once; each run's stdout, or how it ended. */
async function runMany(file: string, env: Record<string, string>, runs: number, parallel: number): Promise<string[]> {
  const one = (): Promise<string> => new Promise((resolve) => {
    const c = spawn(NODE, [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (status, signal) => resolve(status === 0 ? out.trim() : `${signal ?? `status ${status}`}: ${err.trim().split('\n').slice(0, 3).join(' | ')}`));
  });
  const results: string[] = [];
  for (let i = 0; i < runs; i += parallel) results.push(...await Promise.all(Array.from({ length: Math.min(parallel, runs - i) }, one)));
  return results;
}

describe('a Worker starting or ending while the first pledge() runs', () => {
  for (const mode of ['start', 'end'] as const) {
    it(`${mode}: every run pledges and its event loops keep working, cached and uncached`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-worker-race-'));
      const cache = path.join(dir, 'cache');
      fs.mkdirSync(cache, { mode: 0o700 });
      try {
        const file = program(dir, mode);
        for (const run of [{ SECCOMP_SCOPES_CACHE_DIR: cache }, NO_CACHE]) {
          const results = await runMany(file, { ...run }, 12, 4);
          expect(results.filter((r) => r !== '42'), JSON.stringify(run)).toEqual([]);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
