/**
 * Learn mode (`pledge learn`, issue 14): how pledge() and unveil() tell a
 * learner about themselves, and only ever on its answer stop enforcing.
 *
 * The protocol (packages/native/src/preload/protocol.h, its one source):
 * the learner sets `SECCOMP_SCOPES_LEARN=1` in the program's environment and
 * routes the marker system call to itself with a seccomp user notification.
 * With the variable set, each pledge()/unveil() call, once its arguments
 * are validated exactly as when enforcing, makes the marker
 * `getppid(LEARN_MARKER_A, LEARN_MARKER_B, record, length)` from native code
 * (native `learnMark`), where the record is the call as UTF-8 JSON:
 *
 *     {"v":1,"call":"pledge"|"unveil","promises":string|null,"execpromises":string|null,
 *      "path":string|null,"permissions":string|null,"site":"file:line:col"}
 *
 * `site` is the caller's source position: the first stack frame outside
 * this package (a `file:` URL made a path). The answer LEARN_ACK means the
 * call is recorded and nothing is installed; any other answer (the parent's
 * pid: nobody is learning) means it is enforced as usual, with one warning
 * line on stderr, so a leaked variable never disables a pledge.
 */
import { formatPromises, parsePromises } from '@seccomp-scopes/core';
import fs from 'node:fs';
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as native from '@seccomp-scopes/native';
import { readState } from './process-state.js';
import { prepareRuntime } from './runtime-prep.js';

/** One pledge() or unveil() call, as the record names it (null: not given). */
export interface LearnCall {
  readonly call: 'pledge' | 'unveil';
  readonly promises: string | null;
  readonly execpromises: string | null;
  readonly path: string | null;
  readonly permissions: string | null;
}

/** Process-wide slots (native sharedGet/sharedSet: every realm sees them). */
const RECORDED = 'learn.recorded';
const WARNED = 'learn.warned';

/**
 * Whether this call asks the learner: the learn variable
 * (`SECCOMP_SCOPES_LEARN`) is exactly `1` (read at each call), and no
 * pledge() of this process has been enforced. Once one was, nobody is
 * learning, and the marker might even be refused by the filter in force
 * (getppid needs "stdio"): later calls are enforced without asking.
 */
export function learnRequested(): boolean {
  if (process.env[native.learnProtocol().env] !== '1') return false;
  return readState().filters === 0 || recordedBefore();
}

/** The directories whose frames are this package's own (src/ when run from source, dist/ when built). */
const ownDirs: readonly string[] = (() => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dirs = [`${root}src/`, `${root}dist/`];
  try {
    const real = fs.realpathSync(root).replace(/\/?$/, '/');
    if (real !== root) dirs.push(`${real}src/`, `${real}dist/`);
  } catch {
    // the root as given
  }
  return dirs;
})();

function framePath(name: string): string {
  if (name.startsWith('file:')) {
    try {
      return fileURLToPath(name);
    } catch {
      return name;
    }
  }
  return name;
}

/**
 * The position in the source a source map names for a generated one, when
 * Node keeps that file's map (source maps enabled: `--enable-source-maps`
 * or process.setSourceMapsEnabled), else undefined.
 */
function originalPosition(name: string, line: number, column: number): string | undefined {
  try {
    const entry = findSourceMap(name)?.findEntry(line - 1, column - 1) as
      { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
    return `${framePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  } catch {
    return undefined;
  }
}

/**
 * The caller's source position, `file:line:col` (1-based, as V8 counts):
 * the first frame of V8's structured stack (CallSite objects, through a
 * temporary Error.prepareStackTrace) that is neither this package's nor
 * Node's own (`node:`) nor without a file. `unknown` when there is none.
 * With source maps enabled (`node --enable-source-maps`), the position in
 * the source the file's map names (a TypeScript file's); otherwise that of
 * the code V8 runs.
 */
export function callSite(): string {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  let frames: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = 64;
    Error.prepareStackTrace = (_error, stack) => stack;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callSite);
    frames = Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [];
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
  for (const frame of frames) {
    const name = frame.getFileName() ?? frame.getScriptNameOrSourceURL?.();
    if (!name || name.startsWith('node:')) continue;
    const file = framePath(name);
    if (ownDirs.some((dir) => file.startsWith(dir))) continue;
    const line = frame.getLineNumber() ?? 0;
    const column = frame.getColumnNumber() ?? 0;
    return originalPosition(name, line, column) ?? `${file}:${line}:${column}`;
  }
  return 'unknown';
}

/**
 * The record of one call, as JSON of at most `max` bytes of UTF-8: when
 * longer (a promise string repeating words), the promises are sent in
 * their canonical form, then the site is shortened from its start.
 */
export function learnRecord(call: LearnCall, site: string, max: number): string {
  const make = (c: LearnCall, s: string): string => JSON.stringify({
    v: 1, call: c.call, promises: c.promises, execpromises: c.execpromises, path: c.path, permissions: c.permissions, site: s,
  });
  let record = make(call, site);
  if (Buffer.byteLength(record) <= max) return record;
  const canonical = (p: string | null): string | null => (p === null ? null : formatPromises(parsePromises(p)));
  const shorter: LearnCall = { ...call, promises: canonical(call.promises), execpromises: canonical(call.execpromises) };
  record = make(shorter, site);
  if (Buffer.byteLength(record) <= max) return record;
  // Cut characters from the site's start until it fits: each is 1 to 6 bytes in the JSON (\uXXXX), so cutting
  // excess/6 of them never cuts more than needed.
  let keep = site.length;
  for (;;) {
    record = make(shorter, `…${site.slice(site.length - keep)}`);
    const excess = Buffer.byteLength(record) - max;
    if (excess <= 0 || keep === 0) return record;
    keep = Math.max(0, keep - Math.max(1, Math.ceil(excess / 6)));
  }
}

/**
 * Asks the learner about one validated call: makes the marker with the
 * call's record and the caller's site. Call only when
 * {@link learnRequested}, and only after every check that can refuse the
 * call has passed.
 * @returns true when a learner answered LEARN_ACK: record the call and
 *   install nothing. false otherwise (nobody is learning): enforce; the
 *   first such answer in the process prints one warning line on stderr.
 */
export function askLearner(call: LearnCall): boolean {
  // The runtime's lazy set-up (stdout/stderr streams, the time zone) that an enforced call does before its filter or
  // lock, done before the marker: the learner sees those calls before the site, as the enforced program makes them.
  prepareRuntime();
  const protocol = native.learnProtocol();
  const answer = native.learnMark(learnRecord(call, callSite(), protocol.recordMax));
  if (answer === protocol.ack) {
    native.sharedSet(RECORDED, '1');
    return true;
  }
  if (native.sharedGet(WARNED) === undefined) {
    native.sharedSet(WARNED, '1');
    try {
      fs.writeSync(2, `${protocol.env}=1 is set but no learner answered ${call.call}(); enforcing it as usual\n`);
    } catch {
      // stderr closed: the pledge is enforced all the same
    }
  }
  return false;
}

/**
 * Whether an earlier pledge()/unveil() of this process was recorded
 * (answered LEARN_ACK) and so installed nothing: a later call the learner
 * does not answer must then be enforced from scratch, as the process' first.
 */
export function recordedBefore(): boolean {
  return native.sharedGet(RECORDED) !== undefined;
}

/** Forgets {@link recordedBefore}: what is in force now was installed. */
export function clearRecorded(): void {
  native.sharedSet(RECORDED, undefined);
}
