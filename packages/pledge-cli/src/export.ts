/**
 * `pledge export PROMISES --format oci|docker|k8s|systemd|bpf`: the same
 * promises as a policy for engines that load seccomp policies of their own
 * (docs/containers.md).
 *
 * One source of truth: the rule list is core's rulesFor() of the promises
 * (the list compilePromises() compiles for pledge()), compiled by core's
 * compileFilter(); the JSON formats are written from that compilation's
 * `decisions` (the resolved, simplified rules of each syscall number, in
 * the order the filter tries them) and its default and unknown-number
 * actions. Nothing is listed here by hand, except which catalog rules the
 * container's start-up needs (STARTUP below: a selection, by promise and
 * syscall name, of rules that stay the catalog's own).
 *
 * What the formats cannot say, or what an engine needs beyond the promises,
 * is returned as a list of {@link Difference}s, printed on stderr (and in
 * the k8s resource's annotations and the systemd drop-in's comments). The
 * translation only ever errs on the strict side: a rule it cannot express
 * exactly is left out (its calls get the default action), never widened.
 *
 * Argument width: an `int` argument (`width: 32`) is judged by the kernel
 * and by our filter on its low 32 bits only. The OCI operators compare all
 * 64 bits, so every 32-bit condition becomes SCMP_CMP_MASKED_EQ with a mask
 * that has no bit in the upper half ((arg & mask) == value): junk there can
 * change nothing. A negated condition ("none of these values") becomes the
 * aligned blocks of values that remain, each one MASKED_EQ (exact, with the
 * same low-half mask), or, for a masked condition, the remaining values of
 * the masked bits. Only when that would take more than {@link MAX_ALTERNATIVES}
 * entries is the rule left out (listed as lost).
 */
import {
  ALLOW, CATALOG, PledgeError, arg, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRAP,
  checkExecPromises, compileFilter, formatPromises, parsePromises, penaltyAction, resolvePenalty, rulesFor,
  type ArchDescriptor, type CompiledFilter, type PromiseName, type ResolvedCondition, type ResolvedRule, type Rule, type ValueExpr,
} from '@seccomp-scopes/core';
import { archFor } from '@seccomp-scopes/pledge';
import { type Command, Option } from 'commander';
import fs from 'node:fs';
import { CliError } from './exit.js';
import { nodeProgramRules } from './filter.js';
import { writeAll, writeText } from './output.js';

export const EXPORT_FORMATS = ['oci', 'docker', 'k8s', 'systemd', 'bpf'] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** Options of {@link planExport}. */
export interface ExportOptions {
  /** Node's (`x64`) or the kernel's (`x86_64`) arch name; default this machine's. */
  readonly arch?: string;
  /** The program is Node.js: the runtime allowance `pledge run --node` adds. */
  readonly node?: boolean;
  readonly penalty?: 'kill' | 'errno';
  readonly errno?: string;
  /** `-e`: checked (a subset of the promises), then listed as not enforced by the outer layer. */
  readonly execpromises?: string;
  /**
   * What the engine's start-up needs (it installs the policy, then execs the
   * entrypoint): `dynamic` (default): execve, and what the dynamic loader does
   * (read-only opens, access, executable mappings); `static`: execve only.
   * The bpf format for bwrap needs the same.
   */
  readonly entrypoint?: 'static' | 'dynamic';
  /** k8s: the SeccompProfile's name (it is cluster-scoped) and the example Pod's namespace. */
  readonly name?: string;
  readonly namespace?: string;
  /**
   * The engine whose own last steps run under the policy: `runc` (default;
   * the OCI formats) or `none` (bwrap, which installs the program right
   * before execve; systemd, which does so too).
   */
  readonly engine?: 'runc' | 'none';
  /**
   * Rules added as they are, before everything else (tests: what the
   * conformance probe itself needs to run in the container). Not a CLI option.
   */
  readonly harness?: readonly Rule[];
}

/**
 * One way the exported policy differs from pledge()'s filter for the same
 * promises. `rule` is the catalog rule concerned (arch-neutral; resolve it
 * to match calls): `granted`: calls it matches are allowed by the export
 * where pledge() refuses them; `lost`: its calls get the export's default
 * action (refused) instead of the rule's.
 */
export interface Difference {
  readonly kind: 'granted' | 'lost';
  readonly syscall: string;
  readonly rule?: Rule;
  /** The formats it applies to. */
  readonly formats: readonly ExportFormat[];
  readonly text: string;
}

