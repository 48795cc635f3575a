import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SOURCES, readTable } from './gen-foreign-abi.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('gen-foreign-abi (the reporter\'s foreign-ABI syscall names)', () => {
  it('the committed foreign-abi-names.h matches the UAPI headers (--check)', () => {
    expect(() => execFileSync(process.execPath, [path.join(here, 'gen-foreign-abi.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('reads the numbers the headers give: i386 getpid 20, execve 11; x32 getpid 39, execve 520; AArch32 getpid 20', () => {
    const [i386, x32, arm] = SOURCES.map((s) => new Map(readTable(s.header, s.form).map(([nr, name]) => [name, nr])));
    expect([i386!.get('getpid'), i386!.get('execve'), x32!.get('getpid'), x32!.get('execve'), arm!.get('getpid')]).toEqual([20, 11, 39, 520, 20]);
  });
});
