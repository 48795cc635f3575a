import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('tools/bench/bench.mjs', () => {
  it('runs every variant side by side and prints a ratio for each (no speed is asserted: that is the benchmark\'s job)', () => {
    const out = execFileSync(process.execPath, [path.join(here, 'bench.mjs'), '--rounds', '1', '--calls', '20000'], { encoding: 'utf8' });
    const rows = out.split('\n').filter((l) => /^\s+("|ret ALLOW)/.test(l));
    expect(rows.length, out).toBe(4);
    for (const r of rows) expect(r.trim().split(/\s+/).slice(-4).every((x) => Number(x) > 0), r).toBe(true);
  });
});
