/**
 * `pledge explain` and `pledge dump`. The dump is byte for byte what
 * pledge() installs: compared with compilePledge(), and (as root, where
 * PTRACE_SECCOMP_GET_FILTER works) with the filter the kernel holds for a
 * Node process that called pledge().
 */
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decode, disassemble, parsePromises, rulesFor } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { compilePledge } from '@seccomp-scopes/pledge';
import { CLI, NODE, buildFixture, describeRun, pledgeCli } from './cli-harness.js';

/** The library's built entry (@seccomp-scopes/pledge), imported by the Node processes that call pledge(). */
const dist = createRequire(import.meta.url).resolve('@seccomp-scopes/pledge');

function dumpBytes(args: readonly string[]): Buffer {
  const r = spawnSync(NODE, [CLI, 'dump', ...args], { encoding: 'buffer' });
  if (r.status !== 0) throw new Error(`dump ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

describe('pledge dump', () => {
  for (const promises of ['stdio', 'stdio rpath', 'stdio rpath wpath cpath inet dns proc exec', '']) {
    it(`--format bpf is compilePledge(${JSON.stringify(promises)}) byte for byte`, () => {
      const got = dumpBytes([promises, '--format', 'bpf', '--pid', '4242']);
      expect(got.equals(Buffer.from(compilePledge(promises, { pid: 4242, jit: true }).bytes))).toBe(true);
      const jitless = dumpBytes([promises, '--format', 'bpf', '--pid', '4242', '--jitless']);
      expect(jitless.equals(Buffer.from(compilePledge(promises, { pid: 4242, jit: false }).bytes))).toBe(true);
    });
  }

  it("pledge()'s penalty and report options give the same bytes as compilePledge() with them", () => {
    const cases: [string[], Parameters<typeof compilePledge>[1]][] = [
      [['--penalty', 'errno'], { penalty: 'errno' }],
      [['--penalty', 'errno', '--errno', 'EACCES'], { penalty: 'errno', errno: 'EACCES' }],
      [['--quiet'], { quiet: true }],
      [['--report-fd', '5'], { reportFd: 5 }],
    ];
    for (const [flags, options] of cases) {
      const got = dumpBytes(['stdio rpath', '--format', 'bpf', '--pid', '4242', ...flags]);
      expect(got.equals(Buffer.from(compilePledge('stdio rpath', { pid: 4242, jit: true, ...options }).bytes)), flags.join(' ')).toBe(true);
    }
  });

  it('--arch aarch64 dumps the aarch64 filter', () => {
    const got = dumpBytes(['stdio', '--format', 'bpf', '--pid', '7', '--arch', 'aarch64']);
    expect(got.equals(Buffer.from(compilePledge('stdio', { arch: 'arm64', pid: 7, jit: true }).bytes))).toBe(true);
    expect(got.readUInt32LE(8 + 4)).toBe(aarch64.auditArch);
  });

  it('--format asm is the disassembly of the same program', () => {
    const r = pledgeCli(['dump', 'stdio rpath', '--format', 'asm', '--pid', '99']);
    expect(r.status, describeRun(r)).toBe(0);
    const body = r.stdout.split('\n').filter((l) => !l.startsWith(';')).join('\n');
    expect(body).toBe(disassemble(compilePledge('stdio rpath', { pid: 99, jit: true }).program));
    expect(r.stdout).toMatch(/^; pledge "stdio rpath" on x86_64/);
  });

  it('--format json has the program and its bytes', () => {
    const r = pledgeCli(['dump', 'stdio', '--format', 'json', '--pid', '5']);
    const j = JSON.parse(r.stdout) as { bytes: string; program: unknown[]; instructions: number; arch: string };
    const f = compilePledge('stdio', { pid: 5, jit: true });
    expect(j.bytes).toBe(Buffer.from(f.bytes).toString('hex'));
    expect(j.instructions).toBe(f.program.length);
    expect(j.program).toEqual(f.program.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k >>> 0 })));
    expect(j.arch).toBe('x86_64');
  });

  it('--for run is the supervised filter: USER_NOTIF where pledge() kills', () => {
    const r = pledgeCli(['dump', 'stdio', '--for', 'run', '--format', 'asm', '--pid', '5']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('ret USER_NOTIF');
    const program = decode(dumpBytes(['stdio', '--for', 'run', '--format', 'bpf', '--pid', '5']));
    expect(program.length).toBeGreaterThan(10);
  });

  const root = process.getuid?.() === 0;
  if (!root || process.arch !== 'x64') console.warn('the PTRACE_SECCOMP_GET_FILTER comparison is skipped: it needs root on x86_64');
  it.skipIf(!root || process.arch !== 'x64')('the bytes are the filter the kernel holds for a Node process after pledge() (PTRACE_SECCOMP_GET_FILTER)', async (ctx) => {
    const getFilter = buildFixture('get-filter');
    const cases: [string, string, string[]][] = [['stdio', '', []], ['stdio rpath inet', '', []], ['stdio', 'null, { quiet: true }', ['--quiet']], ['stdio', "null, { penalty: 'errno' }", ['--penalty', 'errno']]];
    for (const [promises, extra, flags] of cases) {
      const child = spawn(NODE, ['--input-type=module', '-e',
        `import { pledge } from ${JSON.stringify(dist)}; const s = pledge(${JSON.stringify(promises)}${extra ? `, ${extra}` : ''}); process.stdout.write(JSON.stringify({ rings: s.rings ?? [], eventFds: s.eventFds ?? [] }) + '\\n'); setTimeout(() => {}, 20000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        // On Node 22 and later the filter also names the process' io_uring rings and eventfds (pledge() status).
        const found = await new Promise<{ rings: number[]; eventFds: number[] }>((resolve, reject) => {
          child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as { rings: number[]; eventFds: number[] }));
          child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
        });
        const r = spawnSync(getFilter, [String(child.pid)], { encoding: 'utf8' });
        if (r.status === 2 && /PTRACE_SECCOMP_GET_FILTER: (Invalid argument|Input\/output error)/.test(r.stderr)) ctx.skip(); // kernel without CONFIG_CHECKPOINT_RESTORE
        expect(r.status, r.stderr).toBe(0);
        const kernel = Buffer.from(r.stdout.trim(), 'hex');
        const dumped = dumpBytes([promises, '--format', 'bpf', '--pid', String(child.pid), ...flags,
          '--ring-fds', found.rings.join(','), '--event-fds', found.eventFds.join(',')]);
        expect(dumped.equals(kernel), `${promises} ${flags.join(' ')}`).toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    }
  });
});

