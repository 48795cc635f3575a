/**
 * The tables `pledge run` shares with other packages come from one place:
 * the path arguments the supervisor reads from core's REPORT_DECODE, the
 * preload's marker from the native addon (src/preload/protocol.h), and the
 * report tables are kept per (pid, promises), a bounded few.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { REPORT_DECODE, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF, parsePromises, run } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import * as native from '@seccomp-scopes/native';
import { archFor } from '@seccomp-scopes/pledge';
import { compileSupervisedFilter, pathArgTable, pathArguments } from '../src/filter.js';
import { REPORT_TABLES_KEPT, Reporter } from '../src/report.js';

describe('path arguments: REPORT_DECODE is the only table', () => {
  it('every syscall has at most one path argument, and the supervisor reads exactly those', () => {
    for (const [name, decode] of Object.entries(REPORT_DECODE)) expect(decode.filter((d) => d.kind === 'path').length, name).toBeLessThanOrEqual(1);
    for (const arch of [x86_64, aarch64]) {
      const table = pathArgTable(arch);
      for (const [name, nr] of Object.entries(arch.syscalls)) {
        const p = REPORT_DECODE[name]?.find((d) => d.kind === 'path');
        expect(table[nr], `${arch.name} ${name}`).toBe(p ? p.arg : -1);
      }
    }
  });

  it('calls that make a name show the new one; the calls both tables once disagreed on', () => {
    expect(pathArguments()).toMatchObject({
      symlink: 1, symlinkat: 2, link: 1, linkat: 3, rename: 1, renameat: 3, renameat2: 3,
      inotify_add_watch: 1, open_tree: 1, openat2: 1, openat: 1, execve: 0, execveat: 1,
    });
  });
});

describe('the marker: protocol.h is the only source', () => {
  const header = fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@seccomp-scopes/native')), '../src/preload/protocol.h'), 'utf8');
  const define = (name: string): string => new RegExp(`#define ${name} (\\S+)`).exec(header)![1]!;

  it('the addon exports the header\'s values', () => {
    const p = native.preloadProtocol();
    expect(p.markerA).toBe(BigInt(define('PLEDGE_MARKER_A').replace(/ULL$/, '')));
    expect(p.markerB).toBe(BigInt(define('PLEDGE_MARKER_B').replace(/ULL$/, '')));
    expect(JSON.stringify(p.envLandlockFd)).toBe(define('PLEDGE_ENV_LANDLOCK_FD'));
  });

  it('the supervised filter sends exactly the marker to the supervisor, under "stdio" too', () => {
    const arch = archFor();
    const { program } = compileSupervisedFilter(parsePromises('stdio'), arch, { pid: 4242, uid: 0, gid: 0 });
    const { markerA, markerB } = native.preloadProtocol();
    const action = (args: bigint[]): number =>
      (run(program, { nr: arch.syscalls['getppid']!, arch: arch.auditArch, instructionPointer: 0n, args: [...args, 0n, 0n, 0n, 0n] }, arch.endian).ret & SECCOMP_RET_ACTION_FULL) >>> 0;
    expect(action([markerA, markerB])).toBe(SECCOMP_RET_USER_NOTIF);
    expect(action([0n, 0n])).toBe(SECCOMP_RET_ALLOW);
    expect(action([markerA, 0n])).toBe(SECCOMP_RET_ALLOW);
  });
});

describe('report tables', () => {
  const arch = archFor();
  const call = (pid: number, comm: string) => ({ nr: arch.syscalls['openat']!, args: [BigInt.asUintN(64, -100n), 0n, 0n, 0n, 0n, 0n], pid, tid: pid, comm, path: '/etc/passwd' });

  it('are kept per (pid, promises), not per process name, and a bounded few', () => {
    const reporter = new Reporter({ arch, format: 'text', penalty: 'kill', uid: 0, gid: 0 });
    const stdio = parsePromises('stdio');
    expect(reporter.format(call(10, 'sh'), stdio)).toBe('sh[10]: pledge "stdio" blocked openat(AT_FDCWD, "/etc/passwd", flags=O_RDONLY); it needs "rpath" or "dns" or "getpw"');
    expect(reporter.format(call(10, 'cat'), stdio)).toMatch(/^cat\[10\]: /);
    expect(reporter.cached).toBe(1);
    for (let pid = 100; pid < 100 + 3 * REPORT_TABLES_KEPT; pid++) reporter.format(call(pid, 'x'), stdio);
    expect(reporter.cached).toBe(REPORT_TABLES_KEPT);
  });
});
