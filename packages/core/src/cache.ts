/**
 * Which verdicts of a compiled filter the kernel's action cache serves, and
 * which it should: a syscall whose verdict is ALLOW whatever its arguments
 * (decided by the reference semantics, ./decide.ts, on the filter's resolved
 * rules before simplification) must be proved constant by the port of the
 * kernel's `seccomp_is_const_allow` ({@link isConstAllow}), or every call of
 * it runs the filter (+20 ns and more per call, README "How it is built").
 *
 * Argument-freeness is decided over samples, not proved: for each rule of
 * the syscall, arguments that satisfy all its conditions, the same with each
 * condition made to fail in turn, plus zeros, all-ones and values mixing the
 * rules' constants. A verdict that differs on any sample depends on the
 * arguments; one that never differs is taken as argument-free.
 */
import { SECCOMP_RET_ALLOW } from './bpf.js';
import type { CompiledFilter } from './codegen.js';
import { decide } from './decide.js';
import type { ResolvedCondition, ResolvedRule } from './resolve.js';
import { isConstAllow } from './simulate.js';

const ALL64 = (1n << 64n) - 1n;
const HIGH_JUNK = 0xdead_beef_0000_0000n;

/** A value the condition holds for, or undefined if none is found. */
function satisfying(c: ResolvedCondition): bigint | undefined {
  if (!c.negate) return c.oneOf[0];
  return failing({ ...c, negate: false });
}

/** A value the condition does not hold for, or undefined if none is found (a condition that always holds). */
function failing(c: ResolvedCondition): bigint | undefined {
  if (c.negate) return c.oneOf[0];
  const bits: bigint[] = [];
  for (let i = 0n; i < BigInt(c.width); i++) if ((c.mask >> i) & 1n) bits.push(1n << i);
  const tries = [0n, c.mask, ...bits, ...c.oneOf.flatMap((v) => bits.map((b) => v ^ b))];
  return tries.find((v) => !c.oneOf.includes(v & c.mask));
}

/** A deterministic xorshift, so the samples are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/**
 * Argument vectors to decide one syscall's verdict on: see the module comment.
 * `rules` are that syscall's resolved rules, in order.
 */
export function argumentSamples(rules: readonly ResolvedRule[], random = 32): bigint[][] {
  const zero = (): bigint[] => [0n, 0n, 0n, 0n, 0n, 0n];
  const out: bigint[][] = [zero(), Array<bigint>(6).fill(ALL64)];
  const perArg: bigint[][] = Array.from({ length: 6 }, () => [0n, 1n, 0xffffffffn, ALL64]);
  const put = (args: bigint[], c: ResolvedCondition, v: bigint): void => { args[c.arg] = v; };
  for (const r of rules) {
    const base = zero();
    for (const c of r.when) {
      const v = satisfying(c);
      if (v !== undefined) put(base, c, v);
      perArg[c.arg]!.push(...c.oneOf, c.mask, ...(c.width === 32 ? c.oneOf.map((x) => x | HIGH_JUNK) : []));
      const f = failing(c);
      if (f !== undefined) perArg[c.arg]!.push(f);
    }
    out.push(base);
    // A 32-bit condition reads only the low word: junk in the high word must not matter.
    out.push(base.map((v, i) => (r.when.some((c) => c.arg === i && c.width === 32) ? v | HIGH_JUNK : v)));
    for (const c of r.when) {
      const f = failing(c);
      if (f === undefined) continue;
      const one = [...base];
      put(one, c, f);
      out.push(one);
    }
  }
  const next = rng(0x5eccc0 + rules.length);
  for (let n = 0; n < random; n++) out.push(perArg.map((vals) => vals[next() % vals.length]!));
  return out;
}

/** The verdict of syscall `nr` under `f` if it does not depend on the arguments (on the samples), else undefined. */
export function argumentFreeVerdict(f: CompiledFilter, nr: number): number | undefined {
  return verdictOf(f, nr, f.resolution.rules.filter((r) => r.nr === nr));
}

function verdictOf(f: CompiledFilter, nr: number, rules: readonly ResolvedRule[]): number | undefined {
  if (rules.length === 0) return decide(rules, f.arch, { nr, arch: f.arch.auditArch }, f.defaultRet, f.unknownRet);
  let verdict: number | undefined;
  for (const args of argumentSamples(rules)) {
    const v = decide(rules, f.arch, { nr, arch: f.arch.auditArch, args }, f.defaultRet, f.unknownRet);
    if (verdict === undefined) verdict = v;
    else if (v !== verdict) return undefined;
  }
  return verdict;
}

/** What the action cache does for a filter's known syscalls. */
export interface CacheFacts {
  /** Syscalls allowed whatever their arguments. */
  readonly allowedArgumentFree: readonly number[];
  /** Of those, the ones the kernel's cache serves ({@link isConstAllow}). */
  readonly cached: readonly number[];
  /** Allowed whatever their arguments, yet not cached: each is a compiler defect. */
  readonly missed: readonly number[];
  /** Syscalls whose verdict depends on the arguments. */
  readonly argumentDependent: readonly number[];
}

/** The cache facts of `f`, over every syscall number its arch knows. */
export function cacheFacts(f: CompiledFilter): CacheFacts {
  const allowedArgumentFree: number[] = [];
  const cached: number[] = [];
  const missed: number[] = [];
  const argumentDependent: number[] = [];
  const byNr = new Map<number, ResolvedRule[]>();
  for (const r of f.resolution.rules) {
    const list = byNr.get(r.nr);
    if (list) list.push(r); else byNr.set(r.nr, [r]);
  }
  for (const nr of [...new Set(Object.values(f.arch.syscalls))].sort((a, b) => a - b)) {
    const v = verdictOf(f, nr, byNr.get(nr) ?? []);
    if (v === undefined) { argumentDependent.push(nr); continue; }
    if (v !== SECCOMP_RET_ALLOW) continue;
    allowedArgumentFree.push(nr);
    (isConstAllow(f.program, nr, f.arch.auditArch) ? cached : missed).push(nr);
  }
  return { allowedArgumentFree, cached, missed, argumentDependent };
}
