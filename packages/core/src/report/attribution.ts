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
 * Every rule of the catalog that needs at least one promise and allows the
 * call or answers it with an errno the program handles (the nscd probe under
 * `getpw` and `dns`), resolved for `arch`: the rules a blocked call is
 * attributed to.
 */
export function attributionRules(arch: ArchDescriptor, runtime: RuntimeValues = {}): readonly ResolvedRule[] {
  let byArch = attributionCache.get(arch);
  if (!byArch) attributionCache.set(arch, (byArch = new Map()));
  const key = runtimeKey(runtime);
  let rules = byArch.get(key);
  if (!rules) {
    const allow = CATALOG.filter((r) => (r.action.kind === 'allow' || r.action.kind === 'errno') && r.requires.length > 0);
    rules = resolveRules(allow, arch, { pid: runtime.pid ?? 0, uid: runtime.uid ?? -1, gid: runtime.gid ?? -1 }).rules;
    byArch.set(key, rules);
  }
  return rules;
}

/** Promise names in catalog order: bit i of a rule's promise set in the tables is promise i. */
export const PROMISE_ORDER: readonly PromiseInfo['name'][] = PROMISES.map((p) => p.name);
const canonical = (names: readonly string[]): string[] => PROMISE_ORDER.filter((p) => names.includes(p));

/**
 * The promise sets that would have allowed a call, naming only what is
 * missing: the `requires` of every matching attribution rule (only of the
 * rules answering with an errno the program handles, when one of those
 * matches: the nscd probe needs `getpw` or `dns`, not `unix`), in catalog
 * order, each without the promises in force (unless one of them is wholly
 * in force: then the call was refused by another filter and the full sets
 * are shown), without duplicates and sets that contain another one. Empty: no promise allows it. The
 * TypeScript twin of what the native report computes.
 */
export function violationNeeds(arch: ArchDescriptor, nr: number, args: readonly bigint[], runtime: RuntimeValues = {}, inForce: Iterable<string> = []): string[][] {
  const data = { nr, arch: arch.auditArch, args: [0, 1, 2, 3, 4, 5].map((i) => BigInt.asUintN(64, args[i] ?? 0n)) };
  const given = new Set(inForce);
  const matching = attributionRules(arch, runtime).filter((r) => r.nr === nr && ruleMatches(r, data));
  const handled = matching.filter((r) => r.rule.action.kind !== 'allow');
  const chosen = handled.length > 0 ? handled : matching;
  // A matching set wholly in force (another, stricter filter refused the call): nothing is missing, show the full sets.
  const pledged = chosen.some((r) => r.rule.requires.every((p) => given.has(p))) ? new Set<string>() : given;
  const sets: string[][] = [];
  for (const r of chosen) {
    const set = canonical(r.rule.requires).filter((p) => !pledged.has(p));
    if (set.length === 0) continue;
    if (!sets.some((s) => s.length === set.length && s.every((p, i) => p === set[i]))) sets.push(set);
  }
  return sets.filter((s) => !sets.some((t) => t !== s && t.length < s.length && t.every((p) => s.includes(p))));
}
