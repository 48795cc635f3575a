/**
 * unveil() on Landlock: pure semantics, no kernel calls.
 *
 * - the Landlock file-system access rights and the ABI that introduced each
 *   (one table, {@link LANDLOCK_ABIS}; everything else is derived from it);
 * - OpenBSD's unveil(2) permission letters `r`, `w`, `x`, `c` and the
 *   Landlock rights each one grants ({@link UNVEIL_PERMISSIONS});
 * - the downgrade of the requested rights to what a kernel's ABI can handle,
 *   with the error (strict) or warnings (best effort) that go with it
 *   ({@link landlockDowngrade});
 * - the places where Landlock's semantics differ from OpenBSD's for a given
 *   set of rules ({@link unveilWidenedRules}).
 *
 * Sources: the kernel's include/uapi/linux/landlock.h and
 * Documentation/userspace-api/landlock.rst (rights, ABI versions, the
 * REFER rules), landlock(7), OpenBSD unveil(2).
 */
import { PledgeError } from './errors.js';

/**
 * Landlock file-system access rights (`LANDLOCK_ACCESS_FS_*`,
 * include/uapi/linux/landlock.h). Values are bit masks; all fit in 16 bits.
 */
export const LANDLOCK_ACCESS_FS = {
  EXECUTE: 1 << 0,
  WRITE_FILE: 1 << 1,
  READ_FILE: 1 << 2,
  READ_DIR: 1 << 3,
  REMOVE_DIR: 1 << 4,
  REMOVE_FILE: 1 << 5,
  MAKE_CHAR: 1 << 6,
  MAKE_DIR: 1 << 7,
  MAKE_REG: 1 << 8,
  MAKE_SOCK: 1 << 9,
  MAKE_FIFO: 1 << 10,
  MAKE_BLOCK: 1 << 11,
  MAKE_SYM: 1 << 12,
  REFER: 1 << 13,
  TRUNCATE: 1 << 14,
  IOCTL_DEV: 1 << 15,
} as const;

/** Name of one Landlock file-system right, without the `LANDLOCK_ACCESS_FS_` prefix. */
export type LandlockFsRight = keyof typeof LANDLOCK_ACCESS_FS;

const A = LANDLOCK_ACCESS_FS;

/**
 * `LANDLOCK_RESTRICT_SELF_TSYNC` (include/uapi/linux/landlock.h, `1U << 3`):
 * a `landlock_restrict_self()` flag that enforces the ruleset on every
 * thread of the calling process at once. Only valid from ABI
 * {@link LANDLOCK_TSYNC_ABI}; older kernels reject unknown flags with EINVAL.
 */
export const LANDLOCK_RESTRICT_SELF_TSYNC = 1 << 3;
/** The first Landlock ABI with {@link LANDLOCK_RESTRICT_SELF_TSYNC} (Linux 7.0). */
export const LANDLOCK_TSYNC_ABI = 8;

/** One Landlock ABI version: what it added, and the first Linux release with it. */
export interface LandlockAbiInfo {
  readonly abi: number;
  readonly linux: string;
  /** File-system rights this version added. */
  readonly fs: readonly LandlockFsRight[];
  /** Everything else it added, in a phrase each (unveil does not use these). */
  readonly other: readonly string[];
}

/**
 * The Landlock ABI versions, oldest first. Versions newer than the last
 * row add nothing unveil() uses, so a newer kernel is treated as the last
 * row. Source: Documentation/userspace-api/landlock.rst, landlock.h.
 */
