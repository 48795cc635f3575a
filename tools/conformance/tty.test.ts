import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePromises } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('tty on a real pseudo-terminal (a C program under script(1))', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiocsti-'));
  const bin = path.join(dir, 'tiocsti');
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', bin, path.join(here, 'tiocsti.c')]);
  const run = (promises: string): { out: string; status: number | null } => {
    const file = path.join(dir, `${promises.replace(/ /g, '_')}.bin`);
    fs.writeFileSync(file, compilePromises(promises, { arch: x86_64, runtime: { pid: 1, uid: 0, gid: 0 } }).bytes);
    const r = spawnSync('script', ['-qec', `${bin} ${file}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000 });
    return { out: r.stdout.replace(/\r/g, ''), status: r.status };
  };
  it('tty reads the window size, and TIOCSTI kills the process', () => {
    expect(process.arch).toBe('x64');
    const r = run('stdio tty');
    expect(r.out).toContain('TIOCGWINSZ 0\n');
    expect(r.out).not.toContain('TIOCSTI');
    expect(r.status).toBe(128 + 31);
  });
  it('under stdio alone the window size is refused softly (ENOTTY, as for a non-terminal), and TIOCSTI kills', () => {
    const r = run('stdio');
    expect(r.out).toContain('TIOCGWINSZ -1\n');
    expect(r.out).not.toContain('TIOCSTI');
    expect(r.status).toBe(128 + 31);
  });
});
