/**
 * Resolved rules of one syscall → the fewest rules deciding it the same way
 * (the second IR level of the compiler). Rules are tried in order and the
 * first whose conditions all hold decides; what this keeps and drops:
 *
 * - everything after the first unconditional rule (it always decides);
 * - within a run of rules with the same action, rules whose conditions differ
 *   only in the values of one condition are merged into one;
 * - trailing rules whose action is the default.
 */
import { conditionKey, type ResolvedCondition, type ResolvedRule } from './resolve.js';

/** The same without the values: conditions that can be merged by joining their values. */
const shapeKey = (c: ResolvedCondition): string => `${c.arg}/${c.width}/${c.mask}/${c.negate}`;

/**
 * Merges two rules with the same action whose conditions are the same
 * except for the values of exactly one non-negated condition (same argument,
 * width and mask): `(A ∧ R) ∨ (B ∧ R) = (A ∪ B) ∧ R`. Conditions of a rule
 * are distinct (see resolveRules). Returns undefined when they do not fit.
 */
function mergePair(x: ResolvedRule, y: ResolvedRule): ResolvedRule | undefined {
  if (x.ret !== y.ret || x.when.length !== y.when.length || x.when.length === 0) return undefined;
  const yKeys = new Set(y.when.map(conditionKey));
  const xOnly = x.when.filter((c) => !yKeys.has(conditionKey(c)));
  const xKeys = new Set(x.when.map(conditionKey));
  const yOnly = y.when.filter((c) => !xKeys.has(conditionKey(c)));
  if (xOnly.length === 0 && yOnly.length === 0) return x; // identical
  if (xOnly.length !== 1 || yOnly.length !== 1) return undefined;
  const a = xOnly[0]!;
  const b = yOnly[0]!;
  if (a.negate || shapeKey(a) !== shapeKey(b)) return undefined;
  const oneOf = [...new Set([...a.oneOf, ...b.oneOf])].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  return { ...x, when: x.when.map((c) => (c === a ? { ...a, oneOf } : c)) };
}

/**
 * The rules for one syscall after simplification: conditions AND-ed, rules
 * tried in order. `rules` are that syscall's resolved rules, in order.
 */
export function simplify(rules: readonly ResolvedRule[], defaultRet: number): ResolvedRule[] {
  // Cut everything after the first unconditional rule: it always decides.
  const cut: ResolvedRule[] = [];
  for (const r of rules) {
    cut.push(r);
    if (r.when.length === 0) break;
  }
  // Within a run of rules with the same action, order does not matter (OR).
  // Two such rules whose conditions are the same except for the values of
  // one condition (same argument, width, mask, not negated) become one rule
  // accepting the union of those values.
  const merged: ResolvedRule[] = [];
  let i = 0;
  while (i < cut.length) {
    let j = i;
    while (j < cut.length && cut[j]!.ret === cut[i]!.ret) j++;
    const run = cut.slice(i, j);
    for (let changed = true; changed;) {
      changed = false;
      outer: for (let a = 0; a < run.length; a++) {
        for (let b = a + 1; b < run.length; b++) {
          const m = mergePair(run[a]!, run[b]!);
          if (m) {
            run[a] = m;
            run.splice(b, 1);
            changed = true;
            break outer;
          }
        }
      }
    }
    merged.push(...run);
    i = j;
  }
  // Trailing rules whose action is the default change nothing.
  while (merged.length > 0 && merged[merged.length - 1]!.ret === defaultRet) merged.pop();
  return merged;
}

