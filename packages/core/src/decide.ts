/**
 * The reference semantics of resolved rules, evaluated directly on a
 * `seccomp_data` without BPF: what the compiled program must return. Used
 * to explain a decision (which rule allowed or would have allowed a call)
 * and, in tests, as the oracle the compiler is checked against.
 */
import type { ArchDescriptor } from './arch.js';
import { SECCOMP_RET_KILL_PROCESS } from './bpf.js';
import type { ResolvedCondition, ResolvedRule } from './resolve.js';
import type { SeccompData } from './simulate.js';

/** The value the kernel compares for `c`: the low 32 bits for an int, all 64 for a long. */
function argValue(c: ResolvedCondition, data: SeccompData): bigint {
  const raw = BigInt.asUintN(64, BigInt(data.args?.[c.arg] ?? 0n));
  return c.width === 32 ? raw & 0xffffffffn : raw;
}

const known = new WeakMap<ArchDescriptor, ReadonlySet<number>>();

/** The syscall numbers an arch's table knows (cached per descriptor). */
function knownNumbers(arch: ArchDescriptor): ReadonlySet<number> {
  let set = known.get(arch);
  if (!set) known.set(arch, (set = new Set(Object.values(arch.syscalls))));
  return set;
}

/** True when every condition of `rule` holds for `data`. */
export function ruleMatches(rule: ResolvedRule, data: SeccompData): boolean {
  return rule.when.every((c) => {
    const hit = c.oneOf.includes(argValue(c, data) & c.mask);
    return c.negate ? !hit : hit;
  });
}

/**
 * What a filter built from `rules` returns for `data`: KILL_PROCESS for a
 * foreign audit arch or a foreign-ABI number, else the action of the first
 * rule (in order) for `data.nr` whose conditions hold, else `defaultRet`
 * for a syscall the arch knows and `unknownRet` for a number it does not.
 */
export function decide(rules: readonly ResolvedRule[], arch: ArchDescriptor, data: SeccompData, defaultRet: number, unknownRet = defaultRet): number {
  if (data.arch >>> 0 !== arch.auditArch >>> 0) return SECCOMP_RET_KILL_PROCESS;
  const nr = data.nr >>> 0;
  if (arch.foreignAbiBit !== undefined && nr >= arch.foreignAbiBit) return SECCOMP_RET_KILL_PROCESS;
  for (const r of rules) {
    if (r.nr === nr && ruleMatches(r, data)) return r.ret;
  }
  return knownNumbers(arch).has(nr) ? defaultRet : unknownRet;
}
