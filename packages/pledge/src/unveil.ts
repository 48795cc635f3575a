/**
 * unveil() for the running Node.js process, on Landlock.
 *
 * Semantics: OpenBSD unveil(2), with the differences Linux imposes
 * (docs/unveil.md):
 *
 * - `unveil(path, permissions)` records a rule; nothing is enforced until
 *   `unveil()` (no arguments) locks. On OpenBSD the first call already
 *   hides the rest of the file system.
 * - The lock builds one Landlock ruleset from the rules, enforces it on
 *   every thread of the process (LANDLOCK_RESTRICT_SELF_TSYNC on ABI 8,
 *   otherwise a signal to each thread, glibc's SIGSETXID for the threads
 *   that block every other one, see @seccomp-scopes/native
 *   `landlockRestrictThreads`), and refuses any later unveil() with EPERM.
 * - pledge() without the `unveil` promise locks unveil() first, as on
 *   OpenBSD ({@link lockUnveilForPledge}).
 * - A path not unveiled is refused with EACCES for every access Landlock
 *   governs (OpenBSD: ENOENT); what Landlock cannot restrict is listed in
 *   docs/unveil.md.
 *
 * The letters map to Landlock rights as in @seccomp-scopes/core
 * `UNVEIL_PERMISSIONS`; the kernel's ABI decides which rights exist
 * (`landlockDowngrade`). The lock's plan (rights per rule, the widening
 * check, the warnings) is core's `planUnveil`, the probe and the opening of
 * paths ./unveil-io.ts: the same as the `pledge` command's `-v`.
 */
import { prepareRuntime } from './runtime-prep.js';
import {
  PledgeError, UNVEIL_ALL_RIGHTS, landlockDowngrade, landlockRightNames, unveilRuleRights,
  parseUnveilPermissions, planUnveil, type LandlockFsRight,
} from '@seccomp-scopes/core';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as native from '@seccomp-scopes/native';
import { askLearner, learnRequested } from './learn.js';
import { fromNative, promisesInForce as currentPromises, withProcessLock } from './process-state.js';
import { captureScanForPledge } from './io-uring.js';
import { openUnveilPath, probeLandlockAbi, unveilDowngrade } from './unveil-io.js';
import { taskCount, threadsFromReport, type ThreadReport, type UnveilThreadStatus } from './unveil-threads.js';

/** Options of the locking call, `unveil(options)`. Both default to false: strict. */
export interface UnveilOptions {
  /**
   * What the KERNEL cannot do. `false` (default): if the kernel cannot
   * enforce everything unveil() promises (no Landlock:
   * `LANDLOCK_UNAVAILABLE`; a right its ABI lacks whose absence leaves an
   * access unrestricted: `LANDLOCK_ABI_TOO_OLD`; a rule Landlock would
   * widen: `UNVEIL_WIDENED`), throw PledgeError `ENOTSUP` before changing
   * anything.
   *
   * `true`: enforce what this kernel allows, emit one `UnveilWarning`
   * (process.emitWarning) per gap, and report it in {@link unveilStatus}.
   * With no Landlock at all that means enforcing nothing.
   *
   * Says nothing about threads: see {@link allowUnrestrictedThreads}.
   */
  readonly bestEffort?: boolean;
  /**
   * What the PROCESS cannot do: a thread that cannot be put in the Landlock
   * domain (before ABI 8: one that blocks both the real-time signal and
   * glibc's SIGSETXID, a non-glibc runtime, `SECCOMP_SCOPES_NO_SETXID` set,
   * or a thread that never answered). `false` (default): throw PledgeError
   * `THREADS_UNREACHABLE`, before changing anything when it can be known
   * in advance (`ENOTSUP`, `details.tids`), otherwise after restricting
   * every other thread (the errno, or `ETIMEDOUT`; unveil is then locked).
   * `true`: restrict every other thread, warn, and list the rest in
   * `unveilStatus().threads.unrestricted`.
   */
  readonly allowUnrestrictedThreads?: boolean;
}

