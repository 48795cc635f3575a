/**
 * The Landlock ABI table and downgrade of packages/core/src/landlock.ts
 * against real kernels with older ABIs: Debian's arm64 6.1 (ABI 2) and 6.12
 * (ABI 6), booted under qemu-system-aarch64 (./aarch64-vm.ts) with
 * ./landlock-probe.c as the VM's /probe. Everything the probe is asked and
 * everything the kernel must answer comes from core's table
 * (./landlock-protocol.ts), so a wrong row fails here:
 *
 * - the kernel's ABI, and the ABI the table's `linux` column gives its release;
 * - `landlock_create_ruleset` with the table's set for each ABI 1..8, and with
 *   each of the 64 bits of `handled_access_fs` alone (the kernel's real mask);
 * - the non-file-system rows: TCP rules (4), scopes (6), the audit flag (7),
 *   TSYNC (8);
 * - behaviour: for each ABI, the ruleset unveil() builds in best-effort mode
 *   (`unveil(dir, 'rwxc')`, `unveil(device, 'r')`), enforced on the real
 *   kernel, then reads, writes, creations, removals, renames across
 *   directories (REFER), truncate (TRUNCATE) and a device ioctl (IOCTL_DEV)
 *   inside and outside the rules.
 *
 * Kernels: $SECCOMP_SCOPES_LANDLOCK_KERNELS (comma-separated profiles of
 * ./fetch-arm64-kernel.sh), default `bookworm,bookworm-backports`; both boot
 * in parallel. A kernel that cannot be fetched, or a missing tool, fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { LANDLOCK_MAX_KNOWN_ABI, landlockFsRightsForAbi, landlockRightNames } from '@seccomp-scopes/core';
import { SYSCALL_FALLBACKS_H, bootVm, buildAarch64Programs, fetchArm64Kernel, qemuVersion, type Arm64Kernel, type CpioFile, type VmRun } from './aarch64-vm.js';
import {
  CHECKS, FEATURES, FS_BITS, expectedBitAnswer, expectedFeatureAnswer, expectedRulesetAnswer, expectedScenario, kernelFsMask,
  landlockRequest, maskNames, readLandlockLines, scenario, tableAbiForRelease, type LandlockAnswers,
} from './landlock-protocol.js';

const PROFILES = (process.env.SECCOMP_SCOPES_LANDLOCK_KERNELS ?? 'bookworm,bookworm-backports').split(',').map((s) => s.trim()).filter(Boolean);

interface Run {
  readonly kernel: Arm64Kernel;
  readonly vm: VmRun;
  readonly answers: LandlockAnswers;
  readonly abi: number;
  readonly timings: string[];
}

const REQUEST = landlockRequest();

async function runProfile(profile: string, files: (request: string) => CpioFile[]): Promise<Run> {
  const timings: string[] = [];
  let t = Date.now();
  const kernel = await fetchArm64Kernel(profile);
  timings.push(`kernel ${kernel.origin} ${Date.now() - t} ms`);
  t = Date.now();
  const vm = await bootVm(kernel, files(REQUEST), 180_000, 'landlock');
  timings.push(`boot+run ${vm.wallMs} ms`);
  if (!vm.ended) throw new Error(`the VM run did not complete (no SCPROBE-END); console (${vm.log}):\n${vm.console.slice(-4000)}`);
  const answers = readLandlockLines(vm.probeLines);
  if (answers.abi === undefined || !(answers.abi >= 1)) {
    throw new Error(`the kernel reports no Landlock (ABI ${answers.abi}); console (${vm.log}):\n${vm.console.slice(-3000)}`);
  }
  return { kernel, vm, answers, abi: answers.abi, timings };
}

const runs = new Map<string, Run>();
const failures = new Map<string, Error>();
const setup: string[] = [];

beforeAll(async () => {
  let files: ((request: string) => CpioFile[]) | undefined;
  let buildError: Error | undefined;
  try {
    setup.push(qemuVersion());
    const t = Date.now();
    const bins = buildAarch64Programs('landlock', [{ name: 'probe', source: 'landlock-probe.c', includes: [SYSCALL_FALLBACKS_H] }]);
    setup.push(`binaries ${bins.cached ? 'cached' : 'built'} ${Date.now() - t} ms`);
    const init = bins.paths.init!;
    const probe = bins.paths.probe!;
    files = (request) => [
      { name: 'init', data: fs.readFileSync(init), mode: 0o755 },
      { name: 'probe', data: fs.readFileSync(probe), mode: 0o755 },
      { name: 'request', data: Buffer.from(request), mode: 0o644 },
    ];
  } catch (err) {
    buildError = err instanceof Error ? err : new Error(String(err));
  }
  const results = await Promise.allSettled(PROFILES.map((p) => (buildError ? Promise.reject(buildError) : runProfile(p, files!))));
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') runs.set(PROFILES[i]!, r.value);
    else failures.set(PROFILES[i]!, r.reason instanceof Error ? r.reason : new Error(String(r.reason)));
  });
}, 900_000);

/** The run of a profile; throws (fails the test) with the reason when there is none. */
function ran(profile: string): Run {
  const f = failures.get(profile);
  if (f) throw new Error(`the Landlock VM run (profile ${profile}) failed: ${f.message}`);
  const r = runs.get(profile);
  if (!r) throw new Error(`no Landlock VM run for profile ${profile}`);
  return r;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const names = (mask: number): string => landlockRightNames(mask).join(' ') || '(none)';

describe('Landlock probe request (host side)', () => {
  it('asks for every table ABI, every bit, every feature and one scenario per ABI', () => {
    const lines = REQUEST.trim().split('\n');
    expect(lines[0]).toBe('V');
    expect(lines.filter((l) => l.startsWith('S abi'))).toHaveLength(LANDLOCK_MAX_KNOWN_ABI);
    expect(lines.filter((l) => l.startsWith('S bit'))).toHaveLength(FS_BITS);
    expect(lines.filter((l) => l.startsWith('B '))).toHaveLength(LANDLOCK_MAX_KNOWN_ABI);
    expect(lines.at(-1)).toBe('Q');
    // The features' table rows: TCP 4, scopes 6, audit 7, TSYNC 8 (as the docs say).
    expect(Object.fromEntries(FEATURES.map((f) => [f.id, f.abi]))).toEqual({ net: 4, scoped: 6, log: 7, tsync: 8 });
  });
  it('runs in the probe exactly the checks it has expectations for', () => {
    const source = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'landlock-probe.c'), 'utf8');
    const inProbe = [...source.matchAll(/check\(id, "([a-z-]+)"/g)].map((m) => m[1]);
    expect(inProbe).toEqual(CHECKS.map((c) => c.name));
  });
});

