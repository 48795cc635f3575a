/**
 * `pledge run -v PERMS:PATH`: unveil (Landlock) for the program. A dynamic
 * program enters the domain once its libraries are loaded (from the
 * preload), a static one before execve (its own file gets read and
 * execute). Paths not unveiled are refused by the kernel with EACCES: no
 * report, the program sees an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as native from '@seccomp-scopes/native';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, describeRun, direct, pledgeCli, reports, tempDir } from './cli-harness.js';

let landlock = 0;
try {
  landlock = native.landlockAbi();
} catch {
  landlock = 0;
}

let dir: string;
let helper: string;
let staticHelper: string;

beforeAll(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'shown'));
  fs.mkdirSync(path.join(dir, 'hidden'));
  fs.writeFileSync(path.join(dir, 'shown', 'a.txt'), 'shown\n');
  fs.writeFileSync(path.join(dir, 'hidden', 'b.txt'), 'hidden\n');
  helper = buildFixture('cli-helper');
  staticHelper = buildFixture('cli-helper', ['-static']);
});

if (landlock < 3) console.warn(`pledge run -v tests skipped: Landlock ABI ${landlock} < 3 on this kernel`);

describe.skipIf(landlock < 3)('pledge run -v', () => {
  it('a dynamic program reads what is unveiled and gets EACCES elsewhere', () => {
    const r = pledgeCli(['-p', 'stdio rpath', '-v', `r:${path.join(dir, 'shown')}`, '--', 'cat', path.join(dir, 'shown', 'a.txt'), path.join(dir, 'hidden', 'b.txt')]);
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stdout).toBe('shown\n');
    expect(r.stderr).toMatch(/b\.txt: Permission denied/);
    expect(reports(r.stderr)).toEqual([]);
  });

  for (const kind of ['dynamic', 'static'] as const) {
    it(`${kind}: open inside works, outside is refused by Landlock`, () => {
      const bin = kind === 'dynamic' ? helper : staticHelper;
      const inside = pledgeCli(['-p', 'stdio rpath', '-v', `r:${path.join(dir, 'shown')}`, '--', bin, 'open', path.join(dir, 'shown', 'a.txt')]);
      expect(inside.stdout, describeRun(inside)).toBe('ok\n');
      const outside = pledgeCli(['-p', 'stdio rpath', '-v', `r:${path.join(dir, 'shown')}`, '--', bin, 'open', path.join(dir, 'hidden', 'b.txt')]);
      expect(outside.stdout, describeRun(outside)).toBe('error EACCES\n');
      // Its own libraries and the preload were loaded before the domain: only the unveiled tree is readable now.
      const libc = pledgeCli(['-p', 'stdio rpath', '-v', `r:${path.join(dir, 'shown')}`, '--', bin, 'open', '/etc/hostname']);
      expect(libc.stdout, describeRun(libc)).toBe('error EACCES\n');
    });
  }

  it('several paths, and an empty permission hides', () => {
    const r = pledgeCli(['-p', 'stdio rpath', '-v', `r:${path.join(dir, 'shown')}`, '-v', `:${path.join(dir, 'hidden')}`, '--', helper, 'open', path.join(dir, 'hidden', 'b.txt')]);
    expect(r.stdout, describeRun(r)).toBe('error EACCES\n');
  });

  it('fails with 125 for a path that does not exist, and for rules Landlock would widen', () => {
    const missing = pledgeCli(['-p', 'stdio rpath', '-v', `r:${path.join(dir, 'nope')}`, '--', helper, 'exit', '0']);
    expect(missing.status, describeRun(missing)).toBe(125);
    expect(missing.stderr).toMatch(/ENOENT/);
    const nested = pledgeCli(['-p', 'stdio rpath', '-v', `r:${dir}`, '-v', `:${path.join(dir, 'hidden')}`, '--', helper, 'exit', '0']);
    expect(nested.status, describeRun(nested)).toBe(125);
    expect(nested.stderr).toMatch(/Landlock grants the union/);
    const bestEffort = pledgeCli(['-p', 'stdio rpath', '--unveil-best-effort', '-v', `r:${dir}`, '-v', `:${path.join(dir, 'hidden')}`, '--', helper, 'exit', '0']);
    expect(bestEffort.status, describeRun(bestEffort)).toBe(0);
    expect(bestEffort.stderr).toMatch(/best effort/);
  });
});

describe.skipIf(landlock < 3)('pledge run -v: the preload object is an implied read-only rule', () => {
  // In LD_PRELOAD for a dynamic program, and so for every dynamic program it starts.
  const preload = native.preloadLibraryPath()!;

  it("programs a shell starts load it: no -v for the preload's path is needed", () => {
    const r = pledgeCli(['-p', 'stdio rpath proc exec prot_exec', '-v', 'rx:/usr', '-v', 'r:/etc', '--', 'bash', '-c', 'ls /usr | cat']);
    expect(r.stderr, describeRun(r)).not.toMatch(/cannot be preloaded/);
    expect(r.stdout).toBe(direct(['ls', '/usr']).stdout);
    expect(r.status).toBe(0);
  });

  it('a shell started without SHELL is stopped at its user lookup, and the report names getpw', () => {
    // bash fills SHELL from the password database; glibc's nscd probe (socket(AF_UNIX)) is getpw's.
    const env = { SHELL: undefined };
    const r = pledgeCli(['-p', 'stdio rpath proc exec prot_exec', '-v', 'rx:/usr', '-v', 'r:/etc', '--', 'bash', '-c', 'ls /usr | cat'], { env });
    expect(r.status, describeRun(r)).not.toBe(0);
    expect(r.stderr).toMatch(/blocked socket\(AF_UNIX[^\n]*; it needs "getpw"/);
    const fixed = pledgeCli(['-p', 'stdio rpath proc exec prot_exec getpw', '-v', 'rx:/usr', '-v', 'r:/etc', '--', 'bash', '-c', 'ls /usr | cat'], { env });
    expect(fixed.stdout, describeRun(fixed)).toBe(direct(['ls', '/usr']).stdout);
    expect(fixed.status).toBe(0);
  });

  it('reads that one file only: a sibling in its directory is refused, and the preload cannot be written', () => {
    const sibling = fs.readdirSync(path.dirname(preload)).map((n) => path.join(path.dirname(preload), n))
      .find((f) => f !== preload && fs.statSync(f).isFile());
    expect(sibling).toBeDefined();
    const own = pledgeCli(['-p', 'stdio rpath', '-v', 'r:/etc', '--', helper, 'open', preload]);
    expect(own.stdout, describeRun(own)).toBe('ok\n');
    const beside = pledgeCli(['-p', 'stdio rpath', '-v', 'r:/etc', '--', helper, 'open', sibling!]);
    expect(beside.stdout, describeRun(beside)).toBe('error EACCES\n');
    const before = fs.readFileSync(preload);
    // Allowed by the promises (wpath cpath): only Landlock stands in the way; a 0-byte write would change nothing anyway.
    const write = pledgeCli(['-p', 'stdio rpath wpath cpath', '-v', 'r:/etc', '--', 'dd', 'if=/dev/null', `of=${preload}`, 'conv=notrunc', 'status=none']);
    expect(write.status, describeRun(write)).toBe(1);
    expect(write.stderr).toMatch(/Permission denied/);
    expect(fs.readFileSync(preload).equals(before)).toBe(true);
  });
});