/** One unveiled path, as enforced (or to be). */
export interface UnveilRuleStatus {
  /** The path as given. */
  readonly path: string;
  /** The file or directory it named when unveil() was called (symlinks resolved). */
  readonly resolved: string;
  readonly directory: boolean;
  /** Canonical letters, `rwxc` order. */
  readonly permissions: string;
  /** Landlock rights granted beneath it (after the kernel's ABI, once locked). */
  readonly rights: readonly LandlockFsRight[];
}

export type { UnveilThreadResult, UnveilThreadStatus } from './unveil-threads.js';

/** What unveil() enforces: {@link unveilStatus}. */
export interface UnveilStatus {
  /** Whether unveil() has been locked (in any thread of the process). */
  readonly locked: boolean;
  /** Whether a Landlock domain is in force (false before the lock, without Landlock, or with no rules). */
  readonly enforced: boolean;
  readonly bestEffort: boolean;
  readonly allowUnrestrictedThreads: boolean;
  /** The kernel's Landlock ABI (0: none), or null if it was not asked (before the lock under a pledge without `unveil`). */
  readonly abi: number | null;
  /** Rights the ruleset handles: denied wherever no rule grants them. */
  readonly handled: readonly LandlockFsRight[];
  /** Rights unveil() maps to that this kernel cannot handle. */
  readonly dropped: readonly LandlockFsRight[];
  readonly rules: readonly UnveilRuleStatus[];
  /** null before the lock. */
  readonly threads: UnveilThreadStatus | null;
  /** Every warning the lock emitted. */
  readonly warnings: readonly string[];
}

interface PendingRule {
  readonly given: string;
  readonly resolved: string;
  readonly fd: number;
  readonly directory: boolean;
  readonly permissions: string;
}

/**
 * Rules recorded by unveil(path, permissions) and not yet locked, by
 * resolved path: process-wide (kept by the native addon), so a rule
 * recorded in one JS realm is locked by a pledge() or unveil() in any other.
 * Their O_PATH descriptors are the process'.
 */
const pending = {
  KEY: 'unveil.pending',
  read(): Map<string, PendingRule> {
    let text: string | undefined;
    try {
      text = process.platform === 'linux' ? native.sharedGet(this.KEY) : undefined;
    } catch {
      text = undefined;
    }
    return new Map(text === undefined ? [] : (JSON.parse(text) as PendingRule[]).map((r) => [r.resolved, r]));
  },
  write(rules: Map<string, PendingRule>): void {
    native.sharedSet(this.KEY, rules.size === 0 ? undefined : JSON.stringify([...rules.values()]));
  },
  get size(): number { return this.read().size; },
  values(): PendingRule[] { return [...this.read().values()]; },
  get(resolved: string): PendingRule | undefined { return this.read().get(resolved); },
  set(resolved: string, rule: PendingRule): void {
    const rules = this.read();
    rules.set(resolved, rule);
    this.write(rules);
  },
  clear(): void { this.write(new Map()); },
};

/** How long each round of the per-thread enforcement waits for the threads' answers. */
const THREAD_TIMEOUT_MS = 2000;

const WARNING_TYPE = 'UnveilWarning';

// Load the addon while this realm can still read it: once any thread locks
// unveil(), node-gyp-build and the .node file are outside the unveiled
// paths, and a Worker realm that had not loaded it could not even answer
// EPERM.
if (process.platform === 'linux') {
  try {
    native.unveilState();
  } catch {
    // the first real call reports it
  }
}

/**
 * unveil() (the lock) after pledge() locked the paths unveiled before it:
 * OpenBSD code that unveils, pledges with "unveil", then locks, gets the
 * status of that lock instead of EPERM.
 */
function lockedByPledge(): UnveilStatus | undefined {
  if (native.sharedGet(LOCKED_BY_PLEDGE) === undefined) return undefined;
  // Without "unveil" in force, unveil() is refused (EPERM) as OpenBSD does.
  return currentPromises()?.split(' ').includes('unveil') ? lockedStatus() : undefined;
}

