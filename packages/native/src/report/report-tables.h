/*
 * The report tables' wire layout: the one source of the binary format that
 * @seccomp-scopes/core's buildReportTables writes and the native reporter
 * reads (report/tables-view.cc parses it; report/reporter-js.cc exports every
 * value below to TypeScript as reportTablesLayout(), so core can check its
 * writer against this header instead of keeping a copy equal by hand).
 *
 * Plain C (usable from C and C++), like preload/protocol.h. Lists are
 * X-macros, X(name, value), so that the parser's constants and the exported
 * object are expanded from the same rows; the names are the JavaScript keys.
 *
 * Encoding: every word is a u32 in the byte order of the architecture the
 * tables describe; a u64 is two words, low first; offsets are in bytes from
 * the start of the tables; a string is a reference (byte offset) into the
 * string pool, REPORT_TABLES_NONE when absent. Sections are arrays of
 * fixed-size records; the header gives each its byte offset and count.
 */
#ifndef SECCOMP_SCOPES_REPORT_TABLES_H_
#define SECCOMP_SCOPES_REPORT_TABLES_H_

#define REPORT_TABLES_MAGIC 0x54525353u   /* 'SSRT' read as a little-endian u32 */
#define REPORT_TABLES_VERSION 2u
#define REPORT_TABLES_HEADER_WORDS 28u    /* the header's length in words */
#define REPORT_TABLES_NONE 0xffffffffu    /* a string reference to nothing */
#define REPORT_TABLES_MAX_PROMISES 32u    /* a rule's promise set is one word, bit i = promise name i */
#define REPORT_TABLES_MAX_FAMILY_FLAGS 64u /* flag constants one spec may list */

/*
 * Header words (word index). A section's word holds its byte offset and the
 * next word its record count (for the string pool: its length in bytes,
 * NUL-terminated strings padded to a multiple of 4). Word 5 is reserved
 * and written 0.
 */
#define REPORT_TABLES_HEADER(X) \
  X(magic, 0)                   \
  X(version, 1)                 \
  X(size, 2)         /* total bytes */ \
  X(auditArch, 3)    /* AUDIT_ARCH_* a trap must carry */ \
  X(pid, 4)          /* shown when the formatter is not told one */ \
  X(strings, 6)                 \
  X(syscalls, 8)                \
  X(specs, 10)                  \
  X(constants, 12)              \
  X(rules, 14)                  \
  X(conditions, 16)             \
  X(values, 18)                 \
  X(promiseNames, 20)           \
  X(promises, 22)    /* string: the promises in force */ \
  X(comm, 23)        /* string: the process name */ \
  X(arch, 24)        /* string: the arch name */ \
  X(penalty, 25)     /* string: "kill" or "errno" */ \
  X(errnoName, 26)   /* string or NONE: with penalty errno, its name */ \
  X(inForce, 27)     /* promise bit set: the promises in force (a report names only what is missing) */

#define REPORT_TABLES_RESERVED_HEADER_WORDS(X) X(5)

/* Record sizes in bytes, one per section (the string pool has none). */
#define REPORT_TABLES_RECORD_BYTES(X) \
  X(syscall, 24)                      \
  X(spec, 56)                         \
  X(constant, 16)                     \
  X(rule, 16)                         \
  X(condition, 32)                    \
  X(value, 8)                         \
  X(promiseName, 4)

/*
 * Fields of each record (byte offset in the record). u64 fields are marked;
 * the rest are u32. Bytes a record does not list are reserved, written 0.
 */
/* syscalls, sorted by nr: one per number the arch names */
#define REPORT_TABLES_SYSCALL_FIELDS(X) \
  X(nr, 0)                              \
  X(name, 4)         /* string */       \
  X(specStart, 8)    /* first spec */   \
  X(specCount, 12)                      \
  X(ruleStart, 16)   /* first rule */   \
  X(ruleCount, 20)
/* argument specs: how to show one argument */
#define REPORT_TABLES_SPEC_FIELDS(X) \
  X(packed, 0)       /* arg, kind, width, guard op: REPORT_TABLES_SPEC_PACKING */ \
  X(label, 4)        /* string or NONE */ \
  X(enumStart, 8)    /* first enum constant */ \
  X(enumCount, 12)                   \
  X(flagStart, 16)   /* first flag constant */ \
  X(flagCount, 20)                   \
  X(enumMask, 24)    /* u64 */       \
  X(guardArg, 32)    /* the argument the guard tests */ \
  X(fallback, 36)    /* REPORT_TABLES_FALLBACKS */ \
  X(guardMask, 40)   /* u64 */       \
  X(guardValue, 48)  /* u64 */
/* constants: flag lists are sorted by number of bits, most first */
#define REPORT_TABLES_CONSTANT_FIELDS(X) \
  X(value, 0)        /* u64 */           \
  X(name, 8)         /* string */
/* attribution rules */
#define REPORT_TABLES_RULE_FIELDS(X) \
  X(promises, 0)     /* promise bit set */ \
  X(condStart, 4)    /* first condition */ \
  X(condCount, 8)                       \
  X(handled, 12)     /* 1: answers with an errno the program handles; preferred by the attribution */
/* conditions of a rule: (arg & mask) in values, or not in them when negated */
#define REPORT_TABLES_CONDITION_FIELDS(X) \
  X(arg, 0)                             \
  X(width, 4)        /* 32 or 64 */     \
  X(negate, 8)       /* 0 or 1 */       \
  X(valueStart, 12)  /* first value */  \
  X(valueCount, 16)                     \
  X(mask, 20)        /* u64 */
/* values of conditions */
#define REPORT_TABLES_VALUE_FIELDS(X) \
  X(value, 0)        /* u64 */
/* promise names, in bit order */
#define REPORT_TABLES_PROMISE_NAME_FIELDS(X) \
  X(name, 0)         /* string */

/* Bit positions of the 8-bit parts of a spec's packed word. */
#define REPORT_TABLES_SPEC_PACKING(X) \
  X(arg, 0)          /* 0..5 */       \
  X(kind, 8)         /* REPORT_TABLES_KINDS */ \
  X(width, 16)       /* 32 or 64 */   \
  X(guardOp, 24)     /* REPORT_TABLES_GUARD_OPS */

/* How an argument is shown. */
#define REPORT_TABLES_KINDS(X) \
  X(dec, 1)          /* signed decimal at its width */ \
  X(hex, 2)                    \
  X(oct, 3)                    \
  X(sym, 4)          /* enum constant, then flags, unknown bits in hex */ \
  X(ptr, 5)          /* hex, NULL for 0 */ \
  X(path, 6)         /* the string read from the caller, quoted */

/* When a spec applies: always, or when (args[guardArg] & guardMask) ... */
#define REPORT_TABLES_GUARD_OPS(X) \
  X(none, 0)                       \
  X(equals, 1)       /* == guardValue */ \
  X(anyBit, 2)       /* != 0 */

/* A symbolic value no enum constant names is shown as: */
#define REPORT_TABLES_FALLBACKS(X) \
  X(number, 0)       /* decimal (signed when the enum mask is the whole width) */ \
  X(hex, 1)

#endif /* SECCOMP_SCOPES_REPORT_TABLES_H_ */
