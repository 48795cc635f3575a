/**
 * Promises: OpenBSD pledge(2)'s vocabulary, parsed and turned into the rules
 * in force and into a filter.
 */
import type { ArchDescriptor } from './arch.js';
import { ALWAYS_RULES, FALLBACK_RULES, PROBE_RULES } from './catalog/always.js';
import { NET_RULES } from './catalog/net.js';
import { PATH_RULES } from './catalog/paths.js';
import { PROCESS_RULES } from './catalog/process.js';
import { STDIO_RULES } from './catalog/stdio.js';
import { compileFilter, type CompiledFilter, type RuntimeValues } from './compile.js';
import { PledgeError } from './errors.js';
import type { ConstantName } from './constants.js';
import { KILL_PROCESS, type Action, type Rule } from './rules.js';
import { PROMISES } from './vocabulary.js';

export { PROMISES, type PromiseInfo } from './vocabulary.js';

/**
 * OpenBSD promises for devices and subsystems Linux does not have in that
 * form (pledge(2)): recognised and refused with `ENOTSUP`.
 */
export const UNSUPPORTED_PROMISES: Readonly<Record<string, string>> = {
  audio: 'audio(4) ioctls', video: 'video(4) ioctls', bpf: 'bpf(4) device ioctls', pf: 'pf(4) ioctls',
  tape: 'mt(4) tape ioctls', drm: 'drm(4) ioctls', vmm: 'vmm(4) ioctls', disklabel: 'disklabel ioctls', wroute: 'changing the routing table',
};

/** Every rule of every promise, plus the always-in-force rules. The one source of truth. */
export const CATALOG: readonly Rule[] = [...FALLBACK_RULES, ...ALWAYS_RULES, ...PROBE_RULES, ...STDIO_RULES, ...PATH_RULES, ...NET_RULES, ...PROCESS_RULES];

const NAMES = new Set<string>(PROMISES.map((p) => p.name));

/**
 * Parses an OpenBSD promise string: names separated by spaces (runs of
 * spaces allowed, leading/trailing ignored; duplicates are harmless).
 * `""` is valid and means no promises (only the always-allowed calls).
 * @returns the set of promise names, ordered as in {@link PROMISES}.
 * @throws PledgeError `EINVAL`/`UNKNOWN_PROMISE` naming the bad token and
 *   listing the valid promises; `ENOTSUP`/`UNSUPPORTED_PROMISE` for an
 *   OpenBSD device promise Linux has no equivalent of; `EINVAL`/`BAD_ARGUMENT`
 *   if not a string. Source: OpenBSD pledge(2) ERRORS.
 */
export function parsePromises(promises: string): ReadonlySet<string> {
  if (typeof promises !== 'string') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `promises must be a string of space-separated names, got ${typeof promises}`, { value: promises });
  }
  const tokens = promises.split(' ').filter((t) => t.length > 0);
  for (const t of tokens) {
    if (NAMES.has(t)) continue;
    if (Object.hasOwn(UNSUPPORTED_PROMISES, t)) {
      throw new PledgeError('ENOTSUP', 'UNSUPPORTED_PROMISE', `promise ${JSON.stringify(t)} (OpenBSD: ${UNSUPPORTED_PROMISES[t]}) is not supported on Linux`, { token: t });
    }
    const valid = PROMISES.map((p) => p.name).join(' ');
    throw new PledgeError('EINVAL', 'UNKNOWN_PROMISE', `unknown promise ${JSON.stringify(t)} in ${JSON.stringify(promises)}; valid promises: ${valid}`, { token: t, valid: [...NAMES] });
  }
  const set = new Set(tokens);
  return new Set(PROMISES.map((p) => p.name).filter((n) => set.has(n)));
}

/** Formats a promise set back into OpenBSD's string form, in canonical order. */
export function formatPromises(set: ReadonlySet<string>): string {
  return PROMISES.map((p) => p.name).filter((n) => set.has(n)).join(' ');
}

/**
 * The rules in force for a promise set: every catalog rule whose `requires`
 * are all pledged, plus `extra` (a runtime allowance). Order: the ENOSYS
 * fallbacks, then every ALLOW rule, then the rules that refuse softly with
 * an errno (so that a promise allowing a call always wins over a soft
 * refusal of the same call).
 */
export function rulesFor(promises: ReadonlySet<string>, extra: readonly Rule[] = []): Rule[] {
  const active = [...FALLBACK_RULES, ...[...CATALOG, ...extra].filter((r) => !FALLBACK_RULES.includes(r))]
    .filter((r) => r.requires.every((p) => promises.has(p)));
  const fallback = active.filter((r) => FALLBACK_RULES.includes(r));
  const allow = active.filter((r) => !FALLBACK_RULES.includes(r) && r.action.kind === 'allow');
  const soft = active.filter((r) => !FALLBACK_RULES.includes(r) && r.action.kind !== 'allow');
  return [...fallback, ...allow, ...soft];
}

/** The penalty a promise set implies: KILL_PROCESS, or ERRNO(ENOSYS) under `error` (OpenBSD). */
export function penaltyFor(promises: ReadonlySet<string>): Action {
  return promises.has('error') ? { kind: 'errno', errno: 'ENOSYS' } : KILL_PROCESS;
}