function lockedStatus(): UnveilStatus | undefined {
  const state = native.unveilState();
  if (state.state !== 'locked' || state.report === undefined) return undefined;
  return JSON.parse(state.report) as UnveilStatus;
}

/** Set when pledge() locked the paths unveiled before it (see {@link lockUnveilForPledge}). */
const LOCKED_BY_PLEDGE = 'unveil.lockedByPledge';

/** EPERM once locked, or under a pledge without `unveil` (OpenBSD pledge(2): dropping "unveil" locks it). */
function refuseIfLocked(what: string): void {
  if (native.unveilState().state !== 'open') {
    const byPledge = native.sharedGet(LOCKED_BY_PLEDGE) !== undefined
      ? ': pledge() locked the paths unveiled before it, because Landlock enforces only a locked set and cannot add paths to it later (OpenBSD hides the rest of the file system from the first unveil() on); unveil every path before pledge()'
      : '';
    throw new PledgeError('EPERM', 'UNVEIL_LOCKED', `${what}: unveil() is locked; no path can be unveiled any more${byPledge}`, {});
  }
  const promises = currentPromises();
  if (promises !== undefined && !promises.split(' ').includes('unveil')) {
    // pledge() locks the pending rules (lockUnveilForPledge); rules left
    // were recorded after it, or its lock failed.
    const lost = pending.size > 0 ? `; the ${pending.size} path(s) unveiled before were never enforced: lock with unveil() before pledge()` : '';
    throw new PledgeError('EPERM', 'UNVEIL_LOCKED',
      `${what}: the process pledged ${JSON.stringify(promises)}, without "unveil", which locks unveil()${lost}`, { promises });
  }
}

function addRule(target: string | URL, permissions: unknown): void {
  refuseIfLocked('unveil');
  if (typeof permissions !== 'string') {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `unveil(path, permissions): permissions must be a string of letters from "rwxc" (or both arguments omitted to lock), got ${permissions === null ? 'null' : typeof permissions}`, { value: permissions });
  }
  const letters = parseUnveilPermissions(permissions);
  const given = target instanceof URL ? fileURLToPath(target) : target;
  if (given.includes('\0')) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'unveil: path must not contain NUL bytes', { path: given });
  }
  const { fd, directory, resolved } = openUnveilPath(given, `unveil(${JSON.stringify(given)}, ${JSON.stringify(permissions)})`,
    (code) => (code === 'EACCES' && currentPromises() !== undefined ? ' (under pledge(), opening a path needs "rpath")' : ''));
  // After a pledge() that kept "unveil", nothing is hidden until unveil() (or a pledge() without it) locks: say so.
  if (currentPromises() !== undefined && pending.size === 0) {
    emitWarnings([`unveil(${JSON.stringify(given)}): paths unveiled after pledge() are enforced only once unveil() locks (or a pledge() without "unveil" does); until then the file system stays visible, where OpenBSD hides it from the first unveil(). Unveil before pledge(), or lock with unveil() next`]);
  }
  // OpenBSD replaces the permissions of a path unveiled again.
  const previous = pending.get(resolved);
  if (previous) fs.closeSync(previous.fd);
  pending.set(resolved, { given, resolved, fd, directory, permissions: letters });
  // Learn mode: recording a rule enforces nothing either way, so the learner's answer changes nothing here.
  if (learnRequested()) askLearner({ call: 'unveil', promises: null, execpromises: null, path: given, permissions });
}

/** Learn mode: tells the learner about an unveil() that locks (learn.ts). @returns true when it recorded the call: enforce nothing. */
function askLearnerLock(): boolean {
  return learnRequested() && askLearner({ call: 'unveil', promises: null, execpromises: null, path: null, permissions: null });
}

function emitWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.emitWarning(w, { type: WARNING_TYPE, code: 'UNVEIL_DOWNGRADE' });
}


function closePending(): void {
  for (const rule of pending.values()) {
    try { fs.closeSync(rule.fd); } catch { /* already closed */ }
  }
  pending.clear();
}