export const LANDLOCK_ABIS: readonly LandlockAbiInfo[] = [
  {
    abi: 1, linux: '5.13',
    fs: ['EXECUTE', 'WRITE_FILE', 'READ_FILE', 'READ_DIR', 'REMOVE_DIR', 'REMOVE_FILE', 'MAKE_CHAR', 'MAKE_DIR', 'MAKE_REG', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_BLOCK', 'MAKE_SYM'],
    other: [],
  },
  { abi: 2, linux: '5.19', fs: ['REFER'], other: [] },
  { abi: 3, linux: '6.2', fs: ['TRUNCATE'], other: [] },
  { abi: 4, linux: '6.7', fs: [], other: ['TCP bind/connect rules (handled_access_net)'] },
  { abi: 5, linux: '6.10', fs: ['IOCTL_DEV'], other: [] },
  { abi: 6, linux: '6.12', fs: [], other: ['scopes: abstract UNIX sockets and signals'] },
  { abi: 7, linux: '6.15', fs: [], other: ['audit logging flags for landlock_restrict_self'] },
  { abi: 8, linux: '7.0', fs: [], other: ['LANDLOCK_RESTRICT_SELF_TSYNC: enforce on every thread of the process'] },
];

/** The newest ABI this table knows. */
export const LANDLOCK_MAX_KNOWN_ABI = LANDLOCK_ABIS[LANDLOCK_ABIS.length - 1]!.abi;

const ALL_RIGHT_NAMES = Object.keys(LANDLOCK_ACCESS_FS) as LandlockFsRight[];

/** Bit mask of the rights named. */
export function landlockMask(names: Iterable<LandlockFsRight>): number {
  let mask = 0;
  for (const n of names) mask |= LANDLOCK_ACCESS_FS[n];
  return mask;
}

/** The names of the rights in `mask`, in bit order. */
export function landlockRightNames(mask: number): LandlockFsRight[] {
  return ALL_RIGHT_NAMES.filter((n) => (mask & LANDLOCK_ACCESS_FS[n]) !== 0);
}

/** The ABI that introduced a right. */
export function landlockAbiOf(right: LandlockFsRight): LandlockAbiInfo {
  return LANDLOCK_ABIS.find((v) => v.fs.includes(right))!;
}

/** Every file-system right a kernel with Landlock ABI `abi` can handle (0 for ABI 0). */
export function landlockFsRightsForAbi(abi: number): number {
  return landlockMask(LANDLOCK_ABIS.filter((v) => v.abi <= abi).flatMap((v) => v.fs));
}

/**
 * Rights that apply to a non-directory (`ACCESS_FILE` in
 * security/landlock/fs.c). A rule on a file may only hold these; the
 * kernel refuses others with EINVAL.
 */
export const LANDLOCK_FILE_RIGHTS = A.EXECUTE | A.WRITE_FILE | A.READ_FILE | A.TRUNCATE | A.IOCTL_DEV;

/** One unveil(2) permission letter and what it grants under Landlock. */
export interface UnveilPermissionInfo {
  readonly letter: 'r' | 'w' | 'x' | 'c';
  /** OpenBSD's meaning (unveil(2)). */
  readonly openbsd: string;
  readonly rights: readonly LandlockFsRight[];
  /** Why these rights, where the choice was not obvious. */
  readonly why: string;
}

/**
 * The mapping from unveil(2) permission letters to Landlock rights. Rights
 * the running kernel lacks are dropped by {@link landlockDowngrade}.
 */
export const UNVEIL_PERMISSIONS: readonly UnveilPermissionInfo[] = [
  {
    letter: 'r', openbsd: 'read files, list directories (as "rpath")',
    rights: ['READ_FILE', 'READ_DIR'],
    why: 'opening a file for reading, opening or listing a directory',
  },
  {
    letter: 'w', openbsd: 'write to files (as "wpath")',
    rights: ['WRITE_FILE', 'TRUNCATE', 'IOCTL_DEV'],
    why: 'TRUNCATE (ABI 3): truncate(2), ftruncate(2) and O_TRUNC change a file, which OpenBSD counts as writing. '
      + 'IOCTL_DEV (ABI 5): ioctl(2) on a device opened from the path (a terminal\'s termios calls); controlling a device changes its state, '
      + 'so it goes with "w": a tty opened after the lock needs "rw" for isatty()/tcsetattr()',
  },
  {
    letter: 'x', openbsd: 'execute (as "exec")',
    rights: ['EXECUTE'],
    why: 'execve(2) of a file',
  },
  {
    letter: 'c', openbsd: 'create and remove files and directories (as "cpath")',
    rights: ['MAKE_REG', 'MAKE_DIR', 'MAKE_SYM', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_CHAR', 'MAKE_BLOCK', 'REMOVE_FILE', 'REMOVE_DIR', 'REFER'],
    why: 'OpenBSD\'s "c" is create and remove. REFER (ABI 2) lets a file move to another directory (rename(2), link(2)); '
      + 'the kernel wants REFER on both the source and the destination directory, next to REMOVE_* on the source and MAKE_* on the destination, '
      + 'which is exactly what "c" on both ends means on OpenBSD. Without REFER every cross-directory rename or link fails with EXDEV',
  },
];

/** The valid letters, in OpenBSD's order. */
export const UNVEIL_LETTERS = 'rwxc';

/** Every right unveil() maps a letter to: the rights a ruleset must handle so that what is not unveiled is hidden. */
export const UNVEIL_ALL_RIGHTS = landlockMask(UNVEIL_PERMISSIONS.flatMap((p) => p.rights));

/**
 * Validates an unveil(2) permission string: any subset of `rwxc`, in any
 * order, repeats allowed; `""` is valid (hide the path explicitly).
 * @returns the letters present, in `rwxc` order (the canonical form).
 * @throws PledgeError `EINVAL`/`BAD_ARGUMENT` naming the first bad letter and
 *   listing the valid ones. Source: OpenBSD unveil(2) ERRORS.
 */
export function parseUnveilPermissions(permissions: string): string {
  if (typeof permissions !== 'string') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `unveil permissions must be a string of letters from "${UNVEIL_LETTERS}", got ${typeof permissions}`, { value: permissions });
  }
  for (const ch of permissions) {
    if (!UNVEIL_LETTERS.includes(ch)) {
      throw new PledgeError('EINVAL', 'BAD_ARGUMENT',
        `invalid unveil permission ${JSON.stringify(ch)} in ${JSON.stringify(permissions)}; valid permissions: any of r w x c (read, write, execute, create/remove)`,
        { letter: ch, permissions, valid: [...UNVEIL_LETTERS] });
    }
  }
  return [...UNVEIL_LETTERS].filter((l) => permissions.includes(l)).join('');
}

