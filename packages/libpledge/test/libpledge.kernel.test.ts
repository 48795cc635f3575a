/**
 * libpledge (pledge() for C programs) on this kernel: programs built with
 * `cc` against `pledge gen c` output and the library, each run as its own
 * process (no filter ever reaches the test runner).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { archFor, nodeRuntimeRules } from '@seccomp-scopes/pledge';
import { planForC } from '../../pledge-cli/src/gen-c.js';
import { FIXTURES, PLEDGE_BIN, compile, generate, lines, run, workDir } from './build.js';

const SETS = ['stdio', 'stdio rpath', 'stdio error', 'stdio rpath error', ''];
const SIGSYS_STATUS = null; // killed by a signal: spawnSync's status is null, signal SIGSYS

let dir: string;
let tldr: string;
let tester: string;

beforeAll(() => {
  dir = workDir('kernel');
  const filters = generate(dir, SETS);
  tldr = compile(dir, 'seed-tldr', [path.join(FIXTURES, 'seed-tldr.c')], filters);
  tester = compile(dir, 'libpledge-test', [path.join(FIXTURES, 'libpledge-test.c')], filters);
});

describe("the seed's TL;DR in C", () => {
  it('opens its files, pledges "stdio", then reads and writes them', () => {
    const input = path.join(dir, 'in.txt');
    const output = path.join(dir, 'out.txt');
    fs.writeFileSync(input, 'untrusted media\n'.repeat(1000));
    const r = run(tldr, [input, output]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe(fs.readFileSync(input, 'utf8'));
  });

  it('opening a new file after the pledge dies by SIGSYS with the report line naming openat and rpath', () => {
    const r = run(tldr, [path.join(dir, 'in.txt'), path.join(dir, 'out2.txt'), '/etc/hostname']);
    expect(r.status).toBe(SIGSYS_STATUS);
    expect(r.signal).toBe('SIGSYS');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^seed-tldr\[(\d+)\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_RDONLY\); it needs "rpath" or "dns" or "getpw"\n$/);
    expect(Number(/\[(\d+)\]/.exec(r.stderr)![1])).toBe(r.pid);
  });
});

describe('threads', () => {
  it('threads started before pledge() are filtered too (Seccomp: 2 on every task)', () => {
    const r = run(tester, ['threads-status']);
    expect(r.status, r.stderr).toBe(0);
    const tasks = r.stdout.split('\n').filter((l) => l.startsWith('task '));
    expect(tasks).toHaveLength(4);
    for (const t of tasks) expect(t).toMatch(/ seccomp 2$/);
  });

  it('a thread started before pledge() that makes a refused call kills the process, with its report', () => {
    const r = run(tester, ['thread-refused']);
    expect(r.stdout).toBe('pledge 0 0\n');
    expect(r.signal).toBe('SIGSYS');
    expect(r.stderr).toMatch(/^libpledge-test\[\d+\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_WRONLY\|O_CREAT\|O_TRUNC\); it needs "wpath cpath"\n$/);
    expect(fs.existsSync('/tmp/libpledge-thread-should-not-exist')).toBe(false);
  });
});

describe("OpenBSD's calling rules", () => {
  it('widening returns -1/EPERM and changes nothing; the same set installs nothing; narrowing adds one filter', () => {
    const r = run(tester, ['widen']);
    expect(r.status, r.stderr).toBe(0);
    const m = lines(r.stdout);
    const before = Number(m.get('filters-before'));
    expect(m.get('pledge-stdio-rpath')).toBe('0 0');
    expect(Number(m.get('filters-1'))).toBe(before + 1);
    expect(m.get('pledge-widen')).toBe('-1 EPERM');
    expect(Number(m.get('filters-2'))).toBe(before + 1);
    expect(m.get('pledge-same')).toBe('0 0');
    expect(Number(m.get('filters-3'))).toBe(before + 1);
    expect(m.get('rpath-still')).toBe('yes');
    expect(m.get('pledge-narrow')).toBe('0 0');
    expect(m.get('pledge-widen-again')).toBe('-1 EPERM');
    expect(r.stderr).toContain('pledge: pledge("stdio rpath wpath") asks for wpath, which the promises in force ("stdio rpath") do not include; promises can only be kept or dropped');
  });

  it('execpromises: a subset of the promises (else EINVAL), never widened (EPERM), not before promises (EINVAL)', () => {
    const r = run(tester, ['exec']);
    expect(r.status, r.stderr).toBe(0);
    const m = lines(r.stdout);
    expect(m.get('exec-before-promises')).toBe('-1 EINVAL');
    expect(m.get('exec-not-subset')).toBe('-1 EINVAL');
    expect(m.get('exec-subset')).toBe('0 0');
    expect(m.get('exec-widen')).toBe('-1 EPERM');
    expect(m.get('exec-same')).toBe('0 0');
    expect(m.get('exec-narrow-promises-below-exec')).toBe('-1 EINVAL');
    expect(r.stderr).toContain('execpromises must be a subset of the promises on Linux');
  });

  it('an unknown promise is EINVAL, a device promise ENOTSUP, a set not generated EINVAL with the command to add it', () => {
    const r = run(tester, ['bad']);
    expect(r.status, r.stderr).toBe(0);
    const m = lines(r.stdout);
    expect(m.get('unknown')).toBe('-1 EINVAL');
    expect(m.get('device')).toBe('-1 ENOTSUP');
    expect(m.get('not-generated')).toBe('-1 EINVAL');
    expect(m.get('penalty-bad')).toBe('-1 EINVAL');
    expect(r.stderr).toContain('pledge: promises: unknown promise "bogus" in "stdio bogus"; valid promises: stdio rpath');
    expect(r.stderr).toContain('promise "audio" (an OpenBSD device promise) is not supported on Linux');
    expect(r.stderr).toContain(`pledge: pledge("stdio inet"): pledge_filters.c has no filter for "stdio inet" on ${archFor().name}; add 'stdio inet' to the command that generated it and rebuild:\n  pledge gen c 'stdio' 'stdio rpath'`);
  });
});

describe('penalties', () => {
  it('errno: refused calls fail with EPERM, each syscall reported once, the process goes on', () => {
    const r = run(tester, ['errno']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('penalty 0 0\npledge 0 0\nopen -1 EPERM\nopen -1 EPERM\nsocket -1 EPERM\nalive yes\n');
    const reports = r.stderr.trim().split('\n');
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/^libpledge-test\[\d+\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_RDONLY\); it needs "rpath" or "dns" or "getpw"$/);
    expect(reports[1]).toMatch(/^libpledge-test\[\d+\]: pledge "stdio" blocked socket\(AF_INET, SOCK_STREAM\); it needs "inet" or "dns"$/);
  });

  it('the "error" promise: refused calls fail with ENOSYS', () => {
    const r = run(tester, ['error-promise']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('pledge 0 0\nopen -1 ENOSYS\nopen -1 ENOSYS\nsocket -1 ENOSYS\nalive yes\n');
    expect(r.stderr).toMatch(/^libpledge-test\[\d+\]: pledge "stdio error" blocked openat/);
  });

  it('kill: once kill, always kill (a later errno pledge still kills)', () => {
    const r = run(tester, ['kill-after-errno']);
    expect(r.stdout).toBe('pledge-kill 0 0\npenalty 0 0\npledge-errno 0 0\n');
    expect(r.signal).toBe('SIGSYS');
    expect(r.stderr).toMatch(/^libpledge-test\[\d+\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_RDONLY\); it needs "rpath" or "dns" or "getpw"\n$/);
  });
});

describe('the same compiler as pledge() in Node', () => {
  const canPtrace = process.getuid?.() === 0;
  for (const promises of ['stdio', 'stdio rpath']) {
    it.runIf(canPtrace)(`"${promises}": the filter in the kernel is core's, byte for byte, and Node's differs only by the runtime allowance`, () => {
      const r = run(tester, ['dump', promises]);
      expect(r.status, r.stderr).toBe(0);
      const m = lines(r.stdout);
      expect(m.get('unavailable'), 'PTRACE_SECCOMP_GET_FILTER').toBeUndefined();
      const ids = { pid: Number(m.get('pid')), uid: Number(m.get('uid')), gid: Number(m.get('gid')) };
      const arch = archFor();
      // The C filter: planPledge + compilePromises with the reporter's rules, as the generator emits it.
      const c = planForC(promises, arch, ids).filter;
      expect(m.get('bytes')).toBe(Buffer.from(c.bytes).toString('hex'));
      // pledge() in Node (pledge dump is compilePledge): the same composition with the Node runtime allowance as `extra`.
      const node = execFileSync(process.execPath, [PLEDGE_BIN, 'dump', promises, '--format', 'bpf', '--pid', String(ids.pid)]);
      const same = planForC(promises, arch, ids, undefined, undefined, nodeRuntimeRules({ jit: true, eventFds: [], reportOpens: true })).filter;
      expect(Buffer.from(node).toString('hex')).toBe(Buffer.from(same.bytes).toString('hex'));
      expect(Buffer.from(node).equals(Buffer.from(c.bytes))).toBe(false);
    });
  }
});
