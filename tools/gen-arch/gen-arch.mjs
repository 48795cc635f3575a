#!/usr/bin/env node
// @ts-check
/**
 * (Size: about 640 lines, one purpose: the three header passes, the per-arch
 * header lists and the emitters they feed; asking the compiler lives in
 * ./cc-values.mjs.)
 *
 * gen-arch: generates each architecture's syscall table, ABI constants and
 * audit arch from the kernel UAPI headers that Debian ships in linux-libc-dev
 * (or linux-libc-dev-<arch>-cross), and checks that the committed files match.
 *
 *   node tools/gen-arch/gen-arch.mjs              write every arch's file, and core's SyscallName union
 *   node tools/gen-arch/gen-arch.mjs --check      exit 1 if a committed file drifted
 *   node tools/gen-arch/gen-arch.mjs --arch x86_64 [--check]   that arch's file only
 *
 * Besides one table per arch, it writes the union of every arch's syscall
 * names into core (SYSCALL_NAMES_OUTPUT: `SYSCALL_NAMES` and the type
 * `SyscallName`), so a catalog rule naming a syscall no table has fails the
 * type checker. That file needs every arch, so `--arch` leaves it alone.
 *
 * Method. The target's own C compiler (`gcc`, `aarch64-linux-gnu-gcc`) does
 * all the header work; this script never parses a header or a C expression.
 * It asks the compiler which names the headers define (`cc -dM -E` for
 * macros, the enum members of `cc -E -P`), then compiles those names into an
 * object file and reads their values back from it (./cc-values.mjs explains
 * how). So macros of every kind (function-like ones such as _IOR for
 * TIOCGPTN), sizeof() and enumerators are evaluated by the compiler, with the
 * target's data model. A defined name that is not an integer constant fails
 * the compilation: an error, never a guess.
 *
 * Three passes per arch, each a set of headers given to the compiler:
 *  1. syscalls: only the arch's syscall header(s) (asm/unistd_64.h on x86_64),
 *     every `__NR_<name>` macro. x86_64's unistd_64.h holds the native ABI only;
 *     the x32 (unistd_x32.h) and i386 (unistd_32.h) tables are not read.
 *  2. UAPI constants: the kernel headers alone (`-nostdinc`, and an include
 *     root that contains nothing but the package's linux/, asm-generic/ and
 *     asm/ directories, so no C library header can be pulled in).
 *  3. C library constants: the arch's glibc headers with _GNU_SOURCE.
 *
 * Precedence for ABI constants: the UAPI value wins (pass 2); the C library
 * (pass 3) only supplies names the UAPI does not define (AF_*, SOCK_* types,
 * SCM_RIGHTS, EFD_*, ENOTSUP, ...). The reason is that a seccomp filter sees
 * the raw values the kernel receives, and the C library is allowed to differ
 * from the kernel ABI: glibc defines O_LARGEFILE as 0 on 64-bit arches (it
 * never needs to pass it) while the kernel's flag is 0100000, which a 64-bit
 * caller may still set. Every name defined by both with different values is
 * reported on stderr when writing.
 *
 * Which constants: exactly the names of CONSTANT_NAMES in
 * packages/core/src/constants.ts, read from the TypeScript source so no build
 * is needed. Names the headers do not define are left out of the generated
 * file (and listed on stderr when writing).
 *
 * Adding an architecture is one more entry in ARCHES below; the aarch64 entry
 * shows a cross target (docs/adding-an-architecture.md has the whole recipe).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GenArchError, compileValues, definedNames, includeLines, runCc } from './cc-values.mjs';

export { GenArchError, compileValues, definedNames, enumeratorNames, readElfSection } from './cc-values.mjs';

/** The repository root (this file lives in tools/gen-arch/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where CONSTANT_NAMES lives, relative to the repository root. */
export const CONSTANT_NAMES_FILE = 'packages/core/src/constants.ts';

/** The generated union of every arch's syscall names, relative to the repository root. */
export const SYSCALL_NAMES_OUTPUT = 'packages/core/src/generated/syscall-names.ts';

