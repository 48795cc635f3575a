/**
 * `pledge export` formats checked by their own rules: the SeccompProfile
 * against the facts of the Security Profiles Operator's v1beta1 CRD
 * (api/seccompprofile/v1beta1/seccompprofile_types.go: defaultAction and
 * action enums, architectures enum, names required, errnoRet a string, at
 * most 6 args, index/value/valueTwo unsigned integers, op enum), the systemd
 * drop-in with `systemd-analyze verify` where it runs, the CLI end to end.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPolicy, k8sArtefacts, planExport } from '../src/export.js';

const ACTIONS = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'];
const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
const ARCHS = ['SCMP_ARCH_NATIVE', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64'];
const SPEC_KEYS = ['baseProfileName', 'defaultAction', 'architectures', 'listenerPath', 'listenerMetadata', 'syscalls', 'flags'];

/** The CRD's rules for spec, as problems found. */
function crdProblems(spec: Record<string, unknown>): string[] {
  const p: string[] = [];
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.includes(k)) p.push(`unknown spec field ${k}`);
  if (!ACTIONS.includes(spec['defaultAction'] as string)) p.push('defaultAction');
  for (const a of (spec['architectures'] as string[] | undefined) ?? []) if (!ARCHS.includes(a)) p.push(`arch ${a}`);
  for (const s of (spec['syscalls'] as Array<Record<string, unknown>> | undefined) ?? []) {
    if (!Array.isArray(s['names']) || (s['names'] as unknown[]).some((n) => typeof n !== 'string')) p.push('names');
    if (!ACTIONS.includes(s['action'] as string)) p.push(`action ${String(s['action'])}`);
    if (s['errnoRet'] !== undefined && typeof s['errnoRet'] !== 'string') p.push('errnoRet must be a string');
    const args = (s['args'] as Array<Record<string, unknown>> | undefined) ?? [];
    if (args.length > 6) p.push('more than 6 args');
    for (const a of args) {
      for (const k of ['index', 'value', 'valueTwo']) if (a[k] !== undefined && !(Number.isInteger(a[k]) && (a[k] as number) >= 0)) p.push(`${k} ${String(a[k])}`);
      if (!OPS.includes(a['op'] as string)) p.push(`op ${String(a['op'])}`);
    }
  }
  return p;
}

describe('pledge export --format k8s', () => {
  for (const promises of ['stdio rpath', 'stdio', 'stdio inet', 'stdio getpw unix']) {
    it(`'${promises}': the SeccompProfile keeps the operator's CRD rules, the Pod names its operator path`, () => {
      const k = k8sArtefacts(planExport(promises, { arch: 'x64' }));
      expect(k.resource.apiVersion).toBe('security-profiles-operator.x-k8s.io/v1beta1');
      expect(k.resource.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(crdProblems(JSON.parse(JSON.stringify(k.resource.spec)))).toEqual([]);
      expect(k.pod.spec.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: `operator/default/${k.name}.json` });
    });
  }
  it('the text output is a YAML stream of the resource and the Pod (JSON documents)', () => {
    const { output } = exportPolicy('stdio rpath', 'k8s', { arch: 'x64' });
    const docs = (output as string).split('\n---\n').slice(1).map((d) => JSON.parse(d.split('\n').filter((l) => !l.startsWith('#')).join('\n')));
    expect(docs.map((d) => d.kind)).toEqual(['SeccompProfile', 'Pod']);
  });
});

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
