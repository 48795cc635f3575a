/**
 * What a newcomer sees first: bare `pledge`, `pledge --help`, and the
 * sample report in `pledge run --help` (it must be what a run prints).
 */
import { describe, expect, it } from 'vitest';
import { pledgeCli } from './cli-harness.js';

describe('usage', () => {
  it('bare pledge prints the run form and where its options are, exit 125', () => {
    const r = pledgeCli([]);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: pledge -p PROMISES \[options\] -- COMMAND \[ARGS\.\.\.\]$/m);
    expect(r.stderr).toMatch(/pledge run --help/);
    expect(r.stderr).not.toMatch(/required option/);
  });

  it('pledge --help shows the run form and names the run options', () => {
    const r = pledgeCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/pledge -p PROMISES \[options\] -- COMMAND \[ARGS\.\.\.\]/);
    for (const flag of ['-p', '-e', '-v', '--penalty', '--node']) expect(r.stdout).toContain(` ${flag}`);
    expect(r.stdout).toMatch(/pledge run --help/);
  });

  it('the sample report in pledge run --help is the one a run prints', () => {
    const help = pledgeCli(['run', '--help']).stdout;
    const sample = help.split('\n').find((l) => l.includes('blocked openat'))?.trim();
    const run = pledgeCli(['-p', 'stdio', '--', 'cat', '/etc/passwd']);
    expect(run.status).toBe(159);
    const real = run.stderr.split('\n').find((l) => l.includes('blocked openat'));
    expect(real).toBeDefined();
    expect(sample).toBe(real!.replace(/^cat\[\d+\]/, 'cat[4242]'));
  });
});