/** A penalty as users choose it: `kill`, or `errno` with an errno name. */
export interface Penalty {
  readonly kind: 'kill' | 'errno';
  readonly errno?: string;
}

/** The errno names `arch` defines (its constants that look like one). */
export function errnoNames(arch: ArchDescriptor): string[] {
  return Object.keys(arch.constants).filter((n) => /^E[A-Z0-9]+$/.test(n));
}

/**
 * The penalty asked for under `promises`: the `error` promise selects
 * `errno` with ENOSYS (OpenBSD pledge(2)), else `kill` unless `penalty` is
 * `'errno'` (default errno `EPERM`).
 * @throws PledgeError `EINVAL` for a penalty other than `kill`/`errno`, an
 *   errno name `arch` does not define (listing the valid ones), `kill` with
 *   the `error` promise, or an errno without penalty `errno`.
 */
export function resolvePenalty(promises: ReadonlySet<string>, options: { readonly penalty?: unknown; readonly errno?: unknown }, arch: ArchDescriptor): Penalty {
  const { penalty, errno } = options;
  if (penalty !== undefined && penalty !== 'kill' && penalty !== 'errno') {
    throw PledgeError.naming('EINVAL', 'BAD_ARGUMENT', 'penalty', (o) => `${o} must be 'kill' or 'errno', got ${JSON.stringify(penalty)}`, { penalty });
  }
  if (errno !== undefined && (typeof errno !== 'string' || !errnoNames(arch).includes(errno))) {
    throw PledgeError.naming('EINVAL', 'BAD_ARGUMENT', 'errno', (o) => `${o} ${JSON.stringify(errno)} is not an errno name ${arch.name} defines; valid: ${errnoNames(arch).join(' ')}`, { errno });
  }
  if (promises.has('error')) {
    if (penalty === 'kill') throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `the "error" promise means penalty 'errno'; penalty 'kill' contradicts it`);
    return { kind: 'errno', errno: (errno as string | undefined) ?? 'ENOSYS' };
  }
  if (penalty === 'errno') return { kind: 'errno', errno: (errno as string | undefined) ?? 'EPERM' };
  if (errno !== undefined) throw PledgeError.naming('EINVAL', 'BAD_ARGUMENT', 'errno', (o) => `${o} ${JSON.stringify(errno)} only applies to penalty 'errno'`, { errno });
  return { kind: 'kill' };
}

/** The filter action of a penalty: KILL_PROCESS, or ERRNO(name). */
export function penaltyAction(penalty: Penalty): Action {
  return penalty.kind === 'kill' ? KILL_PROCESS : { kind: 'errno', errno: (penalty.errno ?? 'EPERM') as ConstantName };
}

/**
 * Checks OpenBSD's execpromises against Linux's constraint: a filter
 * survives execve and cannot be loosened, so they must be a subset of the
 * promises.
 * @throws PledgeError `EINVAL` naming the promises that are not in `promises`.
 */
export function checkExecPromises(promises: ReadonlySet<string>, execpromises: ReadonlySet<string>): void {
  const extra = [...execpromises].filter((p) => !promises.has(p));
  if (extra.length > 0) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `execpromises must be a subset of the promises on Linux (a filter cannot be loosened across execve); ${extra.join(' ')} ${extra.length === 1 ? 'is' : 'are'} not in ${JSON.stringify(formatPromises(promises))}`, { extra });
  }
}

/** Options of {@link compilePromises}. */
export interface CompilePromisesOptions {
  readonly arch: ArchDescriptor;
  /** Values baked into the filter (the pid for "signals to itself", uid/gid for fattr's chown). */
  readonly runtime?: RuntimeValues;
  /** Rules tried before every other rule (the reporter's, which must precede the exit_group ALLOW). */
  readonly prefix?: readonly Rule[];
  /** Rules added after the promise rules (a runtime allowance). */
  readonly extra?: readonly Rule[];
  /** Overrides the penalty of {@link penaltyFor}. */
  readonly penalty?: Action;
  /** The prologue's action for a foreign ABI (compileFilter's `foreignAbi`); default KILL_PROCESS. */
  readonly foreignAbi?: Action;
}

/**
 * Compiles a promise string (or parsed set) into a filter for one arch:
 * the rules of {@link rulesFor}, the penalty of {@link penaltyFor}, and
 * ENOSYS for numbers the arch's table does not know (so newer C libraries
 * fall back, as for clone3).
 * @throws PledgeError as {@link parsePromises} and {@link compileFilter}.
 */
export function compilePromises(promises: string | ReadonlySet<string>, options: CompilePromisesOptions): CompiledFilter {
  const set = typeof promises === 'string' ? parsePromises(promises) : promises;
  return compileFilter([...(options.prefix ?? []), ...rulesFor(set, options.extra ?? [])], {
    arch: options.arch,
    defaultAction: options.penalty ?? penaltyFor(set),
    unknownAction: { kind: 'errno', errno: 'ENOSYS' },
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.foreignAbi ? { foreignAbi: options.foreignAbi } : {}),
  });
}
