/**
 * `pledge export` proven by real engines: runc runs the static conformance
 * probe as a container's entrypoint under exported OCI policies, bwrap runs
 * it under exported BPF; every case of the conformance table
 * (tools/conformance/cases.ts) ends as core's simulator says our own filter
 * ends it, except the cases the export's listed differences predict, and
 * exactly those. Containers and bwrap run as child processes (root needed
 * for runc; skipped, saying why, when runc or bwrap is missing).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '@seccomp-scopes/pledge';
import { CASES, caseName, JUNK } from '../../../tools/conformance/cases.js';
import { caseData, type Outcome } from '../../../tools/conformance/run.js';
import { planExport, type ExportPlan } from '../src/export.js';
import {
  HARNESS_RULES, buildStaticProbe, ociOutcome, ourOutcome, predicted, probeInput, probeOutcomes, sameOutcome,
} from './export-harness.js';

const arch = ARCHES.x64!;
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const onX64 = process.arch === 'x64';
const SETS = ['stdio rpath', 'stdio', 'stdio inet', 'stdio rpath wpath cpath'];

/** Every case's verdict under `plan`, against our filter's: the differing case indices, and those the listing predicts. */
function compare(plan: ExportPlan, got: Map<number, Outcome | string>) {
  const differing: string[] = [];
  const predictedDiff: string[] = [];
  const problems: string[] = [];
  for (const [i, outcome] of got) {
    const c = CASES[i]!;
    const data = caseData(c, arch)!;
    const ours = ourOutcome(plan.promises, data, arch);
    if ((typeof outcome === 'string' && outcome !== 'allow' && outcome !== 'kill') || (typeof outcome === 'object' && 'error' in outcome)) { problems.push(`${caseName(c)}: ${JSON.stringify(outcome)}`); continue; }
    if (!sameOutcome(outcome, ours)) differing.push(`${caseName(c)}: engine ${JSON.stringify(outcome)}, ours ${JSON.stringify(ours)}`);
    const p = predicted(plan.differences, data, arch);
    if ((p?.kind === 'granted' && ours !== 'allow') || (p?.kind === 'lost' && sameOutcome(p.ours!, ours))) predictedDiff.push(`${caseName(c)}: predicted ${p}`);
  }
  return { differing, predictedDiff, problems };
}

const strip = (lines: string[]): string[] => lines.map((l) => l.replace(/: (engine|predicted) .*$/, '')).sort();

describe('pledge export, the OCI policy in TypeScript (libseccomp semantics)', () => {
  for (const promises of [...SETS, 'stdio proc exec', 'stdio tty fattr flock', 'stdio unix dns getpw']) {
    it(`'${promises}': every case as our filter, but for exactly the listed differences; junk upper halves change nothing`, () => {
      const plan = planExport(promises, { arch: 'x64', entrypoint: 'static' });
      const got = new Map<number, Outcome | string>();
      CASES.forEach((c, i) => { const d = caseData(c, arch); if (d) got.set(i, ociOutcome(plan.seccomp, d, arch)); });
      const r = compare(plan, got);
      expect(r.problems).toEqual([]);
      expect(strip(r.differing)).toEqual(strip(r.predictedDiff));
      // Junk in the upper half of every int argument of every allowed case: the same verdict.
      for (const [i, outcome] of got) {
        const d = caseData(CASES[i]!, arch)!;
        for (let a = 0; a < 6; a++) {
          const args = [...(d.args ?? [])].map((x) => BigInt(x));
          if ((args[a]! >> 32n) !== 0n) continue;
          args[a] = args[a]! | JUNK;
          const ours = ourOutcome(promises, { ...d, args }, arch);
          const theirs = ociOutcome(plan.seccomp, { ...d, args }, arch);
          if (!sameOutcome(ours, theirs)) expect(predicted(plan.differences, { ...d, args }, arch), `${caseName(CASES[i]!)} with junk in arg ${a}: ${JSON.stringify(theirs)} vs ${JSON.stringify(ours)}`).toBeDefined();
          void outcome;
        }
      }
    });
  }
  it('no case of the table matches the probe harness rules (they cannot change a verdict)', () => {
    const harnessOnly = planExport('', { arch: 'x64', entrypoint: 'static', harness: HARNESS_RULES });
    const bare = planExport('', { arch: 'x64', entrypoint: 'static' });
    CASES.forEach((c) => {
      const d = caseData(c, arch);
      if (d) expect(ociOutcome(harnessOnly.seccomp, d, arch), caseName(c)).toEqual(ociOutcome(bare.seccomp, d, arch));
    });
  });
});