/** An entry of the OCI `syscalls` list. */
export interface SeccompArg { index: number; value: number | string; valueTwo?: number | string; op: string }
export interface SeccompSyscall { names: string[]; action: string; errnoRet?: number; args?: SeccompArg[]; comment?: string }

/** An export planned: the compiled filter and the JSON policy written from it. */
export interface ExportPlan {
  readonly arch: ArchDescriptor;
  readonly promises: string;
  readonly compiled: CompiledFilter;
  /** OCI `linux.seccomp`. */
  readonly seccomp: {
    defaultAction: string; defaultErrnoRet?: number; architectures: string[]; syscalls: SeccompSyscall[];
  };
  readonly differences: readonly Difference[];
}

/** Most OCI entries one rule may become (negations are spelled out as the values that remain). */
export const MAX_ALTERNATIVES = 512;

const SCMP_ARCH: Readonly<Record<string, string>> = { x86_64: 'SCMP_ARCH_X86_64', aarch64: 'SCMP_ARCH_AARCH64' };
/** The compat sub-architectures Docker would add, refused here by leaving them out. */
const SUB_ARCHES: Readonly<Record<string, readonly string[]>> = { x86_64: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'], aarch64: ['SCMP_ARCH_ARM'] };

/**
 * Catalog rules the engine's start-up needs: promise → syscalls whose rules
 * under that promise are added (when the promise is not pledged anyway).
 * The engine runs its last steps and the entrypoint's execve under the
 * policy; a dynamic entrypoint's loader then opens, maps executable and
 * checks its libraries under it too.
 */
const STARTUP: Readonly<Record<'static' | 'dynamic', Readonly<Partial<Record<PromiseName, readonly string[]>>>>> = {
  // glibc's static start-up reads the /proc/self/exe link.
  static: { exec: ['execve'], rpath: ['readlink'] },
  dynamic: { exec: ['execve'], rpath: ['readlink', 'open', 'openat', 'access', 'faccessat', 'faccessat2'], prot_exec: ['mmap', 'mprotect'] },
};

/**
 * Engine facts, not promises: runc (1.1) installs the policy, opens its exec
 * fifo write-only through /proc/self/fd/N to say it is ready, lists
 * /proc/self/fd to mark its descriptors close-on-exec, then execs the
 * entrypoint (libcontainer/standard_init_linux.go; seen with strace).
 */
const RUNC_START: readonly Rule[] = [
  {
    syscall: 'openat', when: [arg.in(0, 32, 'dirfd', ['AT_FDCWD']), arg.in(2, 32, 'flags', [['O_WRONLY', 'O_CLOEXEC']])], action: ALLOW, requires: [],
    why: 'runc opens its exec fifo write-only after installing the policy', source: 'runc libcontainer/standard_init_linux.go',
  },
  {
    syscall: 'openat', when: [arg.in(0, 32, 'dirfd', ['AT_FDCWD']), arg.in(2, 32, 'flags', [['O_RDONLY', 'O_CLOEXEC']])], action: ALLOW, requires: [],
    why: 'runc opens /proc/self/fd after installing the policy, to mark its descriptors close-on-exec', source: 'runc libcontainer/utils CloseExecFrom',
  },
  { syscall: 'fstatfs', action: ALLOW, requires: [], why: 'runc checks that /proc/self/fd is on procfs after installing the policy', source: 'runc libcontainer/utils CloseExecFrom' },
  { syscall: 'getdents64', action: ALLOW, requires: [], why: 'runc lists /proc/self/fd after installing the policy', source: 'runc libcontainer/utils CloseExecFrom' },
];

function usesRuntime(v: ValueExpr | undefined): boolean {
  if (v === undefined || typeof v !== 'object') return false;
  if (Array.isArray(v)) return (v as readonly ValueExpr[]).some(usesRuntime);
  return 'runtime' in (v as object);
}

/** Whether a rule names a value only known in the running process (its pid, uid, gid). */
export function ruleUsesRuntime(r: Rule): boolean {
  return (r.when ?? []).some((c) => usesRuntime(c.mask) || c.oneOf.some(usesRuntime));
}

/**
 * A rule without the values only known in the running process: `kept`, the
 * rule with those values taken out of its conditions (undefined when nothing
 * is left), and `lost`, the part taken out (a rule matching exactly those
 * calls). A negated condition or a mask naming one loses the whole rule.
 */
export function withoutRuntime(r: Rule): { kept?: Rule; lost?: Rule } {
  if (!ruleUsesRuntime(r)) return { kept: r };
  const when = r.when ?? [];
  if (when.some((c) => usesRuntime(c.mask) || (c.negate && c.oneOf.some(usesRuntime)))) return { lost: r };
  const keptWhen = when.map((c) => ({ ...c, oneOf: c.oneOf.filter((v) => !usesRuntime(v)) }));
  const lostWhen = when.map((c) => (c.oneOf.some(usesRuntime) ? { ...c, oneOf: c.oneOf.filter(usesRuntime) } : c));
  const kept = keptWhen.every((c) => c.oneOf.length > 0) ? { ...r, when: keptWhen } : undefined;
  // With several conditions naming runtime values, the lost part is wider than one product: keep it simple and exact.
  const lost = when.filter((c) => c.oneOf.some(usesRuntime)).length === 1 ? { ...r, when: lostWhen } : r;
  if (lost === r) return { lost: r };
  return { ...(kept ? { kept } : {}), lost };
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;
/** A JSON number when exact, else a string (runtime-spec values are uint64). */
const num = (v: bigint): number | string => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

/** The OCI action of a seccomp return value. */
function ociAction(ret: number): { action: string; errnoRet?: number } {
  const kind = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  switch (kind) {
    case SECCOMP_RET_ALLOW: return { action: 'SCMP_ACT_ALLOW' };
    case SECCOMP_RET_ERRNO: return { action: 'SCMP_ACT_ERRNO', errnoRet: ret & SECCOMP_RET_DATA };
    case SECCOMP_RET_KILL_PROCESS: return { action: 'SCMP_ACT_KILL_PROCESS' };
    case SECCOMP_RET_KILL_THREAD: return { action: 'SCMP_ACT_KILL_THREAD' };
    case SECCOMP_RET_TRAP: return { action: 'SCMP_ACT_TRAP' };
    case SECCOMP_RET_LOG: return { action: 'SCMP_ACT_LOG' };
    default: throw new PledgeError('EINVAL', 'INTERNAL', `pledge export: no OCI action for seccomp return 0x${(ret >>> 0).toString(16)}`);
  }
}

/** Aligned blocks [start, start + size) covering [lo, hi] (inclusive), as (start, size). */
function blocks(lo: bigint, hi: bigint): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  let x = lo;
  while (x <= hi) {
    let size = 1n;
    while (x % (size * 2n) === 0n && x + size * 2n - 1n <= hi) size *= 2n;
    out.push([x, size]);
    x += size;
  }
  return out;
}

/**
 * The OCI alternatives (OR) of one condition, each a single comparison;
 * undefined when it would take more than `limit`.
 */
function conditionAlternatives(c: ResolvedCondition, limit: number): SeccompArg[] | undefined {
  const full = c.width === 32 ? 0xffffffffn : (1n << 64n) - 1n;
  if (!c.negate) {
    return c.oneOf.map((v) => (c.width === 64 && c.mask === full
      ? { index: c.arg, value: num(v), op: 'SCMP_CMP_EQ' }
      // A mask without upper-half bits: for an int, junk there is ignored, as the kernel ignores it.
      : { index: c.arg, value: num(c.mask), valueTwo: num(v), op: 'SCMP_CMP_MASKED_EQ' }));
  }
  if (c.mask !== full) {
    // (arg & mask) is none of oneOf: list the other values of the mask's bits.
    const bits: bigint[] = [];
    for (let b = 0n; b < BigInt(c.width); b++) if ((c.mask >> b) & 1n) bits.push(1n << b);
    if (2 ** bits.length > limit + c.oneOf.length) return undefined;
    const out: SeccompArg[] = [];
    for (let i = 0; i < 2 ** bits.length; i++) {
      const v = bits.reduce((acc, bit, j) => ((i >> j) & 1 ? acc | bit : acc), 0n);
      if (!c.oneOf.includes(v)) out.push({ index: c.arg, value: num(c.mask), valueTwo: num(v), op: 'SCMP_CMP_MASKED_EQ' });
    }
    return out;
  }
  if (c.width === 64 && c.oneOf.length === 1) return [{ index: c.arg, value: num(c.oneOf[0]!), op: 'SCMP_CMP_NE' }];
  // Every value but oneOf, as aligned blocks; for an int the blocks' masks stay in the low half.
  const out: SeccompArg[] = [];
  let lo = 0n;
  for (const v of [...c.oneOf, full + 1n]) {
    if (v > lo) {
      for (const [start, size] of blocks(lo, v - 1n)) {
        out.push({ index: c.arg, value: num(full & ~(size - 1n)), valueTwo: num(start), op: 'SCMP_CMP_MASKED_EQ' });
        if (out.length > limit) return undefined;
      }
    }
    lo = v + 1n;
  }
  return out;
}

/**
 * One comparison per argument: libseccomp (2.5.4, runc 1.1) does not AND two
 * comparisons of the same argument in one rule (a test under runc showed the
 * stricter one ignored), so they are merged: EQ and MASKED_EQ combine into
 * one MASKED_EQ (or EQ) when consistent ('never' when they contradict);
 * anything else cannot be merged (undefined).
 */
function mergeSameArgument(args: readonly SeccompArg[]): SeccompArg[] | 'never' | undefined {
  const byIndex = new Map<number, SeccompArg>();
  const ALL = (1n << 64n) - 1n;
  const asMask = (a: SeccompArg): [bigint, bigint] | undefined =>
    a.op === 'SCMP_CMP_EQ' ? [ALL, BigInt(a.value)] : a.op === 'SCMP_CMP_MASKED_EQ' ? [BigInt(a.value), BigInt(a.valueTwo ?? 0)] : undefined;
  for (const a of args) {
    const prev = byIndex.get(a.index);
    if (!prev) { byIndex.set(a.index, a); continue; }
    const x = asMask(prev);
    const y = asMask(a);
    if (!x || !y) return undefined;
    if (((x[1] ^ y[1]) & x[0] & y[0]) !== 0n) return 'never';
    const mask = x[0] | y[0];
    const value = x[1] | y[1];
    byIndex.set(a.index, mask === ALL ? { index: a.index, value: num(value), op: 'SCMP_CMP_EQ' } : { index: a.index, value: num(mask), valueTwo: num(value), op: 'SCMP_CMP_MASKED_EQ' });
  }
  return [...byIndex.values()].sort((p, q) => p.index - q.index);
}

/** Whether two rules can never both match: one argument they judge alike on disjoint values. */
function disjoint(a: ResolvedRule, b: ResolvedRule): boolean {
  return a.when.some((x) => b.when.some((y) => x.arg === y.arg && x.width === y.width && x.mask === y.mask && (
    (!x.negate && !y.negate && x.oneOf.every((v) => !y.oneOf.includes(v)))
    || (!x.negate && y.negate && x.oneOf.every((v) => y.oneOf.includes(v)))
    || (x.negate && !y.negate && y.oneOf.every((v) => x.oneOf.includes(v))))));
}

const describeCondition = (c: ResolvedCondition): string => {
  const vals = c.oneOf.map(hex).join('|');
  const lhs = c.mask === (c.width === 32 ? 0xffffffffn : (1n << 64n) - 1n) ? c.name : `${c.name} & ${hex(c.mask)}`;
  return `${lhs} ${c.negate ? 'not in' : 'in'} {${vals}}${c.width === 32 ? ' (low 32 bits)' : ''}`;
};
const describeRule = (r: Rule): string => `${r.syscall}${r.when?.length ? ` when ${r.when.map((c) => c.name).join(', ')} match` : ''} [${r.requires.join(' ') || 'always'}]`;

/**
 * Plans an export: the rules, the compiled filter (the bpf format), the OCI
 * policy written from its decisions, and the differences from pledge().
 * @throws PledgeError for bad promises, penalty or execpromises.
 */
export function planExport(promises: string, options: ExportOptions = {}): ExportPlan {
  const arch = archFor(options.arch === undefined ? undefined : nodeArch(options.arch));
  const set = parsePromises(promises);
  const canonical = formatPromises(set);
  const differences: Difference[] = [];
  const JSON_FORMATS: ExportFormat[] = ['oci', 'docker', 'k8s'];
  if (options.execpromises !== undefined) {
    const exec = parsePromises(options.execpromises);
    checkExecPromises(set, exec);
    differences.push({
      kind: 'granted', syscall: 'execve', formats: [...EXPORT_FORMATS],
      text: `execpromises ${JSON.stringify(formatPromises(exec))} are not enforced: the engine installs one policy for the whole container or service, so programs it starts keep ${JSON.stringify(canonical)}; run the entrypoint as \`pledge -p '${canonical}' -e '${formatPromises(exec)}' -- PROGRAM\` to narrow them`,
    });
  }
  const penalty = penaltyAction(resolvePenalty(set, { penalty: options.penalty, errno: options.errno }, arch));

  // What the engine's start-up needs: catalog rules of promises not pledged, for the syscalls it makes.
  const startup: Rule[] = [];
  for (const [promise, syscalls] of Object.entries(STARTUP[options.entrypoint ?? 'dynamic']) as Array<[PromiseName, readonly string[]]>) {
    if (set.has(promise)) continue;
    for (const r of CATALOG) {
      if (!syscalls.includes(r.syscall) || !r.requires.includes(promise) || r.action.kind !== 'allow') continue;
      if (!r.requires.every((p) => p === promise || set.has(p))) continue;
      if (arch.syscalls[r.syscall] === undefined) continue;
      startup.push(r);
      differences.push({
        kind: 'granted', syscall: r.syscall, rule: r, formats: [...EXPORT_FORMATS],
        text: `${describeRule(r)} allowed for the whole run: the engine execs the entrypoint under the policy${promise === 'exec' ? '' : ' and its dynamic loader opens and maps libraries under it (--entrypoint static drops this)'}`,
      });
    }
  }
  // The engine's own last steps: listed, in force for the whole run (no OCI policy can end them at execve).
  const engine: Rule[] = [];
  for (const r of (options.engine ?? 'runc') === 'runc' ? RUNC_START : []) {
    engine.push(r);
    differences.push({ kind: 'granted', syscall: r.syscall, rule: r, formats: ['oci', 'docker', 'k8s'], text: `${r.syscall}${r.when ? ` (${r.when.map((c) => c.name).join(', ')} as runc passes them)` : ''} allowed for the whole run: ${r.why}` });
  }
  const extra = options.node ? nodeProgramRules(set) : [];
  // The start-up rules are in force whatever was promised (rulesFor would drop them by their `requires`).
  const all = [...(options.harness ?? []), ...rulesFor(set, extra), ...startup.map((r) => ({ ...r, requires: [] })), ...engine];
  const rules: Rule[] = [];
  for (const r of all) {
    const split = withoutRuntime(r);
    if (split.kept) rules.push(split.kept);
    if (split.lost && r.action.kind === 'allow') {
      differences.push({
        kind: 'lost', syscall: r.syscall, rule: split.lost, formats: [...EXPORT_FORMATS],
        text: `${describeRule(r)}: the values naming the running process' own pid/uid/gid are unknown when the policy is written; those calls are refused instead (${r.why})`,
      });
    }
  }
  const compiled = compileFilter(rules, {
    arch, defaultAction: penalty, unknownAction: { kind: 'errno', errno: 'ENOSYS' },
  });

  const def = ociAction(compiled.defaultRet);
  const syscalls: SeccompSyscall[] = [];
  const byNr = [...compiled.decisions.entries()].sort((a, b) => a[0] - b[0]);
  for (const [, decided] of byNr) {
    const emitted: ResolvedRule[] = [];
    for (const r of decided) {
      if (r.ret === compiled.defaultRet) { emitted.push(r); continue; }
      const name = r.rule.syscall;
      // Engines do not order rules: one that an earlier rule with another action may shadow is left out.
      const shadow = emitted.find((e) => e.ret !== r.ret && !disjoint(e, r));
      if (shadow) {
        differences.push({ kind: 'lost', syscall: name, rule: r.rule, formats: JSON_FORMATS, text: `${describeRule(r.rule)}: overlaps an earlier rule with another action and the format has no rule order; refused instead` });
        continue;
      }
      let alts: SeccompArg[][] = [[]];
      let ok = true;
      for (const c of r.when) {
        const one = conditionAlternatives(c, MAX_ALTERNATIVES);
        if (!one || alts.length * one.length > MAX_ALTERNATIVES) { ok = false; break; }
        alts = alts.flatMap((a) => one.map((x) => [...a, x]));
      }
      if (ok) {
        const mergedAlts: SeccompArg[][] = [];
        for (const a of alts) {
          const m = mergeSameArgument(a);
          if (m === 'never') continue;
          if (m === undefined) { ok = false; break; }
          mergedAlts.push(m);
        }
        alts = mergedAlts;
      }
      if (!ok) {
        differences.push({ kind: 'lost', syscall: name, rule: r.rule, formats: JSON_FORMATS, text: `${describeRule(r.rule)} (${r.when.map(describeCondition).join(' and ')}): more than ${MAX_ALTERNATIVES} entries to spell out; refused instead` });
        continue;
      }
      emitted.push(r);
      const act = ociAction(r.ret);
      const comment = `${r.rule.why} [${r.rule.requires.join(' ') || 'always'}]${r.when.length ? `: ${r.when.map(describeCondition).join(' and ')}` : ''}`;
      for (const a of alts) {
        syscalls.push({ names: [name], ...act, ...(a.length ? { args: a } : {}), comment });
      }
    }
  }
  // Merge plain entries with the same action into one names list (as Docker's profiles are written).
  const merged: SeccompSyscall[] = [];
  const plain = new Map<string, SeccompSyscall>();
  for (const s of syscalls) {
    if (s.args) { merged.push(s); continue; }
    const key = `${s.action}/${s.errnoRet ?? ''}`;
    const into = plain.get(key);
    if (into) { if (!into.names.includes(s.names[0]!)) into.names.push(s.names[0]!); continue; }
    const entry: SeccompSyscall = { names: [...s.names], action: s.action, ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}), comment: s.action === 'SCMP_ACT_ALLOW' ? 'allowed whatever the arguments' : 'answered with an errno whatever the arguments' };
    plain.set(key, entry);
    merged.unshift(entry);
  }
  // Numbers the table does not know: ENOSYS in our filter. Engines name syscalls, so this rests on
  // the default action when it is ENOSYS; otherwise it is the engine's choice (runc: ENOSYS above the
  // newest syscall it knows).
  return {
    arch, promises: canonical, compiled, differences,
    seccomp: {
      defaultAction: def.action,
      ...(def.errnoRet !== undefined ? { defaultErrnoRet: def.errnoRet } : {}),
      architectures: [SCMP_ARCH[arch.name] ?? `SCMP_ARCH_${arch.name.toUpperCase()}`],
      syscalls: merged,
    },
  };
}

