// @ts-check
/**
 * The target's C compiler as gen-arch's only authority on headers: which
 * names they define, and what those names evaluate to. Nothing here parses C
 * expressions or follows #include; the compiler does, for the target it was
 * built for (`gcc` for x86_64, `aarch64-linux-gnu-gcc` for aarch64), so its
 * data model, sizeof() and enumerators are the target's own.
 *
 * Method (no target code is run, and nothing is linked):
 *  1. Names: `cc -dM -E` lists the macros the headers leave defined (their
 *     final state), and `cc -E -P` the preprocessed text, from which only the
 *     names of `enum { ... }` members are taken (a few constants are plain
 *     enumerators, e.g. READ_IMPLIES_EXEC of linux/personality.h).
 *  2. Values: one translation unit includes the headers and then initialises
 *     a constant array, one row per name:
 *
 *         { (NAME) | 0ULL, (NAME) < 0 },
 *
 *     in its own section `.gen_arch`. A static initialiser must be a constant
 *     the compiler computes itself, so a name that is not one (a variable, a
 *     function call) fails to compile; `| 0ULL` accepts integer operands only
 *     (a float, a string or a pointer fails to compile) and gives the value
 *     modulo 2^64; the second word says whether it was negative. `cc -c`
 *     writes an ELF object, and the section's bytes are read straight from it
 *     (a few lines below: section headers and their string table), in the
 *     target's byte order, which the ELF header states.
 *
 * Errors are {@link GenArchError}s: a compiler that is not installed names
 * itself and the Debian package that provides it; a compilation that fails
 * carries the compiler's diagnostics, which point at the row of the name.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why a {@link GenArchError} was thrown. */
/** @typedef {'COMPILER_MISSING' | 'COMPILE_FAILED' | 'BAD_OBJECT'} GenArchErrorReason */

/**
 * A typed error of the generator: `code` is an errno name (`ENOENT` for a
 * missing compiler, `EINVAL` otherwise), `reason` says what went wrong,
 * `details` holds the facts the message names (compiler, Debian package).
 */
