/**
 * No dead rules in the catalog (as Firecracker's test_seccomp_no_redundant_rules):
 * a rule that can never decide a call, because an earlier rule of the same
 * syscall holds for any arguments and is in force whenever it is, would be
 * dropped silently by simplify.ts. Order as rulesFor puts it: the ENOSYS
 * fallbacks, then every ALLOW rule, then the soft refusals; within a group,
 * catalog order (rules with the same action may be in any order).
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, FALLBACK_RULES, describeAction, type Rule } from '../src/index.js';

const group = (r: Rule): number => (FALLBACK_RULES.includes(r) ? 0 : r.action.kind === 'allow' ? 1 : 2);

/** True when `first` is tried before `later` whenever both are in force, or decides the same anyway. */
function before(first: Rule, later: Rule, rules: readonly Rule[]): boolean {
  if (group(first) !== group(later)) return group(first) < group(later);
  return describeAction(first.action) === describeAction(later.action) || rules.indexOf(first) < rules.indexOf(later);
}

/** The rules of `rules` that make `r` dead: unconditional, same syscall, in force whenever `r` is, and tried first. */
function shadows(r: Rule, rules: readonly Rule[] = CATALOG): Rule[] {
  return rules.filter((s) => s !== r && s.syscall === r.syscall && (s.when ?? []).length === 0
    && s.requires.every((p) => r.requires.includes(p))
    && before(s, r, rules)
    // two identical unconditional rules: the later one is the dead one
    && !((r.when ?? []).length === 0 && s.requires.length === r.requires.length && describeAction(s.action) === describeAction(r.action) && rules.indexOf(s) > rules.indexOf(r)));
}

describe('the catalog has no dead rules', () => {
  it('no rule is shadowed by an unconditional rule that is always in force before it', () => {
    const dead = CATALOG.flatMap((r) => shadows(r).map((s) =>
      `${r.syscall} [${r.requires.join(' ') || 'always'}] ${describeAction(r.action)}: never decides, [${s.requires.join(' ') || 'always'}] ${describeAction(s.action)} always does first`));
    expect(dead).toEqual([]);
  });

  it('the check finds a shadowed rule', () => {
    const extra: Rule = { syscall: 'read', action: { kind: 'errno', errno: 'EACCES' }, requires: ['stdio', 'rpath'], why: 'test', source: 'test' };
    expect(shadows(extra, [...CATALOG, extra]).map((s) => s.requires)).toEqual([['stdio']]);
    const conditional: Rule = { ...extra, action: { kind: 'allow' }, requires: ['rpath'] };
    expect(shadows(conditional, [...CATALOG, conditional])).toEqual([]);
  });
});
