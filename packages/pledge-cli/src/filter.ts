/**
 * The filter `pledge run` installs in the program it starts, and the
 * tables the supervisor works with.
 *
 * The filter is the promises' own rules (compiled by @seccomp-scopes/core,
 * exactly as for pledge(): the same catalog, the ENOSYS fallbacks, the
 * "signals to itself" pid) with three differences:
 *
 * - where pledge() would kill (or fail with ENOSYS under `error`), this one
 *   returns SECCOMP_RET_USER_NOTIF: the supervisor decides, reports, and
 *   applies the penalty;
 * - execve and execveat always go to the supervisor, so that it lets the
 *   launcher's own execve through and sees every later one (execpromises);
 * - the preload's marker (getppid with two magic arguments,
 *   @seccomp-scopes/native src/preload/protocol.h) goes to the supervisor,
 *   even under `stdio`, which allows getppid.
 *
 * The Node runtime allowance is not part of it: the program is not this
 * Node process.
 */
import {
  KILL_PROCESS, PledgeError, REPORT_DECODE, arg, compileFilter, compilePromises,
  rulesFor, verify, type Action, type ArchDescriptor, type CompiledFilter, type Insn, type Rule, type RuntimeValues, type SyscallName,
} from '@seccomp-scopes/core';
import { preloadProtocol } from '@seccomp-scopes/native';
import { nodeRuntimeRules } from '@seccomp-scopes/pledge';
import { PATH_PRECISE_PROMISES } from './path-exceptions.js';

/** SECCOMP_RET_USER_NOTIF: the supervisor decides. */
const NOTIFY: Action = { kind: 'notify' };

const notify = (syscall: SyscallName, why: string, when?: Rule['when']): Rule =>
  ({ syscall, action: NOTIFY, requires: [], why, source: 'pledge(1) supervisor', ...(when ? { when } : {}) });

/**
 * Rules tried before the promises' own. The marker's arguments come from
 * the addon (src/preload/protocol.h of @seccomp-scopes/native, their only
 * source), so the filter matches what the preload it ships calls.
 */
export function supervisorRules(): Rule[] {
  const { markerA, markerB } = preloadProtocol();
  return [
    notify('getppid', "the preload's marker: the dynamic loader's start-up is over", [
      arg.in(0, 64, 'marker', [markerA]),
      arg.in(1, 64, 'marker', [markerB]),
    ]),
    notify('execve', "the supervisor lets the launcher's execve through and sees every later one"),
    notify('execveat', 'the supervisor sees every execve'),
  ];
}

/**
 * The promises' rules as the kernel applies them under the command, which
 * differ from pledge()'s in what must reach the supervisor:
 *
 * - `dns` and `getpw` are path-precise (./path-exceptions.ts): their
 *   rules on path calls (read-only opens, the stat family) are left out,
 *   so those calls reach the supervisor, which allows their files only;
 * - a rule answering open or openat with an errno (the Node runtime
 *   allowance's EACCES) is left out, so that the loader window sees the
 *   loader's opens and the path exceptions are found (the supervisor's
 *   judge answers the same errno for the others);
 * - so is an errno rule of `extra` on a syscall the loader window answers
 *   (`windowSyscalls`: the allowance's EACCES on path lookups), for the
 *   same reason.
 */
export function commandKernelRules(promises: ReadonlySet<string>, extra: readonly Rule[], windowSyscalls: ReadonlySet<string> = new Set()): Rule[] {
  const pathArgs = pathArguments();
  return rulesFor(promises, extra).filter((r) => {
    const open = r.syscall === 'open' || r.syscall === 'openat';
    if (pathArgs[r.syscall] !== undefined && r.action.kind === 'allow' && r.requires.length > 0 && r.requires.every((p) => PATH_PRECISE_PROMISES.has(p))) return false;
    if (r.action.kind === 'errno' && (open || (extra.includes(r) && windowSyscalls.has(r.syscall)))) return false;
    return true;
  });
}

/** The supervised filter, compiled. */
export interface SupervisedFilter {
  readonly program: readonly Insn[];
  readonly bytes: Uint8Array;
  /** What core compiled (`program` and `bytes` are its own). */
  readonly compiled: CompiledFilter;
}

