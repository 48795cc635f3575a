/**
 * The report line for a call the supervisor refused, in the format of the
 * in-process SIGSYS reporter and made by the same code:
 * @seccomp-scopes/native `formatViolation` over @seccomp-scopes/core
 * `buildReportTables` (docs/reports.md):
 *
 *     cat[4242]: pledge "stdio" blocked openat(AT_FDCWD, "/etc/passwd", flags=O_RDONLY); it needs "rpath"
 *
 * or one JSON object. The tables are built once per process name, pid and
 * promise set.
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

/** Formats reports; keeps the tables per process. */
export class Reporter {
  private readonly tables = new Map<string, Uint8Array>();

  constructor(private readonly context: ReportContext) {}

  /** One report (no newline) for `call`, made under `promises`. */
  format(call: ViolationCall, promises: ReadonlySet<string>): string {
    const comm = call.comm ?? '?';
    const key = `${call.pid}\0${comm}\0${formatPromises(promises)}`;
    let tables = this.tables.get(key);
    if (!tables) {
      const { arch, uid, gid, penalty, errno } = this.context;
      tables = buildReportTables(arch, { promises, comm, pid: call.pid, uid, gid, penalty, ...(errno ? { errno } : {}) });
      this.tables.set(key, tables);
    }
    return formatViolation(tables, { ...call, comm }, this.context.format);
  }
}