describe('pledge explain', () => {
  it('lists every rule in force, with its arguments and promise', () => {
    const r = pledgeCli(['explain', 'stdio rpath', '--arch', 'x86_64']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^pledge "stdio rpath" on x86_64:/);
    expect(r.stdout).toMatch(/\nopenat +ALLOW +flags & \(O_ACCMODE\|O_CREAT\|O_TRUNC\|__O_TMPFILE\) == O_RDONLY\n +\[rpath\]/);
    expect(r.stdout).toMatch(/\nmmap +ALLOW +prot has none of PROT_EXEC\n +\[stdio\]/);
    expect(r.stdout).toMatch(/\nclone3 +ERRNO\(ENOSYS\)/);
    expect(r.stdout).toMatch(/the process is killed by SIGSYS/);
  });

  it('--format json has one entry per rule of rulesFor()', () => {
    const r = pledgeCli(['explain', 'stdio inet', '--format', 'json', '--arch', 'x64']);
    const j = JSON.parse(r.stdout) as { rules: { syscall: string; nr: number | null }[]; absentOnArch: string[]; penalty: string };
    const rules = rulesFor(parsePromises('stdio inet'));
    const present = rules.filter((rule) => x86_64.syscalls[rule.syscall] !== undefined);
    expect(j.rules).toHaveLength(present.length);
    expect(j.rules.every((l) => l.nr === x86_64.syscalls[l.syscall])).toBe(true);
    expect(j.penalty).toBe('KILL_PROCESS');
  });

  it('names the calls absent on an arch, and the error promise\'s penalty', () => {
    const r = pledgeCli(['explain', 'stdio error', '--arch', 'aarch64']);
    expect(r.stdout).toMatch(/not on aarch64 \(no such syscall\): .*\bpoll\b/);
    expect(r.stdout).toMatch(/fails with ENOSYS \(the "error" promise\)/);
  });

  it('--node adds the Node runtime allowance', () => {
    const r = pledgeCli(['explain', 'stdio', '--node']);
    expect(r.stdout).toMatch(/\ncapget +ALLOW +any arguments\n +\[node runtime\]/);
  });
});