/**
 * @typedef {object} ArchConfig
 * @property {string} name              our (and the kernel's) name: x86_64, aarch64
 * @property {string} nodeArch          Node's process.arch for it
 * @property {string} debianPackage     the Debian package that ships the headers (its version goes into SOURCE)
 * @property {string} debianArch        Debian's name for the arch (amd64, arm64), shown in SOURCE
 * @property {string[]} cc              the C compiler for this target (argv prefix)
 * @property {string} compilerPackage   the Debian package that provides it (named when it is missing)
 * @property {string[]} cppTargetMacros macros the compiler must predefine, proving it targets this arch
 * @property {string[]} cppForbiddenMacros macros it must not predefine (another ABI on the same machine)
 * @property {Readonly<Record<string, string>>} uapiIncludeDirs UAPI include root, as `<subdir>: <directory>`
 * @property {string[]} libcIncludeDirs  the C library's include directories, most specific first
 * @property {string[]} syscallHeaders  headers whose `__NR_*` macros are the native syscall table
 * @property {string[]} syscallExclude  `__NR_*` macros in those headers that are not syscalls
 * @property {string} auditArchMacro    the AUDIT_ARCH_* macro of the native ABI (linux/audit.h)
 * @property {string | null} compatAuditArchMacro AUDIT_ARCH_* of the 32-bit compat ABI a process can also enter, or null
 * @property {'little' | 'big'} endian  byte order
 * @property {string | null} foreignAbiBitMacro macro for the bit that selects another ABI (x32) or null
 * @property {string} output            generated file, relative to the repository root
 */

/**
 * One entry per architecture. Everything arch-specific is data here.
 * @type {readonly ArchConfig[]}
 */
export const ARCHES = Object.freeze([
  {
    name: 'x86_64',
    nodeArch: 'x64',
    debianPackage: 'linux-libc-dev',
    debianArch: 'amd64',
    cc: ['gcc'],
    compilerPackage: 'gcc',
    cppTargetMacros: ['__x86_64__', '__LP64__'],
    cppForbiddenMacros: ['__ILP32__', '__i386__'],
    uapiIncludeDirs: {
      linux: '/usr/include/linux',
      'asm-generic': '/usr/include/asm-generic',
      asm: '/usr/include/x86_64-linux-gnu/asm',
    },
    libcIncludeDirs: ['/usr/include/x86_64-linux-gnu', '/usr/include'],
    syscallHeaders: ['asm/unistd_64.h'],
    syscallExclude: [],
    auditArchMacro: 'AUDIT_ARCH_X86_64',
    compatAuditArchMacro: 'AUDIT_ARCH_I386',
    endian: 'little',
    foreignAbiBitMacro: '__X32_SYSCALL_BIT',
    output: 'packages/arch-x86_64/src/generated/x86_64.ts',
  },
  {
    // The asm-generic table (include/uapi/asm-generic/unistd.h), as arm64's
    // asm/unistd.h selects it with its __ARCH_WANT_* macros. AArch32 tasks enter
    // under AUDIT_ARCH_ARM with the arm (EABI) numbering; the filter refuses it.
    name: 'aarch64',
    nodeArch: 'arm64',
    debianPackage: 'linux-libc-dev-arm64-cross',
    debianArch: 'arm64',
    cc: ['aarch64-linux-gnu-gcc'],
    compilerPackage: 'gcc-aarch64-linux-gnu',
    cppTargetMacros: ['__aarch64__', '__LP64__'],
    cppForbiddenMacros: ['__ILP32__', '__arm__'],
    uapiIncludeDirs: {
      linux: '/usr/aarch64-linux-gnu/include/linux',
      'asm-generic': '/usr/aarch64-linux-gnu/include/asm-generic',
      asm: '/usr/aarch64-linux-gnu/include/asm',
    },
    libcIncludeDirs: ['/usr/aarch64-linux-gnu/include'],
    syscallHeaders: ['asm/unistd.h'],
    // asm-generic/unistd.h also defines these; they are bounds, not syscalls
    // (__NR_arch_specific_syscall is 244, the first of a range arm64 leaves empty).
    syscallExclude: ['__NR_syscalls', '__NR_arch_specific_syscall'],
    auditArchMacro: 'AUDIT_ARCH_AARCH64',
    compatAuditArchMacro: 'AUDIT_ARCH_ARM',
    endian: 'little',
    foreignAbiBitMacro: null,
    output: 'packages/arch-aarch64/src/generated/aarch64.ts',
  },
]);

