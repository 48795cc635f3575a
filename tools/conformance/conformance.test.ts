import { describe, expect, it } from 'vitest';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { verify } from '@seccomp-scopes/core';
import { CASES, caseName } from './cases.js';
import { buildProbe, expected, filterFor, runOnKernel, simulate } from './run.js';

describe('conformance table, BPF simulator, x86_64', () => {
  for (const c of CASES) {
    it(caseName(c), () => {
      expect(simulate(c, x86_64)).toEqual(expected(c, x86_64));
    });
  }
});

describe('conformance table, this kernel (x86_64), each case in a forked child', () => {
  const isX64 = process.arch === 'x64' && process.platform === 'linux';
  it('runs on x86_64 Linux', () => {
    // This suite is the kernel check; on another machine it must say so, not pass quietly.
    expect(isX64, `kernel conformance needs x86_64 Linux, this is ${process.platform}/${process.arch}`).toBe(true);
  });
  const results = isX64 ? runOnKernel(buildProbe(), CASES, x86_64) : [];
  CASES.forEach((c, i) => {
    it(caseName(c), () => {
      expect(results[i]).toEqual(expected(c, x86_64));
    });
  });
});

describe('filters of the table', () => {
  it('all pass the verifier and stay far below BPF_MAXINSNS', () => {
    for (const p of new Set(CASES.map((c) => c.promises))) {
      const f = filterFor(p, x86_64);
      expect(verify(f.program)).toEqual([]);
      expect(f.program.length).toBeLessThan(1024);
    }
  });
});