function ruleStatus(rule: PendingRule, handled: number): UnveilRuleStatus & { mask: number } {
  const { rights } = unveilRuleRights(rule.permissions, rule.directory);
  const mask = rights & handled;
  return { path: rule.given, resolved: rule.resolved, directory: rule.directory, permissions: rule.permissions, rights: landlockRightNames(mask), mask };
}

/**
 * Locks unveil(): plans the ruleset (every check that can refuse the lock),
 * then, unless `recorded()` says a learner recorded the call, enforces it.
 * A recorded lock commits the same state (later unveil() calls are refused
 * alike) and returns the status the enforced lock would, with a warning
 * saying nothing was enforced, and no thread restricted.
 */
function lock(options: UnveilOptions, recorded: () => boolean = () => false): UnveilStatus {
  refuseIfLocked('unveil()');
  const bestEffort = options.bestEffort ?? false;
  const allowUnrestrictedThreads = options.allowUnrestrictedThreads ?? false;
  if (!native.unveilClaim()) {
    throw new PledgeError('EPERM', 'UNVEIL_LOCKED', 'unveil(): unveil() is locked (or being locked by another thread)', {});
  }
  let committed = false;
  const commit = (status: UnveilStatus): UnveilStatus => {
    native.unveilCommit(JSON.stringify(status));
    committed = true;
    closePending();
    return status;
  };
  try {
    const rules = [...pending.values()];
    const plan = planUnveil(unveilDowngrade(bestEffort),
      rules.map((r) => ({ ...r, label: `unveil(${JSON.stringify(r.given)}, ${JSON.stringify(r.permissions)})` })),
      { bestEffort, what: 'unveil()' });
    const { downgrade } = plan;
    const { abi } = downgrade;
    const statuses = plan.rules.map((r) => ({
      path: r.given, resolved: r.resolved, directory: r.directory, permissions: r.permissions, rights: landlockRightNames(r.mask), mask: r.mask,
    }));
    const warnings = [...plan.warnings];

    const base = {
      locked: true, bestEffort, allowUnrestrictedThreads, abi,
      handled: landlockRightNames(downgrade.handled), dropped: landlockRightNames(downgrade.dropped),
      rules: statuses.map(({ mask: _mask, ...s }) => s),
    };

    if (recorded()) {
      const status: UnveilStatus = {
        ...base, enforced: downgrade.enforced && rules.length > 0, threads: { method: 'none', total: null, restricted: 0, unrestricted: [] },
        warnings: [...warnings, 'learn mode: the learner recorded this lock; nothing was enforced'],
      };
      commit(status);
      emitWarnings(warnings);
      return status;
    }

    // No Landlock (best effort), or nothing unveiled: OpenBSD hides the file
    // system only once a path is unveiled; locking alone hides nothing.
    if (!downgrade.enforced || rules.length === 0) {
      const status: UnveilStatus = { ...base, enforced: false, threads: { method: 'none', total: null, restricted: 0, unrestricted: [] }, warnings };
      commit(status);
      emitWarnings(warnings);
      return status;
    }

    prepareRuntime();
    // The first pledge() must see every io_uring instance, and /proc is about to be hidden.
    if (currentPromises() === undefined) captureScanForPledge();
    let rulesetFd: number;
    try {
      rulesetFd = native.landlockCreateRuleset(downgrade.handled);
    } catch (e) {
      throw fromNative(e, undefined, 'KERNEL', (m) => `unveil(): ${m}`);
    }
    try {
      for (const s of statuses) {
        if (s.mask === 0) continue; // "" (or "c" on a file): hidden, which is what no rule means
        try {
          native.landlockAddPathRule(rulesetFd, pending.get(s.resolved)!.fd, s.mask);
        } catch (e) {
          throw fromNative(e, undefined, 'KERNEL', (m) => `unveil(): rule for ${JSON.stringify(s.path)}: ${m}`, { path: s.path });
        }
      }

      let threads: UnveilThreadStatus;
      if (downgrade.threadSync === 'tsync') {
        const total = taskCount();
        try {
          if (!native.getNoNewPrivs()) native.setNoNewPrivs();
          native.landlockRestrictSelf(rulesetFd, downgrade.restrictFlags);
        } catch (e) {
          throw fromNative(e, undefined, 'KERNEL', (m) => `unveil(): ${m}`);
        }
        threads = { method: 'tsync', total, restricted: total, unrestricted: [] };
      } else {
        let report: ThreadReport;
        try {
          report = native.landlockRestrictThreads(rulesetFd, THREAD_TIMEOUT_MS, !allowUnrestrictedThreads) as ThreadReport;
        } catch (e) {
          const err = e as native.NativeError & { partial?: boolean };
          if (err.partial) {
            commit({ ...base, enforced: true, threads: { method: 'signal', total: null, restricted: 1, unrestricted: [] }, warnings: [...warnings, err.message] });
          }
          const hint = err.syscall === 'open(/proc/self/task)' && currentPromises() !== undefined
            ? ` (under pledge(), enumerating threads needs "rpath"; lock unveil() before pledge())` : '';
          throw fromNative(e, err.code === 'EACCES' && hint ? 'ENOTSUP' : undefined, 'KERNEL', (m) => `unveil(): ${m}${hint}`);
        }
        if (report.aborted) {
          const blocked = report.threads.filter((t) => t.result === 'blocked');
          const signals = report.setxidSignal ? `signal ${report.signal} and ${report.setxidSignal} (glibc's SIGSETXID)` : `signal ${report.signal}`;
          const why = report.setxidUnavailable ? ` (SIGSETXID cannot be borrowed: ${report.setxidUnavailable})` : '';
          throw new PledgeError('ENOTSUP', 'THREADS_UNREACHABLE',
            `unveil(): thread(s) ${blocked.map((t) => `${t.tid} (SigBlk ${t.sigblk})`).join(', ')} block ${signals}${why}, so Landlock ABI ${abi} cannot restrict them `
            + '(LANDLOCK_RESTRICT_SELF_TSYNC needs ABI 8, Linux 7.0). '
            + 'Nothing was changed; pass { allowUnrestrictedThreads: true } to restrict every other thread and accept this gap',
            { tids: blocked.map((t) => t.tid), signal: report.signal, setxidSignal: report.setxidSignal ?? null, abi });
        }
        threads = threadsFromReport(report);
        if (report.incomplete) threads = { ...threads, unrestricted: [...threads.unrestricted, { tid: 0, reason: 'incomplete: threads kept appearing, or /proc/self/task could not be rescanned' }] };
      }

      if (threads.unrestricted.length > 0) {
        const list = threads.unrestricted.map((t) => `${t.tid}: ${t.reason}`).join('; ');
        const message = `${threads.unrestricted.length} thread(s) are NOT restricted by unveil(): ${list}`;
        warnings.push(`unveil (${allowUnrestrictedThreads ? 'allowUnrestrictedThreads' : 'strict'}): ${message}`);
        const status: UnveilStatus = { ...base, enforced: true, threads, warnings };
        commit(status);
        if (!allowUnrestrictedThreads) {
          const first = threads.unrestricted[0]!.reason;
          const code = first.startsWith('failed: ') ? first.slice(8) : first.startsWith('blocks') ? 'ENOTSUP' : 'ETIMEDOUT';
          throw new PledgeError(code, 'THREADS_UNREACHABLE', `unveil(): ${message}. unveil() is now locked and every other thread restricted; see unveilStatus()`, { unrestricted: threads.unrestricted });
        }
        emitWarnings(warnings);
        return status;
      }
      const status: UnveilStatus = { ...base, enforced: true, threads, warnings };
      commit(status);
      emitWarnings(warnings);
      return status;
    } finally {
      fs.closeSync(rulesetFd);
    }
  } finally {
    if (!committed) native.unveilRelease();
  }
}

