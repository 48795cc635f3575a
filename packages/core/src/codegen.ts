/**
 * Rules → seccomp-bpf program (the compiler's driver and its last IR level):
 * {@link compileFilter} resolves the rules (./resolve.ts), simplifies each
 * syscall's rules (./simplify.ts), cuts the syscall numbers into intervals
 * sharing one leaf, and emits the program with the named emitters below.
 *
 * Program shape (every path is forward-only):
 *
 *     ld arch;  jeq AUDIT_ARCH_<native> ? go on : ret <foreignAbi>     (KILL_PROCESS by default)
 *     ld nr;    jge <foreign ABI bit> (x32) ? ret <foreignAbi> : go on
 *     binary search over syscall-number intervals (jge #k only)      emitTree
 *       leaf: ret <action>                       (decision by number alone)
 *       leaf: argument block, then ret <default> (decision needs arguments)   emitLeaf, emitCondition
 *
 * Up to the leaf only `ld nr`/`ld arch`, `jeq`/`jge` against constants and
 * `ja` run, so every syscall whose verdict is ALLOW by number alone stays
 * cacheable by the kernel's seccomp action cache (kernel/seccomp.c,
 * `seccomp_cache_prepare`); only argument blocks load `args[]`.
 */
import type { ArchDescriptor } from './arch.js';
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_K, BPF_LD, BPF_MAXINSNS, BPF_RET, BPF_W,
  Label, ProgramBuilder, SECCOMP_DATA_ARCH, SECCOMP_DATA_ARGS, SECCOMP_DATA_NR, SECCOMP_RET_KILL_PROCESS,
  encode, stmt, type Insn,
} from './bpf.js';
import { PledgeError } from './errors.js';
import { actionValue, resolveRules, type Resolution, type ResolvedCondition, type ResolvedRule, type RuntimeValues } from './resolve.js';
import type { Action, Rule } from './rules.js';
import { worstCasePathLength } from './simulate.js';
import { simplify } from './simplify.js';

const ALL32 = 0xffffffffn;
const ALL64 = (1n << 64n) - 1n;

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
  /**
   * Action of the prologue for a foreign ABI: another audit arch (the i386
   * entry `int $0x80` on x86_64, AArch32 on aarch64) and numbers with the
   * arch's foreign ABI bit (x32). Default `KILL_PROCESS`, the program is then
   * byte-identical to one compiled without the option. No rule can allow a
   * foreign ABI; this only chooses how the refusal is delivered (TRAP for
   * pledge()'s reporter, USER_NOTIF for the `pledge` command's supervisor).
   */
  readonly foreignAbi?: Action;
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
  /** What the prologue answers a foreign ABI (another audit arch, an x32 number). */
  readonly foreignAbiRet: number;
  /** Longest run in instructions (`ret` included). */
  readonly worstCasePath: number;
}

/** What one interval of syscall numbers gets: a verdict by number alone, or one syscall's argument block. */
type Leaf = { kind: 'ret'; ret: number } | { kind: 'args'; nr: number; rules: readonly ResolvedRule[] };

/** Syscall numbers from `start` up to the next segment's start, sharing one leaf. */
interface Segment {
  readonly start: number;
  readonly leaf: Leaf;
}

/** What the emitters share while one program is built. */
interface Emitter {
  readonly b: ProgramBuilder;
  readonly endian: 'little' | 'big';
  /** The verdict of an argument block when none of its rules holds. */
  readonly defaultRet: number;
}

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

  const decisions = new Map<number, ResolvedRule[]>();
  for (const [nr, list] of groupByNumber(resolution, arch)) {
    const s = simplify(list, defaultRet);
    if (s.length > 0) decisions.set(nr, s);
  }
  const unknownRet = options.unknownAction ? actionValue(options.unknownAction, arch) : defaultRet;
  const segments = segmentsOf(arch, decisions, defaultRet, unknownRet);

  const foreignAbiRet = options.foreignAbi ? actionValue(options.foreignAbi, arch) : SECCOMP_RET_KILL_PROCESS;
  const b = new ProgramBuilder();
  emitPrologue(b, arch, foreignAbiRet);
  emitTree({ b, endian: arch.endian, defaultRet }, segments, 0, segments.length - 1);

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
    foreignAbiRet,
    worstCasePath: worstCasePathLength(program),
  };
}

