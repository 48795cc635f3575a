/**
 * Issue 13, the command's items (an adversarial review's findings), each
 * reproduced as it was seen:
 *
 * - `-v r:/proc/self` is the program's /proc entry, never the supervisor's;
 * - `--unveil-best-effort` without Landlock (an outer seccomp filter
 *   answering landlock_* with ENOSYS or EPERM, as old kernels and container
 *   profiles do) warns loudly and runs; strict fails with `pledge:` and 125,
 *   no stack trace;
 * - `wpath`/`cpath`/`dpath` without `-v` warn (`tmppath` is confined to
 *   /tmp by a Landlock ruleset instead, cli.tmppath.test.ts; without
 *   Landlock it fails like `-v`, or warns under `--unveil-best-effort`);
 * - the kill penalty: nothing of the program runs after its refused call,
 *   even with a SIGSYS handler;
 * - a call through a foreign ABI (int 0x80, x32) is reported, then killed;
 * - the errno penalty reports a syscall once per process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as native from '@seccomp-scopes/native';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, KILLED, NODE, buildFixture, describeRun, pledgeCli, reports, tempDir, type CliResult } from './cli-harness.js';

let landlock = 0;
try {
  landlock = native.landlockAbi();
} catch {
  landlock = 0;
}
const onX64 = process.arch === 'x64';
const AUDIT_ARCH: Record<string, number> = { x64: 0xc000003e, arm64: 0xc00000b7 };

let helper: string;
let staticHelper: string;
let dir: string;

beforeAll(() => {
  helper = buildFixture('cli-helper');
  staticHelper = buildFixture('cli-helper', ['-static']);
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
});

/**
 * `pledge ARGS...` under an outer seccomp filter that answers
 * landlock_create_ruleset, landlock_add_rule and landlock_restrict_self
 * (444 to 446 on every arch) with `errno`: a kernel without Landlock
 * (ENOSYS) or a container profile that refuses it (EPERM).
 */
