/**
 * Promises: OpenBSD pledge(2)'s vocabulary, parsed and turned into the rules
 * in force.
 */
import { ALWAYS_RULES, FALLBACK_RULES } from './catalog/always.js';
import { PATH_RULES } from './catalog/paths.js';
import { STDIO_RULES } from './catalog/stdio.js';
import { PledgeError } from './errors.js';
import type { Rule } from './rules.js';

/** A promise this version implements, with its meaning in one line. */
export interface PromiseInfo {
  readonly name: string;
  readonly summary: string;
}

/** The implemented promises, in OpenBSD's documentation order. */
export const PROMISES: readonly PromiseInfo[] = [
  { name: 'stdio', summary: 'I/O on open descriptors, memory without PROT_EXEC, time, threads, signals to itself' },
  { name: 'rpath', summary: 'read-only opens and path metadata; listing directories' },
  { name: 'wpath', summary: 'write opens (O_WRONLY, O_TRUNC; O_RDWR with rpath) and path metadata' },
  { name: 'cpath', summary: 'creating and removing files and directories (O_CREAT with rpath/wpath)' },
];

/** Every rule of every implemented promise, plus the always-in-force rules. One source of truth. */
export const CATALOG: readonly Rule[] = [...FALLBACK_RULES, ...ALWAYS_RULES, ...STDIO_RULES, ...PATH_RULES];

const NAMES = new Set(PROMISES.map((p) => p.name));

/**
 * Parses an OpenBSD promise string: names separated by spaces (runs of
 * spaces allowed, leading/trailing ignored; duplicates are harmless).
 * `""` is valid and means no promises (only the always-allowed calls).
 * @returns the set of promise names, sorted as in {@link PROMISES}.
 * @throws PledgeError `EINVAL`/`UNKNOWN_PROMISE` naming the bad token and
 *   listing the valid promises; `EINVAL`/`BAD_ARGUMENT` if not a string.
 *   Source: OpenBSD pledge(2) ERRORS ("promises is malformed or contains
 *   invalid keywords").
 */
export function parsePromises(promises: string): ReadonlySet<string> {
  if (typeof promises !== 'string') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `promises must be a string of space-separated names, got ${typeof promises}`, { value: promises });
  }
  const tokens = promises.split(' ').filter((t) => t.length > 0);
  for (const t of tokens) {
    if (!NAMES.has(t)) {
      const valid = PROMISES.map((p) => p.name).join(' ');
      throw new PledgeError('EINVAL', 'UNKNOWN_PROMISE', `unknown promise ${JSON.stringify(t)} in ${JSON.stringify(promises)}; valid promises: ${valid}`, { token: t, valid: [...NAMES] });
    }
  }
  const set = new Set(tokens);
  return new Set(PROMISES.map((p) => p.name).filter((n) => set.has(n)));
}

/** Formats a promise set back into OpenBSD's string form. */
export function formatPromises(set: ReadonlySet<string>): string {
  return PROMISES.map((p) => p.name).filter((n) => set.has(n)).join(' ');
}

/**
 * The rules in force for a promise set: every catalog rule whose
 * `requires` are all pledged, ENOSYS fallbacks first. `extra` rules (a
 * runtime allowance) are appended after the promise rules.
 */
export function rulesFor(promises: ReadonlySet<string>, extra: readonly Rule[] = []): Rule[] {
  return [...CATALOG, ...extra].filter((r) => r.requires.every((p) => promises.has(p)));
}