/**
 * The same decisions as `f` laid out as a linear chain instead of a binary
 * search: the prologue, then one `jge` per syscall-number interval in
 * ascending order, each followed by that interval's leaf (the same `ret` or
 * argument block as in `f`). Every verdict is the same as `f`'s and every
 * by-number verdict stays cacheable; only the path lengths differ. For the
 * benchmark (tools/bench/bench.mjs), which runs it next to `f` as the
 * "linear chain" a hand-written or naive filter would be.
 */
export function chainProgram(f: CompiledFilter): Insn[] {
  const segments = segmentsOf(f.arch, f.decisions, f.defaultRet, f.unknownRet);
  const b = new ProgramBuilder();
  emitPrologue(b, f.arch, f.foreignAbiRet);
  const e: Emitter = { b, endian: f.arch.endian, defaultRet: f.defaultRet };
  segments.forEach((s, i) => {
    const after = segments[i + 1];
    if (!after) { emitLeaf(e, s.leaf); return; }
    const next = b.label('seg');
    b.cond(BPF_JGE, after.start, next, 'next');
    emitLeaf(e, s.leaf);
    b.bind(next);
  });
  return b.assemble();
}

/**
 * The resolved rules per syscall number, in rule order.
 * @throws PledgeError `BAD_RULE` for a number in the arch's foreign ABI range.
 */
function groupByNumber(resolution: Resolution, arch: ArchDescriptor): Map<number, ResolvedRule[]> {
  const byNr = new Map<number, ResolvedRule[]>();
  for (const r of resolution.rules) {
    if (arch.foreignAbiBit !== undefined && r.nr >= arch.foreignAbiBit) {
      throw new PledgeError('EINVAL', 'BAD_RULE', `syscall ${r.rule.syscall} = ${r.nr} lies in the foreign ABI range of ${arch.name}`);
    }
    const list = byNr.get(r.nr) ?? [];
    list.push(r);
    byNr.set(r.nr, list);
  }
  return byNr;
}

/**
 * Intervals [start, next start) of syscall numbers sharing one leaf, from 0
 * up. Known syscalls without a rule get the default action, numbers the
 * arch's table does not know get `unknownRet` (ENOSYS lets libc fall back);
 * neighbouring intervals with the same verdict are one.
 */
function segmentsOf(arch: ArchDescriptor, decisions: ReadonlyMap<number, readonly ResolvedRule[]>, defaultRet: number, unknownRet: number): Segment[] {
  const segments: Segment[] = [];
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
  return segments;
}

const ld = (b: ProgramBuilder, off: number): void => b.emit(stmt(BPF_LD | BPF_W | BPF_ABS, off));
const ret = (b: ProgramBuilder, v: number): void => b.emit(stmt(BPF_RET | BPF_K, v));

/** The arch check, then the syscall number in A, with foreign-ABI numbers (x32) answered `foreignRet` too. */
function emitPrologue(b: ProgramBuilder, arch: ArchDescriptor, foreignRet: number): void {
  ld(b, SECCOMP_DATA_ARCH);
  const archOk = b.label('arch_ok');
  b.cond(BPF_JEQ, arch.auditArch, archOk, 'next');
  ret(b, foreignRet);
  b.bind(archOk);
  ld(b, SECCOMP_DATA_NR);
  if (arch.foreignAbiBit !== undefined) {
    const native = b.label('native');
    b.cond(BPF_JGE, arch.foreignAbiBit, 'next', native);
    ret(b, foreignRet);
    b.bind(native);
  }
}

/** A binary search over `segments[lo..hi]` by syscall number (in A), each leaf emitted in place. */
function emitTree(e: Emitter, segments: readonly Segment[], lo: number, hi: number): void {
  const { b } = e;
  if (lo === hi) { emitLeaf(e, segments[lo]!.leaf); return; }
  const mid = (lo + hi + 1) >> 1;
  const right = b.label('ge');
  b.cond(BPF_JGE, segments[mid]!.start, right, 'next');
  emitTree(e, segments, lo, mid - 1);
  b.bind(right);
  emitTree(e, segments, mid, hi);
}

