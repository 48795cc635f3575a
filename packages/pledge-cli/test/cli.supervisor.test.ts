/**
 * The supervisor's per-call path under `--penalty errno` (src/run.ts,
 * native supervise/supervisor.cc): what it keeps per process to be fast
 * (the start time, an open /proc/PID/comm) must not make reports stale,
 * and a report is written once per syscall however often it is refused.
 */
import { describe, expect, it } from 'vitest';
import { buildFixture, describeRun, pledgeCli, reports } from './cli-harness.js';

describe('pledge run --penalty errno: refused calls', () => {
  it('names the process as it is named at each call (a PR_SET_NAME the supervisor never sees), and reports each syscall once', () => {
    const prog = buildFixture('sup-rename');
    const r = pledgeCli(['run', '--penalty', 'errno', '-p', 'stdio', '--', prog, '200']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout.trim()).toBe('EPERM EPERM');
    const lines = reports(r.stderr);
    expect(lines, describeRun(r)).toHaveLength(2);
    expect(lines[0]).toMatch(/^sup-rename\S*\[\d+\]: pledge "stdio" blocked getpriority/);
    expect(lines[1]).toMatch(/^renamed-x\[\d+\]: pledge "stdio" blocked setpriority/);
  });

  it('keeps nothing per refused call: 60000 of them fit a 24 MB JavaScript heap (each call\'s values are freed once it is answered)', () => {
    const prog = buildFixture('sup-rename');
    const r = pledgeCli(['run', '-q', '--penalty', 'errno', '-p', 'stdio', '--', prog, '60000'], { env: { NODE_OPTIONS: '--max-old-space-size=24' }, timeoutMs: 60_000 });
    expect(r.status, describeRun(r).slice(0, 2000)).toBe(0);
    expect(r.stdout.trim()).toBe('EPERM EPERM');
  }, 70_000);
});
