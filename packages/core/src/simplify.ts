/**
 * Resolved rules of one syscall → the fewest rules deciding it the same way
 * (the second IR level of the compiler). Rules are tried in order and the
 * first whose conditions all hold decides; what this keeps and drops:
 *
 * - conditions that hold for every value (`prot & PROT_EXEC` in
 *   `{0, PROT_EXEC}`), and rules with a condition that holds for none;
 * - everything after the first unconditional rule (it always decides);
 * - within a run of rules with the same action, rules whose conditions differ
 *   only in the values of one condition are merged into one, and rules
 *   shadowed by a more general one;
 * - conditional rules right before the fallback (the final unconditional
 *   rule, or the default) with the fallback's action: a conditional ALLOW
 *   before an unconditional ALLOW, a trailing rule with the default action.
 *
 * So a syscall whose verdict does not depend on its arguments ends as one
 * unconditional rule (or none), which codegen emits as a `ret` leaf the
 * kernel's action cache can serve (./cache.ts checks this for every syscall).
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
  if (x.ret !== y.ret) return undefined;
  const yKeys = new Set(y.when.map(conditionKey));
  const xOnly = x.when.filter((c) => !yKeys.has(conditionKey(c)));
  const xKeys = new Set(x.when.map(conditionKey));
  const yOnly = y.when.filter((c) => !xKeys.has(conditionKey(c)));
  if (xOnly.length === 0) return x; // x's conditions are all y's: x holds wherever y does
  if (yOnly.length === 0) return y;
  if (x.when.length !== y.when.length) return undefined;
  if (xOnly.length !== 1 || yOnly.length !== 1) return undefined;
  const a = xOnly[0]!;
  const b = yOnly[0]!;
  if (a.negate || shapeKey(a) !== shapeKey(b)) return undefined;
  const oneOf = [...new Set([...a.oneOf, ...b.oneOf])].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  return { ...x, when: x.when.map((c) => (c === a ? { ...a, oneOf } : c)) };
}

/** How many values `x & mask` can take: 2^(bits in mask), or Infinity past 2^16. */
function valuesUnder(mask: bigint): number {
  let bits = 0;
  for (let m = mask; m !== 0n; m &= m - 1n) bits++;
  return bits > 16 ? Infinity : 2 ** bits;
}

/**
 * True when `c` holds whatever the argument: its values are every value the
 * masked argument can take (`prot & PROT_EXEC` in `{0, PROT_EXEC}`). Values
 * are distinct and inside the mask (resolveRules), so counting suffices.
 */
const alwaysHolds = (c: ResolvedCondition): boolean => !c.negate && c.oneOf.length === valuesUnder(c.mask);

/** True when `c` holds for no argument: the negation of a condition that always holds. */
const neverHolds = (c: ResolvedCondition): boolean => c.negate && c.oneOf.length === valuesUnder(c.mask);

/**
 * The rules for one syscall after simplification: conditions AND-ed, rules
 * tried in order. `rules` are that syscall's resolved rules, in order.
 * Every step keeps the verdict for every argument vector; they repeat until
 * none changes anything.
 */
export function simplify(rules: readonly ResolvedRule[], defaultRet: number): ResolvedRule[] {
  let current: ResolvedRule[] = [...rules];
  for (;;) {
    const next = simplifyOnce(current, defaultRet);
    if (next.length === current.length && next.every((r, i) => r === current[i])) return next;
    current = next;
  }
}

function simplifyOnce(rules: readonly ResolvedRule[], defaultRet: number): ResolvedRule[] {
  // A condition that holds for every value decides nothing: drop it. A rule
  // with a condition that holds for no value never matches: drop the rule.
  const live: ResolvedRule[] = [];
  for (const r of rules) {
    if (r.when.some(neverHolds)) continue;
    live.push(r.when.some(alwaysHolds) ? { ...r, when: r.when.filter((c) => !alwaysHolds(c)) } : r);
  }
  // Cut everything after the first unconditional rule: it always decides.
  const cut: ResolvedRule[] = [];
  for (const r of live) {
    cut.push(r);
    if (r.when.length === 0) break;
  }
  // Within a run of rules with the same action, order does not matter (OR).
  // Two such rules whose conditions are the same except for the values of
  // one condition (same argument, width, mask, not negated) become one rule
  // accepting the union of those values; a rule whose conditions include
  // all of another's is shadowed by it.
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
  // What a call gets when no conditional rule matches: the final
  // unconditional rule, or the default. A conditional rule just before it
  // with the same action changes nothing (a conditional ALLOW before an
  // unconditional ALLOW): drop such rules from the end back.
  const last = merged[merged.length - 1];
  const final = last && last.when.length === 0 ? last : undefined;
  const fallback = final ? final.ret : defaultRet;
  const body = final ? merged.slice(0, -1) : merged;
  while (body.length > 0 && body[body.length - 1]!.ret === fallback) body.pop();
  // An unconditional rule with the default action is the default.
  return final && final.ret !== defaultRet ? [...body, final] : body;
}
