/**
 * The conformance table on aarch64: in the BPF simulator, and on a real arm64
 * kernel booted under qemu-system-aarch64 (./aarch64-vm.ts). The same rows
 * as the x86_64 runs (./conformance.test.ts). Rows that cannot exist on
 * aarch64 (legacy syscalls such as open and creat, x32 numbers) are reported
 * as not applicable in their titles, and checked against an explicit list.
 *
 * Missing tools or an unreachable kernel make this suite fail, never skip.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import {
  BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO,
  encode, jump, stmt, verify, type Insn,
} from '@seccomp-scopes/core';
import { buildVmBinaries, bootVm, fetchArm64Kernel, kernelProfiles, qemuVersion, vmFiles, type Arm64Kernel, type VmRun } from './aarch64-vm.js';
import { CASES, caseName, type Case } from './cases.js';
import { caseOutcomes, checkedSyscalls, notApplicable, probeRequest, readProbeLines, syscallNamesHeader, type ExtraRequest, type ProbeLines } from './probe-protocol.js';
import { expected, filterFor, simulate, type Outcome } from './run.js';

const arch = aarch64;

/**
 * Syscalls a case may name that aarch64 does not have: the legacy calls the
 * asm-generic table dropped, and x86-only ones. A case is "not applicable"
 * only for these; a missing name outside this list is a table bug, not an
 * excuse (it fails below).
 */
const ABSENT_ON_AARCH64 = new Set([
  'open', 'creat', 'stat', 'lstat', 'access', 'mkdir', 'rmdir', 'unlink', 'rename', 'link', 'symlink', 'readlink',
  'chmod', 'chown', 'lchown', 'mknod', 'utime', 'utimes', 'futimesat', 'fork', 'vfork', 'pipe', 'dup2', 'poll',
  'select', 'epoll_create', 'epoll_wait', 'eventfd', 'signalfd', 'inotify_init', 'alarm', 'pause', 'time',
  'getpgrp', 'getdents', 'uselib', 'ustat', 'sysfs',
  'arch_prctl', 'modify_ldt', 'iopl', 'ioperm',
]);

const applicable = CASES.map((c) => notApplicable(c, arch) === undefined);

/** Test title: the case, and why it does not run here when it does not. */
function title(c: Case): string {
  const why = notApplicable(c, arch);
  return why ? `${caseName(c)}: not applicable on aarch64 (${why})` : caseName(c);
}

/** A case that is not applicable must be so for a listed reason; the test says which. */
function checkNotApplicable(c: Case): void {
  const why = notApplicable(c, arch)!;
  if (c.foreignAbi && arch.syscalls[c.syscall] !== undefined) {
    expect(arch.foreignAbiBit, why).toBeUndefined();
    return;
  }
  expect(ABSENT_ON_AARCH64.has(c.syscall), `${c.syscall} is missing from the aarch64 table but is not a known legacy/x86-only syscall`).toBe(true);
  expect(arch.syscalls[c.syscall], why).toBeUndefined();
}

describe('conformance table on aarch64: applicability', () => {
  it('leaves out only legacy/x86-only syscalls and x32 numbers, and runs the rest', () => {
    const left = CASES.filter((c) => notApplicable(c, arch) !== undefined);
    for (const c of left) checkNotApplicable(c);
    expect(left.every((c) => c.foreignAbi || ABSENT_ON_AARCH64.has(c.syscall))).toBe(true);
    // The table's own *at and core calls must all be there.
    expect(applicable.filter(Boolean).length).toBeGreaterThan(CASES.length * 0.8);
    expect(CASES.some((c) => c.compat && notApplicable(c, arch) === undefined), 'a compat (AArch32) case runs').toBe(true);
  });
});

describe('conformance table, BPF simulator, aarch64', () => {
  for (const c of CASES) {
    it(title(c), () => {
      if (notApplicable(c, arch)) {
        checkNotApplicable(c);
        expect(simulate(c, arch)).toBeUndefined();
        return;
      }
      expect(simulate(c, arch)).toEqual(expected(c, arch));
    });
  }
  it('all filters of the table pass the verifier', () => {
    for (const p of new Set(CASES.map((c) => c.promises))) {
      const f = filterFor(p, arch);
      expect(verify(f.program), p).toEqual([]);
      expect(f.program.length).toBeLessThan(1024);
    }
  });
});

