/**
 * Violation reports (src/report/): the process-wide SIGSYS handler behind
 * pledge()'s penalties, the same C formatter callable without a signal,
 * and the layout of the report tables both read.
 *
 * pledge() compiles its filter with SECCOMP_RET_TRAP as the penalty; the
 * handler (report/sigsys-handler.cc) formats one line from tables built by
 * @seccomp-scopes/core `buildReportTables`, writes it, then kills the
 * process or fails the call with an errno. Semantics: seccomp(2)
 * (SECCOMP_RET_TRAP, SIGSYS), sigaction(2).
 */
import { binding } from './addon.js';

declare module './addon.js' {
  interface Addon {
    formatViolation(tables: Uint8Array, violation: ViolationInput, format: 'text' | 'json'): string;
    installReporter(tables: Uint8Array, options: ReporterOptions & { readonly magic: number }): void;
    uninstallReporter(): void;
    rollbackReporter(): void;
    reporterState(): ReporterState;
    reportTablesLayout(): ReportTablesLayout;
    artifactCheck?(bytes: Uint8Array): string;
    readArtifactFile?(path: string, maxBytes: number): ArtifactFile;
    dirTrustFacts?(dir: string): DirTrustFacts;
    readOwnedFile?(dir: string, name: string, maxBytes: number, checkFrom?: number): OwnedFile;
  }
}

/** A blocked call, as {@link formatViolation} takes it. */
export interface ViolationInput {
  /** Syscall number (`seccomp_data.nr`). */
  nr: number;
  /** The argument registers (missing ones are 0); negative values are taken as their 64-bit two's complement. */
  args: readonly bigint[];
  pid: number;
  tid: number;
  /** The process name; default: the one in the tables. */
  comm?: string;
  /** The string behind the call's path argument, when the caller could read it; shown quoted. */
  path?: string;
  /**
   * `seccomp_data.arch` of the call (default: the tables' arch). Another
   * audit arch (i386 on x86_64, AArch32 on aarch64), or an x32 number on
   * x86_64, gives the foreign-ABI line:
   * `<comm>[<pid>]: pledge "<promises>" blocked i386 syscall 20 (getpid); no promise allows a foreign ABI`.
   */
  auditArch?: number;
}

/**
 * Formats one violation report with the same C code the SIGSYS handler runs,
 * without a signal: the text line
 * `<comm>[<pid>]: pledge "<promises>" blocked <call>; it needs "<set>" or "<set>"`
 * (or `; no promise allows this`), or one JSON object (`process`, `pid`,
 * `tid`, `syscall`, `nr`, `arch`, `args`, `raw`, `call`, `promises`, `needs`,
 * `penalty`, and `errno` in errno mode). No trailing newline.
 *
 * @param tables from @seccomp-scopes/core `buildReportTables` for the
 *   process' arch and promises.
 * @throws {NativeError} `TypeError`/`RangeError` with `code: 'EINVAL'` for
 *   malformed tables or a bad violation.
 */
export function formatViolation(tables: Uint8Array, violation: ViolationInput, format: 'text' | 'json'): string {
  return binding().formatViolation(tables, violation, format);
}

/** Options of {@link installReporter}. */
export interface ReporterOptions {
  /** Where reports go (default 2, stderr). */
  readonly fd?: number;
  /** `kill`: report, then end the process by SIGSYS; `errno`: report once per syscall, the call fails with `errno`. */
  readonly penalty: 'kill' | 'errno';
  /** With `errno`: the positive errno value the call returns. */
  readonly errno?: number;
  /** Its name, for JSON reports. */
  readonly errnoName?: string;
  readonly format?: 'text' | 'json';
  /** Handle traps (penalty) but write nothing. */
  readonly quiet?: boolean;
  /**
   * The filter's runtime allowance traps read-only opens for the handler to
   * refuse with EACCES (reporting each path once): the Node facade's filters.
   * Without it a trapped read-only open is a violation like any other.
   */
  readonly refuseReadOnlyOpens?: boolean;
  /**
   * Read-only opens the Node runtime allowance traps (and the handler answers
   * with EACCES) that are never reported: exact paths, or prefixes ending in `*`.
   */
  readonly quietPaths?: readonly string[];
}