/** What one unveil(path, permissions) rule grants under Landlock, before the kernel's ABI is applied. */
export interface UnveilRuleRights {
  /** Canonical permission letters. */
  readonly permissions: string;
  /** Rights granted beneath the path (for a non-directory: only file rights). */
  readonly rights: number;
  /** Rights the letters ask for that cannot apply to this kind of path. */
  readonly inapplicable: number;
}

/**
 * The Landlock rights an unveil rule grants.
 * @param permissions unveil(2) letters (validated with {@link parseUnveilPermissions}).
 * @param directory whether the path is a directory. A rule on anything
 *   else can only hold {@link LANDLOCK_FILE_RIGHTS}: `c` on a file grants
 *   nothing (creating or removing it needs `c` on its directory).
 */
export function unveilRuleRights(permissions: string, directory: boolean): UnveilRuleRights {
  const canonical = parseUnveilPermissions(permissions);
  const wanted = landlockMask(UNVEIL_PERMISSIONS.filter((p) => canonical.includes(p.letter)).flatMap((p) => p.rights));
  const applicable = directory ? wanted : wanted & LANDLOCK_FILE_RIGHTS;
  return { permissions: canonical, rights: applicable, inapplicable: wanted & ~applicable };
}

/** The letters with at least one right in `mask` (for reports): `rwc` etc. */
export function unveilLettersOf(mask: number): string {
  return UNVEIL_PERMISSIONS.filter((p) => (mask & landlockMask(p.rights)) !== 0).map((p) => p.letter).join('');
}

/** How losing one right changes what unveil() enforces. */
export interface LandlockGap {
  readonly right: LandlockFsRight;
  /** The ABI (and Linux release) that brings it. */
  readonly abi: number;
  readonly linux: string;
  /**
   * `security`: the access it governs is not restricted at all (also on
   * paths never unveiled). `function`: the access stays refused even where
   * a rule grants it.
   */
  readonly kind: 'security' | 'function';
  readonly consequence: string;
}

const CONSEQUENCE: Partial<Record<LandlockFsRight, { kind: 'security' | 'function'; text: string }>> = {
  REFER: { kind: 'function', text: 'renaming or linking a file into another directory always fails with EXDEV, even inside an unveiled "c" tree' },
  TRUNCATE: { kind: 'security', text: 'truncate(2), ftruncate(2) and O_TRUNC are not restricted: any file the process can reach may be truncated, unveiled or not' },
  IOCTL_DEV: { kind: 'security', text: 'ioctl(2) on devices opened after the lock is not restricted (opening them still is)' },
};

