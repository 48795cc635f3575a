/**
 * `pledge learn`'s computation, without the kernel: which promise sets
 * would allow each observed call (core's attribution, the same the reports'
 * "it needs" comes from, plus the command's path exceptions and
 * path-precise `dns`/`getpw`), and the least powerful promise set that
 * covers every observation.
 *
 * Pure functions of an arch's tables ({@link ArchDescriptor}): the same code
 * learns on x86_64 and aarch64, and a recorded run can be recomputed on
 * another machine (`--merge`).
 */
import path from 'node:path';
import {
  PROMISES, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, attributionRules, pathProbeOf, ruleMatches, simulate, violationNeeds,
  type ArchDescriptor, type CompiledFilter, type PathProbe, type ResolvedRule, type Rule, type RuntimeValues,
} from '@seccomp-scopes/core';
import type { SupervisedCall } from '@seccomp-scopes/native';
import { nodeQuietOpenPaths, nodeRuntimeRules } from '@seccomp-scopes/pledge';
import { compileJudgeFilter, nodeProgramRules, pathArguments } from './filter.js';
import { PATH_PRECISE_PROMISES, decideOpen, decideStat, openCallOf, openNeeds } from './path-exceptions.js';

/**
 * Every promise, least powerful first: where several promise sets would
 * allow a call, the learner picks the set whose most powerful member comes
 * earliest here (then the next most powerful, and so on). The one place
 * this order is defined. The reason for each position is what a process
 * holding the promise can reach beyond those before it:
 */
export const PROMISE_POWER: readonly { readonly promise: string; readonly why: string }[] = [
  { promise: 'stdio', why: 'its own descriptors and memory only' },
  { promise: 'error', why: 'changes no reach (refused calls fail instead of killing); never proposed by the learner' },
  { promise: 'tty', why: 'the terminal it already has' },
  { promise: 'vminfo', why: 'memory and load figures of the system' },
  { promise: 'ps', why: 'scheduling facts about other processes' },
  { promise: 'flock', why: 'locks on files it already opened' },
  { promise: 'tmppath', why: 'files in /tmp only' },
  { promise: 'getpw', why: 'reads the user and group databases, named files only; its nscd probe gets an error, never a socket' },
  { promise: 'dns', why: 'reads the resolver files and talks to name servers' },
  { promise: 'rpath', why: 'reads any file its user may read' },
  { promise: 'wpath', why: 'writes any existing file its user may write' },
  { promise: 'fattr', why: 'changes modes and times of any file it may' },
  { promise: 'cpath', why: 'creates and removes files anywhere it may' },
  { promise: 'dpath', why: 'creates special files (fifos, device nodes)' },
  { promise: 'recvfd', why: 'receives descriptors from other processes' },
  { promise: 'sendfd', why: 'gives its descriptors to other processes' },
  { promise: 'route', why: 'reads the routing and interface tables' },
  { promise: 'unix', why: 'connects to any local socket (a container runtime\'s, a database\'s)' },
  { promise: 'inet', why: 'the network' },
  { promise: 'mcast', why: 'multicast groups on the network' },
  { promise: 'chown', why: 'gives files to other users' },
  { promise: 'proc', why: 'forks and signals other processes of its user' },
  { promise: 'exec', why: 'runs other programs (which inherit the filter)' },
  { promise: 'prot_exec', why: 'maps memory executable: new code at run time' },
  { promise: 'unveil', why: 'changes its own unveil rules' },
  { promise: 'id', why: 'changes its user, group and capabilities' },
  { promise: 'settime', why: 'sets the system clocks' },
];

const RANK: ReadonlyMap<string, number> = new Map(PROMISE_POWER.map((p, i) => [p.promise, i]));

/** The rank of `promise` in {@link PROMISE_POWER} (0: least powerful); unknown names rank last. */
export function powerRank(promise: string): number {
  return RANK.get(promise) ?? PROMISE_POWER.length;
}

/** Promise names sorted least powerful first. */
export function byPower(promises: Iterable<string>): string[] {
  return [...new Set(promises)].sort((a, b) => powerRank(a) - powerRank(b));
}

/** Promise names in OpenBSD's (the catalog's) order, as a `-p` argument is written. */
export function canonicalPromises(promises: Iterable<string>): string {
  const set = new Set(promises);
  return PROMISES.map((p) => p.name).filter((n) => set.has(n)).join(' ');
}

