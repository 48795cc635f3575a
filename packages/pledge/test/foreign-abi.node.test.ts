/**
 * Calls through a foreign ABI of x86_64 in a pledged Node process (issue 13:
 * they were killed silently, status 159 and an empty stderr): the i386 entry
 * (`int $0x80`) and x32 numbers. pledge() traps them when it reports, and
 * the SIGSYS handler writes one line naming the ABI, the number and its name,
 * then kills, whatever the penalty (docs/reports.md "Foreign ABIs").
 * Named *.node.test.ts, so it runs on every tested Node version.
 */
import { describe, expect, it } from 'vitest';
import { buildFixture } from './build-fixture.js';
import { describeEnd, runChild } from './child.js';

// viaShell: the shell prints the status it saw (159 = 128 + SIGSYS) as shell-status=<n>.

const isX64 = process.arch === 'x64' && process.platform === 'linux';
const module_ = (): string => buildFixture('foreign-abi', ['-shared', '-fPIC', '-I/usr/include/node']);
const load = (file: string): string =>
  `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(file)}); const abi = m.exports;`;
const lines = (s: string): string[] => s.replace(/\r/g, '').split('\n').map((l) => l.trim()).filter(Boolean);

describe.runIf(isX64)('foreign ABIs under pledge() (x86_64)', () => {
  it('the fixture works unpledged: i386 getpid (20) and x32 getpid return the pid', () => {
    const r = runChild(`${load(module_())} console.log(abi.i386(20) === process.pid, abi.x32(39));`);
    // x32 may be compiled out of the kernel (ENOSYS, -38); the i386 entry is needed for the case below.
    expect(lines(r.stdout)[0], describeEnd(r)).toMatch(/^true (-38|\d+)$/);
  });

  for (const [penalty, opts] of [['kill', '{}'], ['errno', "{ penalty: 'errno' }"]] as const) {
    it(`int $0x80 (i386 getpid) is reported, then the process dies by SIGSYS (penalty ${penalty})`, () => {
      const r = runChild(`${load(module_())} pledge('stdio', null, ${opts}); console.log('pledged'); abi.i386(20); console.log('survived');`, { viaShell: true });
      expect(r.stdout, describeEnd(r)).toContain('pledged');
      expect(r.stdout).not.toContain('survived');
      expect(lines(r.stdout), describeEnd(r)).toContain('shell-status=159');
      expect(lines(r.stderr)).toContain(`node[${pidOf(r.stderr)}]: pledge "stdio" blocked i386 syscall 20 (getpid); no promise allows a foreign ABI`);
    });
  }

  it('an x32 number (getpid | 0x40000000) is reported, then the process dies by SIGSYS', () => {
    const r = runChild(`${load(module_())} pledge('stdio'); abi.x32(39); console.log('survived');`, { viaShell: true });
    expect(lines(r.stdout), describeEnd(r)).toContain('shell-status=159');
    expect(r.stdout).not.toContain('survived');
    expect(lines(r.stderr)).toContain(`node[${pidOf(r.stderr)}]: pledge "stdio" blocked x32 syscall 0x40000027 (getpid); no promise allows a foreign ABI`);
  });

  it('JSON: abi, nr and syscall, no needs, penalty kill', () => {
    const r = runChild(`${load(module_())} pledge('stdio', null, { format: 'json', penalty: 'errno' }); abi.i386(20);`, { viaShell: true });
    expect(lines(r.stdout), describeEnd(r)).toContain('shell-status=159');
    const line = lines(r.stderr).find((l) => l.startsWith('{"process":'));
    expect(line, describeEnd(r)).toBeDefined();
    const o = JSON.parse(line!) as Record<string, unknown>;
    expect(o).toMatchObject({ process: 'node', syscall: 'getpid', nr: 20, arch: 'x86_64', abi: 'i386', args: [], call: 'i386 syscall 20 (getpid)', promises: 'stdio', needs: [], penalty: 'kill' });
    expect(o['errno']).toBeUndefined();
  });

  it('quiet: still killed, without a line (the filter kills itself)', () => {
    const r = runChild(`${load(module_())} pledge('stdio', null, { quiet: true }); abi.i386(20);`, { viaShell: true });
    expect(lines(r.stdout), describeEnd(r)).toContain('shell-status=159');
    expect(r.stderr).not.toContain('pledge "');
  });
});

/** The pid in the first report line of `stderr`. */
function pidOf(stderr: string): string {
  return /^node\[(\d+)\]: pledge /m.exec(stderr)?.[1] ?? '(no report)';
}
