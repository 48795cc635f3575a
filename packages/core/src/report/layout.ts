/**
 * The binary layout of the report tables: the contract between
 * {@link buildReportTables} (./tables.ts), which writes them, and the native
 * reporter (@seccomp-scopes/native, C++), which reads them in the SIGSYS
 * handler and in `formatViolation`.
 *
 * Written once here, as data. The native side has the same values in its
 * C header and exports them as `reportTablesLayout()`; a test in
 * @seccomp-scopes/pledge (test/report.schema.test.ts) requires the two to be
 * equal, field by field, so neither side can move a word alone.
 *
 * The whole layout:
 *
 * - every word is a u32 in the arch's byte order; a u64 is two words, low
 *   first; offsets are in bytes from the start of the tables; a string is a
 *   byte offset into the string pool, {@link REPORT_TABLES_LAYOUT}.none for
 *   no string;
 * - the header, `headerWords` words: the words of `header`; for each of
 *   `sections`, its byte offset at that word and its count at the next
 *   (for the string pool: its size in bytes); unnamed words are 0;
 * - then the sections, in the order of `sections` below, strings last, each
 *   a packed array of records of `recordBytes`, with the fields of
 *   `fields` at those byte offsets (unnamed bytes are 0):
 *   - syscalls, sorted by number: the name, and the ranges of their argument
 *     specs and attribution rules;
 *   - specs, how one argument is shown: `word0` packs the argument index,
 *     kind, width and guard op at the bit shifts of `word0`, 8 bits each;
 *     the label; the enum and flag constants (ranges of `constants`); the
 *     enum mask; the guard (argument, mask, value: the spec is shown only
 *     when `(args[guardArg] & guardMask) == guardValue`, or `!= 0` for
 *     `anyBit`); `hexFallback` 1: unknown enum values in hex;
 *   - constants: value and name; a flag family's constants are sorted by
 *     their number of bits, most first, so composite names win;
 *   - rules: the promise bit set (bit i = promise name i) and a range of
 *     conditions;
 *   - conditions: `(args[arg] & mask)`, on `width` bits, is one of the
 *     range of values (none of them with `negate` 1);
 *   - values: u64 each; promise names: one string each;
 *   - the string pool: NUL-terminated UTF-8, padded with NULs to a multiple of 4.
 * - `limits`: what the reader accepts at most.
 */

/** Layout of the report tables; see the module comment for what each part means. */
export const REPORT_TABLES_LAYOUT = {
  /** 'SSRT' read as a little-endian u32 (the tables are in the arch's byte order, so a mismatch shows here). */
  magic: 0x54525353,
  version: 1,
  /** A string reference meaning "none". */
  none: 0xffffffff,
  headerWords: 28,
  /** Word indices of single header fields. */
  header: { magic: 0, version: 1, size: 2, auditArch: 3, pid: 4, promises: 22, comm: 23, arch: 24, penalty: 25, errno: 26 },
  /** Word indices of the (byte offset, count) pair of each section, in the order the sections are laid out. */
  sections: { syscalls: 8, specs: 10, constants: 12, rules: 14, conditions: 16, values: 18, promiseNames: 20, strings: 6 },
  /** Size of one record of each section, in bytes (strings: 1). */
  recordBytes: { syscalls: 24, specs: 56, constants: 16, rules: 16, conditions: 32, values: 8, promiseNames: 4, strings: 1 },
  /** Byte offsets of the fields of one record; u64 fields are marked in `u64Fields`. */
  fields: {
    syscalls: { nr: 0, name: 4, specFirst: 8, specCount: 12, ruleFirst: 16, ruleCount: 20 },
    specs: { word0: 0, label: 4, enumFirst: 8, enumCount: 12, flagFirst: 16, flagCount: 20, enumMask: 24, guardArg: 32, hexFallback: 36, guardMask: 40, guardValue: 48 },
    constants: { value: 0, name: 8 },
    rules: { promises: 0, conditionFirst: 4, conditionCount: 8 },
    conditions: { arg: 0, width: 4, negate: 8, valueFirst: 12, valueCount: 16, mask: 20 },
    values: { value: 0 },
    promiseNames: { name: 0 },
  },
  /** The fields that are u64 (two words, low first); every other field is a u32. */
  u64Fields: { specs: ['enumMask', 'guardMask', 'guardValue'], constants: ['value'], conditions: ['mask'], values: ['value'] },
  /** Bit shifts of the parts of a spec's `word0`, 8 bits each. */
  word0: { arg: 0, kind: 8, width: 16, guardOp: 24 },
  /** A spec's kind: how the value is printed. */
  kinds: { decimal: 1, hex: 2, octal: 3, symbolic: 4, pointer: 5, path: 6 },
  /** A spec's guard op. */
  guardOps: { none: 0, equals: 1, anyBit: 2 },
  limits: { promises: 32, flagsPerSpec: 64 },
} as const;

/** The type of {@link REPORT_TABLES_LAYOUT}. */
export type ReportTablesLayout = typeof REPORT_TABLES_LAYOUT;
/** A section of the report tables. */
export type ReportTablesSection = keyof ReportTablesLayout['sections'];
/** A spec kind of the report tables. */
export type ReportTablesKind = keyof ReportTablesLayout['kinds'];