/** What {@link reporterState} tells. */
export interface ReporterState {
  readonly installed: boolean;
  readonly penalty?: 'kill' | 'errno';
  readonly errno?: string;
  readonly fd?: number;
  readonly format?: 'text' | 'json';
  readonly quiet?: boolean;
  /** Reports written so far by the handler in this process. */
  readonly reports: number;
}

/**
 * Installs (first call) or updates the process-wide SIGSYS handler that
 * turns a filter's SECCOMP_RET_TRAP into a report and the penalty. The
 * tables are copied. Once a penalty is `kill` it stays `kill` (the strictest
 * penalty wins, as across stacked filters).
 *
 * The filter installed next must carry @seccomp-scopes/core
 * `reporterRules()` and trap with SECCOMP_RET_TRAP; `magic` is
 * `REPORT_EXIT_MAGIC`, the exit_group() status that filter turns into
 * KILL_PROCESS. x86_64 and aarch64 only (`ENOTSUP` elsewhere).
 * @throws {NativeError} `EINVAL` for bad tables or options; the errno of sigaction(2).
 */
export function installReporter(tables: Uint8Array, options: ReporterOptions & { readonly magic: number }): void {
  binding().installReporter(tables, options);
}

/**
 * Restores the SIGSYS action from before the first {@link installReporter}.
 * Only for a pledge() whose filter could not be installed: with a trapping
 * filter in force, a SIGSYS without the handler kills the process.
 */
export function uninstallReporter(): void {
  binding().uninstallReporter();
}

/** The reporter's state in this process. */
export function reporterState(): ReporterState {
  return binding().reporterState();
}

/**
 * Undoes the last {@link installReporter}: the tables in force before it, or
 * the SIGSYS action from before the first one. Only for a pledge() whose
 * filter could not be installed.
 */
export function rollbackReporter(): void {
  binding().rollbackReporter();
}

/**
 * The report tables' wire layout, as the addon was compiled with it: every
 * value of src/report/report-tables.h (its only source, which the C parser
 * reads too). @seccomp-scopes/core writes the tables (`buildReportTables`)
 * and checks its own layout against this object. Numbers only; the exact
 * shape, with the values of version 1:
 *
 * ```ts
 * {
 *   magic: 0x54525353,          // 'SSRT' read as a little-endian u32
 *   version: 1,
 *   headerWords: 28,            // the header's length in u32 words
 *   none: 0xffffffff,           // a string reference to nothing
 *   maxPromises: 32,            // a rule's promise set is one word
 *   maxFamilyFlags: 64,         // flag constants one spec may list
 *   header: {                   // word index in the header; for a section, its byte
 *     magic: 0, version: 1, size: 2, auditArch: 3, pid: 4,   // offset is at that word and its count at the next
 *     strings: 6, syscalls: 8, specs: 10, constants: 12,     // (strings: the pool's size in bytes)
 *     rules: 14, conditions: 16, values: 18, promiseNames: 20,
 *     promises: 22, comm: 23, arch: 24, penalty: 25, errnoName: 26,   // string references
 *   },
 *   reservedHeaderWords: [5, 27],              // written 0
 *   recordBytes: { syscall: 24, spec: 56, constant: 16, rule: 16, condition: 32, value: 8, promiseName: 4 },
 *   fields: {                   // byte offset of each field in its record (u64 fields: enumMask,
 *                               // guardMask, guardValue, constant.value, condition.mask, value.value)
 *     syscall: { nr: 0, name: 4, specStart: 8, specCount: 12, ruleStart: 16, ruleCount: 20 },
 *     spec: { packed: 0, label: 4, enumStart: 8, enumCount: 12, flagStart: 16, flagCount: 20,
 *             enumMask: 24, guardArg: 32, fallback: 36, guardMask: 40, guardValue: 48 },
 *     constant: { value: 0, name: 8 },
 *     rule: { promises: 0, condStart: 4, condCount: 8 },
 *     condition: { arg: 0, width: 4, negate: 8, valueStart: 12, valueCount: 16, mask: 20 },
 *     value: { value: 0 },
 *     promiseName: { name: 0 },
 *   },
 *   specPacking: { arg: 0, kind: 8, width: 16, guardOp: 24 },   // bit shifts of the 8-bit parts of spec.packed
 *   kinds: { dec: 1, hex: 2, oct: 3, sym: 4, ptr: 5, path: 6 },
 *   guardOps: { none: 0, equals: 1, anyBit: 2 },
 *   fallbacks: { number: 0, hex: 1 },          // how an enum value no constant names is shown
 * }
 * ```
 *
 * Every key of every group is listed above; the object has no others. Keys
 * appear in this order (the header's X-macro lists).
 */
