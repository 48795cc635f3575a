/**
 * The rule model: arch-neutral statements of the form "this syscall, when
 * its arguments match these conditions, gets this action", each carrying the
 * promise(s) that grant it and why. Rules name syscalls and constants; only
 * {@link resolveRules} turns them into numbers for one architecture.
 *
 * Argument width follows the kernel's prototype of each syscall: for a C
 * `int`/`unsigned int` parameter (`flags`, `cmd`, `prot`, `domain`, …) the
 * kernel reads only the low 32 bits of the register, so a rule on it
 * compares only the low 32 bits (`width: 32`) — comparing the high half too
 * would let junk there change the verdict of a call the kernel executes the
 * same way. Pointers, `long`, `size_t` and `pid_t` passed as long are compared
 * on all 64 bits (`width: 64`). Source: the SYSCALL_DEFINE prototypes in the
 * kernel and Documentation/userspace-api/seccomp_filter.rst.
 */
import type { ConstantName } from './constants.js';
import type { PromiseName, SyscallName } from './vocabulary.js';

export type { PromiseName, SyscallName } from './vocabulary.js';

/**
 * A value in a rule: a number (or bigint, for 64-bit values), the name of an ABI constant, a value only
 * known when the filter is built (`{ runtime: 'pid' }`: the calling process'
 * id; `'uid'`, `'gid'`: its real user and group id), or an array meaning the
 * bitwise OR of its members.
 */
export type ValueExpr = number | bigint | ConstantName | { readonly runtime: 'pid' | 'uid' | 'gid' } | readonly ValueExpr[];

/**
 * A condition on one argument: `(args[arg] & mask)` is one of `oneOf`
 * (or, with `negate`, none of them). `mask` defaults to all bits of the width.
 */
export interface ArgCondition {
  /** Argument index in `seccomp_data.args`, 0 to 5. */
  readonly arg: 0 | 1 | 2 | 3 | 4 | 5;
  /** 32: a C int (low word only); 64: a pointer or long (both words). */
  readonly width: 32 | 64;
  readonly mask?: ValueExpr;
  readonly oneOf: readonly ValueExpr[];
  readonly negate?: boolean;
  /** Human name of the argument (`flags`, `prot`), for reports and docs. */
  readonly name: string;
}

/**
 * What the filter returns (`SECCOMP_RET_*`). `errno` names an errno constant.
 * `notify` is SECCOMP_RET_USER_NOTIF: the supervisor holding the filter's
 * listener decides the call (seccomp_unotify(2); without a listener the
 * kernel fails it with ENOSYS). The catalog never uses it; the `pledge`
 * command's supervised filter does.
 */
export type Action =
  | { readonly kind: 'allow' }
  | { readonly kind: 'errno'; readonly errno: ConstantName }
  | { readonly kind: 'kill-process' }
  | { readonly kind: 'kill-thread' }
  | { readonly kind: 'trap' }
  | { readonly kind: 'notify' }
  | { readonly kind: 'log' };

export const ALLOW: Action = { kind: 'allow' };
export const KILL_PROCESS: Action = { kind: 'kill-process' };

/** One rule. */
export interface Rule {
  /** Kernel syscall name (`openat`, `mmap`), as in `__NR_<name>`, on at least one arch table. */
  readonly syscall: SyscallName;
  /** All must hold (AND). Absent or empty: the rule holds for any arguments. */
  readonly when?: readonly ArgCondition[];
  readonly action: Action;
  /**
   * Promises that must all be pledged for the rule to be in force (OpenBSD:
   * `open(O_RDWR)` needs rpath and wpath). Empty: in force under every
   * promise set, even `""`.
   */
  readonly requires: readonly PromiseName[];
  /** Why the rule exists, in one sentence. */
  readonly why: string;
  /** Where its semantics come from (a man page, kernel file, measurement). */
  readonly source: string;
}

/** Condition helpers, so catalogs read as specs. */
export const arg = {
  /** `args[i]` equals one of `values`. */
  in: (i: ArgCondition['arg'], width: 32 | 64, name: string, values: readonly ValueExpr[]): ArgCondition =>
    ({ arg: i, width, name, oneOf: values }),
  /** `args[i]` equals none of `values`. */
  notIn: (i: ArgCondition['arg'], width: 32 | 64, name: string, values: readonly ValueExpr[]): ArgCondition =>
    ({ arg: i, width, name, oneOf: values, negate: true }),
  /** `args[i] & mask` equals one of `values`. */
  masked: (i: ArgCondition['arg'], width: 32 | 64, name: string, mask: ValueExpr, values: readonly ValueExpr[]): ArgCondition =>
    ({ arg: i, width, name, mask, oneOf: values }),
  /** No bit of `mask` is set in `args[i]`. */
  bitsClear: (i: ArgCondition['arg'], width: 32 | 64, name: string, mask: ValueExpr): ArgCondition =>
    ({ arg: i, width, name, mask, oneOf: [0] }),
  /** Every bit of `mask` is set in `args[i]`. */
  bitsSet: (i: ArgCondition['arg'], width: 32 | 64, name: string, mask: ValueExpr): ArgCondition =>
    ({ arg: i, width, name, mask, oneOf: [mask] }),
} as const;
