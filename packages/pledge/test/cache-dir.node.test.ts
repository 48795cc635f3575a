/**
 * An impossible cache directory means no cache: pledge() compiles, installs
 * and the program goes on. Under /proc, Node's recursive mkdirSync looped
 * forever (ENOENT from mkdir and from the lookup alike); the child runs
 * with a timeout so such a loop ends the test, and the assertion is on how
 * the child ended.
 */
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

describe('an impossible cache directory', () => {
  const envs: Record<string, string>[] = [
    { SECCOMP_SCOPES_CACHE_DIR: '', XDG_CACHE_HOME: '/proc/nope' },
    { SECCOMP_SCOPES_CACHE_DIR: '/proc/self/nope/deeper' },
    { SECCOMP_SCOPES_CACHE_DIR: '/dev/null/cache' },
  ];
  for (const env of envs) {
    it(`${JSON.stringify(env)}: pledge() works without a cache`, () => {
      const r = runChild(`pledge('stdio'); process.stdout.write('pledged\\n');`, { env, timeoutMs: 15_000 });
      expect(r.signal, describeEnd(r)).toBeNull();
      expect(r.status, describeEnd(r)).toBe(0);
      expect(r.stdout).toBe('pledged\n');
      expect(r.stderr).toBe('');
    });
  }
});
