/**
 * `pledge gen c`: the generator's run-time positions and output, without a
 * kernel. The C library's behaviour is in libpledge.kernel.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '@seccomp-scopes/pledge';
import { LANDLOCK_FILE_RIGHTS, LANDLOCK_MAX_KNOWN_ABI, UNVEIL_ALL_RIGHTS, UNVEIL_PERMISSIONS, landlockDowngrade, landlockMask } from '@seccomp-scopes/core';
import { fillProgram, generateSet, planForC, unveilTablesForC } from '../../pledge-cli/src/gen-c.js';
import { LIBPLEDGE, PLEDGE_BIN, workDir } from './build.js';

const arches = Object.values(ARCHES);

describe('run-time values in the generated programs', () => {
  for (const arch of arches) {
    for (const promises of ['stdio', 'stdio fattr', 'stdio rpath wpath cpath fattr chown proc', '']) {
      it(`${arch.name} ${JSON.stringify(promises)}: filling in an identity gives the program compiled for it`, () => {
        const g = generateSet(promises, arch);
        // Values a wider promise makes moot are not in the program: proc allows kill & co.
        // for any pid, chown allows chown for any owner (the compiler drops the shadowed rules).
        const has = (p: string): boolean => promises.split(' ').includes(p);
        if (has('stdio') && !has('proc')) expect(g.patches.pid.length).toBeGreaterThan(0);
        if (has('fattr') && !has('chown')) {
          expect(g.patches.uid.length).toBeGreaterThan(0);
          expect(g.patches.gid.length).toBeGreaterThan(0);
        }
        for (const ids of [{ pid: 77, uid: 1234, gid: 5678 }, { pid: 0x12345, uid: 0, gid: 100 }]) {
          expect(fillProgram(g.program, g.patches, ids)).toEqual(planForC(promises, arch, ids).filter.program.map((i) => ({ ...i })));
        }
        // The tables: the pid, uid, gid words and the process name are where the generator says.
        for (const t of [g.kill, g.errno!]) {
          const text = Buffer.from(t.bytes).toString('latin1');
          expect(text.indexOf('@pledge-comm@@@\0')).toBe(t.patches.comm);
          expect(t.patches.pid.length).toBeGreaterThan(0);
        }
        expect(g.kill.penalty).toBe('kill');
        expect(g.errno!.penalty).toBe('errno');
        expect(g.errno!.errnoName).toBe(promises.includes('error') ? 'ENOSYS' : 'EPERM');
      });
    }
  }
});

describe('pledge gen c', () => {
  it('emits every arch behind its own #if, and compiles for aarch64 with the cross compiler', () => {
    const dir = workDir('gen');
    const out = path.join(dir, 'pledge_filters.c');
    execFileSync(process.execPath, [PLEDGE_BIN, 'gen', 'c', 'stdio', 'stdio rpath', 'stdio error', '--arch', 'x86_64,aarch64', '-o', out]);
    const text = fs.readFileSync(out, 'utf8');
    expect(text).toMatch(/^#if defined\(__x86_64__\)$/m);
    expect(text).toMatch(/^#elif defined\(__aarch64__\)$/m);
    expect(text).toContain(`"pledge gen c 'stdio' 'stdio rpath' 'stdio error' --arch x86_64,aarch64 -o ${out}"`);
    execFileSync('cc', ['-c', '-Wall', '-Werror', `-I${path.join(LIBPLEDGE, 'include')}`, out, '-o', path.join(dir, 'x86_64.o')]);
    execFileSync('aarch64-linux-gnu-gcc', ['-c', '-Wall', '-Werror', `-I${path.join(LIBPLEDGE, 'include')}`, out, '-o', path.join(dir, 'aarch64.o')]);
  });

  it('refuses an unknown promise (status 125, the valid ones listed) and writes nothing', () => {
    const dir = workDir('gen-bad');
    const out = path.join(dir, 'pledge_filters.c');
    const r = spawnSync(process.execPath, [PLEDGE_BIN, 'gen', 'c', 'stdio', 'stdio bogus', '-o', out], { encoding: 'utf8' });
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('unknown promise "bogus"');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a file without this machine\'s arch fails to compile, naming the --arch to add', () => {
    const dir = workDir('gen-arch');
    const other = process.arch === 'x64' ? 'aarch64' : 'x86_64';
    const out = path.join(dir, 'pledge_filters.c');
    execFileSync(process.execPath, [PLEDGE_BIN, 'gen', 'c', 'stdio', '--arch', other, '-o', out]);
    const r = spawnSync('cc', ['-c', `-I${path.join(LIBPLEDGE, 'include')}`, out, '-o', path.join(dir, 'x.o')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`pledge_filters.c has filters for ${other} only: add this machine's arch to the generator's --arch`);
  });
});

describe("unveil()'s tables: core's, computed by the generator", () => {
  it('letters, file rights and the strict downgrade of every ABI are what core says', () => {
    const t = unveilTablesForC();
    expect(t.letters).toBe('rwxc');
    expect(t.letterRights).toEqual([...'rwxc'].map((l) => landlockMask(UNVEIL_PERMISSIONS.find((p) => p.letter === l)!.rights)));
    expect(t.fileRights).toBe(LANDLOCK_FILE_RIGHTS);
    expect(t.abis).toHaveLength(LANDLOCK_MAX_KNOWN_ABI + 1);
    t.abis.forEach((a, abi) => {
      const d = landlockDowngrade(UNVEIL_ALL_RIGHTS, abi);
      expect(a.handled).toBe(d.handled);
      expect(a.restrictFlags).toBe(d.restrictFlags);
      expect(a.tsync).toBe(d.threadSync === 'tsync');
      expect(a.error !== undefined).toBe(d.error !== undefined);
    });
    expect(t.abis[0]!.error![0]).toContain('Landlock is not available on this kernel (');
    expect(t.abis[LANDLOCK_MAX_KNOWN_ABI]!.error).toBeUndefined();
    expect(t.widened[0]).toContain('a rule beneath another cannot take rights away');
    expect(t.cOnFile[1]).toContain('"c" cannot apply to a non-directory');
  });
});