function pledgeWithoutLandlock(errno: number, args: readonly string[]): CliResult {
  const insns: [number, number, number, number][] = [
    [0x20, 0, 0, 4], // ld arch
    [0x15, 0, 4, AUDIT_ARCH[process.arch]!], // jeq native ? next : allow
    [0x20, 0, 0, 0], // ld nr
    [0x35, 0, 2, 444], // jge 444 ? next : allow
    [0x25, 1, 0, 446], // jgt 446 ? allow : errno
    [0x06, 0, 0, 0x00050000 | errno],
    [0x06, 0, 0, 0x7fff0000],
  ];
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => { buf.writeUInt16LE(code, i * 8); buf.writeUInt8(jt, i * 8 + 2); buf.writeUInt8(jf, i * 8 + 3); buf.writeUInt32LE(k >>> 0, i * 8 + 4); });
  const script = `
    const native = await import(${JSON.stringify(import.meta.resolve('@seccomp-scopes/native'))});
    const { spawnSync } = await import('node:child_process');
    native.setNoNewPrivs();
    native.installFilter(Buffer.from(${JSON.stringify(buf.toString('hex'))}, 'hex'), 1);
    const r = spawnSync(process.execPath, ${JSON.stringify([CLI, ...args])}, { stdio: 'inherit' });
    process.exitCode = r.status ?? 128 + 9;`;
  const r = spawnSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(landlock < 1)('-v /proc/self is the program\'s, never the supervisor\'s', () => {
  for (const kind of ['dynamic', 'static'] as const) {
    it(`${kind}: the program reads its own /proc/self/status, not its parent's (the supervisor's)`, () => {
      const bin = kind === 'dynamic' ? helper : staticHelper;
      const own = pledgeCli(['-p', 'stdio rpath', '-v', 'r:/proc/self', '--', bin, 'open', '/proc/self/status']);
      expect(own.stdout, describeRun(own)).toBe('ok\n');
      const parent = pledgeCli(['-p', 'stdio rpath', '-v', 'r:/proc/self', '--', bin, 'open-parent', 'status']);
      expect(parent.stdout, describeRun(parent)).toBe('error EACCES\n');
      const thread = pledgeCli(['-p', 'stdio rpath', '-v', 'r:/proc/thread-self', '--', bin, 'open', '/proc/thread-self/status']);
      expect(thread.stdout, describeRun(thread)).toBe('ok\n');
    });
  }

  it('a rule naming the supervisor\'s own /proc entry by number is refused', () => {
    // The command's pid is unknown here; /proc/self/.. is not it. Naming it through a symlink is what matters:
    const link = path.join(dir, 'self-link');
    fs.symlinkSync('/proc/self', link);
    const r = pledgeCli(['-p', 'stdio rpath', '-v', `r:${link}`, '--', helper, 'exit', '0']);
    expect(r.status, describeRun(r)).toBe(125);
    expect(r.stderr).toMatch(/^pledge: -v r:.*self-link: names the pledge command's own \/proc entry/m);
  });
});

describe.runIf(process.arch in AUDIT_ARCH)('no Landlock (an outer seccomp filter answers landlock_* with ENOSYS or EPERM)', () => {
  for (const [name, errno] of [['ENOSYS', 38], ['EPERM', 1]] as const) {
    it(`${name}: --unveil-best-effort warns loudly and runs the program`, () => {
      const r = pledgeWithoutLandlock(errno, ['-p', 'stdio rpath', '--unveil-best-effort', '-v', `r:${dir}`, '--', helper, 'open', '/etc/hostname']);
      expect(r.status, describeRun(r)).toBe(0);
      expect(r.stdout).toBe('ok\n');
      expect(r.stderr).toMatch(/^pledge: warning: unveil \(best effort\): Landlock is not available on this kernel .*every path stays accessible/m);
      expect(r.stderr).toContain(name);
    });

    it(`${name}: strict -v fails with a pledge: line and 125, no stack trace`, () => {
      const r = pledgeWithoutLandlock(errno, ['-p', 'stdio rpath', '-v', `r:${dir}`, '--', helper, 'exit', '0']);
      expect(r.status, describeRun(r)).toBe(125);
      expect(r.stderr).toMatch(/^pledge: unveil: Landlock is not available/);
      expect(r.stderr).toContain('--unveil-best-effort');
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });

    // tmppath is confined to /tmp with Landlock (cli.tmppath.test.ts): without it, the same choice as -v.
    it(`${name}: tmppath fails as -v does (a pledge: line, 125), or warns and runs under --unveil-best-effort`, () => {
      const strict = pledgeWithoutLandlock(errno, ['-p', 'stdio tmppath', '--', helper, 'exit', '0']);
      expect(strict.status, describeRun(strict)).toBe(125);
      expect(strict.stderr).toMatch(/^pledge: tmppath: Landlock is not available on this kernel .*confines tmppath's file creation and removal to \/tmp.*--unveil-best-effort/);
      expect(strict.stderr).toContain(name);
      expect(strict.stderr.trim().split('\n')).toHaveLength(1);
      const bestEffort = pledgeWithoutLandlock(errno, ['-p', 'stdio tmppath', '--unveil-best-effort', '--', helper, 'exit', '0']);
      expect(bestEffort.status, describeRun(bestEffort)).toBe(0);
      expect(bestEffort.stderr).toMatch(/^pledge: warning: tmppath \(best effort\): Landlock is not available on this kernel .*creates and removes files anywhere/m);
      // The one warning: not the generic "without -v" one as well.
      expect(bestEffort.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('wpath, cpath, dpath without -v: the whole file system is writable', () => {
  for (const promise of ['wpath', 'cpath', 'dpath']) {
    it(`${promise}: a warning naming -v and --no-unveil-warning`, () => {
      const r = pledgeCli(['-p', `stdio ${promise}`, '--', helper, 'exit', '0']);
      expect(r.status, describeRun(r)).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^pledge: warning: "${promise}" without -v: .*whole file system.*-v.*--no-unveil-warning`, 'm'));
    });
  }

  it('no warning with --no-unveil-warning, -q, or without those promises', () => {
    for (const args of [['-p', 'stdio wpath cpath', '--no-unveil-warning'], ['-p', 'stdio wpath', '-q'], ['-p', 'stdio rpath']]) {
      const r = pledgeCli([...args, '--', helper, 'exit', '0']);
      expect(r.stderr, describeRun(r)).toBe('');
    }
  });

  it.skipIf(landlock < 3)('no warning with -v', () => {
    const r = pledgeCli(['-p', 'stdio rpath wpath cpath', '-v', `rwc:${dir}`, '--', helper, 'exit', '0']);
    expect(r.stderr, describeRun(r)).toBe('');
  });
});

describe('the kill penalty: nothing of the program runs after its refused call', () => {
  for (const what of ['handle-sigsys', 'handle-sigsys-loop']) {
    it(`${what}: no handler, no return, no later write; exit 159 with the report`, () => {
      for (const bin of [helper, staticHelper]) {
        const r = pledgeCli(['-p', 'stdio', '--', bin, what]);
        expect(r.status, describeRun(r)).toBe(KILLED);
        expect(r.stdout, describeRun(r)).toBe('');
        expect(reports(r.stderr), describeRun(r)).toHaveLength(1);
      }
    });
  }

  it('the review\'s race (a thread toggling a SIGSYS handler without SA_RESTART): nothing printed after the call', () => {
    const bin = buildFixture('sec-sigsys-race', ['-pthread']);
    for (let i = 0; i < 12; i++) {
      const r = pledgeCli(['-p', 'stdio', '--', bin, 'eintr']);
      expect(r.status, describeRun(r)).toBe(KILLED);
      expect(r.stdout, describeRun(r)).toBe('');
      expect(reports(r.stderr)).toHaveLength(1);
    }
  });
});

describe.runIf(onX64)('a foreign ABI (i386 int 0x80, x32) is reported, then killed', () => {
  it('int 0x80: the i386 ABI, its number and name, no promise allows it', () => {
    const bin = buildFixture('sec-foreign-abi', ['-static']);
    const r = pledgeCli(['-p', 'stdio', '--', bin, 'int80']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/^sec-foreign-abi\S*\[\d+\]: pledge "stdio" blocked i386 syscall 20 \(getpid\); no promise allows a foreign ABI$/m);
  });

  it('x32: the x32 ABI, its number and name, no promise allows it', () => {
    const bin = buildFixture('sec-foreign-abi', ['-static']);
    const r = pledgeCli(['-p', 'stdio', '--', bin, 'x32']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/^sec-foreign-abi\S*\[\d+\]: pledge "stdio" blocked x32 syscall (0x)?40000027 \(getpid\); no promise allows a foreign ABI$/m);
  });
});

describe('the errno penalty reports a syscall once per process', () => {
  it('two refused opens: both fail, one report', () => {
    const r = pledgeCli(['-p', 'stdio', '--penalty', 'errno', '--', helper, 'open-twice', '/etc/hostname']);
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stdout).toBe('error EPERM\nerror EPERM\n');
    expect(reports(r.stderr), describeRun(r)).toHaveLength(1);
  });
});
