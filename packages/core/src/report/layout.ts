/**
 * The binary layout of the report tables: the contract between
 * {@link buildReportTables} (./tables.ts), which writes them, and the native
 * reporter (@seccomp-scopes/native, C++), which reads them in the SIGSYS
 * handler and in `formatViolation`.
 *
 * The native side's copy is its header `src/report/report-tables.h`, which
 * the addon exports as `reportTablesLayout()`; this object has the same
 * shape and values, key for key, and a test in @seccomp-scopes/pledge
 * (test/report.schema.test.ts) requires the two to be equal, so neither
 * side can move a word alone. Only {@link REPORT_TABLES_LAYOUT}.u64Fields
 * is core's own (the header marks those fields in comments).
 *
 * The whole layout:
 *
 * - every word is a u32 in the byte order of the arch the tables describe;
 *   a u64 is two words, low first; offsets are in bytes from the start; a
 *   string is a byte offset into the string pool, `none` for no string;
 * - the header, `headerWords` words, at the word indices of `header`: single
 *   fields (`inForce`: the promises in force as a bit set, like a rule's), and for each section (syscalls, specs, constants, rules,
 *   conditions, values, promiseNames, strings) its byte offset at that word
 *   and its count at the next (for the string pool: its size in bytes); the
 *   `reservedHeaderWords` are 0;
 * - the sections after the header, in the order of their header words,
 *   the string pool last; each an array of records of `recordBytes`, with
 *   the fields of `fields` at those byte offsets, unlisted bytes 0:
 *   - syscalls, sorted by number: the name, and the ranges of their
 *     argument specs and attribution rules;
 *   - specs, how one argument is shown: `packed` holds the argument index,
 *     kind, width and guard op, 8 bits each at the shifts of `specPacking`;
 *     the label; the enum and flag constants (ranges of constants); the enum
 *     mask; the guard (the spec is shown only when `(args[guardArg] &
 *     guardMask) == guardValue`, or `!= 0` for `anyBit`); `fallback`: how an
 *     unnamed enum value is shown;
 *   - constants: value and name; a flag family's constants sorted by their
 *     number of bits, most first, so composite names win;
 *   - rules: the promise bit set (bit i = promise name i, at most
 *     `maxPromises`), a range of conditions, and `handled`: 1 for a rule
 *     that answers the call with an errno the program handles (the nscd
 *     probe under `getpw`/`dns`), which the attribution prefers;
 *   - conditions: `(args[arg] & mask)`, on `width` bits, is one of a range
 *     of values (none of them when `negate` is 1);
 *   - values: one u64 each; promise names: one string each;
 *   - the string pool: NUL-terminated UTF-8, padded with NULs to a multiple of 4.
 */

/** Layout of the report tables; see the module comment. */
export const REPORT_TABLES_LAYOUT = {
  /** 'SSRT' read as a little-endian u32 (the tables are in the arch's byte order, so a mismatch shows here). */
  magic: 0x54525353,
  version: 2,
  headerWords: 28,
  /** A string reference to nothing. */
  none: 0xffffffff,
  /** A rule's promise set is one word. */
  maxPromises: 32,
  /** Flag constants one spec may list. */
  maxFamilyFlags: 64,
  /** Word indices in the header: single fields, and the (byte offset, count) pair of each section. */
  header: {
    magic: 0, version: 1, size: 2, auditArch: 3, pid: 4,
    strings: 6, syscalls: 8, specs: 10, constants: 12, rules: 14, conditions: 16, values: 18, promiseNames: 20,
    promises: 22, comm: 23, arch: 24, penalty: 25, errnoName: 26, inForce: 27,
  },
  reservedHeaderWords: [5],
  /** Size of one record of each section, in bytes. */
  recordBytes: { syscall: 24, spec: 56, constant: 16, rule: 16, condition: 32, value: 8, promiseName: 4 },
  /** Byte offset of each field in its record. */
  fields: {
    syscall: { nr: 0, name: 4, specStart: 8, specCount: 12, ruleStart: 16, ruleCount: 20 },
    spec: { packed: 0, label: 4, enumStart: 8, enumCount: 12, flagStart: 16, flagCount: 20, enumMask: 24, guardArg: 32, fallback: 36, guardMask: 40, guardValue: 48 },
    constant: { value: 0, name: 8 },
    rule: { promises: 0, condStart: 4, condCount: 8, handled: 12 },
    condition: { arg: 0, width: 4, negate: 8, valueStart: 12, valueCount: 16, mask: 20 },
    value: { value: 0 },
    promiseName: { name: 0 },
  },
  /** Bit shifts of the 8-bit parts of a spec's `packed` word. */
  specPacking: { arg: 0, kind: 8, width: 16, guardOp: 24 },
  /** How an argument is shown. */
  kinds: { dec: 1, hex: 2, oct: 3, sym: 4, ptr: 5, path: 6 },
  /** When a spec applies. */
  guardOps: { none: 0, equals: 1, anyBit: 2 },
  /** How an enum value no constant names is shown: decimal, or hex. */
  fallbacks: { number: 0, hex: 1 },
  /** The u64 fields (two words, low first) of each record; every other field is a u32. Core's own: not in the native export. */
  u64Fields: { spec: ['enumMask', 'guardMask', 'guardValue'], constant: ['value'], condition: ['mask'], value: ['value'] },
} as const;

/** The type of {@link REPORT_TABLES_LAYOUT}. */
export type ReportTablesLayout = typeof REPORT_TABLES_LAYOUT;
/** A record kind of the report tables. */
export type ReportTablesRecord = keyof ReportTablesLayout['recordBytes'];
/** A spec kind of the report tables. */
export type ReportTablesKind = keyof ReportTablesLayout['kinds'];