/** Options of {@link landlockDowngrade}. */
export interface LandlockDowngradeOptions {
  /** Downgrade with warnings instead of failing. Default false. */
  readonly bestEffort?: boolean;
  /** Why Landlock is unavailable when `abi` is 0 (e.g. "landlock_create_ruleset: ENOSYS"), for the message. */
  readonly unavailableReason?: string;
}

/** What unveil() can enforce on a kernel, and how it differs from what was asked. */
export interface LandlockDowngrade {
  /** The kernel's ABI, as given (0: no Landlock). */
  readonly abi: number;
  /** Whether anything is enforced (ABI ≥ 1). */
  readonly enforced: boolean;
  /** Rights the ruleset handles: requested ∩ what the ABI knows. */
  readonly handled: number;
  /** Requested rights the kernel cannot handle. */
  readonly dropped: number;
  /** One entry per dropped right (none when `abi` is 0: nothing is enforced). */
  readonly gaps: readonly LandlockGap[];
  /** How every thread gets the domain: one `landlock_restrict_self` with TSYNC, one per thread from a signal handler, or not at all. */
  readonly threadSync: 'tsync' | 'signal' | 'none';
  /** `landlock_restrict_self` flags to pass on the calling thread. */
  readonly restrictFlags: number;
  /**
   * Strict mode only: set when a requested restriction cannot be enforced
   * (no Landlock: reason `LANDLOCK_UNAVAILABLE`; a `security` gap:
   * `LANDLOCK_ABI_TOO_OLD`). Code `ENOTSUP`. Not thrown here.
   */
  readonly error?: PledgeError;
  /** Text for process.emitWarning: every gap in best effort mode, `function` gaps always. */
  readonly warnings: readonly string[];
}

/**
 * Downgrades the requested Landlock rights to a kernel's ABI.
 *
 * Pure: `abi` is what `landlock_create_ruleset(NULL, 0,
 * LANDLOCK_CREATE_RULESET_VERSION)` returned (0 when Landlock is missing
 * or disabled). ABIs newer than {@link LANDLOCK_MAX_KNOWN_ABI} are treated
 * as that one.
 *
 * - ABI 0: nothing can be enforced. Strict: `error` (ENOTSUP). Best effort:
 *   a warning that unveil() enforces nothing.
 * - A dropped right whose loss leaves an access unrestricted (TRUNCATE
 *   before ABI 3, IOCTL_DEV before 5, anything of ABI 1 at ABI 0) is a
 *   `security` gap: strict → `error`, best effort → warning.
 * - A dropped right whose loss only refuses more (REFER before ABI 2: the
 *   kernel then denies every cross-directory rename and link) is a
 *   `function` gap: a warning in both modes.
 *
 * @param requested the rights to handle (unveil() asks for {@link UNVEIL_ALL_RIGHTS}).
 * @throws PledgeError `EINVAL` if `abi` is not a non-negative integer or
 *   `requested` holds unknown bits.
 */
