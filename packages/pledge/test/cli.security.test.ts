/**
 * Regressions for the security review of `pledge run` (the reviewer's
 * reproducers, as fixtures sec-*.c): what a program can do from code that
 * runs inside the loader window (.preinit_array, constructors, its own
 * PT_INTERP) or against the supervisor, and the kill penalty's race.
 *
 *   H1  a forged marker (and a hidden ruleset descriptor) escaped -v
 *   H2  a read-only open in the window reached any file
 *   H3  any PT_INTERP got the window
 *   H4  a process forked in the window was outside the -v domain
 *   H5  an execve in the window kept the window for the next program
 *   H6  the program could open the supervisor's /proc/PID/mem
 *   W1  a SIGSYS handler installed at the right moment survived the kill penalty
 *   W2  the window allowed any madvise, and anonymous executable memory
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as native from '@seccomp-scopes/native';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemLoader } from '../src/cli/loader.js';
import { KILLED, buildFixture, describeRun, pledgeCli, reports, tempDir } from './cli-harness.js';

let landlock = 0;
try {
  landlock = native.landlockAbi();
} catch {
  landlock = 0;
}
if (landlock < 3) console.warn(`pledge run -v security tests skipped: Landlock ABI ${landlock} < 3 on this kernel`);

let dir: string;
let shown: string;
let secret: string;
let staticHelper: string;

beforeAll(() => {
  dir = tempDir();
  shown = path.join(dir, 'shown');
  fs.mkdirSync(shown);
  secret = path.join(dir, 'secret.txt');
  fs.writeFileSync(secret, 'TOPSECRET\n');
  staticHelper = buildFixture('cli-helper', ['-static']);
});

/** A path outside `shown` that must not come to exist. */
function outsideFile(name: string): string {
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  return file;
}

describe('H2: read-only opens in the window reach only the loader\'s files', () => {
  it('code before the preload (.preinit_array) cannot read an arbitrary file without rpath', () => {
    const bin = buildFixture('sec-preinit-read');
    const r = pledgeCli(['-p', 'stdio', '--', bin, secret]);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('stash= wrote_fd=-2\n');
    expect(r.stdout).not.toContain('TOPSECRET');
  });

  it.skipIf(landlock < 3)('nor, under -v, read or create outside the unveiled tree before the preload', () => {
    const bin = buildFixture('sec-preinit-read');
    const outside = outsideFile('outside-preinit');
    const r = pledgeCli(['-p', 'stdio rpath wpath cpath', '-v', `rwc:${shown}`, '--', bin, secret, outside]);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('stash= wrote_fd=-1\n');
    expect(fs.existsSync(outside)).toBe(false);
  });

  it('a library found through the program\'s own RUNPATH ($ORIGIN) still loads under "stdio" alone', () => {
    const where = tempDir();
    const lib = path.join(where, 'libsecrp.so');
    fs.writeFileSync(path.join(where, 'lib.c'), 'int secrp_value(void) { return 42; }\n');
    fs.writeFileSync(path.join(where, 'main.c'), '#include <stdio.h>\nint secrp_value(void);\nint main(void) { printf("%d\\n", secrp_value()); return 0; }\n');
    const cc = (args: string[]): void => {
      const c = spawnSync('cc', args, { encoding: 'utf8' });
      if (c.status !== 0) throw new Error(`cc ${args.join(' ')}: ${c.stderr}`);
    };
    cc(['-shared', '-fPIC', '-Wl,-soname,libsecrp.so', '-o', lib, path.join(where, 'lib.c')]);
    const bin = path.join(where, 'main');
    cc(['-o', bin, path.join(where, 'main.c'), `-L${where}`, '-lsecrp', '-Wl,-rpath,$ORIGIN']);
    const r = pledgeCli(['-p', 'stdio', '--', bin]);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('42\n');
    expect(reports(r.stderr)).toEqual([]);
  });
});

describe.skipIf(landlock < 3)('H1/H4: under -v the program starts inside a Landlock domain entered by the launcher', () => {
  it('a forged marker and a hidden ruleset descriptor do not get the program out of unveil', () => {
    const bin = buildFixture('sec-fake-marker');
    const r = pledgeCli(['-p', 'stdio rpath', '-v', `r:${shown}`, '--', bin, secret]);
    expect(r.stdout, describeRun(r)).not.toContain('TOPSECRET');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/open: Permission denied/);
  });

  it('a process forked in the window is inside the start-up domain', () => {
    const bin = buildFixture('sec-fork-early');
    const outside = outsideFile('outside-fork');
    const r = pledgeCli(['-p', 'stdio rpath wpath cpath proc', '-v', `rwc:${shown}`, '--', bin, secret, outside]);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('main open -> -1\nchild exit 1\n');
    expect(fs.existsSync(outside)).toBe(false);
  });
});

