/**
 * An impossible cache directory means no cache, on both launch paths (the
 * entry script with the native launcher, and Node on pledge.js): the program
 * runs as it would without one. Node's recursive mkdirSync looped forever
 * under /proc; each run has a timeout so such a loop ends the test, and the
 * assertion is on how the run ended.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pledgeCli } from './cli-harness.js';

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/pledge');

describe('an impossible cache directory', () => {
  for (const xdg of ['/proc/nope', '/proc/self/nope/deeper', '/dev/null/cache']) {
    it(`XDG_CACHE_HOME=${xdg}: the entry script runs the program`, () => {
      const r = spawnSync(ENTRY, ['-p', 'stdio', '--', 'echo', 'ran'], {
        env: { ...process.env, LC_ALL: 'C', XDG_CACHE_HOME: xdg, SECCOMP_SCOPES_NO_CACHE: '' }, encoding: 'utf8', timeout: 15_000,
      });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('ran\n');
      expect(r.stderr).toBe('');
    });
  }

  it('XDG_CACHE_HOME=/proc/nope: Node on pledge.js runs the program', () => {
    const r = pledgeCli(['-p', 'stdio', '--', 'echo', 'ran'], { env: { XDG_CACHE_HOME: '/proc/nope', SECCOMP_SCOPES_NO_CACHE: undefined }, timeoutMs: 15_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran\n');
  });
});