/**
 * UAPI headers read for constants (pass 2). asm/ names resolve to the arch's
 * own overrides, which include the asm-generic defaults where they apply.
 */
export const UAPI_HEADERS = Object.freeze([
  'linux/fcntl.h', 'asm/fcntl.h', 'linux/stat.h',
  'linux/mman.h', 'asm/mman.h',
  'asm/ioctls.h', 'linux/termios.h',
  'linux/sched.h', 'linux/prctl.h', 'linux/seccomp.h',
  'asm/signal.h', 'asm/errno.h',
  'asm/socket.h', 'linux/socket.h', 'linux/in.h', 'linux/in6.h', 'linux/netlink.h', 'linux/tcp.h', 'linux/sockios.h',
  'linux/personality.h', 'asm/prctl.h?', 'linux/fs.h',
  'asm/resource.h', 'linux/random.h', 'linux/futex.h', 'linux/eventpoll.h',
  'linux/audit.h', 'linux/elf-em.h',
  'asm/unistd.h',
]);

/** C library headers read for constants the UAPI lacks (pass 3), with _GNU_SOURCE. */
export const LIBC_HEADERS = Object.freeze([
  'sys/socket.h', 'netinet/in.h', 'sys/stat.h', 'fcntl.h', 'sys/mman.h', 'sys/ioctl.h', 'termios.h',
  'sched.h', 'sys/prctl.h', 'signal.h', 'errno.h', 'sys/resource.h', 'sys/random.h', 'sys/eventfd.h',
  'sys/epoll.h',
]);

/**
 * Looks an arch up by name.
 * @param {string | ArchConfig} arch
 * @returns {ArchConfig}
 */
export function getArch(arch) {
  if (typeof arch !== 'string') return arch;
  const found = ARCHES.find((a) => a.name === arch);
  if (!found) throw new Error(`gen-arch: unknown arch ${JSON.stringify(arch)} (known: ${ARCHES.map((a) => a.name).join(', ')})`);
  return found;
}

/**
 * Reads CONSTANT_NAMES out of the TypeScript source of packages/core.
 * @param {string} [file]
 * @returns {string[]}
 */
export function readConstantNames(file = path.join(REPO_ROOT, CONSTANT_NAMES_FILE)) {
  const src = fs.readFileSync(file, 'utf8');
  const m = /export\s+const\s+CONSTANT_NAMES\s*=\s*\[([\s\S]*?)\]\s*as\s+const\s*;/.exec(src);
  if (!m) throw new Error(`gen-arch: no \`export const CONSTANT_NAMES = [...] as const;\` in ${file}`);
  const body = /** @type {string} */ (m[1]).replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const names = [...body.matchAll(/'([^'\\]*)'|"([^"\\]*)"/g)].map((x) => /** @type {string} */ (x[1] ?? x[2]));
  const rest = body.replace(/'[^'\\]*'|"[^"\\]*"/g, '').replace(/[\s,]/g, '');
  if (rest !== '') throw new Error(`gen-arch: unexpected text in CONSTANT_NAMES of ${file}: ${JSON.stringify(rest.slice(0, 60))}`);
  const seen = new Set();
  for (const n of names) {
    if (!/^[A-Za-z_]\w*$/.test(n)) throw new Error(`gen-arch: CONSTANT_NAMES entry ${JSON.stringify(n)} is not a C identifier`);
    if (seen.has(n)) throw new Error(`gen-arch: CONSTANT_NAMES lists ${n} twice`);
    seen.add(n);
  }
  if (names.length === 0) throw new Error(`gen-arch: CONSTANT_NAMES in ${file} is empty`);
  return names;
}

/**
 * The installed version of a Debian package, via dpkg-query.
 * @param {string} pkg
 */