/** What the learner knows of one call (a `--json` observation, see docs/cli.md). */
export interface CallShape {
  readonly nr: number;
  readonly args: readonly bigint[];
  /** The string behind the path argument, as the program passed it. */
  readonly path?: string;
  /** That path made absolute (against the caller's directory), when known. */
  readonly file?: string;
  readonly foreign?: boolean;
}

/** What an observed call needs. */
export type Attribution =
  /** Allowed under no promise at all (the base set, a path exception, the Node runtime allowance). */
  | { readonly kind: 'free'; readonly why: string }
  /**
   * Answered with an errno under every promise set (the program is told it
   * failed, as under enforcement), or, with `probe`, under every set that
   * does not allow it: one of core's PATH_PROBES, which programs cope with.
   */
  | { readonly kind: 'errno'; readonly errno: number; readonly probe?: PathProbe; readonly answered?: { readonly why: string; readonly allowedBy: readonly string[] } }
  /** Allowed by any of these promise sets (each in catalog order). */
  | { readonly kind: 'needs'; readonly sets: readonly (readonly string[])[] }
  /** Allowed by no promise set. */
  | { readonly kind: 'none'; readonly why: string };

/** How calls are judged: the command's (`program`, with `--node` for a Node program) or an in-process pledge() in Node (`in-process`). */
export interface AttributionContext {
  readonly arch: ArchDescriptor;
  /** The pid, uid and gid the enforcer compiles its judge with (the launched program's). */
  readonly runtime: RuntimeValues;
  /** `program`: the command's rules; `node-program`: with `--node`'s allowance; `in-process`: pledge() in a Node process. */
  readonly mode: 'program' | 'node-program' | 'in-process';
  /** The program's $HOME (core's `~/` probes). */
  readonly home?: string;
  /**
   * The promises the proposal has so far: the command performs a path
   * exception's read-only open only when they lack `rpath` (with it, the
   * open is the kernel's and Landlock's to judge; a write to /dev/null it
   * performs whatever they are), so whether an open is free depends on
   * them. Default: none.
   */
  readonly inForce?: ReadonlySet<string>;
  /** `in-process`: the Node binary of the process (Node opens it itself when a Worker starts: one of its probes). */
  readonly nodeExecPath?: string;
}

const baseFilters = new WeakMap<ArchDescriptor, Map<string, CompiledFilter>>();

/** The rules every promise set gets in `mode` beyond the catalog's. */
function allowance(mode: AttributionContext['mode']): Rule[] {
  if (mode === 'node-program') return nodeProgramRules(new Set());
  // pledge() in a Node process keeps the JIT's executable memory (unless --jitless, which a learned process is not assumed to use).
  if (mode === 'in-process') return nodeRuntimeRules({ jit: true });
  return [];
}

/** What the enforcer's judge answers under `promises` (default none: pledge("")) plus the mode's allowance. */
function judgeFilter(context: AttributionContext, promises: ReadonlySet<string> = new Set()): CompiledFilter {
  let byArch = baseFilters.get(context.arch);
  if (!byArch) baseFilters.set(context.arch, (byArch = new Map()));
  const key = `${context.mode}:${context.runtime.pid ?? 0}:${context.runtime.uid ?? -1}:${context.runtime.gid ?? -1}:${[...promises].sort().join(' ')}`;
  let filter = byArch.get(key);
  if (!filter) byArch.set(key, (filter = compileJudgeFilter(promises, context.arch, context.runtime, allowance(context.mode))));
  return filter;
}


const namesByArch = new WeakMap<ArchDescriptor, ReadonlyMap<number, string>>();
function syscallNames(arch: ArchDescriptor): ReadonlyMap<number, string> {
  let names = namesByArch.get(arch);
  if (!names) namesByArch.set(arch, (names = new Map(Object.entries(arch.syscalls).map(([n, nr]) => [nr, n]))));
  return names;
}

/** O_CREAT, O_TRUNC and O_TMPFILE on `arch`: an open with none of them and not O_WRONLY|O_RDWR only reads or writes what exists. */
function writeBits(arch: ArchDescriptor): number {
  const c = arch.constants;
  return Number(c['O_CREAT'] ?? 0) | Number(c['O_TRUNC'] ?? 0) | Number(c['__O_TMPFILE'] ?? 0);
}

/** Promises whose path exceptions (core's PATH_EXCEPTIONS) are tried one by one for an open. */
const EXCEPTION_PROMISES = ['tty', 'getpw', 'dns'] as const;