/**
 * OpenBSD's unveil(2) on Landlock.
 *
 * - `unveil(path, permissions)`: records that `path` (a file or directory,
 *   symlinks followed, bound to what it names now) may be accessed with
 *   `permissions`, any subset of `r` (read, list), `w` (write, truncate,
 *   device ioctls), `x` (execute), `c` (create, remove, move between
 *   directories); `""` hides it. Calling it again for the same path
 *   replaces the permissions. Nothing is enforced yet.
 * - `unveil()` (or `unveil(null, null)`, or `unveil(options)`): locks.
 *   Every path not unveiled becomes inaccessible to every file-system
 *   access Landlock governs, on every thread of the process; any later
 *   unveil() throws EPERM. Returns {@link unveilStatus}.
 *
 * Under pledge(), unveil() needs the `unveil` promise (and `rpath`, to open
 * the path and, before Landlock ABI 8, to list the process' threads):
 * unveil first, then pledge. A pledge() without `unveil` locks what was
 * unveiled, strictly, as if `unveil()` had been called just before it.
 *
 * @throws PledgeError `EINVAL`/`BAD_ARGUMENT` (bad permission letter,
 *   naming it and listing `rwxc`; one of path/permissions missing),
 *   `ENOENT` (no such path), `EPERM`/`UNVEIL_LOCKED` (after the lock, or
 *   under a pledge without `unveil`), `ENOTSUP` on a strict lock where the
 *   promise cannot be kept (`LANDLOCK_UNAVAILABLE`, `LANDLOCK_ABI_TOO_OLD`,
 *   `UNVEIL_WIDENED`: see {@link UnveilOptions.bestEffort};
 *   `THREADS_UNREACHABLE`: see {@link UnveilOptions.allowUnrestrictedThreads}),
 *   or the errno of a failed Landlock call with reason `KERNEL`.
 *
 * Learn mode (`pledge learn`, docs/guide.md): with `SECCOMP_SCOPES_LEARN=1`
 * in the environment, each call, once its arguments pass the checks above,
 * tells the learner about itself (path, permissions and the caller's
 * file:line:col) with a marker system call. A lock the learner answers
 * (LEARN_ACK) is recorded and not enforced (no Landlock, no
 * no_new_privs), yet unveil() is locked as usual, so later calls fail
 * alike. Without a learner's answer the lock is enforced as usual and one
 * line on stderr says the variable is set but no learner answered.
 */