export interface ReportTablesLayout {
  readonly magic: number;
  readonly version: number;
  readonly headerWords: number;
  readonly none: number;
  readonly maxPromises: number;
  readonly maxFamilyFlags: number;
  readonly header: {
    readonly magic: number;
    readonly version: number;
    readonly size: number;
    readonly auditArch: number;
    readonly pid: number;
    readonly strings: number;
    readonly syscalls: number;
    readonly specs: number;
    readonly constants: number;
    readonly rules: number;
    readonly conditions: number;
    readonly values: number;
    readonly promiseNames: number;
    readonly promises: number;
    readonly comm: number;
    readonly arch: number;
    readonly penalty: number;
    readonly errnoName: number;
  };
  readonly reservedHeaderWords: readonly number[];
  readonly recordBytes: {
    readonly syscall: number;
    readonly spec: number;
    readonly constant: number;
    readonly rule: number;
    readonly condition: number;
    readonly value: number;
    readonly promiseName: number;
  };
  readonly fields: {
    readonly syscall: {
      readonly nr: number;
      readonly name: number;
      readonly specStart: number;
      readonly specCount: number;
      readonly ruleStart: number;
      readonly ruleCount: number;
    };
    readonly spec: {
      readonly packed: number;
      readonly label: number;
      readonly enumStart: number;
      readonly enumCount: number;
      readonly flagStart: number;
      readonly flagCount: number;
      readonly enumMask: number;
      readonly guardArg: number;
      readonly fallback: number;
      readonly guardMask: number;
      readonly guardValue: number;
    };
    readonly constant: { readonly value: number; readonly name: number };
    readonly rule: { readonly promises: number; readonly condStart: number; readonly condCount: number };
    readonly condition: {
      readonly arg: number;
      readonly width: number;
      readonly negate: number;
      readonly valueStart: number;
      readonly valueCount: number;
      readonly mask: number;
    };
    readonly value: { readonly value: number };
    readonly promiseName: { readonly name: number };
  };
  readonly specPacking: { readonly arg: number; readonly kind: number; readonly width: number; readonly guardOp: number };
  readonly kinds: {
    readonly dec: number;
    readonly hex: number;
    readonly oct: number;
    readonly sym: number;
    readonly ptr: number;
    readonly path: number;
  };
  readonly guardOps: { readonly none: number; readonly equals: number; readonly anyBit: number };
  readonly fallbacks: { readonly number: number; readonly hex: number };
}

let layout: ReportTablesLayout | undefined;

/**
 * The report tables' layout (see {@link ReportTablesLayout}), read once from
 * the addon and frozen, nested objects included.
 */
export function reportTablesLayout(): ReportTablesLayout {
  layout ??= deepFreeze(binding().reportTablesLayout());
  return layout;
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) deepFreeze(v);
  return Object.freeze(value);
}

/**
 * Core's `artifactCheck` of `bytes` (16 hex digits: two 32-bit
 * multiplicative hashes over the little-endian words) computed by the addon,
 * the cheap way in a fresh process (some 20 us for the 52 KB of report
 * tables, where core's WebAssembly costs 0.5 ms on first use); undefined
 * when the addon loaded is one without it (an older build).
 * @throws {NativeError} as {@link binding} when no addon loads.
 */