/**
 * The promise sets that would allow `call` under the command (or in-process
 * pledge()), as {@link Attribution}:
 *
 * 1. the enforcer's judge under no promise (pledge("") and the mode's Node
 *    runtime allowance) allows it: free;
 * 2. an open of one of the command's path exceptions that needs no
 *    promise: free; one that needs a promise (`/dev/tty` under `tty`) adds
 *    that promise as an alternative (not in-process: pledge()'s filter
 *    cannot see paths, nor answer probes);
 * 3. one of core's PATH_PROBES (libselinux's statfs("/sys/fs/selinux"),
 *    /dev/tty without tty, getcwd, ...), which the command answers with an
 *    errno when the promises refuse it: that errno (with the probe), no
 *    promise, as the program table's minimal sets do;
 * 4. a read-only open: the path's exception group (`getpw` for
 *    /etc/passwd), then `rpath` (`dns` and `getpw` reach their files only,
 *    as the command makes them path-precise); a stat of a path (not of a
 *    descriptor): likewise the groups whose files, or "/", it names
 *    (./path-exceptions.ts decideStat), then the catalog's others;
 * 5. any other call: core's {@link violationNeeds}, the reports' "it needs"
 *    (`tmppath` only for a path under /tmp/, what OpenBSD's tmppath means);
 * 6. nothing allows it but the judge answers an errno under every set: the
 *    errno; else no promise allows it.
 */
export function attributeCall(call: CallShape, context: AttributionContext): Attribution {
  const { arch } = context;
  if (call.foreign) return { kind: 'none', why: 'a call through another ABI (the 32-bit entry int $0x80, or an x32 number): no promise allows one' };
  const args = [0, 1, 2, 3, 4, 5].map((i) => BigInt.asUintN(64, call.args[i] ?? 0n));
  const data = { nr: call.nr, arch: arch.auditArch, args, instructionPointer: 0n };
  const { ret } = simulate(judgeFilter(context).program, data, arch.endian);
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return { kind: 'free', why: context.mode === 'program' ? 'allowed under every promise set' : 'the Node runtime allowance' };
  // pledge() in Node: what its runtime allowance (not the catalog) answers with an errno under every promise set is
  // Node's own and coped with (TCSETS at exit: EPERM; TIOCGPTN: ENOTTY), and so is a path look-up or read-only open
  // the allowance answers EACCES when its path is one of Node's own probes (libuv's cgroup limit, V8's overcommit
  // setting, a Worker's start: node-runtime.ts PROBES). The program's own reads get the same EACCES, and fail: they
  // still need their promise (below).
  if (context.mode === 'in-process' && action === SECCOMP_RET_ERRNO) {
    const catalog = simulate(judgeFilter({ ...context, mode: 'program' }).program, data, arch.endian).ret;
    if (catalog !== ret && (call.path === undefined || nodeOwnProbe(call, context.nodeExecPath))) return { kind: 'errno', errno: ret & SECCOMP_RET_DATA };
  }
  const like = { nr: call.nr, args, ...(call.path !== undefined ? { path: call.path } : {}) } as unknown as SupervisedCall;
  const open = openCallOf(like, arch);
  let sets: string[][] = [];
  const inForce = context.inForce ?? new Set<string>();
  // As `pledge run` decides under the promises so far (run.ts onNotify): a
  // path exception is performed; a read-only open that only dns or getpw
  // would allow is refused (they are path-precise); a call the promises
  // allow runs, so no probe answers it.
  // In a Node process, pledge()'s filter cannot see paths: no path exception there (docs/cli.md, Path exceptions).
  const decision = open && context.mode !== 'in-process' ? decideOpen(like, open, inForce, context.mode !== 'program').kind : 'judge';
  if (decision === 'emulate') return { kind: 'free', why: 'a path exception (the supervisor opens it)' };
  // A stat of a path that dns or getpw would allow in-process: in the command they reach their files only (decideStat).
  const pathArgs = pathArguments();
  // (Whatever else is in force: what dns and getpw themselves allow is the question.)
  const preciseStat = !open && context.mode !== 'in-process' && decideStat(like, arch, PATH_PRECISE_PROMISES, pathArgs) !== undefined;
  const statDecision = preciseStat ? decideStat(like, arch, inForce, pathArgs)?.kind : undefined;
  const allowed = decision !== 'refuse' && statDecision !== 'refuse' && inForce.size > 0 &&
    (simulate(judgeFilter(context, inForce).program, data, arch.endian).ret & SECCOMP_RET_ACTION_FULL) >>> 0 === SECCOMP_RET_ALLOW;
  if (context.mode !== 'in-process' && !allowed) {
    const name = syscallNames(arch).get(call.nr);
    // A static program's look-up of its own file, which `pledge run` answers ENOENT when refused (run.ts ownExeLookup).
    if ((name === 'readlink' || name === 'readlinkat') && call.path === '/proc/self/exe') {
      return { kind: 'errno', errno: Number(arch.constants['ENOENT'] ?? 2), answered: { why: "a static program's look-up of its own file, which glibc does without", allowedBy: ['rpath'] } };
    }
    const access = open ? (open.readOnly ? 'read' : (open.flags & writeBits(arch)) === 0 && (open.flags & 3) !== 3 ? 'read-write' : 'other') : undefined;
    const probe = name === undefined ? undefined : pathProbeOf(name, call.path, access, context.home);
    if (probe) return { kind: 'errno', errno: Number(arch.constants[probe.errno] ?? 0), probe };
  }
  if (open) {
    const node = context.mode !== 'program';
    // A promise whose path exception this open is (/dev/tty under tty), where adding it makes the command perform the open.
    for (const p of context.mode === 'in-process' ? [] : EXCEPTION_PROMISES) {
      if (decideOpen(like, open, new Set([...inForce, p]), node).kind === 'emulate') sets.push([p]);
    }
    if (open.readOnly) {
      for (const s of openNeeds(call.path) ?? [['rpath']]) if (!sets.some((t) => t.join(' ') === s.join(' '))) sets.push(s);
      return { kind: 'needs', sets };
    }
  }
  const runtime = { pid: context.runtime.pid ?? 0, uid: context.runtime.uid ?? -1, gid: context.runtime.gid ?? -1 };
  if (preciseStat) {
    // The groups whose files (or "/") the path is, then the catalog's others (rpath, wpath, tmppath), never dns or getpw for any path.
    for (const p of PATH_PRECISE_PROMISES) if (decideStat(like, arch, new Set([p]), pathArgs)?.kind === 'emulate') sets.push([p]);
  }
  for (const s of violationNeeds(arch, call.nr, args, runtime)) {
    if (preciseStat && s.every((p) => PATH_PRECISE_PROMISES.has(p))) continue;
    if (!sets.some((t) => t.join(' ') === s.join(' '))) sets.push(s);
  }
  // tmppath means files under /tmp (OpenBSD): not an answer for a path known to be elsewhere.
  const where = call.file ?? (call.path?.startsWith('/') ? call.path : undefined);
  if (where !== undefined && !path.posix.normalize(where).startsWith('/tmp/')) sets = sets.filter((s) => !s.includes('tmppath'));
  sets = sets.filter((s) => !sets.some((t) => t !== s && t.length < s.length && t.every((p) => s.includes(p))));
  if (sets.length > 0) return { kind: 'needs', sets };
  if (action === SECCOMP_RET_ERRNO) return { kind: 'errno', errno: ret & SECCOMP_RET_DATA };
  return { kind: 'none', why: 'no promise allows this' };
}