function nodeArch(value: string): string {
  const a = [archFor('x64'), archFor('arm64')].find((x) => x.name === value || x.nodeArch === value);
  if (!a) throw new CliError(`pledge: --arch ${JSON.stringify(value)}: supported architectures: x86_64 (x64), aarch64 (arm64)`);
  return a.nodeArch;
}

const stripComments = (s: readonly SeccompSyscall[]): SeccompSyscall[] => s.map(({ comment: _c, ...rest }) => rest);

/** Docker's profile format: the OCI fields plus archMap (no sub-architectures: i386/x32/arm32 are refused). */
export function dockerProfile(plan: ExportPlan): Record<string, unknown> {
  const { architectures: _a, ...rest } = plan.seccomp;
  return {
    ...rest,
    archMap: [{ architecture: plan.seccomp.architectures[0], subArchitectures: [] }],
  };
}

/** The Security Profiles Operator's resource name for a promise set. */
export function profileName(promises: string): string {
  const base = promises.trim() === '' ? 'none' : promises.trim().split(/\s+/).join('-').replace(/_/g, '-');
  return `pledge-${base}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}

/** The k8s artefacts: the SeccompProfile resource, a Pod using it, and the kubelet JSON (the OCI policy). */
export function k8sArtefacts(plan: ExportPlan, options: { name?: string; namespace?: string } = {}) {
  const name = options.name ?? profileName(plan.promises);
  const namespace = options.namespace ?? 'default';
  const notes = plan.differences.filter((d) => d.formats.includes('k8s')).map((d) => `${d.kind}: ${d.text}`);
  // The operator's CRD (v1.0.0: v1 stored, v1beta1 served with the same schema)
  // makes SeccompProfile cluster-scoped (no namespace), types errnoRet as an
  // integer (int32, minimum 0) and has no defaultErrnoRet.
  const resource = {
    apiVersion: 'security-profiles-operator.x-k8s.io/v1',
    kind: 'SeccompProfile',
    metadata: {
      name,
      annotations: {
        'seccomp-scopes/promises': plan.promises,
        'seccomp-scopes/differences': notes.join('\n'),
      },
    },
    spec: {
      defaultAction: plan.seccomp.defaultAction,
      architectures: plan.seccomp.architectures,
      syscalls: stripComments(plan.seccomp.syscalls),
    },
  };
  // The operator writes a cluster-scoped profile under the kubelet's seccomp directory as operator/<name>.json
  // (its status.localhostProfile); the Pod may live in any namespace.
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `${name}-example`, namespace },
    spec: {
      securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: `operator/${name}.json` } },
      containers: [{ name: 'app', image: 'IMAGE', securityContext: { allowPrivilegeEscalation: false } }],
    },
  };
  const kubelet = { ...plan.seccomp, syscalls: stripComments(plan.seccomp.syscalls) };
  return { resource, pod, kubelet, name, namespace };
}

/** The systemd drop-in: names only, so every rule with an argument condition is left out (listed). */
export function systemdDropIn(plan: ExportPlan, command: string): { text: string; lost: string[] } {
  const allowed = new Set<string>();
  const enosys = new Set<string>();
  const lost: string[] = [];
  for (const [, decided] of plan.compiled.decisions) {
    for (const r of decided) {
      if (r.ret === plan.compiled.defaultRet) continue;
      const kind = (r.ret & SECCOMP_RET_ACTION_FULL) >>> 0;
      if (r.when.length > 0) { lost.push(`${r.rule.syscall}: ${r.when.map(describeCondition).join(' and ')} (${r.rule.why})`); continue; }
      if (kind === SECCOMP_RET_ALLOW) allowed.add(r.rule.syscall);
      else if (kind === SECCOMP_RET_ERRNO && (r.ret & SECCOMP_RET_DATA) === (plan.arch.constants.ENOSYS ?? 38)) enosys.add(r.rule.syscall);
      else lost.push(`${r.rule.syscall}: answered ${ociAction(r.ret).action}(${r.ret & SECCOMP_RET_DATA})`);
    }
  }
  const errnoDefault = (plan.compiled.defaultRet & SECCOMP_RET_ACTION_FULL) >>> 0 === SECCOMP_RET_ERRNO;
  const errnoName = errnoDefault ? Object.entries(plan.arch.constants).find(([k, v]) => /^E[A-Z0-9]+$/.test(k) && v === (plan.compiled.defaultRet & SECCOMP_RET_DATA))?.[0] : undefined;
  const lines = [
    `# ${command}`,
    `# A drop-in for the service that runs the program (e.g. /etc/systemd/system/NAME.service.d/pledge.conf).`,
    `# Promises ${JSON.stringify(plan.promises)} on ${plan.arch.name}, from the same rules as pledge()'s filter.`,
    '#',
    '# SystemCallFilter= takes syscall names only. These argument rules cannot be',
    '# expressed, so their syscalls are left out (refused) here:',
    ...lost.map((l) => `#   ${l}`),
    ...plan.differences.filter((d) => d.formats.includes('systemd')).map((d) => `#   ${d.kind}: ${d.text}`),
    '# So this filter is stricter than the promises: most programs (and the pledge',
    '# command itself, a Node program) cannot start under it. For the promises as',
    '# pledge() enforces them, drop the SystemCallFilter= lines below and run the',
    '# program under the pledge command, which enforces the argument rules too:',
    `#   ExecStart=pledge -p '${plan.promises}' -- /path/to/program ARGS`,
    '# (NoNewPrivileges= and SystemCallArchitectures= can stay.)',
    '',
    '[Service]',
    'NoNewPrivileges=yes',
    'SystemCallArchitectures=native',
    `SystemCallFilter=${[...allowed].sort().join(' ')}`,
    ...(enosys.size ? [`SystemCallFilter=~${[...enosys].sort().map((n) => `${n}:ENOSYS`).join(' ')}`] : []),
    ...(errnoName ? [`SystemCallErrorNumber=${errnoName}`] : []),
    '',
  ];
  return { text: lines.join('\n'), lost };
}

