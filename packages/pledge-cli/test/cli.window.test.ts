/**
 * The loader window: a dynamic program's start-up gets what the dynamic
 * loader needs (read-only opens, executable mappings, ...) until the
 * preload's marker; from main on it has exactly its promises. A static
 * program has no window. Also: execpromises, and penalties for processes
 * other than the first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KILLED, buildFixture, describeRun, pledgeCli, reports, tempDir } from './cli-harness.js';

let dynamicHelper: string;
let staticHelper: string;
let dir: string;

beforeAll(() => {
  dynamicHelper = buildFixture('cli-helper');
  staticHelper = buildFixture('cli-helper', ['-static']);
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'file.txt'), 'contents\n');
});

const helpers = (): { kind: string; bin: string }[] => [{ kind: 'dynamic', bin: dynamicHelper }, { kind: 'static', bin: staticHelper }];

describe('start-up', () => {
  it('the helpers really are one dynamic and one static executable', () => {
    const head = (f: string): Buffer => fs.readFileSync(f).subarray(0, 4);
    expect(head(dynamicHelper).toString('latin1')).toBe('\x7fELF');
    expect(fs.readFileSync(dynamicHelper).includes(Buffer.from('ld-linux'))).toBe(true);
    expect(fs.readFileSync(staticHelper).includes(Buffer.from('/lib64/ld-linux'))).toBe(false);
  });

  for (const h of [0, 1]) {
    it(`a ${h === 0 ? 'dynamic' : 'static'} program starts under "stdio" alone, with no report`, () => {
      const { bin } = helpers()[h]!;
      const r = pledgeCli(['-p', 'stdio', '--', bin, 'exit', '7']);
      expect(r.status, describeRun(r)).toBe(7);
      expect(reports(r.stderr)).toEqual([]);
    });
  }

  it('the program sees neither the preload nor the unveil descriptor in its environment', () => {
    const r = pledgeCli(['-p', 'stdio', '--', dynamicHelper, 'env', 'LD_PRELOAD']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('(unset)\n');
    const u = pledgeCli(['-p', 'stdio', '-v', `r:${dir}`, '--', dynamicHelper, 'env', 'SECCOMP_SCOPES_LANDLOCK_FD']);
    expect(u.stdout, describeRun(u)).toBe('(unset)\n');
  });

  it('a LD_PRELOAD of the caller is kept (without the preload)', () => {
    const zlib = ['/lib/x86_64-linux-gnu/libz.so.1', '/lib/aarch64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/libz.so.1'].find((f) => fs.existsSync(f));
    if (!zlib) return;
    const r = pledgeCli(['-p', 'stdio', '--', dynamicHelper, 'env', 'LD_PRELOAD'], { env: { LD_PRELOAD: zlib } });
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe(`${zlib}\n`);
  });
});

describe('after start-up the program has exactly its promises', () => {
  for (const h of [0, 1]) {
    const kind = h === 0 ? 'dynamic' : 'static';
    it(`${kind}: mmap(PROT_EXEC) after main is stopped without prot_exec, and works with it`, () => {
      const { bin } = helpers()[h]!;
      const stopped = pledgeCli(['-p', 'stdio', '--', bin, 'mmap-exec']);
      expect(stopped.status, describeRun(stopped)).toBe(KILLED);
      expect(stopped.stdout).toBe('');
      expect(reports(stopped.stderr)).toEqual([expect.stringMatching(/blocked mmap\(.*PROT_EXEC.*it needs "prot_exec"$/)]);
      const granted = pledgeCli(['-p', 'stdio prot_exec', '--', bin, 'mmap-exec']);
      expect(granted.status, describeRun(granted)).toBe(0);
      expect(granted.stdout).toBe('ok\n');
    });

    it(`${kind}: mprotect(PROT_EXEC) after main is stopped without prot_exec, and works with it`, () => {
      const { bin } = helpers()[h]!;
      const stopped = pledgeCli(['-p', 'stdio', '--', bin, 'mprotect-exec']);
      expect(stopped.status, describeRun(stopped)).toBe(KILLED);
      expect(reports(stopped.stderr)).toEqual([expect.stringMatching(/blocked mprotect\(.*PROT_EXEC.*it needs "prot_exec"$/)]);
      const granted = pledgeCli(['-p', 'stdio prot_exec', '--', bin, 'mprotect-exec']);
      expect(granted.stdout, describeRun(granted)).toBe('ok\n');
    });

    it(`${kind}: execve after main is stopped without exec, and works with it`, () => {
      const { bin } = helpers()[h]!;
      const stopped = pledgeCli(['-p', 'stdio', '--', bin, 'exec', staticHelper, 'exit', '3']);
      expect(stopped.status, describeRun(stopped)).toBe(KILLED);
      expect(reports(stopped.stderr)).toEqual([expect.stringContaining(`blocked execve("${staticHelper}"`)]);
      const granted = pledgeCli(['-p', 'stdio exec', '--', bin, 'exec', staticHelper, 'exit', '3']);
      expect(granted.status, describeRun(granted)).toBe(3);
      expect(reports(granted.stderr)).toEqual([]);
    });

    it(`${kind}: a read-only open after main is stopped without rpath (the loader's opens were only for the loader)`, () => {
      const { bin } = helpers()[h]!;
      const file = path.join(dir, 'file.txt');
      const stopped = pledgeCli(['-p', 'stdio', '--', bin, 'open', file]);
      expect(stopped.status, describeRun(stopped)).toBe(KILLED);
      const lines = reports(stopped.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`"${file}"`);
      expect(lines[0]).toMatch(/it needs "rpath"/);
      const granted = pledgeCli(['-p', 'stdio rpath', '--', bin, 'open', file]);
      expect(granted.stdout, describeRun(granted)).toBe('ok\n');
    });
  }

  it('a program that handles SIGSYS is killed all the same', () => {
    const r = pledgeCli(['-p', 'stdio', '--', dynamicHelper, 'handle-sigsys']);
    expect(r.status, describeRun(r)).toBe(KILLED);
    expect(r.stdout).not.toContain('ok');
    expect(reports(r.stderr)).toHaveLength(1);
  });
});

describe('execpromises and other processes', () => {
  it('a program started with execve runs under the execpromises', () => {
    const stopped = pledgeCli(['-p', 'stdio rpath exec', '-e', 'stdio', '--', dynamicHelper, 'exec', staticHelper, 'open', '/etc/hostname']);
    expect(stopped.status, describeRun(stopped)).toBe(KILLED);
    expect(reports(stopped.stderr)).toEqual([expect.stringMatching(/^cli-helper-\w+\[\d+\]: pledge "stdio" blocked openat\(AT_FDCWD, "\/etc\/hostname"/)]);
    const granted = pledgeCli(['-p', 'stdio rpath exec', '-e', 'stdio rpath', '--', dynamicHelper, 'exec', staticHelper, 'open', '/etc/hostname']);
    expect(granted.status, describeRun(granted)).toBe(0);
    expect(granted.stdout).toBe('ok\n');
  });

  it('the first program keeps its promises under -e (calls beyond the execpromises go through the supervisor)', () => {
    const r = pledgeCli(['-p', 'stdio rpath exec', '-e', 'stdio', '--', dynamicHelper, 'open', '/etc/hostname']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('ok\n');
  });

  it('a forked child that breaks the promises is killed; its parent goes on', () => {
    if (!fs.existsSync('/usr/bin/python3')) return;
    const code = [
      'import os, socket',
      'pid = os.fork()',
      'if pid == 0:',
      '    socket.socket()',
      '    os._exit(0)',
      '_, status = os.waitpid(pid, 0)',
      'print("child signal", os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)',
    ].join('\n');
    const r = pledgeCli(['-p', 'stdio rpath proc', '--', '/usr/bin/python3', '-c', code]);
    expect(r.status, describeRun(r)).toBe(0);
    // SIGKILL, sent before the call is answered (nothing of it runs after the call: issue 13).
    expect(r.stdout).toBe('child signal 9\n');
    expect(reports(r.stderr)).toEqual([expect.stringMatching(/blocked socket\(AF_INET/)]);
  });
});