/**
 * Whether the call's path is one Node looks up or opens on its own (the
 * in-process allowance's PROBES, @seccomp-scopes/pledge node-runtime.ts):
 * the read-only opens its reporter keeps quiet (nodeQuietOpenPaths: exact
 * paths, or prefixes ending in `*`), and the look-ups of `/proc/self/exe`
 * and `/proc/self/fd/N` (a Worker's start, the tty re-open). `/proc/<pid>/`
 * is taken as `/proc/self/`.
 */
function nodeOwnProbe(call: CallShape, execPath: string | undefined): boolean {
  const patterns = [...nodeQuietOpenPaths(execPath ?? '/'), '/proc/self/exe', '/proc/self/fd/*'];
  const names = [call.path, call.file].filter((p): p is string => p !== undefined && p.startsWith('/')).map((p) => path.posix.normalize(p).replace(/^\/proc\/\d+(?=\/|$)/, '/proc/self'));
  return names.some((p) => patterns.some((q) => (q.endsWith('*') ? p.startsWith(q.slice(0, -1)) : p === q)));
}

/**
 * The errno a call gets under every promise set that would take it, when
 * there is one: a catalog rule that attributes the call to a promise
 * answers it with an errno the program handles (the reports then name only
 * those rules' promises) (glibc's nscd probe, a
 * `socket(AF_UNIX)` that `getpw` and `dns` answer EACCES). The learner
 * answers such a call with that errno, as the proposal will (it prefers
 * `getpw` to `unix`), so that the run goes on the way it will go under the
 * proposal and its follow-ups (a `connect` on that socket) are never made.
 * Undefined for every other call.
 */