function runcProbe(plan: ExportPlan, probe: string): Map<number, Outcome | string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-export-runc-'));
  try {
    const bundle = path.join(dir, 'bundle');
    fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
    fs.copyFileSync(probe, path.join(bundle, 'rootfs', 'probe'));
    fs.chmodSync(path.join(bundle, 'rootfs', 'probe'), 0o755);
    const spec = spawnSync('runc', ['spec', '--bundle', bundle], { encoding: 'utf8' });
    if (spec.status !== 0) throw new Error(`runc spec: ${spec.stderr}`);
    const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
    config.process.terminal = false;
    config.process.args = ['/probe'];
    config.root.readonly = true;
    config.linux.seccomp = plan.seccomp;
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
    const { text, index } = probeInput(CASES, arch);
    const id = `pledge-export-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const r = spawnSync('runc', ['--root', path.join(dir, 'state'), 'run', '--bundle', bundle, id], { input: text, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) {
      spawnSync('runc', ['--root', path.join(dir, 'state'), 'delete', '--force', id]);
      throw new Error(`runc run: status ${r.status} signal ${r.signal}\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    }
    return probeOutcomes(r.stdout, CASES, arch, index, (c) => ourOutcome(plan.promises, caseData(c, arch)!, arch));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!onX64 || !isRoot || !have('runc'))('pledge export --format oci under runc (the static probe as the entrypoint)', () => {
  for (const promises of SETS) {
    it(`'${promises}': runc's verdicts are our filter's but for exactly the listed differences`, () => {
      const probe = buildStaticProbe(CASES);
      const plan = planExport(promises, { arch: 'x64', entrypoint: 'static', harness: HARNESS_RULES });
      const got = runcProbe(plan, probe);
      const r = compare(plan, got);
      expect(r.problems).toEqual([]);
      expect(strip(r.differing)).toEqual(strip(r.predictedDiff));
    });
  }
});

function bwrapProbe(plan: ExportPlan, probe: string): Map<number, Outcome | string> {
  const { text, index } = probeInput(CASES, arch);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-export-bwrap-'));
  try {
    const bpf = path.join(dir, 'filter.bpf');
    fs.writeFileSync(bpf, plan.compiled.bytes);
    // bwrap reads the program from descriptor 9 and installs it right before it execs the probe.
    const r = spawnSync('sh', ['-c', 'exec bwrap --ro-bind / / --dev /dev --seccomp 9 "$1" 9<"$2"', 'sh', probe, bpf], { input: text, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`bwrap: status ${r.status} signal ${r.signal}\n${r.stderr}`);
    return probeOutcomes(r.stdout, CASES, arch, index, (c) => ourOutcome(plan.promises, caseData(c, arch)!, arch));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!onX64 || !have('bwrap'))('pledge export --format bpf under bwrap --seccomp', () => {
  for (const promises of ['stdio rpath', 'stdio', 'stdio inet']) {
    it(`'${promises}': bwrap's verdicts are our filter's but for exactly the listed differences`, () => {
      const probe = buildStaticProbe(CASES);
      const plan = planExport(promises, { arch: 'x64', entrypoint: 'static', engine: 'none', harness: HARNESS_RULES });
      const r = compare({ ...plan, differences: plan.differences.filter((d) => d.formats.includes('bpf')) }, bwrapProbe(plan, probe));
      expect(r.problems).toEqual([]);
      expect(strip(r.differing)).toEqual(strip(r.predictedDiff));
    });
  }
});