export function unveil(path: string | URL, permissions: string): void;
export function unveil(options?: UnveilOptions): UnveilStatus;
export function unveil(path: null | undefined, permissions: null | undefined, options?: UnveilOptions): UnveilStatus;
export function unveil(first?: string | URL | UnveilOptions | null, permissions?: string | null, options?: UnveilOptions): void | UnveilStatus {
  if (typeof first === 'string' || first instanceof URL) {
    withProcessLock('unveil', () => addRule(first, permissions));
    return;
  }
  if (first === undefined || first === null) {
    if (permissions !== undefined && permissions !== null) {
      throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'unveil(path, permissions): path is missing (pass both, or neither to lock)', {});
    }
    return withProcessLock('unveil', () => lockCall(options ?? {}));
  }
  if (typeof first === 'object' && permissions === undefined && options === undefined) {
    return withProcessLock('unveil', () => lockCall(first));
  }
  throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `unveil: expected (path, permissions), () or (options), got (${typeof first}, ${typeof permissions})`, {});
}

/** unveil() that locks, the process lock held: the status of pledge()'s lock, or a lock of its own (asking a learner first, in learn mode). */
function lockCall(options: UnveilOptions): UnveilStatus {
  const byPledge = lockedByPledge();
  if (byPledge) {
    askLearnerLock(); // nothing to enforce: the learner only hears of the call
    return byPledge;
  }
  return lock(options, askLearnerLock);
}

/**
 * What unveil() enforces now: whether it is locked, the kernel's Landlock
 * ABI, the rights handled and dropped, the rules, and how many threads the
 * domain reached (with the ones it did not, and why). Before the lock,
 * `rules` are the paths recorded so far (in any JS realm) and `threads` is
 * null. Does not change anything.
 */
