/**
 * libpledge's unveil() on this kernel: a C program built with `cc` against
 * `pledge gen c` output and the library, each case its own process (no
 * Landlock domain ever reaches the test runner). The semantics are those of
 * unveil() in Node (docs/unveil.md), from core's tables in pledge_filters.c.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, compile, generate, lines, run, workDir } from './build.js';

let dir: string;
let data: string;
let tester: string;
let abi = 0;

beforeAll(() => {
  dir = workDir('unveil');
  const filters = generate(dir, ['stdio rpath', 'stdio rpath unveil']);
  tester = compile(dir, 'unveil-test', [path.join(FIXTURES, 'unveil-test.c')], filters);
  data = path.join(dir, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(data, 'in.txt'), 'inside\n');
  fs.writeFileSync(path.join(data, 'sub', 'secret.txt'), 'secret\n');
  abi = Number(lines(run(tester, ['abi', data]).stdout).get('abi'));
});

function mode(name: string): { m: Map<string, string>; stderr: string } {
  const r = run(tester, [name, data]);
  expect(r.status, r.stderr).toBe(0);
  return { m: lines(r.stdout), stderr: r.stderr };
}

describe('unveil() in C', () => {
  it('on a kernel with Landlock: reading inside an unveiled directory works, outside is EACCES; "r" does not grant writing', () => {
    if (abi === 0) return;
    const { m, stderr } = mode('read');
    expect(stderr).toBe('');
    expect(m.get('unveil-dir')).toBe('0 0');
    expect(m.get('before-lock-outside')).toBe('0 0'); // nothing enforced before the lock
    expect(m.get('lock')).toBe('0 0');
    expect(m.get('inside')).toBe('0 0');
    expect(m.get('outside')).toBe('-1 EACCES');
    expect(m.get('write-inside')).toBe('-1 EACCES');
  });

  it("OpenBSD's errnos: a bad letter EINVAL, a missing path ENOENT, after the lock EPERM (both forms)", () => {
    if (abi === 0) return;
    const { m, stderr } = mode('errors');
    expect(m.get('bad-letter')).toBe('-1 EINVAL');
    expect(m.get('missing')).toBe('-1 ENOENT');
    expect(m.get('one-null')).toBe('-1 EINVAL');
    expect(m.get('lock')).toBe('0 0');
    expect(m.get('after-lock')).toBe('-1 EPERM');
    expect(m.get('lock-again')).toBe('-1 EPERM');
    expect(stderr).toContain('invalid unveil permission "z" in "rz"; valid permissions: any of r w x c');
    expect(stderr).toContain('unveil("/nonexistent/libpledge-unveil", "r"): open(O_PATH): ENOENT');
    expect(stderr).toContain('unveil: unveil() is locked; no path can be unveiled any more');
  });

  it('pledge("stdio rpath") after unveil() locks the paths first; unveil() is EPERM afterwards', () => {
    if (abi === 0) return;
    const { m } = mode('pledge');
    expect(m.get('unveil-dir')).toBe('0 0');
    expect(m.get('pledge')).toBe('0 0');
    expect(m.get('inside')).toBe('0 0');
    expect(m.get('outside')).toBe('-1 EACCES');
    expect(m.get('unveil-after')).toBe('-1 EPERM');
    expect(m.get('lock-after')).toBe('-1 EPERM');
  });

  it('a pledge that keeps "unveil" locks them too; a later unveil(NULL, NULL) returns 0, a later unveil(path) EPERM', () => {
    if (abi === 0) return;
    const { m } = mode('pledge-unveil');
    expect(m.get('pledge')).toBe('0 0');
    expect(m.get('outside')).toBe('-1 EACCES');
    expect(m.get('unveil-after')).toBe('-1 EPERM');
    expect(m.get('lock-after')).toBe('0 0');
  });

  it('a thread started before the lock is restricted too', () => {
    if (abi === 0) return;
    const { m } = mode('thread');
    expect(m.get('lock')).toBe('0 0');
    expect(m.get('thread-inside')).toBe('0 0');
    expect(m.get('thread-outside')).toBe('-1 EACCES');
  });

  it('a rule beneath a wider one is refused (ENOTSUP, naming the path and the extra rights), changing nothing', () => {
    if (abi === 0) return;
    const { m, stderr } = mode('widened');
    expect(m.get('unveil-dir')).toBe('0 0');
    expect(m.get('unveil-sub')).toBe('0 0');
    expect(m.get('lock')).toBe('-1 ENOTSUP');
    expect(m.get('outside')).toBe('0 0');
    // still open: the rules can be fixed and locked
    expect(m.get('unveil-more')).toBe('0 0');
    expect(m.get('unveil-sub-r')).toBe('0 0');
    expect(m.get('lock-again')).toBe('0 0');
    expect(m.get('secret')).toBe('0 0');
    expect(m.get('outside-after')).toBe('-1 EACCES');
    const real = fs.realpathSync(data);
    expect(stderr).toContain(`unveil(): Landlock grants the union of the rules on the way from /, so a rule beneath another cannot take rights away (OpenBSD: the most specific rule wins): ${real}/sub also gets WRITE_FILE|READ_FILE|READ_DIR`);
  });

  it('pledge() whose lock is refused installs nothing and fails with the lock\'s errno', () => {
    if (abi === 0) return;
    const { m, stderr } = mode('pledge-widened');
    expect(m.get('pledge')).toBe('-1 ENOTSUP');
    expect(m.get('outside')).toBe('0 0');
    expect(stderr).toContain('pledge: pledge("stdio rpath") without "unveil" locks unveil() first, as on OpenBSD, and that lock failed, so no filter was installed: unveil(): Landlock grants the union');
  });

  it('strict: no Landlock (landlock_create_ruleset answering ENOSYS) is ENOTSUP, changing nothing', () => {
    const { m, stderr } = mode('no-landlock');
    expect(m.get('unveil-dir')).toBe('0 0');
    expect(m.get('lock')).toBe('-1 ENOTSUP');
    expect(m.get('outside')).toBe('0 0');
    expect(stderr).toContain('unveil: Landlock is not available on this kernel (landlock_create_ruleset: ENOSYS');
  });
});
