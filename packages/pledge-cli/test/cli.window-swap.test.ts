/**
 * The program swap between inspection and execve: `pledge run` reads the
 * program's ELF header to decide on the loader window, then the launcher
 * executes it by path. Whoever can write that path could put a static
 * program there after the inspection, which would then run with the
 * window's allowances (stat, readlink, access of any path ...) for up to
 * the window's timeout. The supervisor grants the window only to the file
 * the header was read from (its device and inode, from the descriptor the
 * header was read through, against /proc/PID/exe).
 *
 * The swap is made deterministic by a test-only module loaded into the
 * command (fixtures/swap-after-inspect.mjs): it renames the static program
 * over the dynamic one right after the inspection.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KILLED, buildFixture, describeRun, pledgeCli, reports, tempDir } from './cli-harness.js';

const here = path.dirname(new URL(import.meta.url).pathname);
let dynamicHelper: string;
let swapStatic: string;

beforeAll(() => {
  dynamicHelper = buildFixture('cli-helper');
  swapStatic = buildFixture('sec-swap-static', ['-static']);
});

/** A fresh directory holding `prog` (a copy of the dynamic helper) and `static` (the program swapped in). */
function stage(): { prog: string; replacement: string } {
  const dir = tempDir();
  const prog = path.join(dir, 'prog');
  const replacement = path.join(dir, 'static');
  fs.copyFileSync(dynamicHelper, prog);
  fs.copyFileSync(swapStatic, replacement);
  fs.chmodSync(prog, 0o755);
  fs.chmodSync(replacement, 0o755);
  return { prog, replacement };
}

const hook = (prog: string, replacement: string): Record<string, string> => ({
  NODE_OPTIONS: `--import ${path.join(here, 'fixtures', 'swap-after-inspect.mjs')}`,
  SWAP_PROGRAM: prog,
  SWAP_REPLACEMENT: replacement,
  SECCOMP_SCOPES_NO_CACHE: '1',
});

describe('program swapped after inspection', () => {
  it('the static program does not get the window: its stat of /etc/shadow is refused (kill penalty)', () => {
    // Without the swap, the static program is refused too (no window): the baseline.
    const direct = pledgeCli(['-p', 'stdio', '--', swapStatic]);
    expect(direct.status, describeRun(direct)).toBe(KILLED);
    const { prog, replacement } = stage();
    const r = pledgeCli(['-p', 'stdio', '--', prog], { env: hook(prog, replacement) });
    // The hook did swap: the path now holds the static program.
    expect(fs.readFileSync(prog).equals(fs.readFileSync(swapStatic))).toBe(true);
    expect(r.stdout, describeRun(r)).not.toContain('stat allowed');
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/blocked (newfstatat|stat|statx)\b/)]);
    expect(r.stderr).toContain('changed after it was inspected');
  });

  it('with the errno penalty the call fails instead', () => {
    const { prog, replacement } = stage();
    const r = pledgeCli(['-p', 'stdio', '--penalty', 'errno', '--', prog], { env: hook(prog, replacement) });
    expect(r.stdout, describeRun(r)).not.toContain('stat allowed');
    expect(r.status, describeRun(r)).toBe(2);
  });

  it('under -v the program is killed: the unveil domain of its start-up is never left', () => {
    const { prog, replacement } = stage();
    const r = pledgeCli(['-p', 'stdio', '-v', 'r:/usr', '--', prog], { env: hook(prog, replacement) });
    expect(r.stdout, describeRun(r)).not.toContain('stat allowed');
    expect(r.status, describeRun(r)).toBe(125);
    expect(r.stderr).toContain('unveil could not be applied: the program\'s file changed after it was inspected');
  });

  it('without a swap the dynamic program keeps its window', () => {
    const { prog } = stage();
    const r = pledgeCli(['-p', 'stdio', '--', prog, 'exit', '7'], { env: hook(prog, '') });
    expect(r.status, describeRun(r)).toBe(7);
    expect(reports(r.stderr)).toEqual([]);
  });
});