// Control requests: tiny hand-made filters that show the harness itself sees
// what it claims (the AArch32 helper's call reaches the kernel, under
// AUDIT_ARCH_ARM; native calls carry AUDIT_ARCH_AARCH64 and the table's
// getpid number).
const ld = (off: number): Insn => stmt(BPF_LD | BPF_W | BPF_ABS, off);
const ret = (v: number): Insn => stmt(BPF_RET | BPF_K, v);
const jeq = (k: number, jt: number, jf: number): Insn => jump(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
const errno = (n: number): number => (SECCOMP_RET_ERRNO | n) >>> 0;
const CONTROLS: readonly (ExtraRequest & { readonly what: string; readonly want: string })[] = [
  {
    id: 'ctl-compat-allowed', what: 'the AArch32 helper reaches the kernel: under an allow-all filter its svc returns',
    filter: encode([ret(SECCOMP_RET_ALLOW)]), mode: 'c', nr: 0, want: 'ret 0',
  },
  {
    id: 'ctl-compat-arch', what: `the helper's svc carries AUDIT_ARCH_ARM (0x${arch.compatAuditArch!.toString(16)}), the descriptor's compatAuditArch`,
    filter: encode([ld(SECCOMP_DATA_ARCH), jeq(arch.compatAuditArch!, 0, 1), ret(errno(42)), ret(SECCOMP_RET_ALLOW)]), mode: 'c', nr: 0, want: 'errno 42',
  },
  {
    id: 'ctl-native-getpid', what: `a native getpid carries AUDIT_ARCH_AARCH64 (0x${arch.auditArch.toString(16)}) and number ${arch.syscalls.getpid}`,
    filter: encode([ld(SECCOMP_DATA_ARCH), jeq(arch.auditArch, 0, 3), ld(SECCOMP_DATA_NR), jeq(arch.syscalls.getpid!, 0, 1), ret(errno(43)), ret(SECCOMP_RET_ALLOW)]),
    mode: 'n', nr: arch.syscalls.getpid!, name: 'getpid', want: 'errno 43',
  },
];

for (const profile of kernelProfiles()) {
  describe(`conformance table, real arm64 kernel under qemu-system-aarch64 (profile ${profile})`, () => {
    let kernel: Arm64Kernel | undefined;
    let vm: VmRun | undefined;
    let lines: ProbeLines | undefined;
    let results: (Outcome | undefined)[] = [];
    let failure: Error | undefined;
    const timings: string[] = [];

    beforeAll(async () => {
      try {
        timings.push(qemuVersion());
        let t = Date.now();
        kernel = await fetchArm64Kernel(profile);
        timings.push(`kernel ${kernel.origin} ${Date.now() - t} ms`);
        t = Date.now();
        const bins = buildVmBinaries(syscallNamesHeader(checkedSyscalls(CASES)));
        timings.push(`binaries ${bins.cached ? 'cached' : 'built'} ${Date.now() - t} ms`);
        const { text, index } = probeRequest(CASES, arch, CONTROLS);
        vm = await bootVm(kernel, vmFiles(bins, text));
        timings.push(`boot+run ${vm.wallMs} ms`);
        if (!vm.ended) throw new Error(`the VM run did not complete (no SCPROBE-END); console:\n${vm.console.slice(-4000)}`);
        lines = readProbeLines(vm.probeLines, arch.name);
        results = caseOutcomes(lines, CASES, arch, index);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
    }, 900_000);

    /** Fails, with the reason, when the VM could not be had or did not finish. */
    const vmRan = (): void => {
      if (failure) throw new Error(`the aarch64 VM run failed: ${failure.message}`);
    };

    it(`boots Debian's arm64 kernel and runs the probe as /init's child`, () => {
      vmRan();
      expect(vm!.begin?.machine, vm!.console).toBe('aarch64');
      expect(vm!.begin?.kernel).toBe(kernel!.release);
      expect(vm!.probeStatus, 'probe exit status').toBe(0);
      expect(vm!.ended).toBe(true);
      const applicableCount = applicable.filter(Boolean).length;
      expect(lines!.results.size).toBe(applicableCount + CONTROLS.length);
      console.log(`aarch64 VM (${kernel!.package} ${kernel!.version}, landlock ABI ${vm!.begin?.landlock_abi}): ` +
        `${applicableCount} cases + ${CONTROLS.length} controls; ${timings.join(', ')}`);
    });

    for (const ctl of CONTROLS) {
      it(`control: ${ctl.what}`, () => {
        vmRan();
        expect(lines!.numberProblems.get(ctl.id)).toBeUndefined();
        expect(lines!.results.get(ctl.id)).toBe(`R ${ctl.id} ${ctl.want}`);
      });
    }

    CASES.forEach((c, i) => {
      it(title(c), () => {
        if (notApplicable(c, arch)) {
          checkNotApplicable(c);
          return;
        }
        vmRan();
        expect(results[i]).toEqual(expected(c, arch));
      });
    });
  });
}