export function debianVersion(pkg) {
  try {
    const v = execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    if (v === '') throw new Error('not installed');
    return v;
  } catch (err) {
    throw new Error(`gen-arch: cannot get the version of Debian package ${pkg} (is it installed? try .ci/install-system-deps.sh): ${/** @type {Error} */ (err).message.split('\n')[0]}`);
  }
}

/**
 * What a set of headers defines for the arch, checking on the way that its
 * compiler targets that arch (cppTargetMacros, cppForbiddenMacros).
 * @param {ArchConfig} arch @param {string[]} args @param {readonly string[]} headers
 * @param {boolean} enumerators also collect enum member names (the syscall pass needs macros only)
 */
function defined(arch, args, headers, enumerators) {
  const d = definedNames(arch, args, headers, { enumerators });
  for (const m of arch.cppTargetMacros) {
    if (!d.macros.has(m)) throw new Error(`gen-arch: ${arch.cc.join(' ')} does not define ${m}: it does not target ${arch.name}`);
  }
  for (const m of arch.cppForbiddenMacros) {
    if (d.macros.has(m)) throw new Error(`gen-arch: ${arch.cc.join(' ')} defines ${m}: wrong ABI for ${arch.name}`);
  }
  return { ...d, has: (/** @type {string} */ name) => d.macros.has(name) || d.enumerators.has(name) };
}

/**
 * An include root holding only the package's UAPI directories (symlinks),
 * so `-nostdinc -I<root>` sees nothing else.
 * @param {ArchConfig} arch
 */
function makeUapiRoot(arch) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `gen-arch-${arch.name}-`));
  for (const [sub, dir] of Object.entries(arch.uapiIncludeDirs)) {
    if (!fs.existsSync(dir)) {
      fs.rmSync(root, { recursive: true, force: true });
      throw new Error(`gen-arch: ${dir} is missing; install the Debian package ${arch.debianPackage} (.ci/install-system-deps.sh)`);
    }
    fs.symlinkSync(dir, path.join(root, sub));
  }
  return root;
}

/** The compiler's own include directory (stddef.h etc.), which glibc headers need. @param {ArchConfig} arch */
function compilerIncludeDir(arch) {
  const dir = runCc(arch, ['-print-file-name=include'], '').trim();
  if (!path.isAbsolute(dir) || !fs.existsSync(dir)) throw new Error(`gen-arch: ${arch.cc.join(' ')} -print-file-name=include gave ${JSON.stringify(dir)}`);
  return dir;
}

/** @param {bigint} v @param {string} what */
function toNumber(v, what) {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Error(`gen-arch: ${what} = ${v} does not fit a JavaScript number`);
  }
  return Number(v);
}

/**
 * @typedef {object} Generated
 * @property {ArchConfig} arch
 * @property {string} source            e.g. `linux-libc-dev 6.1.187-1 (amd64)`
 * @property {Array<[string, number]>} syscalls sorted by number
 * @property {Array<[string, number]>} constants sorted by name
 * @property {number} auditArch
 * @property {number | undefined} compatAuditArch
 * @property {number | undefined} foreignAbiBit
 * @property {string[]} missing          CONSTANT_NAMES entries no header defines
 * @property {Record<string, 'uapi' | 'libc'>} origin where each constant came from
 * @property {string[]} notes            informational: UAPI/libc disagreements
 * @property {string} text               the generated TypeScript
 */

/**
 * Generates one arch's tables (does not write anything).
 * @param {string | ArchConfig} [archOrName]
 * @param {{ constantNames?: string[] }} [options]
 * @returns {Generated}
 */
