import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const bench = path.join(here, 'bench.mjs');

// No speed is asserted: that is the benchmark's job. These check that every
// variant is checked for agreement before it is timed, and the report's shape.
describe('tools/bench/bench.mjs --quick', () => {
  it('checks that all variants agree, then reports a ratio per call and variant, the cache share, start-up and launch', () => {
    const out = execFileSync(process.execPath, [bench, '--quick'], { encoding: 'utf8' });
    const sets = out.split('\n### ').slice(1);
    expect(sets.length, out).toBe(4);
    for (const s of sets) {
      expect(s, s).toMatch(/agreement: \d+ timed calls, 4 variants of the same rules: the same verdict in the simulator and the same result in the kernel for every one/);
      expect(s).toMatch(/\| call \| no filter ns \| ours \| lsc tree \| lsc default \| linear chain \| 1-insn \|/);
      const rows = s.split('\n').filter((l) => /^\| (getppid|fcntl|openat|ioctl|mprotect|mmap|fstat|newfstatat|write)/.test(l));
      expect(rows.length, s).toBeGreaterThanOrEqual(8);
      for (const r of rows) {
        const cells = r.split('|').slice(2, -1).map((c) => c.trim());
        expect(cells.every((c) => /^[+-]?\d+\.\d+( C)?$/.test(c)), r).toBe(true);
      }
      // getppid is decided by number: every variant of the same rules serves it from the action cache.
      expect(rows.find((r) => r.startsWith('| getppid'))!.split('|').slice(3, 8).every((c) => c.trim().endsWith(' C'))).toBe(true);
    }
    expect(out).toMatch(/"stdio" \(C program\): const-allow syscalls: ours \d+ \(of \d+ allowed for any arguments; missed: 0\)/);
    for (const p of ['find', 'tar', 'sqlite3']) expect(out).toMatch(new RegExp(`^\\| ${p} \\| "[a-z ]+" \\| \\d+ \\| \\d+ % \\| \\d+ % \\| \\d+ % \\| \\d+ % \\|$`, 'm'));
    expect(out).toMatch(/libseccomp tree, "stdio" rules, seccomp_init \.\. seccomp_load in a fresh C process: \d+\.\d+ ms/);
    expect(out).toMatch(/^\| node pledge\.js -p stdio -- \/bin\/true \(uncached, 1 rounds\) \| \d+\.\d+ \| \d+\.\d+ \|/m);
    expect(out).toMatch(/^\| setpriv --no-new-privs \/bin\/true \| \d+\.\d+ \|/m);
    expect(out).toMatch(/^\| bare round trip: C supervisor answers EPERM \| \d+\.\d+ \|/m);
    expect(out).toMatch(/^\| pledge run --penalty errno -p stdio \(Node supervisor\) \| \d+\.\d+ \|/m);
    expect(out).toMatch(/^\| pledge -p "stdio exec" -e "stdio exec" \(Node supervisor\) \| \d+\.\d+ \|/m);
    expect(out).toMatch(/^\| pledge -p stdio \(native launcher, cached\): one library more \| -?\d+\.\d+ \|/m);
    expect(out).toMatch(/^\| dd bs=1 count=2000 \| \d+ \| \d+ \| \d+\.\d+ \| \d+ \(stdio[a-z ]*\) \| \d+\.\d+ \|$/m);
  }, 60_000);

  it('stops with the call and both verdicts when a variant disagrees (libseccomp\'s tree replaced by ret ALLOW)', () => {
    const r = spawnSync(process.execPath, [bench, '--quick', '--no-traces', '--no-launch', '--inject-disagreement'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DISAGREEMENT under "stdio" \(C program\): ioctl_tty \(ioctl args .*\) is ERRNO\(25\) in ours but ALLOW in lsc tree/);
    expect(r.stdout).not.toMatch(/\| getppid/);
  }, 30_000);
});