/**
 * Compiles the filter for the program `pledge run` starts.
 * @param promises the promises whose calls the kernel allows by itself.
 * @param leading rules tried first (`pledge learn`: its marker goes to the supervisor).
 * @throws PledgeError as compileFilter, or `BAD_PROGRAM` if the result would be refused.
 */
export function compileSupervisedFilter(
  promises: ReadonlySet<string>, arch: ArchDescriptor, runtime: RuntimeValues, extra: readonly Rule[] = [],
  windowSyscalls: ReadonlySet<string> = new Set(), leading: readonly Rule[] = [],
): SupervisedFilter {
  const compiled = compileFilter([...leading, ...supervisorRules(), ...commandKernelRules(promises, extra, windowSyscalls)], {
    arch,
    defaultAction: NOTIFY,
    unknownAction: { kind: 'errno', errno: 'ENOSYS' },
    // Another audit arch (int 0x80) or an x32 number: to the supervisor,
    // which reports it and kills the caller (no promise allows one).
    foreignAbi: NOTIFY,
    runtime,
  });
  const problems = verify(compiled.program);
  if (problems.length > 0) throw new PledgeError('EINVAL', 'BAD_PROGRAM', `internal error: the supervised filter would be refused: ${problems.join('; ')}`);
  return { program: compiled.program, bytes: compiled.bytes, compiled };
}

/**
 * The filter pledge() itself would install for `promises` in a process
 * with pid `runtime.pid`, without the Node allowance, and with KILL_PROCESS
 * as the penalty even under `error` (the supervisor applies the penalty):
 * what a call is judged against (simulated) when the supervisor decides it.
 */
export function compileJudgeFilter(promises: ReadonlySet<string>, arch: ArchDescriptor, runtime: RuntimeValues, extra: readonly Rule[] = []): CompiledFilter {
  return compilePromises(promises, { arch, runtime, penalty: KILL_PROCESS, extra });
}

/**
 * `--node`: the program is Node.js. The Node runtime allowance pledge()
 * grants in a Node process (@seccomp-scopes/pledge nodeRuntimeRules; executable memory for the
 * JIT only when `prot_exec` is promised), plus what Node's start-up (which
 * pledge() never sees: it runs before any user code) asks the kernel and
 * copes without: V8 probes for memory protection keys (pkey_alloc), which
 * fails with ENOSYS here.
 */
export function nodeProgramRules(promises: ReadonlySet<string>): Rule[] {
  return [
    ...nodeRuntimeRules({ jit: promises.has('prot_exec') }),
    { syscall: 'pkey_alloc', action: { kind: 'errno', errno: 'ENOSYS' }, requires: [], why: 'V8 asks for a memory protection key at start-up and does without one', source: 'strace of node 20 under pledge run' },
  ];
}

let pathArgumentsMemo: Readonly<Record<string, number>> | undefined;
/**
 * Per syscall name: the index of the argument the supervisor reads as a
 * path, for the report. Derived from the `path` entries of @seccomp-scopes/core
 * REPORT_DECODE (one per syscall; for calls that make a new name, the new
 * one), so that what is read is what the report shows.
 * @throws PledgeError `BAD_RULE` if a syscall has two `path` entries.
 */
export function pathArguments(): Readonly<Record<string, number>> {
  if (pathArgumentsMemo) return pathArgumentsMemo;
  const out: Record<string, number> = {};
  for (const [name, decode] of Object.entries(REPORT_DECODE)) {
    const paths = decode.filter((d) => d.kind === 'path');
    if (paths.length > 1) throw new PledgeError('EINVAL', 'BAD_RULE', `internal error: report decode ${name} has ${paths.length} path arguments; the supervisor reads one`);
    if (paths[0]) out[name] = paths[0].arg;
  }
  pathArgumentsMemo = Object.freeze(out);
  return pathArgumentsMemo;
}

/** Per syscall number of `arch`: the index of its path argument, or -1. */
export function pathArgTable(arch: ArchDescriptor): Int8Array {
  const max = Math.max(...Object.values(arch.syscalls));
  const table = new Int8Array(max + 1).fill(-1);
  for (const [name, index] of Object.entries(pathArguments())) {
    const nr = arch.syscalls[name];
    if (nr !== undefined) table[nr] = index;
  }
  return table;
}