export function generate(archOrName = 'x86_64', options = {}) {
  const arch = getArch(archOrName);
  const constantNames = options.constantNames ?? readConstantNames();
  const source = `${arch.debianPackage} ${debianVersion(arch.debianPackage)} (${arch.debianArch})`;
  const uapiRoot = makeUapiRoot(arch);
  try {
    const uapiArgs = ['-nostdinc', '-I', uapiRoot];
    const libcArgs = ['-nostdinc', '-D_GNU_SOURCE', '-isystem', compilerIncludeDir(arch), ...arch.libcIncludeDirs.flatMap((d) => ['-isystem', d])];

    // 1. syscalls
    const sysNames = [...defined(arch, uapiArgs, arch.syscallHeaders, false).macros].filter((n) => n.startsWith('__NR_') && !arch.syscallExclude.includes(n));
    const sysValues = compileValues(arch, uapiArgs, includeLines(arch.syscallHeaders), sysNames);
    /** @type {Array<[string, number]>} */
    const syscalls = sysNames.map((n) => [n.slice('__NR_'.length), toNumber(/** @type {bigint} */ (sysValues.get(n)), n)]);
    syscalls.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (syscalls.length === 0) throw new Error(`gen-arch: no __NR_* macros in ${arch.syscallHeaders.join(', ')}`);
    for (let i = 1; i < syscalls.length; i++) {
      const [a, b] = [/** @type {[string, number]} */ (syscalls[i - 1]), /** @type {[string, number]} */ (syscalls[i])];
      if (a[1] === b[1]) throw new Error(`gen-arch: __NR_${a[0]} and __NR_${b[0]} share number ${a[1]}`);
    }

    // 2. UAPI constants, audit arch, foreign ABI bit
    const uapiDefs = defined(arch, uapiArgs, UAPI_HEADERS, true);
    const archMacros = /** @type {string[]} */ ([arch.auditArchMacro, arch.compatAuditArchMacro, arch.foreignAbiBitMacro].filter((m) => m !== null));
    for (const m of archMacros) if (!uapiDefs.macros.has(m)) throw new Error(`gen-arch: ${m} is not defined by the UAPI headers`);
    const uapi = compileValues(arch, uapiArgs, includeLines(UAPI_HEADERS), [...archMacros, ...constantNames.filter(uapiDefs.has)]);
    const archValue = (/** @type {string | null} */ m) => (m === null ? undefined : toNumber(/** @type {bigint} */ (uapi.get(m)), m));
    const auditArch = /** @type {number} */ (archValue(arch.auditArchMacro));
    const compatAuditArch = archValue(arch.compatAuditArchMacro);
    const foreignAbiBit = archValue(arch.foreignAbiBitMacro);
    if (foreignAbiBit !== undefined) {
      const over = syscalls.find(([, nr]) => nr >= foreignAbiBit);
      if (over) throw new Error(`gen-arch: __NR_${over[0]} = ${over[1]} is in the foreign ABI range`);
    }

    // 3. C library constants, consulted for names the UAPI lacks
    /** @type {string[]} */
    const notes = [];
    const libcNames = constantNames.filter(defined(arch, libcArgs, LIBC_HEADERS, true).has);
    /** @type {Map<string, bigint>} */
    let libc;
    try {
      libc = compileValues(arch, libcArgs, includeLines(LIBC_HEADERS), libcNames);
    } catch (err) {
      if (!(err instanceof GenArchError) || err.reason !== 'COMPILE_FAILED') throw err;
      // The C library's definitions of names the UAPI has are only compared: if one does not compile, compare none.
      libc = compileValues(arch, libcArgs, includeLines(LIBC_HEADERS), libcNames.filter((n) => !uapi.has(n)));
      notes.push(`the C library's definitions of names the UAPI defines do not all compile, so none is compared (${err.message.split('\n')[1]})`);
    }

    /** @type {Array<[string, number]>} */
    const constants = [];
    /** @type {string[]} */
    const missing = [];
    /** @type {Record<string, 'uapi' | 'libc'>} */
    const origin = {};
    for (const name of constantNames) {
      const [u, l] = [uapi.get(name), libc.get(name)];
      if (u !== undefined && l !== undefined && u !== l) {
        notes.push(`${name}: UAPI ${u} (0x${u.toString(16)}) vs C library ${l} (0x${l.toString(16)}); using the UAPI (kernel) value`);
      }
      const v = u ?? l;
      if (v === undefined) {
        missing.push(name);
        continue;
      }
      origin[name] = u !== undefined ? 'uapi' : 'libc';
      constants.push([name, toNumber(v, name)]);
    }
    constants.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

    const result = { arch, source, syscalls, constants, auditArch, compatAuditArch, foreignAbiBit, missing, origin, notes, text: '' };
    result.text = render(result);
    return result;
  } finally {
    fs.rmSync(uapiRoot, { recursive: true, force: true });
  }
}

