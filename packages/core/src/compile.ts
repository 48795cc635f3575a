/**
 * Rules → per-arch resolved rules → seccomp-bpf program.
 *
 * Program shape (every path is forward-only):
 *
 *     ld arch;  jeq AUDIT_ARCH_<native> ? go on : ret KILL_PROCESS
 *     ld nr;    jge <foreign ABI bit> (x32) ? ret KILL_PROCESS : go on
 *     binary search over syscall-number intervals (jge #k only)
 *       leaf: ret <action>                       (decision by number alone)
 *       leaf: argument block, then ret <default> (decision needs arguments)
 *
 * Up to the leaf only `ld nr`/`ld arch`, `jeq`/`jge` against constants and
 * `ja` run, so every syscall whose verdict is ALLOW by number alone stays
 * cacheable by the kernel's seccomp action cache (kernel/seccomp.c,
 * `seccomp_cache_prepare`); only argument blocks load `args[]`.
 */
import type { ArchDescriptor } from './arch.js';
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_K, BPF_LD, BPF_MAXINSNS, BPF_RET, BPF_W,
  Label, ProgramBuilder, SECCOMP_DATA_ARCH, SECCOMP_DATA_ARGS, SECCOMP_DATA_NR, SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRAP,
  encode, stmt, type Insn,
} from './bpf.js';
import type { ConstantName } from './constants.js';
import { PledgeError } from './errors.js';
import type { Action, ArgCondition, Rule, ValueExpr } from './rules.js';
import { worstCasePathLength } from './simulate.js';

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

/** Options of {@link compileFilter}. */
export interface CompileOptions {
  readonly arch: ArchDescriptor;
  /** Action for every syscall no rule allows (the pledge penalty). */
  readonly defaultAction: Action;
  /**
   * Action for numbers the arch's syscall table does not know (newer
   * syscalls, holes); default: `defaultAction`. ENOSYS makes libc fall back.
   */
  readonly unknownAction?: Action;
  /** Values only known at filter-build time (the pid for `kill` rules). */
  readonly runtime?: RuntimeValues;
}

/** A compiled filter and facts about it. */
export interface CompiledFilter {
  readonly arch: ArchDescriptor;
  readonly program: readonly Insn[];
  /** `struct sock_filter[]` bytes in the arch's byte order, ready for seccomp(2). */
  readonly bytes: Uint8Array;
  readonly resolution: Resolution;
  /** Per syscall number, the rules that decide it, after simplification. */
  readonly decisions: ReadonlyMap<number, readonly ResolvedRule[]>;
  readonly defaultRet: number;
  /** What numbers unknown to the arch's table get. */
  readonly unknownRet: number;
  /** Longest run in instructions (`ret` included). */
  readonly worstCasePath: number;
}

/** A canonical text for a condition, so equal conditions compare equal. */
const conditionKey = (c: ResolvedCondition): string => `${c.arg}/${c.width}/${c.mask}/${c.negate}/${c.oneOf.join(',')}`;
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