describe('H3: only the system\'s dynamic loader gets the window', () => {
  let interp: string;
  let crafted: string;
  beforeAll(() => {
    interp = buildFixture('sec-evil-interp', ['-nostdlib', '-static-pie', '-fno-stack-protector']);
    crafted = buildFixture('sec-dummy', [`-Wl,--dynamic-linker=${interp}`]);
  });

  it('the check: the system loader passes, another interpreter does not', () => {
    const system = ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((f) => fs.existsSync(f));
    if (system) expect(systemLoader(system)).toMatchObject({ ok: true });
    expect(systemLoader(interp)).toMatchObject({ ok: false });
    expect(systemLoader('/nonexistent/ld-linux-x86-64.so.2')).toMatchObject({ ok: false });
  });

  it('a program with its own interpreter runs as a static one: the interpreter is under the promises', () => {
    const outside = outsideFile('outside-interp');
    const r = pledgeCli(['-p', 'stdio', '--', crafted, secret, outside]);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).not.toContain('TOPSECRET');
    expect(r.stderr).toMatch(/is not the system's/);
    expect(reports(r.stderr)).toEqual([expect.stringContaining(`"${secret}"`)]);
    expect(fs.existsSync(outside)).toBe(false);
  });

  it.skipIf(landlock < 3)('and under -v it is inside the domain from the start', () => {
    const outside = outsideFile('outside-interp-v');
    const r = pledgeCli(['-p', 'stdio rpath wpath cpath', '-v', `rwc:${shown}`, '--', crafted, secret, outside]);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('interp read: ');
    expect(fs.existsSync(outside)).toBe(false);
  });

  it('--no-window: no window for the system loader either (it then needs rpath prot_exec)', () => {
    const bin = buildFixture('cli-helper');
    const stopped = pledgeCli(['-p', 'stdio', '--no-window', '--', bin, 'exit', '0']);
    expect(stopped.status, describeRun(stopped)).toBe(KILLED);
    const granted = pledgeCli(['-p', 'stdio rpath prot_exec', '--no-window', '--', bin, 'exit', '4']);
    expect(granted.status, describeRun(granted)).toBe(4);
  });
});

describe('H5: an execve let through in the window ends it', () => {
  it('the next program runs under the promises alone', () => {
    const bin = buildFixture('sec-exec-in-window');
    const r = pledgeCli(['-p', 'stdio exec', '--', bin, staticHelper, 'open', secret]);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).toBe('');
    expect(reports(r.stderr)).toEqual([expect.stringMatching(new RegExp(`blocked openat\\(AT_FDCWD, "${secret.replace(/[.]/g, '\\.')}".*it needs "rpath"`))]);
  });

  it.skipIf(landlock < 3)('under -v the program is killed: unveil was never applied', () => {
    const bin = buildFixture('sec-exec-in-window');
    const r = pledgeCli(['-p', 'stdio exec', '-v', `r:${shown}`, '--', bin, staticHelper, 'open', secret]);
    expect(r.status, describeRun(r)).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/executed another program before unveil could be applied/);
  });
});

describe('H6: the program cannot ptrace the supervisor', () => {
  it('the supervisor\'s /proc/PID/mem cannot be opened for writing', () => {
    const bin = buildFixture('sec-ppmem');
    const r = pledgeCli(['-p', 'stdio rpath wpath', '--', bin]);
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stderr).toMatch(/open mem O_RDWR: Permission denied/);
    expect(r.stdout).toBe('');
  });

  it('as root, the program has no CAP_SYS_PTRACE, not even in its bounding set', () => {
    if (process.getuid?.() !== 0) return;
    const r = pledgeCli(['-p', 'stdio rpath', '--', 'cat', '/proc/self/status']);
    expect(r.status, describeRun(r)).toBe(0);
    const CAP_SYS_PTRACE = 19n;
    for (const field of ['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb']) {
      const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(r.stdout);
      expect(m, field).not.toBeNull();
      expect((BigInt(`0x${m![1]}`) >> CAP_SYS_PTRACE) & 1n, field).toBe(0n);
    }
  });
});

describe('W1: the kill penalty is not raced by a SIGSYS handler', () => {
  it('the program never survives its refused call (several runs)', () => {
    const bin = buildFixture('sec-sigsys-race', ['-pthread']);
    for (let i = 0; i < 6; i++) {
      const r = pledgeCli(['-p', 'stdio', '--', bin]);
      expect(r.status, describeRun(r)).toBe(KILLED);
      expect(r.stdout).not.toContain('still alive');
      expect(reports(r.stderr)).toHaveLength(1);
    }
  });
});

describe('W2: the window\'s memory calls', () => {
  it('madvise in the window has stdio\'s advice only', () => {
    const bin = buildFixture('sec-window-memory');
    const r = pledgeCli(['-p', 'stdio', '--', bin, 'madvise']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).toBe('');
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/blocked madvise\(.*MADV_PAGEOUT/)]);
  });

  for (const what of ['anon-exec', 'rw-to-rx']) {
    it(`executable memory in the window only from the loader's files: ${what} is refused without prot_exec`, () => {
      const bin = buildFixture('sec-window-memory');
      const r = pledgeCli(['-p', 'stdio', '--', bin, what]);
      expect(r.status, describeRun(r)).toBe(KILLED);
      expect(r.stdout).toBe('');
      expect(reports(r.stderr)).toEqual([expect.stringMatching(/blocked m(map|protect)\(.*PROT_EXEC.*it needs "prot_exec"$/)]);
      const granted = pledgeCli(['-p', 'stdio prot_exec', '--', bin, what]);
      expect(granted.stdout, describeRun(granted)).toBe('in window: 0\n');
    });
  }
});