export function artifactCheck(bytes: Uint8Array): string | undefined {
  return binding().artifactCheck?.(bytes);
}

/** A file as {@link readArtifactFile} read it: its fstat, and its bytes when it is a regular file within the size asked. */
export interface ArtifactFile {
  readonly regular: boolean;
  readonly uid: number;
  /** Permission bits (st_mode & 07777). */
  readonly mode: number;
  readonly size: number;
  readonly bytes?: Uint8Array;
}

/**
 * Opens `path` without following a final link (O_NOFOLLOW), fstats it and,
 * when it is a regular file of at most `maxBytes`, reads it, in one call (a
 * fresh process' first fs.openSync/fstatSync/readSync cost 0.3-0.5 ms): for
 * pledge()'s cache entries, whose trust its caller decides from the fstat.
 * Undefined when the addon loaded is one without it (an older build).
 * @throws {NativeError} with the errno of open, fstat or read (ENOENT, ELOOP for a link...).
 */
export function readArtifactFile(path: string, maxBytes: number): ArtifactFile | undefined {
  return binding().readArtifactFile?.(path, maxBytes);
}

/** What {@link dirTrustFacts} read: the directory's lstat, its realpath, and the stat of every directory above both. */
export interface DirTrustFacts {
  readonly self: { readonly uid: number; readonly mode: number; readonly isDir: boolean };
  readonly real: string;
  /** The directories above `dir`, then those above `real`, each up to `/` included; `mode` is st_mode & 07777. */
  readonly ancestors: readonly { readonly path: string; readonly uid: number; readonly mode: number }[];
  /**
   * Every symbolic link met resolving `dir` as the kernel does (named ones and those their targets lead through),
   * with its owner: stat follows a link, so only this says whether another user's link (in /tmp) is on the way.
   * Absent from an older build's addon.
   */
  readonly links?: readonly { readonly path: string; readonly uid: number }[];
}

/**
 * The facts deciding whether another user can change what the absolute
 * path `dir` leads to, read in one call (a fresh process' first
 * fs.lstatSync/statSync/realpathSync cost 0.2-0.3 ms): lstat of `dir`, its
 * realpath(3), and stat (links followed) of every directory above `dir` and
 * above its realpath. The caller decides (pledge()'s cache directory).
 * Undefined when the addon loaded is one without it (an older build).
 * @throws {NativeError} with the errno of lstat, realpath or stat.
 */
export function dirTrustFacts(dir: string): DirTrustFacts | undefined {
  return binding().dirTrustFacts?.(dir);
}

/** What {@link readOwnedFile} gives: the bytes (and their check from `checkFrom` on), or why the file was not read. */
export type OwnedFile =
  | { readonly bytes: Uint8Array; readonly check?: string; readonly why?: undefined }
  | { readonly why: string; readonly bytes?: undefined };

/**
 * Reads `dir/name` when it is a file of the user's own in a cache
 * directory no other user can change, in one call: the directory not a
 * link, of the effective user and not writable by group or others; every
 * directory above it, as named and as resolved, the user's or root's and
 * not writable by others unless sticky; the file (opened in that directory,
 * not following a link, without blocking) a regular file of the user's, not
 * writable by group or others, of at most `maxBytes`. The rule of the
 * `pledge` command's policy cache (src/linux/owned-file.h, shared with its
 * native launcher), the same as @seccomp-scopes/pledge's filter-cache.ts
 * applies with {@link dirTrustFacts} and {@link readArtifactFile}. With
 * `checkFrom`, also {@link artifactCheck} of the bytes from there on.
 * Undefined when the addon loaded is one without it (an older build).
 * @returns `{ bytes, check? }`, or `{ why }` ("miss: ..." when there is no
 *   directory or file, "refused: ..." otherwise).
 * @throws TypeError (code `EINVAL`) for a relative `dir` or a `name` with a slash.
 */
export function readOwnedFile(dir: string, name: string, maxBytes: number, checkFrom?: number): OwnedFile | undefined {
  return binding().readOwnedFile?.(dir, name, maxBytes, checkFrom);
}