export class GenArchError extends Error {
  /**
   * @param {string} code @param {GenArchErrorReason} reason @param {string} message
   * @param {Record<string, unknown>} [details]
   */
  constructor(code, reason, message, details = {}) {
    super(message);
    this.name = 'GenArchError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

/**
 * The compiler of one target.
 * @typedef {object} CTarget
 * @property {string[]} cc              the compiler command (argv prefix), e.g. ['aarch64-linux-gnu-gcc']
 * @property {string} compilerPackage   the Debian package that provides it, named when it is missing
 * @property {'little' | 'big'} [endian] the target's byte order, checked against the object's ELF header
 */

/**
 * Runs the target's compiler on `input` (C source on stdin).
 * @param {CTarget} target @param {string[]} args @param {string} input
 * @returns {string} stdout
 */
export function runCc(target, args, input) {
  const [cmd, ...pre] = target.cc;
  try {
    return execFileSync(/** @type {string} */ (cmd), [...pre, ...args], {
      input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (err) {
    const e = /** @type {Error & { stderr?: string, code?: string }} */ (err);
    if (e.code === 'ENOENT') {
      throw new GenArchError('ENOENT', 'COMPILER_MISSING',
        `gen-arch: the C compiler ${cmd} is not installed: install the Debian package ${target.compilerPackage} (apt-get install ${target.compilerPackage}, or .ci/install-system-deps.sh)`,
        { compiler: cmd, debianPackage: target.compilerPackage });
    }
    throw new GenArchError('EINVAL', 'COMPILE_FAILED', `gen-arch: ${[cmd, ...pre, ...args].join(' ')} failed:\n${e.stderr || e.message}`, { compiler: cmd });
  }
}

/**
 * `#include` lines for headers; a header ending in '?' is arch-specific
 * (asm/prctl.h exists on x86 only) and included only where it exists.
 * @param {readonly string[]} headers
 */
export function includeLines(headers) {
  return headers.map((h) => (h.endsWith('?') ? `#if __has_include(<${h.slice(0, -1)}>)\n#include <${h.slice(0, -1)}>\n#endif\n` : `#include <${h}>\n`)).join('');
}

/**
 * The names of the members of every `enum { ... }` in preprocessed C text
 * (names only: their values come from {@link compileValues}).
 * @param {string} text
 * @returns {Set<string>}
 */
export function enumeratorNames(text) {
  const names = new Set();
  for (const [, body] of text.matchAll(/\benum\b[^{};]*\{([^{}]*)\}/g)) {
    // Drop parenthesised parts (values, attributes), whose commas do not separate members.
    let flat = /** @type {string} */ (body);
    for (let before = ''; before !== flat;) [before, flat] = [flat, flat.replace(/\([^()]*\)/g, '')];
    for (const member of flat.split(',')) {
      const m = /^\s*([A-Za-z_]\w*)/.exec(member);
      if (m) names.add(/** @type {string} */ (m[1]));
    }
  }
  return names;
}

/**
 * What a set of headers defines for the target: its macros (final state,
 * the compiler's predefined ones included) and, with `enumerators`, the
 * names of its enum members.
 * @param {CTarget} target @param {string[]} args include options @param {readonly string[]} headers
 * @param {{ enumerators?: boolean }} [options]
 * @returns {{ macros: Set<string>, enumerators: Set<string> }}
 */
export function definedNames(target, args, headers, options = {}) {
  const input = includeLines(headers);
  const dump = runCc(target, ['-dM', '-E', ...args, '-x', 'c', '-'], input);
  const macros = new Set([...dump.matchAll(/^#define ([A-Za-z_]\w*)/gm)].map((m) => /** @type {string} */ (m[1])));
  const enumerators = options.enumerators ? enumeratorNames(runCc(target, ['-E', '-P', ...args, '-x', 'c', '-'], input)) : new Set();
  return { macros, enumerators };
}

/** The section the values are compiled into. */
const SECTION = '.gen_arch';

/**
 * The values of integer constant expressions (here: macro and enumerator
 * names) as the target's compiler computes them after `prelude`.
 * @param {CTarget} target
 * @param {string[]} args    include and define options
 * @param {string} prelude   C text before the table (`#include` lines)
 * @param {readonly string[]} names
 * @returns {Map<string, bigint>} exact values, negative ones included
 */
export function compileValues(target, args, prelude, names) {
  const rows = names.map((n) => `  { (${n}) | 0ULL, (${n}) < 0 }, /* ${n} */`);
  const source = `${prelude}\n__attribute__((used, section("${SECTION}")))\nconst unsigned long long gen_arch_values[][2] = {\n${rows.join('\n')}\n  { 0, 0 }\n};\n`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-arch-cc-'));
  try {
    // A file rather than stdin, so that the compiler's diagnostics quote the row (and its name).
    const [src, obj] = [path.join(dir, 'values.c'), path.join(dir, 'values.o')];
    fs.writeFileSync(src, source);
    runCc(target, ['-c', '-O0', ...args, src, '-o', obj], '');
    const { bytes, littleEndian } = readElfSection(fs.readFileSync(obj), SECTION);
    if (target.endian !== undefined && littleEndian !== (target.endian === 'little')) {
      throw new GenArchError('EINVAL', 'BAD_OBJECT', `gen-arch: ${target.cc.join(' ')} wrote a ${littleEndian ? 'little' : 'big'}-endian object; the target is ${target.endian}-endian`);
    }
    if (bytes.length !== 16 * (names.length + 1)) {
      throw new GenArchError('EINVAL', 'BAD_OBJECT', `gen-arch: ${SECTION} of ${target.cc.join(' ')}'s object holds ${bytes.length} bytes, not ${16 * (names.length + 1)}`);
    }
    const word = (/** @type {number} */ o) => (littleEndian ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o));
    return new Map(names.map((n, i) => [n, word(16 * i + 8) !== 0n ? word(16 * i) - (1n << 64n) : word(16 * i)]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The contents of a named section of a 64-bit ELF object (elf(5): the
 * section header table at e_shoff, names in the section e_shstrndx).
 * @param {Buffer} elf @param {string} name
 * @returns {{ bytes: Buffer, littleEndian: boolean }}
 */
export function readElfSection(elf, name) {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || (elf[5] !== 1 && elf[5] !== 2)) {
    throw new GenArchError('EINVAL', 'BAD_OBJECT', 'gen-arch: the compiler did not write a 64-bit ELF object');
  }
  const le = elf[5] === 1;
  const u16 = (/** @type {number} */ o) => (le ? elf.readUInt16LE(o) : elf.readUInt16BE(o));
  const u32 = (/** @type {number} */ o) => (le ? elf.readUInt32LE(o) : elf.readUInt32BE(o));
  const u64 = (/** @type {number} */ o) => Number(le ? elf.readBigUInt64LE(o) : elf.readBigUInt64BE(o));
  const [shoff, shentsize, shnum, shstrndx] = [u64(0x28), u16(0x3a), u16(0x3c), u16(0x3e)];
  const header = (/** @type {number} */ i) => ({ name: u32(shoff + i * shentsize), offset: u64(shoff + i * shentsize + 0x18), size: u64(shoff + i * shentsize + 0x20) });
  const strtab = header(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    const start = strtab.offset + h.name;
    if (elf.toString('latin1', start, elf.indexOf(0, start)) === name) return { bytes: elf.subarray(h.offset, h.offset + h.size), littleEndian: le };
  }
  throw new GenArchError('EINVAL', 'BAD_OBJECT', `gen-arch: the compiler's object has no section ${name}`);
}
