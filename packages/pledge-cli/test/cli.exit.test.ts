/**
 * `pledge run`'s exit statuses, signals, penalties and output options.
 *
 * - the program's own status; 128+N for a signal N; 159 for a refused call;
 * - 125 for the command's own errors, 126 not executable, 127 not found;
 * - SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to the command reach the program.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KILLED, buildFixture, describeRun, pledgeCli, pledgeCliAsync, reports, tempDir } from './cli-harness.js';

let helper: string;
let dir: string;

beforeAll(() => {
  helper = buildFixture('cli-helper');
  dir = tempDir();
});

describe('exit status', () => {
  it("is the program's own", () => {
    for (const code of [0, 1, 42]) {
      const r = pledgeCli(['-p', 'stdio', '--', helper, 'exit', String(code)]);
      expect(r.status, describeRun(r)).toBe(code);
    }
  });

  it('is 159 (128 + SIGSYS) when the program is killed for a refused call', () => {
    const r = pledgeCli(['-p', 'stdio', '--', helper, 'socket']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(KILLED).toBe(159);
  });

  it('is 128 + N when a signal N ends the program', () => {
    // kill is a shell builtin: it needs proc; the shell looks at its current directory (rpath).
    const r = pledgeCli(['-p', 'stdio rpath proc', '--', '/bin/sh', '-c', 'kill -USR1 $$']);
    expect(r.status, describeRun(r)).toBe(128 + os.constants.signals.SIGUSR1);
  });

  it('is 125 for the command\'s own errors, with one line saying what is wrong', () => {
    const cases: [string[], RegExp][] = [
      [['-p', 'stdio bogus', '--', helper, 'exit', '0'], /unknown promise "bogus".*valid promises: stdio rpath/],
      [['-p', 'stdio audio', '--', helper, 'exit', '0'], /promise "audio".*not supported on Linux/],
      [['-p', 'stdio'], /missing required argument 'command'/],
      [['--', helper, 'exit', '0'], /required option '-p, --promises <promises>' not specified/],
      [['-p', 'stdio', '--no-such-option', helper], /unknown option '--no-such-option'/],
      [['-p', 'stdio', '-e', 'stdio rpath', '--', helper, 'exit', '0'], /execpromises must be a subset.*rpath is not in "stdio"/],
      [['-p', 'stdio', '-v', 'q:/tmp', '--', helper, 'exit', '0'], /invalid unveil permission "q"/],
      [['-p', 'stdio', '-v', '/tmp', '--', helper, 'exit', '0'], /expected PERMS:PATH/],
      [['-p', 'stdio', '--penalty', 'errno', '--errno', 'NOPE', '--', helper, 'exit', '0'], /--errno "NOPE" is not an errno name/],
      [['-p', 'stdio', '--penalty', 'maybe', '--', helper, 'exit', '0'], /argument 'maybe' is invalid/],
      [['explain', 'stdio bogus'], /unknown promise "bogus"/],
      [['dump', 'stdio', '--arch', 'mips'], /supported architectures: x86_64 \(x64\), aarch64 \(arm64\)/],
    ];
    for (const [args, message] of cases) {
      const r = pledgeCli(args);
      expect(r.status, `${args.join(' ')}\n${describeRun(r)}`).toBe(125);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('is 127 when the program is not found, 126 when it cannot be executed', () => {
    const notFound = pledgeCli(['-p', 'stdio', '--', 'no-such-program-here']);
    expect(notFound.status, describeRun(notFound)).toBe(127);
    expect(notFound.stderr).toBe('pledge: no-such-program-here: command not found\n');
    const missingPath = pledgeCli(['-p', 'stdio', '--', path.join(dir, 'missing')]);
    expect(missingPath.status).toBe(127);

    const plain = path.join(dir, 'plain.txt');
    fs.writeFileSync(plain, 'not a program\n', { mode: 0o644 });
    const notExecutable = pledgeCli(['-p', 'stdio', '--', plain]);
    expect(notExecutable.status, describeRun(notExecutable)).toBe(126);
    expect(pledgeCli(['-p', 'stdio', '--', dir]).status).toBe(126);

    // Executable bits, but not a format the kernel runs: execve fails in the launcher.
    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, 'not a program either\n', { mode: 0o755 });
    const badFormat = pledgeCli(['-p', 'stdio', '--', junk]);
    expect(badFormat.status, describeRun(badFormat)).toBe(126);
    expect(badFormat.stderr).toMatch(/Exec format error/);

    const badInterpreter = path.join(dir, 'script');
    fs.writeFileSync(badInterpreter, '#!/no/such/interpreter\n', { mode: 0o755 });
    expect(pledgeCli(['-p', 'stdio', '--', badInterpreter]).status).toBe(127);
  });

  it('help exits 0 and shows examples', () => {
    const r = pledgeCli(['run', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Examples:/);
    expect(r.stdout).toMatch(/Exit status:/);
    expect(pledgeCli(['--help']).status).toBe(0);
  });
});

describe('signals', () => {
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const) {
    it(`${sig} sent to the command reaches the program`, async () => {
      const run = pledgeCliAsync(['-p', 'stdio', '--', helper, 'sleep', '20']);
      for (let i = 0; i < 500 && !run.output().includes('sleeping\n'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(run.output()).toBe('sleeping\n');
      run.child.kill(sig);
      const r = await run.done;
      expect(r.signal, describeRun(r)).toBeNull();
      expect(r.status, describeRun(r)).toBe(128 + os.constants.signals[sig]);
    });
  }
});

describe('penalties and output', () => {
  it('--penalty errno: the call fails with EPERM, is reported, and the program goes on', () => {
    const r = pledgeCli(['-p', 'stdio', '--penalty', 'errno', '--', helper, 'open', '/etc/hostname']);
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stdout).toBe('error EPERM\n');
    expect(reports(r.stderr)).toEqual([expect.stringContaining('blocked openat(AT_FDCWD, "/etc/hostname"')]);
  });

  it('--errno chooses the errno', () => {
    const r = pledgeCli(['-p', 'stdio', '--penalty', 'errno', '--errno', 'EACCES', '--', helper, 'open', '/etc/hostname']);
    expect(r.stdout, describeRun(r)).toBe('error EACCES\n');
  });

  it('under the "error" promise a refused call fails with ENOSYS, as pledge() does', () => {
    const r = pledgeCli(['-p', 'stdio error', '--', helper, 'socket']);
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stdout).toBe('error ENOSYS\n');
    expect(reports(r.stderr)).toHaveLength(1);
  });

  it('-q prints nothing, and the penalty still applies', () => {
    const r = pledgeCli(['-q', '-p', 'stdio', '--', helper, 'socket']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stderr).toBe('');
  });

  it('--report-format json prints one JSON object per refused call', () => {
    const r = pledgeCli(['-p', 'stdio', '--report-format', 'json', '--', helper, 'open', '/etc/hostname']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(report).toMatchObject({ syscall: 'openat', promises: 'stdio', penalty: 'kill' });
    expect(JSON.stringify(report)).toContain('/etc/hostname');
  });

  it('options may follow the promises, and the command may come without --', () => {
    const r = pledgeCli(['run', '-p', 'stdio', helper, 'exit', '5']);
    expect(r.status, describeRun(r)).toBe(5);
    const d = pledgeCli(['-p', 'stdio', helper, 'exit', '6']);
    expect(d.status, describeRun(d)).toBe(6);
  });
});