/** The output of `pledge export` and the lines for stderr. */
export function exportPolicy(promises: string, format: ExportFormat, options: ExportOptions = {}): { output: string | Uint8Array; notes: string[]; plan: ExportPlan } {
  const plan = planExport(promises, { ...options, engine: format === 'bpf' || format === 'systemd' ? 'none' : 'runc' });
  const command = `pledge export '${plan.promises}' --format ${format}${options.node ? ' --node' : ''}${options.entrypoint === 'static' ? ' --entrypoint static' : ''}`;
  const notes = plan.differences.filter((d) => d.formats.includes(format)).map((d) => `${d.kind}: ${d.text}`);
  // uint64 values above 2^53 are kept exact as strings in memory and written as JSON integers.
  const json = (v: unknown): string => `${JSON.stringify(v, null, 2).replace(/"(value|valueTwo)": "(\d+)"/g, '"$1": $2')}\n`;
  switch (format) {
    case 'oci':
      return { output: json({ ...plan.seccomp, syscalls: stripComments(plan.seccomp.syscalls) }), notes, plan };
    case 'docker':
      return { output: json(dockerProfile(plan)), notes, plan };
    case 'k8s': {
      if (plan.seccomp.defaultErrnoRet !== undefined && plan.seccomp.defaultErrnoRet !== 1) {
        notes.push(`lost: the SeccompProfile resource has no defaultErrnoRet: refused calls fail with the runtime's default errno (EPERM), not ${plan.seccomp.defaultErrnoRet}`);
      }
      const k = k8sArtefacts(plan, { ...(options.name ? { name: options.name } : {}), ...(options.namespace ? { namespace: options.namespace } : {}) });
      const text = [
        `# ${command}`,
        '# 1. The Security Profiles Operator resource (kubectl apply -f). 2. A Pod using it.',
        `# 3. Without the operator: put the JSON below in the kubelet's seccomp directory as`,
        `#    /var/lib/kubelet/seccomp/${k.name}.json and use localhostProfile: ${k.name}.json`,
        ...notes.map((n) => `# ${n}`),
        '---',
        json(k.resource).trimEnd(),
        '---',
        json(k.pod).trimEnd(),
        ...json(k.kubelet).trimEnd().split('\n').map((l) => `# ${l}`),
        '',
      ].join('\n');
      return { output: text, notes, plan };
    }
    case 'systemd': {
      const d = systemdDropIn(plan, command);
      return { output: d.text, notes: [...d.lost.map((l) => `lost: ${l}`), ...notes], plan };
    }
    case 'bpf':
      return { output: plan.compiled.bytes, notes, plan };
  }
}