export function handledErrno(call: CallShape, arch: ArchDescriptor, runtime: RuntimeValues): number | undefined {
  if (call.foreign) return undefined;
  const args = [0, 1, 2, 3, 4, 5].map((i) => BigInt.asUintN(64, call.args[i] ?? 0n));
  const data = { nr: call.nr, arch: arch.auditArch, args };
  const rt = { pid: runtime.pid ?? 0, uid: runtime.uid ?? -1, gid: runtime.gid ?? -1 };
  // As the reports' attribution (violationNeeds): when a rule answering an errno matches, those rules are what the call needs.
  const handled = (errnoRulesByNr(arch, rt).get(call.nr) ?? []).filter((r) => ruleMatches(r, data));
  if (handled.length === 0) return undefined;
  const errnos = new Set(handled.map((r) => r.ret & SECCOMP_RET_DATA));
  return errnos.size === 1 ? [...errnos][0] : undefined;
}

const errnoRules = new WeakMap<ArchDescriptor, Map<string, ReadonlyMap<number, readonly ResolvedRule[]>>>();
/** The attribution rules answering an errno, by syscall number (the learner asks for every call it records). */
function errnoRulesByNr(arch: ArchDescriptor, runtime: { pid: number; uid: number; gid: number }): ReadonlyMap<number, readonly ResolvedRule[]> {
  let byArch = errnoRules.get(arch);
  if (!byArch) errnoRules.set(arch, (byArch = new Map()));
  const key = `${runtime.pid}:${runtime.uid}:${runtime.gid}`;
  let map = byArch.get(key);
  if (!map) {
    const m = new Map<number, ResolvedRule[]>();
    for (const r of attributionRules(arch, runtime)) if (r.rule.action.kind === 'errno') m.set(r.nr, [...(m.get(r.nr) ?? []), r]);
    byArch.set(key, (map = m));
  }
  return map;
}

/** Whether some set of `sets` is within `allowed`. */
function covered(sets: readonly (readonly string[])[], allowed: ReadonlySet<string>): boolean {
  return sets.some((s) => s.every((p) => allowed.has(p)));
}

/**
 * The least powerful promise set covering every need (each need: the
 * promise sets any one of which would allow a call). "Least powerful" is
 * {@link PROMISE_POWER}'s order, compared from the top: the cover whose most
 * powerful promise is earliest, then the next, ... (so `tmppath` is chosen
 * over `rpath wpath cpath`, and `getpw` over `unix`). Computed by deciding
 * the candidates from the most powerful down: each is left out when the
 * needs are still covered by the ones kept and those not yet decided. The
 * result is also inclusion-minimal: no promise in it can be dropped.
 * `stdio` is always in it (every program needs it to write its output, and
 * OpenBSD's pledge() documents it as the base).
 *
 * @param within when given, only these promises may be used (an -e set is chosen within -p).
 */
export function leastCover(needs: readonly (readonly (readonly string[])[])[], within?: ReadonlySet<string>): Set<string> {
  const usable = needs.map((sets) => (within ? sets.filter((s) => s.every((p) => within.has(p))) : sets)).filter((sets) => sets.length > 0);
  const candidates = byPower(usable.flatMap((sets) => sets.flat())).reverse();  // most powerful first
  const keep = new Set(candidates);
  for (const p of candidates) {
    keep.delete(p);
    if (!usable.every((sets) => covered(sets, keep))) keep.add(p);
  }
  keep.add('stdio');
  return keep;
}

/** The alternative of `sets` within `allowed` that the cover used: the least powerful one. */
export function chosenSet(sets: readonly (readonly string[])[], allowed: ReadonlySet<string>): readonly string[] | undefined {
  const inside = sets.filter((s) => s.every((p) => allowed.has(p)));
  const weight = (s: readonly string[]): number[] => s.map(powerRank).sort((a, b) => b - a);
  inside.sort((a, b) => {
    const wa = weight(a), wb = weight(b);
    for (let i = 0; i < Math.max(wa.length, wb.length); i++) {
      if ((wa[i] ?? -1) !== (wb[i] ?? -1)) return (wa[i] ?? -1) - (wb[i] ?? -1);
    }
    return 0;
  });
  return inside[0];
}