/** @param {string} key */
function tsKey(key) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Decimal for small and negative values, hex otherwise. @param {number} v */
function literal(v) {
  return v < 0x100 ? String(v) : `0x${v.toString(16)}`;
}

/**
 * The TypeScript text of a generated file.
 * @param {Omit<Generated, 'text'>} g
 */
export function render(g) {
  const lines = [
    `// Generated by tools/gen-arch/gen-arch.mjs from ${g.source} — do not edit.`,
    '// Regenerate: node tools/gen-arch/gen-arch.mjs   Verify: node tools/gen-arch/gen-arch.mjs --check',
    '',
    `/** Native ${g.arch.name} syscall numbers (\`__NR_*\` of ${g.arch.syscallHeaders.join(', ')}), by number. */`,
    'export const SYSCALLS = {',
    ...g.syscalls.map(([n, v]) => `  ${tsKey(n)}: ${v},`),
    '} as const;',
    '',
    '/** ABI constants named in CONSTANT_NAMES (packages/core/src/constants.ts) that the headers define, by name. */',
    'export const CONSTANTS = {',
    ...g.constants.map(([n, v]) => `  ${tsKey(n)}: ${literal(v)},`),
    '} as const;',
    '',
    `/** ${g.arch.auditArchMacro} */`,
    `export const AUDIT_ARCH = 0x${g.auditArch.toString(16)};`,
    '',
    g.compatAuditArch === undefined
      ? '/** This arch has no compat ABI. */\nexport const COMPAT_AUDIT_ARCH: number | undefined = undefined;'
      : `/** ${g.arch.compatAuditArchMacro}: the compat ABI, which the filter's arch check refuses */\nexport const COMPAT_AUDIT_ARCH = 0x${g.compatAuditArch.toString(16)};`,
    '',
    g.foreignAbiBit === undefined
      ? '/** This arch multiplexes no other ABI on its audit arch. */\nexport const FOREIGN_ABI_BIT: number | undefined = undefined;'
      : `/** ${g.arch.foreignAbiBitMacro} */\nexport const FOREIGN_ABI_BIT = 0x${g.foreignAbiBit.toString(16)};`,
    '',
    `export const SOURCE = '${g.source}';`,
    '',
  ];
  return lines.join('\n');
}

/**
 * The TypeScript text of core's syscall-name file: every name of the given
 * arches' tables, sorted, each marked with the arches that have it unless all do.
 * @param {ReadonlyArray<Pick<Generated, 'arch' | 'source' | 'syscalls'>>} gens one per arch, in ARCHES order
 */