/** Registers `pledge export`. */
export function registerExport(program: Command, setExit: (code: number) => void): void {
  program.command('export')
    .description('the promises as a policy for a container engine or service manager: OCI, Docker, Kubernetes, systemd, or raw BPF for bwrap --seccomp')
    .argument('<promises>', "promises, e.g. 'stdio rpath'")
    .addOption(new Option('--format <format>', 'oci: linux.seccomp; docker: a profile with archMap; k8s: SeccompProfile + Pod; systemd: a drop-in; bpf: bytes for bwrap --seccomp').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option('--arch <arch>', "x86_64 or aarch64 (default: this machine's)")
    .option('--node', 'the program is Node.js: add the runtime allowance of `pledge run --node`')
    .addOption(new Option('--penalty <kind>', 'a refused call: kill (default) or errno').choices(['kill', 'errno']))
    .option('--errno <name>', 'the errno of --penalty errno (default EPERM)')
    .option('-e, --execpromises <promises>', 'checked, and listed as not enforced by an outer policy')
    .addOption(new Option('--entrypoint <kind>', "dynamic: allow what the entrypoint's dynamic loader needs; static: execve only").choices(['dynamic', 'static']).default('dynamic'))
    .option('--name <name>', 'k8s: the SeccompProfile name')
    .option('--namespace <ns>', 'k8s: the example Pod\'s namespace (default "default"; the SeccompProfile is cluster-scoped)')
    .option('-o, --output <file>', 'write the policy to FILE instead of stdout')
    .option('-q, --quiet', 'do not list the differences on stderr')
    .addHelpText('after', `
Examples:
  pledge export 'stdio rpath' --format oci
  pledge export 'stdio inet' --format docker > profile.json && docker run --security-opt seccomp=profile.json IMAGE
  pledge export 'stdio' --format bpf --entrypoint static > f.bpf && bwrap --seccomp 3 3<f.bpf ... PROGRAM

Every difference from pledge()'s filter is listed on stderr (docs/containers.md).`)
    .action((promises: string, opts: Record<string, unknown>) => {
      const { output, notes } = exportPolicy(promises, opts['format'] as ExportFormat, {
        ...(opts['arch'] !== undefined ? { arch: opts['arch'] as string } : {}),
        node: opts['node'] === true,
        ...(opts['penalty'] !== undefined ? { penalty: opts['penalty'] as 'kill' | 'errno' } : {}),
        ...(opts['errno'] !== undefined ? { errno: opts['errno'] as string } : {}),
        ...(opts['execpromises'] !== undefined ? { execpromises: opts['execpromises'] as string } : {}),
        entrypoint: opts['entrypoint'] as 'static' | 'dynamic',
        ...(opts['name'] !== undefined ? { name: opts['name'] as string } : {}),
        ...(opts['namespace'] !== undefined ? { namespace: opts['namespace'] as string } : {}),
      });
      const file = opts['output'] as string | undefined;
      if (file !== undefined) fs.writeFileSync(file, output);
      else if (typeof output === 'string') writeText(1, output);
      else writeAll(1, output);
      if (opts['quiet'] !== true) for (const n of notes) writeText(2, `pledge export: ${n}\n`);
      setExit(0);
    });
}

