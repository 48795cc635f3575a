/**
 * Readable text for rules, conditions and actions, for docs and reports.
 * Symbolic: constants keep their names, so the text is the same on every arch.
 */
import type { Action, ArgCondition, Rule, ValueExpr } from './rules.js';

/** `O_RDONLY|O_CREAT`, `0x10`, `pid` */
export function describeValue(v: ValueExpr): string {
  if (typeof v === 'number') return v < 10 ? String(v) : `0x${v.toString(16)}`;
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return (v as readonly ValueExpr[]).map(describeValue).join('|');
  return `<own ${(v as { runtime: string }).runtime}>`;
}

/** `flags & (O_ACCMODE|O_CREAT) == O_RDONLY`, `prot has no PROT_EXEC`, `request in {FIONREAD, FIONBIO}` */
export function describeCondition(c: ArgCondition): string {
  const name = c.width === 32 ? c.name : `${c.name} (64-bit)`;
  const values = c.oneOf.map(describeValue);
  if (c.mask !== undefined) {
    const mask = describeValue(c.mask);
    if (!c.negate && values.length === 1 && values[0] === '0') return `${name} has none of ${mask}`;
    if (!c.negate && values.length === 1 && values[0] === mask) return `${name} has all of ${mask}`;
    const lhs = `${name} & (${mask})`;
    return values.length === 1 ? `${lhs} ${c.negate ? '!=' : '=='} ${values[0]}` : `${lhs} ${c.negate ? 'not in' : 'in'} {${values.join(', ')}}`;
  }
  if (values.length === 1) return `${name} ${c.negate ? '!=' : '=='} ${values[0]}`;
  return `${name} ${c.negate ? 'not in' : 'in'} {${values.join(', ')}}`;
}

/** `ALLOW`, `ERRNO(ENOSYS)`, `KILL_PROCESS`, `USER_NOTIF` (as bpf.ts `actionName` names their return values) */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'allow': return 'ALLOW';
    case 'errno': return `ERRNO(${a.errno})`;
    case 'kill-process': return 'KILL_PROCESS';
    case 'kill-thread': return 'KILL_THREAD';
    case 'trap': return 'TRAP';
    case 'notify': return 'USER_NOTIF';
    case 'log': return 'LOG';
  }
}

/** All conditions of a rule joined with "and"; `any arguments` when there are none. */
export function describeConditions(r: Rule): string {
  return r.when && r.when.length > 0 ? r.when.map(describeCondition).join(' and ') : 'any arguments';
}
