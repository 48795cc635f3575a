/**
 * Attribution: which promises would have allowed a blocked call. The
 * TypeScript twin of the native formatter's `Needs` (reporter.cc); a test in
 * @seccomp-scopes/pledge checks the two against each other for every rule of
 * the catalog.
 */
import type { ArchDescriptor } from '../arch.js';
import { resolveRules, type ResolvedRule, type RuntimeValues } from '../compile.js';
import { ruleMatches } from '../decide.js';
import { CATALOG, PROMISES, type PromiseInfo } from '../promises.js';

const attributionCache = new WeakMap<ArchDescriptor, Map<string, readonly ResolvedRule[]>>();

/** Runtime values used when resolving the catalog for attribution: uid/gid default to -1 (only "unchanged" matches). */
function runtimeKey(r: RuntimeValues): string {
  return `${r.pid ?? 0}:${r.uid ?? -1}:${r.gid ?? -1}`;
}

/**
 * Every ALLOW rule of the catalog that needs at least one promise, resolved
 * for `arch`: the rules a blocked call is attributed to.
 */
export function attributionRules(arch: ArchDescriptor, runtime: RuntimeValues = {}): readonly ResolvedRule[] {
  let byArch = attributionCache.get(arch);
  if (!byArch) attributionCache.set(arch, (byArch = new Map()));
  const key = runtimeKey(runtime);
  let rules = byArch.get(key);
  if (!rules) {
    const allow = CATALOG.filter((r) => r.action.kind === 'allow' && r.requires.length > 0);
    rules = resolveRules(allow, arch, { pid: runtime.pid ?? 0, uid: runtime.uid ?? -1, gid: runtime.gid ?? -1 }).rules;
    byArch.set(key, rules);
  }
  return rules;
}

/** Promise names in catalog order: bit i of a rule's promise set in the tables is promise i. */
export const PROMISE_ORDER: readonly PromiseInfo['name'][] = PROMISES.map((p) => p.name);
const canonical = (names: readonly string[]): string[] => PROMISE_ORDER.filter((p) => names.includes(p));

/**
 * The promise sets that would have allowed a call: the `requires` of every
 * matching ALLOW rule of the catalog, in catalog order, without duplicates
 * and without a set that contains another matching one. Empty: no promise
 * allows it. The TypeScript twin of what the native report computes.
 */
export function violationNeeds(arch: ArchDescriptor, nr: number, args: readonly bigint[], runtime: RuntimeValues = {}): string[][] {
  const data = { nr, arch: arch.auditArch, args: [0, 1, 2, 3, 4, 5].map((i) => BigInt.asUintN(64, args[i] ?? 0n)) };
  const sets: string[][] = [];
  for (const r of attributionRules(arch, runtime)) {
    if (r.nr !== nr || !ruleMatches(r, data)) continue;
    const set = canonical(r.rule.requires);
    if (!sets.some((s) => s.length === set.length && s.every((p, i) => p === set[i]))) sets.push(set);
  }
  return sets.filter((s) => !sets.some((t) => t !== s && t.length < s.length && t.every((p) => s.includes(p))));
}