/** Rule for a syscall after simplification: conditions AND-ed, rules tried in order. */
function simplify(rules: readonly ResolvedRule[], defaultRet: number): ResolvedRule[] {
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

type Leaf = { kind: 'ret'; ret: number } | { kind: 'args'; nr: number; rules: readonly ResolvedRule[] };

/**
 * Compiles rules into a seccomp program for `options.arch`.
 * Rules are tried per syscall in the order given; put rules whose action is
 * not ALLOW (e.g. ENOSYS answers) before promise rules.
 * @throws PledgeError `E2BIG`/`PROGRAM_TOO_LARGE` past BPF_MAXINSNS (4096),
 *   `UNKNOWN_CONSTANT`/`BAD_RULE` for a rule that cannot be resolved.
 */
export function compileFilter(rules: readonly Rule[], options: CompileOptions): CompiledFilter {
  const { arch } = options;
  const resolution = resolveRules(rules, arch, options.runtime ?? {});
  const defaultRet = actionValue(options.defaultAction, arch);
  const kill = SECCOMP_RET_KILL_PROCESS;

  const byNr = new Map<number, ResolvedRule[]>();
  for (const r of resolution.rules) {
    if (arch.foreignAbiBit !== undefined && r.nr >= arch.foreignAbiBit) {
      throw new PledgeError('EINVAL', 'BAD_RULE', `syscall ${r.rule.syscall} = ${r.nr} lies in the foreign ABI range of ${arch.name}`);
    }
    const list = byNr.get(r.nr) ?? [];
    list.push(r);
    byNr.set(r.nr, list);
  }
  const decisions = new Map<number, ResolvedRule[]>();
  for (const [nr, list] of byNr) {
    const s = simplify(list, defaultRet);
    if (s.length > 0) decisions.set(nr, s);
  }

  // Intervals [start, next start) of syscall numbers sharing one leaf. Known
  // syscalls without a rule get the default action, numbers the arch's table
  // does not know get `unknownAction` (ENOSYS lets libc fall back).
  const unknownRet = options.unknownAction ? actionValue(options.unknownAction, arch) : defaultRet;
  const segments: { start: number; leaf: Leaf }[] = [];
  const push = (start: number, leaf: Leaf): void => {
    const last = segments[segments.length - 1];
    if (last && last.start === start) segments.pop();
    const prev = segments[segments.length - 1];
    if (prev && prev.leaf.kind === 'ret' && leaf.kind === 'ret' && prev.leaf.ret === leaf.ret) return;
    segments.push({ start, leaf });
  };
  push(0, { kind: 'ret', ret: unknownRet });
  const known = [...new Set(Object.values(arch.syscalls))].sort((a, b) => a - b);
  for (const nr of known) {
    const list = decisions.get(nr);
    const only = list?.[0];
    const leaf: Leaf = !list || !only
      ? { kind: 'ret', ret: defaultRet }
      : list.length === 1 && only.when.length === 0 ? { kind: 'ret', ret: only.ret } : { kind: 'args', nr, rules: list };
    push(nr, leaf);
    push(nr + 1, { kind: 'ret', ret: unknownRet });
  }

  const b = new ProgramBuilder();
  const ld = (off: number): void => b.emit(stmt(BPF_LD | BPF_W | BPF_ABS, off));
  const ret = (v: number): void => b.emit(stmt(BPF_RET | BPF_K, v));
  ld(SECCOMP_DATA_ARCH);
  const archOk = b.label('arch_ok');
  b.cond(BPF_JEQ, arch.auditArch, archOk, 'next');
  ret(kill);
  b.bind(archOk);
  ld(SECCOMP_DATA_NR);
  if (arch.foreignAbiBit !== undefined) {
    const native = b.label('native');
    b.cond(BPF_JGE, arch.foreignAbiBit, 'next', native);
    ret(kill);
    b.bind(native);
  }

  const words = (argIndex: number): { lo: number; hi: number } => {
    const base = SECCOMP_DATA_ARGS + 8 * argIndex;
    return arch.endian === 'little' ? { lo: base, hi: base + 4 } : { lo: base + 4, hi: base };
  };

  const emitCondition = (c: ResolvedCondition, fail: Label): void => {
    const w = words(c.arg);
    if (c.width === 32) {
      const mask = Number(c.mask);
      const vals = c.oneOf.map((v) => Number(v));
      ld(w.lo);
      if (!c.negate && vals.length === 1 && vals[0] === 0 && mask !== 0xffffffff) {
        b.cond(BPF_JSET, mask, fail, 'next');
        return;
      }
      if (mask !== 0xffffffff) b.emit(stmt(BPF_ALU | BPF_AND | BPF_K, mask));
      const ok = b.label('ok');
      const hit = c.negate ? fail : ok;
      const miss = c.negate ? ok : fail;
      // Short lists: a chain of jeq. Long ones (ioctl requests, socket
      // options): a binary search over the sorted values, then a short chain.
      const search = (vs: readonly number[]): void => {
        if (vs.length <= 4) {
          vs.forEach((v, i) => b.cond(BPF_JEQ, v, hit, i === vs.length - 1 ? miss : 'next'));
          return;
        }
        const mid = vs.length >> 1;
        const upper = b.label('upper');
        b.cond(BPF_JGE, vs[mid]!, upper, 'next');
        search(vs.slice(0, mid));
        b.bind(upper);
        search(vs.slice(mid));
      };
      search([...vals].sort((x, y) => x - y));
      b.bind(ok);
      return;
    }
    // 64-bit: both words must match.
    const maskHi = Number(c.mask >> 32n);
    const maskLo = Number(c.mask & ALL32);
    if (!c.negate && c.oneOf.length === 1 && c.oneOf[0] === 0n && c.mask !== ALL64) {
      if (maskHi !== 0) { ld(w.hi); b.cond(BPF_JSET, maskHi, fail, 'next'); }
      if (maskLo !== 0) { ld(w.lo); b.cond(BPF_JSET, maskLo, fail, 'next'); }
      return;
    }
    const ok = b.label('ok');
    c.oneOf.forEach((v, i) => {
      const last = i === c.oneOf.length - 1;
      const miss = last ? (c.negate ? ok : fail) : b.label('nextval');
      const hit = c.negate ? fail : ok;
      ld(w.hi);
      if (maskHi !== 0xffffffff) b.emit(stmt(BPF_ALU | BPF_AND | BPF_K, maskHi));
      b.cond(BPF_JEQ, Number(v >> 32n), 'next', miss);
      ld(w.lo);
      if (maskLo !== 0xffffffff) b.emit(stmt(BPF_ALU | BPF_AND | BPF_K, maskLo));
      b.cond(BPF_JEQ, Number(v & ALL32), hit, miss);
      if (!last) b.bind(miss as Label);
    });
    b.bind(ok);
  };

  const emitLeaf = (leaf: Leaf): void => {
    if (leaf.kind === 'ret') { ret(leaf.ret); return; }
    for (const r of leaf.rules) {
      const next = b.label('next_rule');
      for (const c of r.when) emitCondition(c, next);
      ret(r.ret);
      b.bind(next);
    }
    ret(defaultRet);
  };

  const emitTree = (lo: number, hi: number): void => {
    if (lo === hi) { emitLeaf(segments[lo]!.leaf); return; }
    const mid = (lo + hi + 1) >> 1;
    const right = b.label('ge');
    b.cond(BPF_JGE, segments[mid]!.start, right, 'next');
    emitTree(lo, mid - 1);
    b.bind(right);
    emitTree(mid, hi);
  };
  emitTree(0, segments.length - 1);

  const program = b.assemble();
  if (program.length > BPF_MAXINSNS) {
    throw new PledgeError('E2BIG', 'PROGRAM_TOO_LARGE', `the filter has ${program.length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`, { instructions: program.length });
  }
  return {
    arch,
    program,
    bytes: encode(program, arch.endian),
    resolution,
    decisions,
    defaultRet,
    unknownRet,
    worstCasePath: worstCasePathLength(program),
  };
}
