/**
 * The unveil plan: what a set of unveil rules becomes on a kernel, shared
 * by unveil()'s lock (@seccomp-scopes/pledge unveil.ts) and the `pledge`
 * command's `-v` (@seccomp-scopes/pledge-cli unveil.ts), which differ only
 * in how they enter the Landlock domain. Pure: the callers open the paths
 * and probe the kernel's ABI (@seccomp-scopes/pledge unveil-io.ts), then
 * hand the rules and the downgrade ({@link landlockDowngrade}) here.
 *
 * - the Landlock rights each rule grants on this kernel
 *   ({@link unveilRuleRights} ∩ what the ABI handles);
 * - where Landlock would give a rule more than OpenBSD does (a rule beneath
 *   a wider one, {@link unveilWidenedRules}): an error (strict) or a
 *   warning (best effort);
 * - `c` on a non-directory, which Landlock cannot apply: a warning.
 *
 * Messages name each rule as the caller does (`unveil("/srv", "rc")`,
 * `-v rc:/srv`), and the `bestEffort` option through the error's hint
 * ({@link PledgeError.naming}), so each message has one wording.
 */
import { PledgeError } from './errors.js';
import { LANDLOCK_ACCESS_FS, landlockRightNames, unveilRuleRights, unveilWidenedRules, type LandlockDowngrade, type WidenedRule } from './landlock.js';

/** One rule as the plan sees it: a path already opened, and its letters. */
export interface UnveilPlanRule {
  /** How the caller names the rule in messages: `unveil("/srv", "rc")`, `-v rc:/srv`. */
  readonly label: string;
  /** What the path named when it was opened: absolute, canonical (symlinks resolved). */
  readonly resolved: string;
  readonly directory: boolean;
  /** unveil(2) letters (any of `rwxc`). */
  readonly permissions: string;
}

/** Options of {@link planUnveil}. */
export interface UnveilPlanOptions {
  /** Warn instead of failing where Landlock widens a rule (the `bestEffort` option). */
  readonly bestEffort: boolean;
  /** How the caller names the lock in messages: `unveil()`, `-v`. */
  readonly what: string;
}

/** A rule with the rights it gets on this kernel. */
export type PlannedUnveilRule<R extends UnveilPlanRule> = R & {
  /** Landlock rights granted beneath the path (0: hidden, as where no rule is). */
  readonly mask: number;
};

/** What {@link planUnveil} decided. */
export interface UnveilPlan<R extends UnveilPlanRule> {
  readonly downgrade: LandlockDowngrade;
  /** The rules, in order, each with its rights. */
  readonly rules: readonly PlannedUnveilRule<R>[];
  /** The downgrade's warnings, then the plan's. */
  readonly warnings: readonly string[];
}

/**
 * Plans `rules` for a kernel whose ABI gave `downgrade` (whose `error`, if
 * any, the caller has thrown already). When nothing is enforced (no
 * Landlock, best effort), the rules get their masks (0) and no check runs.
 * @throws PledgeError `ENOTSUP`/`UNVEIL_WIDENED` (strict) when a rule
 *   beneath a wider one would get more than it asks (`details.widened`);
 *   `EINVAL`/`BAD_ARGUMENT` for a bad permission letter.
 */
export function planUnveil<R extends UnveilPlanRule>(downgrade: LandlockDowngrade, rules: readonly R[], options: UnveilPlanOptions): UnveilPlan<R> {
  const planned = rules.map((r): PlannedUnveilRule<R> => ({ ...r, mask: unveilRuleRights(r.permissions, r.directory).rights & downgrade.handled }));
  const warnings = [...downgrade.warnings];
  if (!downgrade.enforced) return { downgrade, rules: planned, warnings };

  // Where Landlock gives more than OpenBSD would.
  const widened: WidenedRule[] = unveilWidenedRules(planned.map((r) => ({ path: r.resolved, directory: r.directory, rights: r.mask })));
  if (widened.length > 0) {
    const text = widened.map((w) => `${w.path} also gets ${landlockRightNames(w.extra).join('|')} from ${w.ancestor}`).join('; ');
    const message = `Landlock grants the union of the rules on the way from /, so a rule beneath another cannot take rights away (OpenBSD: the most specific rule wins): ${text}`;
    if (!options.bestEffort) {
      throw PledgeError.naming('ENOTSUP', 'UNVEIL_WIDENED', 'bestEffort', (o) => `${options.what}: ${message}; unveil the paths without overlap, or pass ${o}`, { widened });
    }
    warnings.push(`unveil (best effort): ${message}`);
  }
  // "c" on a file: OpenBSD lets that one name be removed and created again;
  // Landlock rules on a file can only hold file rights. (READ_DIR from "r"
  // on a file means nothing either way, so it is not worth a warning.)
  for (const r of planned) {
    if (!r.directory && r.permissions.includes('c')) {
      warnings.push(`${r.label}: "c" cannot apply to a non-directory under Landlock; creating or removing it needs "c" on its directory`);
    }
  }
  return { downgrade, rules: planned, warnings };
}

/**
 * Where `tmppath` lets a program create and remove files: OpenBSD
 * pledge(2) "tmppath" allows them for paths starting with `/tmp/` only
 * (checked in `pledge_namei`). Not `$TMPDIR`: an environment variable must
 * not widen a promise, and OpenBSD does not read it either.
 */
export const TMPPATH_DIRECTORY = '/tmp';

/**
 * The Landlock access rights that make `tmppath` path-precise (kernel
 * document `userspace-api/landlock.rst`; both in ABI 1): the ruleset
 * handles exactly these and grants them beneath {@link TMPPATH_DIRECTORY}.
 *
 * - `MAKE_REG`: mkstemp's `open(O_RDWR|O_CREAT|O_EXCL)` creates a regular
 *   file (the only creation the catalog's tmppath rules let through:
 *   `O_TMPFILE` and `O_TRUNC` are refused, and `O_EXCL` never follows a
 *   symbolic link);
 * - `REMOVE_FILE`: unlink, and unlinkat without `AT_REMOVEDIR`.
 *
 * Nothing else is handled, so nothing else changes: reads, writes to
 * descriptors and to existing files (`WRITE_FILE`, `TRUNCATE`), sockets
 * (`MAKE_SOCK`), FIFOs and devices (`dpath`), directories, executing stay
 * as the promises decide. `lstat` has no Landlock right (metadata is never
 * restricted by Landlock), so tmppath's lstat stays unrestricted, as the
 * docs say.
 */
export const TMPPATH_RIGHTS = LANDLOCK_ACCESS_FS.MAKE_REG | LANDLOCK_ACCESS_FS.REMOVE_FILE;

/**
 * Whether `tmppath` must be confined to {@link TMPPATH_DIRECTORY} by a
 * Landlock ruleset of its own ({@link TMPPATH_RIGHTS}): `tmppath` is
 * promised, `cpath` is not (cpath creates and removes files anywhere, so
 * handling those rights would take from it what it grants), and no unveil
 * rule is given (an unveil ruleset already decides every path: tmppath's
 * calls then need "c" where they create and remove). `wpath` and `dpath`
 * use none of the two rights (writing existing files; FIFOs and devices),
 * so they do not prevent the confinement.
 * @param promises the promise set (after parsing).
 * @param unveiled whether unveil rules (`-v`, unveil()) are in force.
 */
export function tmppathConfined(promises: ReadonlySet<string>, unveiled: boolean): boolean {
  return promises.has('tmppath') && !promises.has('cpath') && !unveiled;
}
