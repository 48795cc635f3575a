/**
 * A process' first pledge() from its cache entry (src/first-call.cc): the
 * steps of @seccomp-scopes/pledge's fast path that decide nothing about the
 * policy, in one call, so that a fresh process neither compiles nor
 * interprets them in JavaScript. The entry's format, its trust rule and what
 * it holds are pledge's (filter-cache.ts "a first call's entry"); this module
 * only reads, checks and fills it in.
 */
import { binding } from './addon.js';
import type { RingScan } from './ring.js';
import type { ProcessFacts } from './seccomp.js';

declare module './addon.js' {
  interface Addon {
    firstCallLookup?(request: FirstCallLookupRequest): FirstCallLookup;
    firstCallKey?(prefix: string, rings: readonly number[], eventFds: readonly number[]): { key: string; name: string };
  }
}

/** What {@link firstCallLookup} looks for. */
export interface FirstCallLookupRequest {
  /** The entries' directory (absolute), trusted by the rule of linux/owned-file.h ReadOwned. */
  readonly dir: string;
  /** The key but the io_uring and eventfd descriptors, which this call appends (see {@link firstCallKey}). */
  readonly prefix: string;
  /** The pid filled into the entry's template. */
  readonly pid: number;
  /** The entry format expected in the header. */
  readonly format: number;
  /** The arch's byte order, for the pid's words. */
  readonly littleEndian: boolean;
  /** The arch's READ_IMPLIES_EXEC personality bit (0: none): with it set, nothing is looked up. */
  readonly readImpliesExec: number;
  /** The filter return actions (SECCOMP_RET_*) the kernel must offer (SECCOMP_GET_ACTION_AVAIL), else nothing is looked up. */
  readonly actions: readonly number[];
  /** The io_uring and eventfd descriptors, given instead of scanning /proc/self (both or neither). */
  readonly rings?: readonly number[];
  readonly eventFds?: readonly number[];
}

/** A ring to adopt as the scan found it: its descriptor, SqMask + 1, CqMask + 1, and its inode (fdinfo's `ino`) when shown. */
export interface ScannedRing {
  readonly fd: number;
  readonly sqEntries: number;
  readonly cqEntries: number;
  readonly ino?: number;
}

/**
 * What {@link firstCallLookup} answers. A hit has `filter` (and `tables`
 * when the entry has report tables), `extra` (the entry's description of
 * the plan, as stored), `facts`, and, when it scanned, the `rings` to adopt.
 * Otherwise `why`: `filtered` (a seccomp filter binds the process),
 * `unavailable` (an action or no_new_privs is missing), `personality`
 * (READ_IMPLIES_EXEC, or personality(2) failed), `scan` (/proc/self cannot
 * be read), `rings` (a ring whose fdinfo does not read plainly, one with a
 * submission-polling thread, or such a thread alone), `absent`,
 * `untrusted`, `format`, `check`, `description`, `key`, `pid` (a value the
 * templates list beside the pid).
 * `key` and `name` are there once the descriptors were known, `scan` when it scanned.
 */
export interface FirstCallLookup {
  readonly why?: string;
  readonly key?: string;
  readonly name?: string;
  readonly scan?: RingScan;
  readonly filter?: Uint8Array;
  readonly tables?: Uint8Array;
  readonly extra?: unknown;
  readonly rings?: readonly ScannedRing[];
  readonly facts?: ProcessFacts;
}

/**
 * Looks up, trusts, checks and fills in the first call's entry for this
 * process in one call: no seccomp filter binds it (PR_GET_SECCOMP), the
 * kernel offers `actions` (seccomp(2) SECCOMP_GET_ACTION_AVAIL) and
 * no_new_privs reads, personality(2) lacks `readImpliesExec`; then the
 * /proc/self scan for io_uring instances and eventfds (unless given; as
 * {@link ringScan}), the key and file name ({@link firstCallKey}), the file
 * read by the trust rule of {@link readOwnedFile}, its header and check
 * (core artifactCheck), its description parsed by JSON.parse, the key
 * compared whole, the pid checked against the values the templates list
 * and written into each slot (core fillPidTemplate). Changes nothing.
 * Undefined when the addon is one without it (an older build).
 * @throws {NativeError} `EINVAL` for a malformed request; the errno of
 *   prctl(PR_GET_SECCOMP) when that fails.
 */
export function firstCallLookup(request: FirstCallLookupRequest): FirstCallLookup | undefined {
  return binding().firstCallLookup?.(request);
}

/**
 * The key of a first call's entry and its file name: `prefix` followed by
 * `{"rings":[…],"eventFds":[…]}` (each list ascending), named by the FNV-1a
 * 32 of its UTF-8 bytes; the one definition {@link firstCallLookup} uses.
 * Undefined with an addon without it.
 */
export function firstCallKey(prefix: string, rings: readonly number[], eventFds: readonly number[]): { key: string; name: string } | undefined {
  return binding().firstCallKey?.(prefix, rings, eventFds);
}
