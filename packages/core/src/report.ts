/**
 * Violation reports: what a blocked call was and which promise would have
 * allowed it.
 *
 * A report is one line, produced in the native SIGSYS handler from compact
 * tables this module builds when pledge() is called ({@link buildReportTables}):
 *
 *     node[4242]: pledge "stdio" blocked openat(AT_FDCWD, flags=O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC); it needs "wpath cpath"
 *
 * Three things go into the tables:
 *
 * - the syscall names of the arch, by number;
 * - how to show each syscall's relevant arguments, from the declarative
 *   {@link REPORT_DECODE} table, with the constant names of each family
 *   resolved for the arch (syscalls not in the table print as `name()`);
 * - the attribution rules: every ALLOW rule of the catalog resolved for the
 *   arch, with the promise set it requires and its argument conditions. The
 *   promise sets of the rules that match a blocked call, minus those that
 *   are supersets of another match, are what the call needs
 *   ({@link violationNeeds} computes the same in TypeScript).
 *
 * The handler reads them without allocating; @seccomp-scopes/native
 * `formatViolation` runs the same C code on demand.
 *
 * The parts, one file each under ./report/:
 *
 * - families.ts: the constant families (`PROT_*`, `AF_*`, …) by name;
 * - decode.ts: {@link REPORT_DECODE}, which arguments are shown and how;
 * - attribution.ts: {@link violationNeeds}, the promises that would have
 *   allowed a call (the TypeScript twin of the native `Needs`);
 * - layout.ts: {@link REPORT_TABLES_LAYOUT}, the binary layout shared with
 *   the native reader;
 * - tables.ts: {@link buildReportTables}, the encoder;
 * - rules.ts: the rules the reporter adds to every filter
 *   ({@link reporterRules}, {@link REPORT_EXIT_MAGIC}) and the io_uring
 *   replay trap ({@link ringReplayRules}).
 */
export { REPORT_FAMILIES, type ReportFamily } from './report/families.js';
export { REPORT_DECODE, type ArgDecode, type DecodeGuard, type DecodeKind } from './report/decode.js';
export { attributionRules, violationNeeds } from './report/attribution.js';
export {
  REPORT_TABLES_MAGIC, REPORT_TABLES_VERSION, buildReportTables, buildReportTablesDirect, prebuiltReportTables, reportTablesArtifactKey, encodeReportTablesArtifact,
  decodeReportTablesArtifact, useReportTablesArtifact, useReportTablesFrom, sealArtifact, artifactCheck, type ReportTablesOptions, type PrebuiltReportTables,
  type PrebuiltLayout,
} from './report/tables.js';
export { REPORT_TABLES_LAYOUT, type ReportTablesKind, type ReportTablesLayout, type ReportTablesRecord } from './report/layout.js';
export { REPORT_EXIT_MAGIC, reporterRules, ringReplayRules, type ReporterRulesOptions } from './report/rules.js';