export function renderSyscallNames(gens) {
  /** @type {Map<string, string[]>} */
  const on = new Map();
  for (const g of gens) for (const [n] of g.syscalls) on.set(n, [...(on.get(n) ?? []), g.arch.name]);
  const names = [...on.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const all = gens.map((g) => g.arch.name);
  const lines = [
    `// Generated by tools/gen-arch/gen-arch.mjs from ${gens.map((g) => g.source).join(', ')} — do not edit.`,
    '// Regenerate: node tools/gen-arch/gen-arch.mjs   Verify: node tools/gen-arch/gen-arch.mjs --check',
    '',
    '/**',
    ` * Every syscall name of the native tables of ${all.join(' and ')} (\`__NR_<name>\`), sorted;`,
    ' * a name on only some of them says which. The rule model types syscall names',
    ' * with {@link SyscallName}, so a misspelled one fails the type checker.',
    ' */',
    'export const SYSCALL_NAMES = [',
    ...names.map((n) => {
      const arches = /** @type {string[]} */ (on.get(n));
      return `  '${n}',${arches.length === all.length ? '' : ` // ${arches.join(', ')} only`}`;
    }),
    '] as const;',
    '',
    '/** A syscall name of at least one of our arch tables. */',
    'export type SyscallName = (typeof SYSCALL_NAMES)[number];',
    '',
  ];
  return lines.join('\n');
}

/**
 * @typedef {object} CheckResult
 * @property {boolean} ok
 * @property {string} file      absolute path that was compared
 * @property {string} message
 */

/**
 * Regenerates an arch's file in memory and compares it with the committed one.
 * @param {{ arch?: string | ArchConfig, file?: string, contents?: string, generated?: Generated }} [options]
 *   file: the file to compare (default: the arch's output in this repository);
 *   contents: compare this text instead of reading `file`;
 *   generated: reuse a result of generate() instead of regenerating.
 * @returns {CheckResult}
 */
export function check(options = {}) {
  const arch = getArch(options.arch ?? 'x86_64');
  const file = path.resolve(REPO_ROOT, options.file ?? arch.output);
  const shown = path.relative(REPO_ROOT, file).startsWith('..') ? file : path.relative(REPO_ROOT, file);
  const g = options.generated ?? generate(arch);
  let actual = options.contents;
  if (actual === undefined) {
    if (!fs.existsSync(file)) {
      return { ok: false, file, message: `${shown} is missing; run \`node tools/gen-arch/gen-arch.mjs\` to generate it (from ${g.source}).` };
    }
    actual = fs.readFileSync(file, 'utf8');
  }
  return compareWith(file, shown, actual, g.text, g.source);
}

/**
 * Compares a committed generated file with the text generated now.
 * @param {string} file @param {string} shown @param {string} actual @param {string} text @param {string} source
 * @returns {CheckResult}
 */
function compareWith(file, shown, actual, text, source) {
  if (actual === text) return { ok: true, file, message: `${shown} is up to date (${source}).` };
  // A newer Debian revision of the same headers changes only the banner and SOURCE:
  // the tables are what matter, so that is reported but is not drift.
  const tablesOnly = (/** @type {string} */ t) => t.split('\n').filter((l) => !l.includes('linux-libc-dev')).join('\n');
  if (tablesOnly(actual) === tablesOnly(text)) {
    return { ok: true, file, message: `${shown}: tables are up to date; the headers here are ${source}, the file names another package version in its banner.` };
  }
  const want = text.split('\n');
  const have = actual.split('\n');
  const wantSet = new Set(want);
  const haveSet = new Set(have);
  const removed = have.filter((l) => !wantSet.has(l));
  const added = want.filter((l) => !haveSet.has(l));
  const show = (/** @type {string[]} */ ls, /** @type {string} */ sign) => [
    ...ls.slice(0, 10).map((l) => `  ${sign} ${l}`),
    ...(ls.length > 10 ? [`  ${sign} ... ${ls.length - 10} more`] : []),
  ];
  const detail = removed.length + added.length > 0 ? [...show(removed, '-'), ...show(added, '+')] : ['  (same lines, different order or line endings)'];
  return {
    ok: false,
    file,
    message: [
      `${shown} has drifted from what tools/gen-arch/gen-arch.mjs generates from ${source}:`,
      ...detail,
      'Run `node tools/gen-arch/gen-arch.mjs` to regenerate it (and commit the result), or install the linux-libc-dev version named in its banner.',
    ].join('\n'),
  };
}

/**
 * Regenerates core's syscall-name union in memory and compares it with the committed file.
 * @param {{ file?: string, contents?: string, generated?: ReadonlyArray<Pick<Generated, 'arch' | 'source' | 'syscalls'>> }} [options]
 *   file: the file to compare (default: SYSCALL_NAMES_OUTPUT in this repository);
 *   contents: compare this text instead of reading `file`;
 *   generated: results of generate() for every arch, in ARCHES order (default: generate them).
 * @returns {CheckResult}
 */
export function checkSyscallNames(options = {}) {
  const file = path.resolve(REPO_ROOT, options.file ?? SYSCALL_NAMES_OUTPUT);
  const shown = path.relative(REPO_ROOT, file).startsWith('..') ? file : path.relative(REPO_ROOT, file);
  const gens = options.generated ?? ARCHES.map((a) => generate(a));
  const text = renderSyscallNames(gens);
  const source = gens.map((g) => g.source).join(', ');
  let actual = options.contents;
  if (actual === undefined) {
    if (!fs.existsSync(file)) {
      return { ok: false, file, message: `${shown} is missing; run \`node tools/gen-arch/gen-arch.mjs\` to generate it (from ${source}).` };
    }
    actual = fs.readFileSync(file, 'utf8');
  }
  return compareWith(file, shown, actual, text, source);
}

/**
 * Writes core's syscall-name union.
 * @param {ReadonlyArray<Pick<Generated, 'arch' | 'source' | 'syscalls'>>} [gens] results of generate() for every arch
 * @returns {{ file: string, changed: boolean, names: number }}
 */
export function writeSyscallNames(gens = ARCHES.map((a) => generate(a))) {
  const text = renderSyscallNames(gens);
  const file = path.join(REPO_ROOT, SYSCALL_NAMES_OUTPUT);
  const changed = !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
  if (changed) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return { file, changed, names: new Set(gens.flatMap((g) => g.syscalls.map(([n]) => n))).size };
}

/**
 * Writes an arch's generated file.
 * @param {string | ArchConfig} archOrName
 * @param {Generated} [generated] reuse a result of generate() instead of regenerating
 * @returns {Generated & { file: string, changed: boolean }}
 */
export function write(archOrName, generated = undefined) {
  const g = generated ?? generate(archOrName);
  const file = path.join(REPO_ROOT, g.arch.output);
  const changed = !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== g.text;
  if (changed) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, g.text);
  }
  return { ...g, file, changed };
}

