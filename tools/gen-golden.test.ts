import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR, check } from './gen-golden.mjs';

describe('golden disassembly (packages/core/test/golden)', () => {
  it('matches what the compiler builds now (review the diff, then run `node tools/gen-golden.mjs`)', () => {
    const r = check();
    expect(r.ok, r.message).toBe(true);
  });

  it('reports a changed instruction, a missing file and a stale file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-test-'));
    try {
      fs.cpSync(GOLDEN_DIR, dir, { recursive: true });
      expect(check(dir).ok).toBe(true);
      const stdio = path.join(dir, 'x86_64', 'stdio.asm');
      fs.writeFileSync(stdio, fs.readFileSync(stdio, 'utf8').replace('ret ALLOW', 'ret KILL_PROCESS'));
      fs.rmSync(path.join(dir, 'aarch64', 'empty.asm'));
      fs.writeFileSync(path.join(dir, 'aarch64', 'old.asm'), '');
      const r = check(dir);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/x86_64\/stdio\.asm differs from line \d+:\n {2}- .*ret KILL_PROCESS\n {2}\+ .*ret ALLOW/);
      expect(r.message).toContain('aarch64/empty.asm is missing');
      expect(r.message).toContain('aarch64/old.asm is not generated any more');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
