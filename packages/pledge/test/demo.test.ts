/**
 * The quick-start demo (examples/thumbnail) on a bad input: one line naming
 * what failed and the path, exit 1, no stack trace. Its normal run is
 * checked by the quick start itself (`npm run demo`, .ci/run).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../examples/thumbnail/demo.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-demo-'));
const output = path.join(dir, 'out.png');
const notPng = path.join(dir, 'text.png');
fs.writeFileSync(notPng, 'not a picture\n');
const damaged = path.join(dir, 'damaged.png');
fs.writeFileSync(damaged, Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.from('xxxx')]));

const runDemo = (input: string) => spawnSync(process.execPath, [demo, input, output], { encoding: 'utf8', timeout: 20_000 });

describe('the demo on a bad input', () => {
  for (const [what, input, says] of [
    ['a missing file', path.join(dir, 'missing.png'), /cannot open/],
    ['a text file', notPng, /not a PNG image/],
    ['a damaged PNG', damaged, /not a PNG image/],
    ['a directory', dir, /cannot read/],
  ] as const) {
    it(`${what}: one line naming it, exit 1`, () => {
      const r = runDemo(input);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toBe(`input: ${input}\n`);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(input);
      expect(lines[0]).toMatch(says);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }
});