export function unveilStatus(): UnveilStatus {
  const locked = lockedStatus();
  if (locked) return locked;
  const promises = currentPromises();
  const canAsk = promises === undefined || promises.split(' ').includes('unveil');
  const abi = canAsk ? probeLandlockAbi().abi : null;
  const plan = abi === null ? undefined : landlockDowngrade(UNVEIL_ALL_RIGHTS, abi, { bestEffort: true });
  const handled = plan?.handled ?? 0;
  return {
    locked: false, enforced: false, bestEffort: false, allowUnrestrictedThreads: false, abi,
    handled: landlockRightNames(handled), dropped: plan ? landlockRightNames(plan.dropped) : [],
    rules: [...pending.values()].map((r) => { const { mask: _mask, ...s } = ruleStatus(r, abi === null ? UNVEIL_ALL_RIGHTS : handled); return s; }),
    threads: null, warnings: [],
  };
}

/**
 * Whether paths were unveiled and not yet locked, in any realm (what
 * {@link lockUnveilForPledge} would lock), read without decoding them.
 */
export function unveilPending(): boolean {
  try {
    return process.platform === 'linux' && native.sharedGet(pending.KEY) !== undefined;
  } catch {
    return false;
  }
}

/**
 * What pledge() does with paths unveiled and not yet locked, before it
 * installs a filter: it locks them now, strictly (as `unveil()` would), so
 * they are enforced instead of silently dropped or left open.
 *
 * - Without the `unveil` promise this is OpenBSD's rule (pledge(2): dropping
 *   "unveil" locks unveil()).
 * - With it, OpenBSD would already hide the rest of the file system (from
 *   the first unveil() on) and still accept more unveil() calls. Landlock
 *   enforces only a locked set and cannot add paths to it, so the safe form
 *   is to lock here; a later unveil(path) is refused with EPERM saying why,
 *   and a later unveil() returns this lock's status (docs/unveil.md).
 *
 * Nothing to lock (no path unveiled): does nothing. The caller holds the
 * process lock (process-state.ts).
 *
 * @param promises the promises being pledged, for the message.
 * @param learn `ask`: learn mode (learn.ts): called once the lock's plan
 *   passed its checks; true (a learner recorded the pledge()) commits the
 *   lock and enforces nothing. Not called when there is nothing to lock.
 * @returns true when this call locked (and, unless recorded, enforced) unveiled paths.
 * @throws PledgeError as {@link unveil}() does when it locks, the message
 *   saying that pledge() was locking unveil().
 */
export function lockUnveilForPledge(promises?: string, learn: { readonly ask?: () => boolean } = {}): boolean {
  if (pending.size === 0) return false;
  const keeps = promises !== undefined && promises.split(' ').includes('unveil');
  if (native.unveilState().state !== 'open') {
    const paths = [...pending.values()].map((r) => r.given);
    closePending();
    emitWarnings([`unveil: ${paths.length} path(s) unveiled in this thread (${paths.map((p) => JSON.stringify(p)).join(', ')}) were never enforced: unveil() was locked by another thread before this pledge()`]);
    return false;
  }
  try {
    lock({}, learn.ask);
    native.sharedSet(LOCKED_BY_PLEDGE, '1');
    return true;
  } catch (e) {
    if (!(e instanceof PledgeError)) throw e;
    const why = keeps
      ? 'keeps "unveil", yet locks the paths unveiled before it (Landlock enforces only a locked set; OpenBSD hides the rest from the first unveil() on)'
      : 'without "unveil" locks unveil() first, as on OpenBSD';
    throw new PledgeError(e.code, e.reason,
      `pledge(${JSON.stringify(promises ?? null)}) ${why}, and that lock failed, so no filter was installed: ${e.message}. `
      + 'Lock explicitly with unveil(options) before pledge() to choose the options',
      { ...e.details, pledge: promises ?? null });
  }
}
