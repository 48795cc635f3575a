/**
 * A first pledge() served from its cache entry (filter-cache.ts
 * cachedFirstCall) installs what the uncached path installs for the same
 * process and request, in Node children: the options object is read once,
 * so an object whose getters answer differently on each read cannot key an
 * entry by one value and plan it with another (the entry a later process
 * with plain options would hit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

describe("a first pledge() from its cache entry", () => {
  it('options whose getters change on each read cannot plant an entry that gives plain options another penalty', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-getters-'));
    try {
      const env = { SECCOMP_SCOPES_CACHE_DIR: cache };
      // penalty: 'kill', 'errno', 'kill', ... on successive reads.
      const planter = runChild(`
        let reads = 0;
        const options = { get penalty() { return reads++ % 2 ? 'errno' : 'kill'; } };
        console.log(JSON.stringify({ status: pledge('stdio', null, options), reads }));
      `, { env });
      expect(planter.status, describeEnd(planter)).toBe(0);
      const planted = JSON.parse(planter.stdout.trim()) as { status: { penalty: string }; reads: number };
      // A process asking for kill with a plain object: kill, cached or not (a socket outside "stdio" ends it).
      const victim = `
        const status = pledge('stdio', null, { penalty: 'kill' });
        console.log(JSON.stringify(status));
        (await import('node:net')).createServer().listen(0).on('error', (e) => { console.log('went on: ' + e.code); process.exit(0); });
      `;
      for (const run of [{ env }, { env: { SECCOMP_SCOPES_NO_CACHE: '1' } }]) {
        const r = runChild(victim, run);
        expect(JSON.parse(r.stdout.trim().split('\n')[0]!), describeEnd(r)).toMatchObject({ promises: 'stdio', penalty: 'kill' });
        expect(r.status, describeEnd(r)).toBe(null);
        expect(r.signal, describeEnd(r)).toBe('SIGSYS');
      }
      expect(planted.reads, 'the options object is read once').toBe(1);
      expect(planted.status.penalty).toBe('kill');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