export function landlockDowngrade(requested: number, abi: number, options: LandlockDowngradeOptions = {}): LandlockDowngrade {
  if (!Number.isInteger(abi) || abi < 0) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `Landlock ABI must be a non-negative integer, got ${abi}`, { abi });
  }
  const known = landlockFsRightsForAbi(LANDLOCK_MAX_KNOWN_ABI);
  if (!Number.isInteger(requested) || requested < 0 || (requested & ~known) !== 0) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `requested Landlock rights 0x${requested.toString(16)} hold bits outside the known rights 0x${known.toString(16)}`, { requested });
  }
  const bestEffort = options.bestEffort ?? false;
  const available = landlockFsRightsForAbi(abi);
  const handled = requested & available;
  const dropped = requested & ~available;
  const threadSync = abi === 0 ? 'none' : abi >= LANDLOCK_TSYNC_ABI ? 'tsync' : 'signal';
  const restrictFlags = threadSync === 'tsync' ? LANDLOCK_RESTRICT_SELF_TSYNC : 0;
  const mode = bestEffort ? 'best effort' : 'strict';

  if (abi === 0) {
    const why = options.unavailableReason ? ` (${options.unavailableReason})` : '';
    const text = `Landlock is not available on this kernel${why}: unveil() enforces nothing, every path stays accessible. Landlock needs Linux 5.13 with CONFIG_SECURITY_LANDLOCK and "landlock" in the lsm= boot list`;
    return {
      abi, enforced: false, handled: 0, dropped: requested, gaps: [], threadSync, restrictFlags,
      ...(bestEffort ? {} : { error: PledgeError.naming('ENOTSUP', 'LANDLOCK_UNAVAILABLE', 'bestEffort', (o) => `unveil: ${text}; pass ${o} to run unprotected`, { abi, reason: options.unavailableReason }) }),
      warnings: bestEffort ? [`unveil (${mode}): ${text}`] : [],
    };
  }

  const gaps: LandlockGap[] = landlockRightNames(dropped).map((right) => {
    const info = landlockAbiOf(right);
    const c = CONSEQUENCE[right] ?? { kind: 'security' as const, text: `${right} accesses are not restricted` };
    return { right, abi: info.abi, linux: info.linux, kind: c.kind, consequence: c.text };
  });
  const describeGap = (g: LandlockGap): string => `${g.right} needs Landlock ABI ${g.abi} (Linux ${g.linux}): ${g.consequence}`;
  const security = gaps.filter((g) => g.kind === 'security');
  const warnings = gaps.filter((g) => g.kind === 'function' || bestEffort)
    .map((g) => `unveil (${mode}): kernel Landlock ABI ${abi} lacks ${describeGap(g)}`);
  const error = !bestEffort && security.length > 0
    ? PledgeError.naming('ENOTSUP', 'LANDLOCK_ABI_TOO_OLD', 'bestEffort',
      (o) => `unveil: this kernel's Landlock ABI ${abi} cannot enforce everything unveil() promises: ${security.map(describeGap).join('; ')}; pass ${o} to accept that`,
      { abi, dropped: security.map((g) => g.right) })
    : undefined;
  return { abi, enforced: true, handled, dropped, gaps, threadSync, restrictFlags, ...(error ? { error } : {}), warnings };
}

/** A rule as {@link unveilWidenedRules} sees it. */
export interface UnveilRuleShape {
  /** Absolute, canonical path (symlinks resolved, no trailing slash except "/"). */
  readonly path: string;
  readonly directory: boolean;
  /** Rights the rule grants (masked to what is handled). */
  readonly rights: number;
}

/** A rule that Landlock makes wider than asked, because a rule above it grants more. */
export interface WidenedRule {
  readonly path: string;
  /** The enclosing rule that grants more. */
  readonly ancestor: string;
  /** Rights the path gets beyond its own rule. */
  readonly extra: number;
}

/** Whether `ancestor` is a proper ancestor directory of `path` (both canonical, absolute). */
export function isPathBeneath(path: string, ancestor: string): boolean {
  if (path === ancestor) return false;
  return ancestor === '/' ? path.startsWith('/') : path.startsWith(ancestor + '/');
}

/**
 * Where Landlock's semantics differ from OpenBSD's for these rules. On
 * OpenBSD the most specific rule decides (`unveil("/home", "rw");
 * unveil("/home/me/.ssh", "")` hides .ssh). Landlock grants the union of
 * every rule on the way from the root, so a rule beneath another cannot
 * take rights away: .ssh stays readable and writable.
 * @returns one entry per (rule, enclosing rule) pair that widens the rule.
 */
export function unveilWidenedRules(rules: readonly UnveilRuleShape[]): WidenedRule[] {
  const out: WidenedRule[] = [];
  for (const rule of rules) {
    const applicable = rule.directory ? ~0 : LANDLOCK_FILE_RIGHTS;
    for (const outer of rules) {
      if (!outer.directory || !isPathBeneath(rule.path, outer.path)) continue;
      const extra = outer.rights & applicable & ~rule.rights;
      if (extra !== 0) out.push({ path: rule.path, ancestor: outer.path, extra });
    }
  }
  return out;
}
