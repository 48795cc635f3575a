/**
 * `pledge export` formats checked by their own rules: the systemd drop-in
 * with `systemd-analyze verify` where it runs, the CLI end to end. The k8s
 * format (SeccompProfile and Pod, validated against JSON schemas) is in
 * export.k8s.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPolicy, planExport } from '../src/export.js';

const haveAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

describe('pledge export --format systemd', () => {
  it('names only: every argument rule is listed as lost, and ExecStart=pledge is recommended', () => {
    const { output, notes } = exportPolicy('stdio rpath', 'systemd', { arch: 'x64' });
    const text = output as string;
    expect(text).toMatch(/^SystemCallFilter=\S+( \S+)+$/m);
    expect(text).toContain("ExecStart=pledge -p 'stdio rpath' --");
    expect(text).toMatch(/^SystemCallFilter=~.*clone3:ENOSYS/m);
    expect(notes.some((n) => n.startsWith('lost: openat'))).toBe(true);
    const allowed = /^SystemCallFilter=(?!~)(.*)$/m.exec(text)![1]!.split(' ');
    expect(allowed).not.toContain('openat');
    expect(allowed).toContain('read');
  });
  it.skipIf(!haveAnalyze)('passes systemd-analyze verify as a drop-in', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-export-systemd-'));
    try {
      fs.writeFileSync(path.join(dir, 'pledge-export-test.service'), '[Unit]\nDescription=pledge export test\n[Service]\nExecStart=/bin/true\n');
      fs.mkdirSync(path.join(dir, 'pledge-export-test.service.d'));
      fs.writeFileSync(path.join(dir, 'pledge-export-test.service.d', 'pledge.conf'), exportPolicy('stdio rpath inet', 'systemd', { arch: 'x64' }).output as string);
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'pledge-export-test.service')], { encoding: 'utf8', timeout: 20_000 });
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/Unknown|Failed|invalid|ignoring/i);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pledge export, the command', () => {
  const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '../bin/pledge.js');
  it('oci on stdout, the differences on stderr; bpf is the compiled program', () => {
    const r = spawnSync(process.execPath, [bin, 'export', 'stdio rpath', '--format', 'oci', '--arch', 'x86_64'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const policy = JSON.parse(r.stdout);
    expect(policy.defaultAction).toBe('SCMP_ACT_KILL_PROCESS');
    expect(policy.architectures).toEqual(['SCMP_ARCH_X86_64']);
    expect(r.stderr).toMatch(/^pledge export: granted: execve/m);
    const b = spawnSync(process.execPath, [bin, 'export', 'stdio', '--format', 'bpf', '-q']);
    expect(b.status).toBe(0);
    expect(b.stdout.length % 8).toBe(0);
    expect(Buffer.compare(b.stdout, Buffer.from(planExport('stdio', { engine: 'none' }).compiled.bytes))).toBe(0);
  });
  it('errno penalty: defaultErrnoRet; a bad promise or execpromises fails with 125', () => {
    const r = spawnSync(process.execPath, [bin, 'export', 'stdio', '--format', 'docker', '--penalty', 'errno', '-q'], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, archMap: [{ subArchitectures: [] }] });
    expect(spawnSync(process.execPath, [bin, 'export', 'stdio nope', '--format', 'oci']).status).toBe(125);
    expect(spawnSync(process.execPath, [bin, 'export', 'stdio', '-e', 'stdio rpath', '--format', 'oci']).status).toBe(125);
  });
});
