/**
 * The report line for a call the supervisor refused, in the format of the
 * in-process SIGSYS reporter and made by the same code:
 * @seccomp-scopes/native `formatViolation` over @seccomp-scopes/core
 * `buildReportTables` (docs/reports.md):
 *
 *     cat[4242]: pledge "stdio" blocked openat(AT_FDCWD, "/etc/passwd", flags=O_RDONLY); it needs "rpath" or "dns" or "getpw"
 *
 * (the command's run then makes a read-only open's "needs" path-precise:
 * `it needs "getpw" or "rpath"`, ./path-exceptions.ts withOpenNeeds)
 *
 * or one JSON object. The tables depend on the pid (the catalog's "signals
 * to itself" rules name it, so attribution does) and the promises in force;
 * the process name is given with each call. The most recently used few are
 * kept.
 */
import { buildReportTables, formatPromises, type ArchDescriptor } from '@seccomp-scopes/core';
import { formatViolation } from '@seccomp-scopes/native';

/** A call to report. */
export interface ViolationCall {
  readonly nr: number;
  readonly args: readonly bigint[];
  readonly pid: number;
  readonly tid: number;
  readonly comm?: string;
  readonly path?: string;
  /** `seccomp_data.arch`: another audit arch, or an x32 number, makes the line a foreign-ABI report. */
  readonly arch?: number;
}

/** What every report of one run shares. */
export interface ReportContext {
  readonly arch: ArchDescriptor;
  readonly format: 'text' | 'json';
  readonly penalty: 'kill' | 'errno';
  /** The errno name in errno mode. */
  readonly errno?: string;
  readonly uid: number;
  readonly gid: number;
}

/** How many tables (pid, promises) a {@link Reporter} keeps. */
export const REPORT_TABLES_KEPT = 16;

/** Formats reports; keeps the tables of the last few (pid, promises). */
export class Reporter {
  /** Least recently used first. */
  private readonly tables = new Map<string, Uint8Array>();

  constructor(private readonly context: ReportContext) {}

  /** How many tables are kept now (for tests). */
  get cached(): number {
    return this.tables.size;
  }

  /** The report tables for calls of process `pid` under `promises` (what {@link format} formats with; the policy cache stores them). */
  tablesFor(pid: number, promises: ReadonlySet<string>): Uint8Array {
    const { arch, uid, gid, penalty, errno } = this.context;
    // The comm in the tables is only a default: every call gives its own.
    return buildReportTables(arch, { promises, comm: '?', pid, uid, gid, penalty, ...(errno ? { errno } : {}) });
  }

  /** One report (no newline) for `call`, made under `promises`. */
  format(call: ViolationCall, promises: ReadonlySet<string>): string {
    const key = `${call.pid}\0${formatPromises(promises)}`;
    let tables = this.tables.get(key);
    if (tables) {
      this.tables.delete(key);
    } else {
      tables = this.tablesFor(call.pid, promises);
      if (this.tables.size >= REPORT_TABLES_KEPT) this.tables.delete(this.tables.keys().next().value!);
    }
    this.tables.set(key, tables);
    const violation = { ...call, comm: call.comm ?? '?', ...(call.arch !== undefined ? { auditArch: call.arch } : {}) };
    return formatViolation(tables, violation, this.context.format);
  }
}