/** A verdict, or one syscall's rules in order (the first whose conditions all hold decides), then the default. */
function emitLeaf(e: Emitter, leaf: Leaf): void {
  const { b } = e;
  if (leaf.kind === 'ret') { ret(b, leaf.ret); return; }
  for (const r of leaf.rules) {
    const next = b.label('next_rule');
    for (const c of r.when) emitCondition(e, c, next);
    ret(b, r.ret);
    b.bind(next);
  }
  ret(b, e.defaultRet);
}

/** The offsets of an argument's low and high 32-bit words in `seccomp_data`. */
function argWords(endian: 'little' | 'big', argIndex: number): { lo: number; hi: number } {
  const base = SECCOMP_DATA_ARGS + 8 * argIndex;
  return endian === 'little' ? { lo: base, hi: base + 4 } : { lo: base + 4, hi: base };
}

/** Falls through when `c` holds, jumps to `fail` when it does not. */
function emitCondition(e: Emitter, c: ResolvedCondition, fail: Label): void {
  const { b } = e;
  const w = argWords(e.endian, c.arg);
  if (c.width === 32) {
    const mask = Number(c.mask);
    const vals = c.oneOf.map((v) => Number(v));
    ld(b, w.lo);
    if (!c.negate && vals.length === 1 && vals[0] === 0 && mask !== 0xffffffff) {
      b.cond(BPF_JSET, mask, fail, 'next');
      return;
    }
    if (mask !== 0xffffffff) b.emit(stmt(BPF_ALU | BPF_AND | BPF_K, mask));
    const ok = b.label('ok');
    const hit = c.negate ? fail : ok;
    const miss = c.negate ? ok : fail;
    emitValueSearch(b, [...vals].sort((x, y) => x - y), hit, miss);
    b.bind(ok);
    return;
  }
  // 64-bit: both words must match.
  const maskHi = Number(c.mask >> 32n);
  const maskLo = Number(c.mask & ALL32);
  if (!c.negate && c.oneOf.length === 1 && c.oneOf[0] === 0n && c.mask !== ALL64) {
    if (maskHi !== 0) { ld(b, w.hi); b.cond(BPF_JSET, maskHi, fail, 'next'); }
    if (maskLo !== 0) { ld(b, w.lo); b.cond(BPF_JSET, maskLo, fail, 'next'); }
    return;
  }
  const ok = b.label('ok');
  c.oneOf.forEach((v, i) => {
    const last = i === c.oneOf.length - 1;
    const miss = last ? (c.negate ? ok : fail) : b.label('nextval');
    const hit = c.negate ? fail : ok;
    ld(b, w.hi);
    if (maskHi !== 0xffffffff) b.emit(stmt(BPF_ALU | BPF_AND | BPF_K, maskHi));
    b.cond(BPF_JEQ, Number(v >> 32n), 'next', miss);
    ld(b, w.lo);
    if (maskLo !== 0xffffffff) b.emit(stmt(BPF_ALU | BPF_AND | BPF_K, maskLo));
    b.cond(BPF_JEQ, Number(v & ALL32), hit, miss);
    if (!last) b.bind(miss as Label);
  });
  b.bind(ok);
}

/**
 * Jumps to `hit` when A is one of the sorted values `vs`, else to `miss`.
 * Short lists: a chain of jeq. Long ones (ioctl requests, socket options):
 * a binary search over the values, then a short chain.
 */
function emitValueSearch(b: ProgramBuilder, vs: readonly number[], hit: Label, miss: Label): void {
  if (vs.length <= 4) {
    vs.forEach((v, i) => b.cond(BPF_JEQ, v, hit, i === vs.length - 1 ? miss : 'next'));
    return;
  }
  const mid = vs.length >> 1;
  const upper = b.label('upper');
  b.cond(BPF_JGE, vs[mid]!, upper, 'next');
  emitValueSearch(b, vs.slice(0, mid), hit, miss);
  b.bind(upper);
  emitValueSearch(b, vs.slice(mid), hit, miss);
}