for (const profile of PROFILES) {
  describe(`Landlock ABI table and downgrade on a real arm64 kernel (profile ${profile})`, () => {
    it('boots, and the kernel reports the Landlock ABI the table gives its Linux release', () => {
      const r = ran(profile);
      expect(r.answers.errors, r.vm.console.slice(-3000)).toEqual([]);
      expect(r.vm.probeStatus, 'probe exit status').toBe(0);
      expect(String(r.abi)).toBe(r.vm.begin?.landlock_abi);
      console.log(`Landlock VM (${r.kernel.package} ${r.kernel.version}): ABI ${r.abi}, kernel mask ${maskNames(kernelFsMask(r.answers)).join(' ')}; ` +
        `${[...setup, ...r.timings].join(', ')}`);
      expect(r.abi, `LANDLOCK_ABIS says Linux ${r.kernel.release} has ABI ${tableAbiForRelease(r.kernel.release)}`).toBe(tableAbiForRelease(r.kernel.release));
    });

    it('landlock_create_ruleset accepts the table\'s set for every ABI up to the kernel\'s, and refuses (EINVAL) sets with a newer right', () => {
      const r = ran(profile);
      const wrong: string[] = [];
      for (let a = 1; a <= LANDLOCK_MAX_KNOWN_ABI; a++) {
        const want = expectedRulesetAnswer(a, r.abi);
        const got = r.answers.rulesets.get(`abi${a}`);
        if (got !== want) wrong.push(`ABI ${a} set ${hex(landlockFsRightsForAbi(a))} (${names(landlockFsRightsForAbi(a))}): kernel ${got}, table predicts ${want}`);
      }
      expect(wrong.join('\n'), `kernel ABI ${r.abi}: the table's prediction is wrong for`).toBe('');
    });

    it('the kernel handles exactly the rights the table gives its ABI (each of the 64 bits alone)', () => {
      const r = ran(profile);
      const wrong: string[] = [];
      for (let i = 0; i < FS_BITS; i++) {
        const want = expectedBitAnswer(i, Math.min(r.abi, LANDLOCK_MAX_KNOWN_ABI));
        const got = r.answers.rulesets.get(`bit${i}`);
        if (r.abi > LANDLOCK_MAX_KNOWN_ABI && got === 'ok') continue; // a newer kernel may know rights the table does not
        if (got !== want) wrong.push(`bit ${i} (${maskNames(1n << BigInt(i))[0]}): kernel ${got}, table predicts ${want}`);
      }
      expect(wrong.join('\n'), `kernel ABI ${r.abi}: kernel mask ${hex(kernelFsMask(r.answers))}, table ${hex(landlockFsRightsForAbi(r.abi))}`).toBe('');
    });

    it('the non-file-system rows (TCP rules, scopes, audit flag, TSYNC) start at the table\'s ABI', () => {
      const r = ran(profile);
      expect(r.answers.restricts.get('none'), 'landlock_restrict_self(0), the control').toBe('ok');
      for (const f of FEATURES) {
        const got = f.request.startsWith('S ') ? r.answers.rulesets.get(f.id) : r.answers.restricts.get(f.id);
        expect(got, `${f.what} (table: ABI ${f.abi}) on a kernel of ABI ${r.abi}`).toBe(expectedFeatureAnswer(f, r.abi));
      }
    });

    for (let a = 1; a <= LANDLOCK_MAX_KNOWN_ABI; a++) {
      const s = scenario(a);
      it(`behaviour of unveil's best-effort ruleset for ABI ${a} (handles ${hex(s.downgrade.handled)}, drops ${names(s.downgrade.dropped)})`, () => {
        const r = ran(profile);
        const got = r.answers.scenarios.get(s.id);
        expect(got?.end, `the scenario's child ended normally`).toBe('0x0');
        const want = expectedScenario(s, r.abi);
        if (want.step) {
          expect(got?.step, `ABI ${a}'s set holds rights newer than the kernel's ABI ${r.abi}`).toBe(want.step);
          return;
        }
        expect(got?.step, `set-up of the ruleset handling ${names(s.downgrade.handled)} failed on a kernel of ABI ${r.abi}, where the table predicts it works`).toBeUndefined();
        expect(Object.fromEntries(got!.checks), `kernel ABI ${r.abi}, grants rwxc=${hex(s.grants.data)} r=${hex(s.grants.file)}`).toEqual(want.checks);
      });
    }

    it('on the kernel\'s own ABI, unveil enforces what docs/unveil.md says and leaves open exactly the gaps the downgrade reports', () => {
      const r = ran(profile);
      const s = scenario(Math.min(r.abi, LANDLOCK_MAX_KNOWN_ABI));
      const got = r.answers.scenarios.get(s.id);
      expect(got?.step, `the ruleset of ABI ${s.abi} (${names(s.downgrade.handled)}) could not be set up`).toBeUndefined();
      const checks = got!.checks;
      const c = (name: string): string | undefined => checks!.get(name);
      // The rwxc tree works, the rest is hidden.
      expect([c('read-in'), c('write-in'), c('create-in'), c('mkdir-in'), c('unlink-in'), c('rename-same-dir-in')]).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
      expect([c('read-out'), c('list-out'), c('write-out'), c('create-out'), c('mkdir-out'), c('unlink-out')]).toEqual(Array(6).fill('errno 13'));
      expect(c('truncate-in')).toBe('ok');
      const gaps = new Map(s.downgrade.gaps.map((g) => [g.right, g]));
      // REFER (function gap before ABI 2): moves across directories fail with EXDEV; with it, `c` on both ends allows them.
      expect(c('rename-across-in'), `REFER ${gaps.has('REFER') ? 'dropped' : 'handled'}`).toBe(gaps.has('REFER') ? 'errno 18' : 'ok');
      expect(c('link-across-in')).toBe(gaps.has('REFER') ? 'errno 18' : 'ok');
      // TRUNCATE (security gap before ABI 3): truncate(2) of a file never unveiled succeeds; with it, EACCES.
      expect(c('truncate-out'), `TRUNCATE ${gaps.has('TRUNCATE') ? `dropped (${gaps.get('TRUNCATE')!.kind} gap)` : 'handled'}`).toBe(gaps.has('TRUNCATE') ? 'ok' : 'errno 13');
      // IOCTL_DEV (security gap before ABI 5): an ioctl on a device opened read-only reaches the driver (ENOTTY for /dev/null); with it, EACCES ("r" does not grant it).
      expect(c('open-dev')).toBe('ok');
      expect(c('ioctl-dev'), `IOCTL_DEV ${gaps.has('IOCTL_DEV') ? 'dropped' : 'handled'}`).toBe(gaps.has('IOCTL_DEV') ? 'errno 25' : 'errno 13');
      expect(s.downgrade.gaps.every((g) => g.kind === (g.right === 'REFER' ? 'function' : 'security'))).toBe(true);
      console.log(`Landlock ABI ${r.abi} (${profile}): unveil's ruleset handles ${names(s.downgrade.handled)}; ` +
        `gaps ${s.downgrade.gaps.map((g) => `${g.right} (${g.kind})`).join(', ') || 'none'}`);
    });
  });
}
