/**
 * Rules → rules resolved for one arch (the first IR level of the compiler):
 * syscall names to numbers, constants and runtime values to integers that
 * fit the argument's width, actions to `SECCOMP_RET_*` values. Everything
 * that can be wrong with a rule is found here; ./simplify.ts and
 * ./codegen.ts only work on resolved rules.
 */
import type { ArchDescriptor } from './arch.js';
import {
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from './bpf.js';
import type { ConstantName } from './constants.js';
import { PledgeError } from './errors.js';
import type { Action, ArgCondition, Rule, ValueExpr } from './rules.js';

/** Values known only when the filter is built. */
export interface RuntimeValues {
  /** The pid (thread-group id) of the process the filter is for. */
  readonly pid?: number;
  /** Its real user id, for "only to itself" chown rules. */
  readonly uid?: number;
  /** Its real group id. */
  readonly gid?: number;
}

/** A condition with every value resolved; `mask` and `oneOf` are unsigned and fit `width`. */
export interface ResolvedCondition {
  readonly arg: number;
  readonly width: 32 | 64;
  readonly mask: bigint;
  readonly oneOf: readonly bigint[];
  readonly negate: boolean;
  readonly name: string;
}

/** A rule resolved for one arch. */
export interface ResolvedRule {
  readonly rule: Rule;
  readonly nr: number;
  readonly when: readonly ResolvedCondition[];
  /** The 32-bit seccomp return value. */
  readonly ret: number;
}

/** The outcome of {@link resolveRules}. */
export interface Resolution {
  readonly rules: readonly ResolvedRule[];
  /** Rules naming a syscall this arch does not have (e.g. `open` on aarch64); left out of the filter. */
  readonly absent: readonly Rule[];
}

const ALL32 = 0xffffffffn;
const ALL64 = (1n << 64n) - 1n;

/** Looks up an ABI constant, or throws `UNKNOWN_CONSTANT` naming the arch. */
export function constantOf(arch: ArchDescriptor, name: ConstantName): number {
  const v = arch.constants[name];
  if (v === undefined) {
    throw new PledgeError('EINVAL', 'UNKNOWN_CONSTANT', `constant ${name} is not defined on ${arch.name}`, { constant: name, arch: arch.name });
  }
  return v;
}

/** Evaluates a {@link ValueExpr} for `arch` to a signed or unsigned integer. */
export function evalValue(expr: ValueExpr, arch: ArchDescriptor, runtime: RuntimeValues): bigint {
  if (typeof expr === 'number') {
    if (!Number.isSafeInteger(expr)) throw new PledgeError('EINVAL', 'BAD_RULE', `rule value ${expr} is not an integer`);
    return BigInt(expr);
  }
  if (typeof expr === 'bigint') return expr;
  if (typeof expr === 'string') return BigInt(constantOf(arch, expr as ConstantName));
  if (Array.isArray(expr)) return (expr as readonly ValueExpr[]).reduce<bigint>((acc, e) => acc | BigInt.asUintN(64, evalValue(e, arch, runtime)), 0n);
  const rt = expr as { runtime: 'pid' | 'uid' | 'gid' };
  if (rt.runtime === 'pid' || rt.runtime === 'uid' || rt.runtime === 'gid') {
    const v = runtime[rt.runtime];
    if (v === undefined) throw new PledgeError('EINVAL', 'BAD_RULE', `a rule needs the ${rt.runtime} but none was given to the compiler`);
    return BigInt(v);
  }
  throw new PledgeError('EINVAL', 'BAD_RULE', `unknown rule value ${JSON.stringify(expr)}`);
}

/** Makes `v` the unsigned value the kernel compares for an argument of `width` bits. */
function fit(v: bigint, width: 32 | 64, what: string): bigint {
  const bits = BigInt(width);
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (v < min || v > max) throw new PledgeError('EINVAL', 'BAD_RULE', `${what} = ${v} does not fit a ${width}-bit argument`);
  return BigInt.asUintN(width, v);
}

/** The seccomp return value of an action on `arch`. */
export function actionValue(action: Action, arch: ArchDescriptor): number {
  switch (action.kind) {
    case 'allow': return SECCOMP_RET_ALLOW;
    case 'errno': return (SECCOMP_RET_ERRNO | (constantOf(arch, action.errno) & 0xffff)) >>> 0;
    case 'kill-process': return SECCOMP_RET_KILL_PROCESS;
    case 'kill-thread': return SECCOMP_RET_KILL_THREAD;
    case 'trap': return SECCOMP_RET_TRAP;
    case 'notify': return SECCOMP_RET_USER_NOTIF;
    case 'log': return SECCOMP_RET_LOG;
  }
}

function resolveCondition(c: ArgCondition, arch: ArchDescriptor, runtime: RuntimeValues, where: string): ResolvedCondition {
  if (!Number.isInteger(c.arg) || c.arg < 0 || c.arg > 5) throw new PledgeError('EINVAL', 'BAD_RULE', `${where}: argument index ${c.arg} is not 0..5`);
  const full = c.width === 32 ? ALL32 : ALL64;
  const mask = c.mask === undefined ? full : fit(evalValue(c.mask, arch, runtime), c.width, `${where} mask`);
  if (c.oneOf.length === 0) throw new PledgeError('EINVAL', 'BAD_RULE', `${where}: a condition needs at least one value`);
  const values = [...new Set(c.oneOf.map((v) => fit(evalValue(v, arch, runtime), c.width, `${where} ${c.name}`)))];
  for (const v of values) {
    if ((v & ~mask) !== 0n) throw new PledgeError('EINVAL', 'BAD_RULE', `${where}: value 0x${v.toString(16)} has bits outside mask 0x${mask.toString(16)}, it can never match`);
  }
  return { arg: c.arg, width: c.width, mask, oneOf: values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), negate: c.negate === true, name: c.name };
}

/** A canonical text for a condition, so equal conditions compare equal. */
export const conditionKey = (c: ResolvedCondition): string => `${c.arg}/${c.width}/${c.mask}/${c.negate}/${c.oneOf.join(',')}`;

/**
 * Resolves rules for one arch: syscall names to numbers, constants and
 * runtime values to integers, actions to `SECCOMP_RET_*` values.
 * Rules naming a syscall the arch lacks are returned in `absent`.
 * @throws PledgeError `UNKNOWN_CONSTANT` or `BAD_RULE`.
 */
export function resolveRules(rules: readonly Rule[], arch: ArchDescriptor, runtime: RuntimeValues = {}): Resolution {
  const out: ResolvedRule[] = [];
  const absent: Rule[] = [];
  for (const rule of rules) {
    const nr = arch.syscalls[rule.syscall];
    if (nr === undefined) {
      absent.push(rule);
      continue;
    }
    const where = `rule ${rule.syscall} [${rule.requires.join(' ') || 'always'}]`;
    out.push({
      rule,
      nr,
      // Identical conditions are the same condition: keep one.
      when: [...new Map((rule.when ?? []).map((c) => resolveCondition(c, arch, runtime, where)).map((c) => [conditionKey(c), c] as const)).values()],
      ret: actionValue(rule.action, arch),
    });
  }
  return { rules: out, absent };
}