/** @param {string[]} argv @returns {number} exit status */
export function main(argv) {
  let checkMode = false;
  /** @type {string[]} */
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') checkMode = true;
    else if (a === '--arch' && argv[i + 1] !== undefined) names.push(/** @type {string} */ (argv[++i]));
    else if (a?.startsWith('--arch=')) names.push(a.slice('--arch='.length));
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node tools/gen-arch/gen-arch.mjs [--check] [--arch NAME]...\n');
      return 0;
    } else {
      process.stderr.write(`gen-arch: unknown argument ${JSON.stringify(a)}\n`);
      return 2;
    }
  }
  const arches = names.length > 0 ? names.map(getArch) : [...ARCHES];
  let status = 0;
  /** @type {Generated[]} */
  const gens = [];
  for (const arch of arches) {
    const g = generate(arch);
    gens.push(g);
    if (checkMode) {
      const r = check({ arch, generated: g });
      (r.ok ? process.stdout : process.stderr).write(`gen-arch: ${r.message}\n`);
      if (!r.ok) status = 1;
      continue;
    }
    const r = write(arch, g);
    const rel = path.relative(REPO_ROOT, r.file);
    process.stdout.write(`gen-arch: ${r.changed ? 'wrote' : 'unchanged'} ${rel} (${r.source}): ${r.syscalls.length} syscalls, ${r.constants.length} constants, AUDIT_ARCH 0x${r.auditArch.toString(16)}\n`);
    const fromLibc = Object.keys(r.origin).filter((n) => r.origin[n] === 'libc');
    if (fromLibc.length > 0) process.stderr.write(`gen-arch: ${arch.name}: from the C library (not in the UAPI): ${fromLibc.join(' ')}\n`);
    if (r.missing.length > 0) process.stderr.write(`gen-arch: ${arch.name}: not defined by the headers, left out: ${r.missing.join(' ')}\n`);
    for (const n of r.notes) process.stderr.write(`gen-arch: ${arch.name}: note: ${n}\n`);
  }
  // Core's syscall-name union needs every arch's table.
  if (names.length === 0) {
    if (checkMode) {
      const r = checkSyscallNames({ generated: gens });
      (r.ok ? process.stdout : process.stderr).write(`gen-arch: ${r.message}\n`);
      if (!r.ok) status = 1;
    } else {
      const r = writeSyscallNames(gens);
      process.stdout.write(`gen-arch: ${r.changed ? 'wrote' : 'unchanged'} ${SYSCALL_NAMES_OUTPUT}: ${r.names} syscall names of ${gens.map((g) => g.arch.name).join(', ')}\n`);
    }
  }
  return status;
}

const invokedAs = process.argv[1] ? pathToFileURL(fs.realpathSync(process.argv[1])).href : '';
if (import.meta.url === invokedAs) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
