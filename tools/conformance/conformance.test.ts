import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { isConstAllow, verify } from '@seccomp-scopes/core';
import { CASES, caseName } from './cases.js';
import { checkedSyscalls } from './probe-protocol.js';
import { buildProbe, expected, filterFor, runOnKernel, simulate } from './run.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('conformance table, BPF simulator, x86_64', () => {
  for (const c of CASES) {
    it(caseName(c), () => {
      expect(simulate(c, x86_64)).toEqual(expected(c, x86_64));
    });
  }
});

describe('conformance table, this kernel (x86_64), each case in a forked child, with the C library\'s syscall numbers', () => {
  const isX64 = process.arch === 'x64' && process.platform === 'linux';
  it('runs on x86_64 Linux', () => {
    // This suite is the kernel check; on another machine it must say so, not pass quietly.
    expect(isX64, `kernel conformance needs x86_64 Linux, this is ${process.platform}/${process.arch}`).toBe(true);
  });
  const results = isX64 ? runOnKernel(buildProbe(checkedSyscalls(CASES)), CASES, x86_64) : [];
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

describe('cacheability (kernel action cache, kernel/seccomp.c seccomp_is_const_allow)', () => {
  for (const p of ['stdio', 'stdio rpath wpath cpath']) {
    it(`"${p}": every syscall allowed by number alone is cacheable; argument-checked ones and unknown numbers are not`, () => {
      const f = filterFor(p, x86_64);
      let byNumber = 0;
      for (const [nr, rules] of f.decisions) {
        const numberOnly = rules.length === 1 && rules[0]!.when.length === 0 && rules[0]!.ret === 0x7fff0000;
        if (numberOnly) byNumber++;
        expect(isConstAllow(f.program, nr, x86_64.auditArch), `nr ${nr}`).toBe(numberOnly);
      }
      expect(byNumber).toBeGreaterThan(90);
      expect(isConstAllow(f.program, 1000, x86_64.auditArch)).toBe(false);
      expect(isConstAllow(f.program, x86_64.syscalls['getpid']!, 0x40000003)).toBe(false);
    });
  }
});

describe('tools/filter-stats.mjs', () => {
  it('prints the worst-case path length of the filter for stdio rpath wpath cpath', () => {
    const out = execFileSync(process.execPath, [path.join(here, '..', 'filter-stats.mjs')], { encoding: 'utf8' });
    const m = /"stdio rpath wpath cpath" \(promises only\): (\d+) instructions, worst-case path (\d+) instructions/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(5);
    expect(Number(m![2])).toBeLessThan(64);
  });
});
