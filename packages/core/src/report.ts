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
 */
import type { ArchDescriptor } from './arch.js';
import { CONSTANT_NAMES, SOCK_TYPE_MASK, type ConstantName } from './constants.js';
import { resolveRules, evalValue, type ResolvedRule, type RuntimeValues } from './compile.js';
import { ruleMatches } from './decide.js';
import { PledgeError } from './errors.js';
import { CATALOG, PROMISES, formatPromises } from './promises.js';
import type { ValueExpr } from './rules.js';

export { reporterRules, ringReplayRules, REPORT_EXIT_MAGIC } from './catalog/always.js';

// ------------------------------------------------------------ constant families

const NAMES = CONSTANT_NAMES as readonly ConstantName[];
const pick = (test: (n: string) => boolean): readonly ConstantName[] => NAMES.filter(test);
const OPEN_ACCESS: readonly ConstantName[] = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];

/** Families of constants, by name; a decode entry names one. Values come from the arch descriptor. */
export const REPORT_FAMILIES = {
  openAccess: OPEN_ACCESS,
  openFlags: pick((n) => (n.startsWith('O_') && n !== 'O_ACCMODE' && !OPEN_ACCESS.includes(n as ConstantName)) || n === '__O_TMPFILE' || n === 'FASYNC'),
  atFlags: ['AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR', 'AT_EMPTY_PATH', 'AT_SYMLINK_FOLLOW'],
  fcntl: pick((n) => n.startsWith('F_')),
  prot: pick((n) => n.startsWith('PROT_')),
  map: pick((n) => n.startsWith('MAP_')),
  mremap: pick((n) => n.startsWith('MREMAP_')),
  madvise: pick((n) => n.startsWith('MADV_')),
  ioctl: pick((n) => /^(FIO|TC[A-Z]|TIOC|SIOC)/.test(n) && !n.startsWith('TCP_')),
  clone: pick((n) => n.startsWith('CLONE_')),
  prctl: pick((n) => n.startsWith('PR_')),
  archPrctl: pick((n) => n.startsWith('ARCH_')),
  seccompOp: ['SECCOMP_SET_MODE_STRICT', 'SECCOMP_SET_MODE_FILTER', 'SECCOMP_GET_ACTION_AVAIL', 'SECCOMP_GET_NOTIF_SIZES'],
  seccompFlags: pick((n) => n.startsWith('SECCOMP_FILTER_FLAG_')),
  signal: pick((n) => /^SIG[A-Z0-9]+$/.test(n)),
  addressFamily: pick((n) => n.startsWith('AF_')),
  sockType: ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET'],
  sockFlags: ['SOCK_NONBLOCK', 'SOCK_CLOEXEC'],
  ipProtocol: pick((n) => n.startsWith('IPPROTO_')),
  netlinkProtocol: ['NETLINK_ROUTE'],
  sockLevel: ['SOL_SOCKET', ...pick((n) => n.startsWith('IPPROTO_'))],
  socketOption: pick((n) => n.startsWith('SO_')),
  ipOption: pick((n) => n.startsWith('IP_')),
  ipv6Option: pick((n) => n.startsWith('IPV6_')),
  tcpOption: pick((n) => n.startsWith('TCP_')),
  rlimit: pick((n) => n.startsWith('RLIMIT_')),
  getrandom: pick((n) => n.startsWith('GRND_')),
} as const satisfies Record<string, readonly ConstantName[]>;

/** A family name of {@link REPORT_FAMILIES}. */
export type ReportFamily = keyof typeof REPORT_FAMILIES;

// ------------------------------------------------------------ the decode table

/**
 * How one argument is shown:
 *
 * - `fd`, `int`: signed decimal of the low 32 bits; `long`: of all 64;
 * - `dirfd`: `AT_FDCWD` or the descriptor;
 * - `hex` (64-bit), `octal` (32-bit), `ptr` (`NULL` or hex);
 * - `signal`: `SIGKILL`, or the number;
 * - `openflags`: the access mode, then the other `O_*` flags (`O_WRONLY|O_CREAT`);
 * - `flags`: the bits of `family` (`PROT_READ|PROT_EXEC`), unknown bits in hex;
 * - `enum`: the name in `family` of the value, or of `value & mask` when
 *   `mask` is given, the other bits then shown as the flags of `flags`
 *   (`SOCK_STREAM|SOCK_CLOEXEC`);
 * - `path`: the path string, when the caller of the formatter has it
 *   (a supervisor reading another process); the in-process handler does not
 *   read memory behind pointers, so it leaves the argument out.
 */
export type DecodeKind = 'fd' | 'dirfd' | 'int' | 'long' | 'hex' | 'octal' | 'ptr' | 'signal' | 'openflags' | 'flags' | 'enum' | 'path';

/** Shows the argument only when `(args[arg] & mask) == equals`, or, without `equals`, when `args[arg] & mask` is not 0. */
export interface DecodeGuard {
  readonly arg: 0 | 1 | 2 | 3 | 4 | 5;
  readonly mask?: ValueExpr;
  readonly equals?: ValueExpr;
}

/** One relevant argument of a syscall. */
export interface ArgDecode {
  readonly arg: 0 | 1 | 2 | 3 | 4 | 5;
  /** Printed as `label=value`; without one, only the value. */
  readonly label?: string;
  readonly kind: DecodeKind;
  /** Constant family for `flags` and `enum`. */
  readonly family?: ReportFamily;
  /** `enum`: the bits the enum part occupies; the others are shown with `flags`. */
  readonly mask?: ValueExpr;
  /** `enum` with `mask`: the family for the remaining bits. */
  readonly flags?: ReportFamily;
  /** Bits compared; default 32, except `long`, `hex`, `ptr` (64). */
  readonly width?: 32 | 64;
  /** `enum`: unknown values in hex rather than decimal (ioctl requests). */
  readonly hexFallback?: boolean;
  /** Only shown when this holds. Several entries for one argument: the first whose guard holds is shown. */
  readonly when?: DecodeGuard;
}

const fd = (arg: ArgDecode['arg'], label?: string): ArgDecode => ({ arg, kind: 'fd', ...(label ? { label } : {}) });
const int = (arg: ArgDecode['arg'], label?: string): ArgDecode => ({ arg, kind: 'int', ...(label ? { label } : {}) });
const dirfd = (arg: ArgDecode['arg']): ArgDecode => ({ arg, kind: 'dirfd' });
const path = (arg: ArgDecode['arg']): ArgDecode => ({ arg, kind: 'path' });
const octal = (arg: ArgDecode['arg'], label: string): ArgDecode => ({ arg, kind: 'octal', label });
const signal = (arg: ArgDecode['arg']): ArgDecode => ({ arg, kind: 'signal' });
const ptr = (arg: ArgDecode['arg'], label: string): ArgDecode => ({ arg, kind: 'ptr', label });
const flags = (arg: ArgDecode['arg'], family: ReportFamily, label?: string): ArgDecode => ({ arg, kind: 'flags', family, ...(label ? { label } : {}) });
const enumOf = (arg: ArgDecode['arg'], family: ReportFamily, label?: string): ArgDecode => ({ arg, kind: 'enum', family, ...(label ? { label } : {}) });
const openFlags = (arg: ArgDecode['arg']): ArgDecode => ({ arg, kind: 'openflags', label: 'flags' });
/** The mode of a created file matters only when it asks for setuid/setgid (the rules refuse those). */
const createMode = (arg: ArgDecode['arg']): ArgDecode => ({ arg, kind: 'octal', label: 'mode', when: { arg, mask: ['S_ISUID', 'S_ISGID'] } });
const atFlags = (arg: ArgDecode['arg']): ArgDecode => flags(arg, 'atFlags', 'flags');
const sockType = (arg: ArgDecode['arg']): ArgDecode => ({ arg, kind: 'enum', family: 'sockType', mask: SOCK_TYPE_MASK, flags: 'sockFlags' });
const sockLevelOption = (optArg: ArgDecode['arg'], levelArg: ArgDecode['arg']): ArgDecode[] => [
  { ...enumOf(optArg, 'socketOption'), when: { arg: levelArg, equals: 'SOL_SOCKET' } },
  { ...enumOf(optArg, 'tcpOption'), when: { arg: levelArg, equals: 'IPPROTO_TCP' } },
  { ...enumOf(optArg, 'ipOption'), when: { arg: levelArg, equals: 'IPPROTO_IP' } },
  { ...enumOf(optArg, 'ipv6Option'), when: { arg: levelArg, equals: 'IPPROTO_IPV6' } },
  int(optArg),
];
const each = (names: readonly string[], spec: readonly ArgDecode[]): Record<string, readonly ArgDecode[]> =>
  Object.fromEntries(names.map((n) => [n, spec]));

/**
 * The relevant arguments of each syscall, in the order shown. A syscall
 * missing here prints as `name()`. "Relevant" means: what the catalog's
 * rules look at (flags, requests, domains, signals), plus the descriptor
 * or path the call is about.
 */
export const REPORT_DECODE: Readonly<Record<string, readonly ArgDecode[]>> = {
  // Files by path. The path itself only when the formatter is given it;
  // at most one `path` entry per syscall (the `pledge run` supervisor reads
  // that argument: @seccomp-scopes/pledge src/cli/filter.ts pathArgTable).
  open: [path(0), openFlags(1), createMode(2)],
  openat: [dirfd(0), path(1), openFlags(2), createMode(3)],
  openat2: [dirfd(0), path(1)],
  open_tree: [dirfd(0), path(1)],
  creat: [path(0), createMode(1)],
  ...each(['stat', 'lstat', 'access', 'readlink', 'truncate', 'chdir', 'chroot', 'unlink', 'rmdir', 'mkdir',
    'utime', 'utimes', 'statfs', 'getxattr', 'lgetxattr', 'listxattr', 'llistxattr', 'setxattr', 'lsetxattr', 'removexattr', 'lremovexattr', 'execve',
    'uselib', 'swapon', 'swapoff', 'acct', 'pivot_root'], [path(0)]),
  ...each(['faccessat', 'faccessat2', 'readlinkat', 'mkdirat', 'utimensat', 'futimesat', 'name_to_handle_at'], [dirfd(0), path(1)]),
  // Calls that make a new name show that one, the path being created (the
  // link, the destination), not the existing file or a symlink's target.
  ...each(['rename', 'link', 'symlink'], [path(1)]),
  ...each(['renameat', 'renameat2', 'linkat'], [dirfd(2), path(3)]),
  symlinkat: [dirfd(1), path(2)],
  newfstatat: [dirfd(0), path(1), atFlags(3)],
  statx: [dirfd(0), path(1), atFlags(2)],
  unlinkat: [dirfd(0), path(1), atFlags(2)],
  execveat: [dirfd(0), path(1), atFlags(4)],
  mknod: [path(0), octal(1, 'mode')],
  mknodat: [dirfd(0), path(1), octal(2, 'mode')],
  chmod: [path(0), octal(1, 'mode')],
  fchmod: [fd(0), octal(1, 'mode')],
  fchmodat: [dirfd(0), path(1), octal(2, 'mode')],
  chown: [path(0), int(1, 'owner'), int(2, 'group')],
  lchown: [path(0), int(1, 'owner'), int(2, 'group')],
  fchown: [fd(0), int(1, 'owner'), int(2, 'group')],
  fchownat: [dirfd(0), path(1), int(2, 'owner'), int(3, 'group')],
  mount: [path(1)],
  umount2: [path(0)],
  // Descriptors.
  ...each(['getdents', 'getdents64', 'fchdir', 'fstatfs', 'fgetxattr', 'fsetxattr', 'flistxattr', 'fremovexattr', 'open_by_handle_at',
    'connect', 'bind', 'listen', 'accept', 'accept4', 'write', 'read', 'ftruncate', 'fallocate', 'syncfs'], [fd(0)]),
  inotify_add_watch: [fd(0), path(1)],
  fcntl: [fd(0), enumOf(1, 'fcntl')],
  ioctl: [fd(0), { arg: 1, kind: 'enum', family: 'ioctl', hexFallback: true }],
  flock: [fd(0), int(1, 'operation')],
  // Memory.
  mmap: [flags(2, 'prot', 'prot'), flags(3, 'map', 'flags')],
  mprotect: [flags(2, 'prot', 'prot')],
  pkey_mprotect: [flags(2, 'prot', 'prot')],
  mremap: [flags(3, 'mremap', 'flags')],
  madvise: [enumOf(2, 'madvise', 'advice')],
  // Sockets.
  socket: [enumOf(0, 'addressFamily'), sockType(1),
    { ...enumOf(2, 'netlinkProtocol'), when: { arg: 0, equals: 'AF_NETLINK' } },
    { ...enumOf(2, 'ipProtocol'), when: { arg: 2, mask: 0xffffffff } }],
  socketpair: [enumOf(0, 'addressFamily'), sockType(1)],
  sendto: [fd(0), ptr(4, 'dest_addr')],
  setsockopt: [fd(0), enumOf(1, 'sockLevel'), ...sockLevelOption(2, 1)],
  getsockopt: [fd(0), enumOf(1, 'sockLevel'), ...sockLevelOption(2, 1)],
  // Processes and signals.
  clone: [{ arg: 0, kind: 'enum', family: 'signal', mask: 'CSIGNAL', flags: 'clone', width: 64, label: 'flags' }],
  unshare: [flags(0, 'clone', 'flags')],
  setns: [fd(0), flags(1, 'clone', 'nstype')],
  kill: [int(0), signal(1)],
  tkill: [int(0), signal(1)],
  tgkill: [int(0), int(1), signal(2)],
  rt_sigqueueinfo: [int(0), signal(1)],
  rt_tgsigqueueinfo: [int(0), int(1), signal(2)],
  pidfd_open: [int(0, 'pid')],
  pidfd_send_signal: [fd(0), signal(1)],
  pidfd_getfd: [fd(0), int(1, 'targetfd')],
  rt_sigaction: [signal(0), ptr(1, 'act')],
  ptrace: [int(0, 'request'), int(1, 'pid')],
  process_vm_readv: [int(0, 'pid')],
  process_vm_writev: [int(0, 'pid')],
  kcmp: [int(0, 'pid1'), int(1, 'pid2')],
  setpgid: [int(0, 'pid'), int(1, 'pgid')],
  getpriority: [int(0, 'which'), int(1, 'who')],
  setpriority: [int(0, 'which'), int(1, 'who')],
  ...each(['sched_getparam', 'sched_getscheduler', 'sched_setparam', 'sched_setscheduler', 'sched_setaffinity', 'sched_setattr', 'sched_getattr'], [int(0, 'pid')]),
  prlimit64: [int(0, 'pid'), enumOf(1, 'rlimit', 'resource'), ptr(2, 'new_limit')],
  setrlimit: [enumOf(0, 'rlimit', 'resource')],
  // Identity.
  ...each(['setuid', 'setgid', 'setfsuid', 'setfsgid'], [int(0)]),
  ...each(['setreuid', 'setregid'], [int(0), int(1)]),
  ...each(['setresuid', 'setresgid'], [int(0), int(1), int(2)]),
  // The process itself.
  prctl: [enumOf(0, 'prctl')],
  arch_prctl: [{ arg: 0, kind: 'enum', family: 'archPrctl', hexFallback: true }],
  seccomp: [enumOf(0, 'seccompOp'), flags(1, 'seccompFlags', 'flags')],
  personality: [{ arg: 0, kind: 'hex', width: 32 }],
  getrandom: [flags(2, 'getrandom', 'flags')],
  bpf: [int(0, 'cmd')],
  keyctl: [int(0, 'operation')],
};

// ------------------------------------------------------------ attribution

const attributionCache = new WeakMap<ArchDescriptor, Map<string, readonly ResolvedRule[]>>();

/** Runtime values used when resolving the catalog for attribution: uid/gid default to -1 (only "unchanged" matches). */
function runtimeKey(r: RuntimeValues): string {
  return `${r.pid ?? 0}:${r.uid ?? -1}:${r.gid ?? -1}`;
}

/**
 * Every ALLOW rule of the catalog that needs at least one promise, resolved
 * for `arch`: the rules a blocked call is attributed to.
 */
export function attributionRules(arch: ArchDescriptor, runtime: RuntimeValues = {}): readonly ResolvedRule[] {
  let byArch = attributionCache.get(arch);
  if (!byArch) attributionCache.set(arch, (byArch = new Map()));
  const key = runtimeKey(runtime);
  let rules = byArch.get(key);
  if (!rules) {
    const allow = CATALOG.filter((r) => r.action.kind === 'allow' && r.requires.length > 0);
    rules = resolveRules(allow, arch, { pid: runtime.pid ?? 0, uid: runtime.uid ?? -1, gid: runtime.gid ?? -1 }).rules;
    byArch.set(key, rules);
  }
  return rules;
}

const PROMISE_ORDER = PROMISES.map((p) => p.name);
const canonical = (names: readonly string[]): string[] => PROMISE_ORDER.filter((p) => names.includes(p));

/**
 * The promise sets that would have allowed a call: the `requires` of every
 * matching ALLOW rule of the catalog, in catalog order, without duplicates
 * and without a set that contains another matching one. Empty: no promise
 * allows it. The TypeScript twin of what the native report computes.
 */
export function violationNeeds(arch: ArchDescriptor, nr: number, args: readonly bigint[], runtime: RuntimeValues = {}): string[][] {
  const data = { nr, arch: arch.auditArch, args: [0, 1, 2, 3, 4, 5].map((i) => BigInt.asUintN(64, args[i] ?? 0n)) };
  const sets: string[][] = [];
  for (const r of attributionRules(arch, runtime)) {
    if (r.nr !== nr || !ruleMatches(r, data)) continue;
    const set = canonical(r.rule.requires);
    if (!sets.some((s) => s.length === set.length && s.every((p, i) => p === set[i]))) sets.push(set);
  }
  return sets.filter((s) => !sets.some((t) => t !== s && t.length < s.length && t.every((p) => s.includes(p))));
}

// ------------------------------------------------------------ the binary tables

/** 'SSRT' read as a native little-endian u32. */
export const REPORT_TABLES_MAGIC = 0x54525353;
export const REPORT_TABLES_VERSION = 1;
const NONE = 0xffffffff;
const HEADER_WORDS = 28;

/** Argument kinds as the native formatter knows them. */
const CKind = { Dec: 1, Hex: 2, Oct: 3, Sym: 4, Ptr: 5, Path: 6 } as const;
type CKind = (typeof CKind)[keyof typeof CKind];

/** Options of {@link buildReportTables}. */
export interface ReportTablesOptions {
  /** The promises in force (what the report quotes). */
  readonly promises: ReadonlySet<string>;
  /** The process name shown (`/proc/self/comm`). */
  readonly comm: string;
  /** The pid shown when the formatter is not told one, and the pid of the catalog's "itself" rules. */
  readonly pid: number;
  /** The real uid/gid of fattr's "to itself" chown rules; default -1 (then only "unchanged" matches). */
  readonly uid?: number;
  readonly gid?: number;
  /** What the JSON report says the penalty is; default `kill`. */
  readonly penalty?: 'kill' | 'errno';
  /** With penalty `errno`: its name. */
  readonly errno?: string;
}

class Writer {
  private readonly words: number[] = [];
  constructor(private readonly little: boolean) {}
  get length(): number { return this.words.length; }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: ${v} is not an unsigned 32-bit value`);
    this.words.push(v);
  }
  u64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.u32(Number(u & 0xffffffffn));
    this.u32(Number(u >> 32n));
  }
  set(index: number, v: number): void { this.words[index] = v >>> 0; }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.words.length * 4);
    const view = new DataView(out.buffer);
    this.words.forEach((w, i) => view.setUint32(i * 4, w, this.little));
    return out;
  }
}

class StringPool {
  private readonly offsets = new Map<string, number>();
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  ref(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      const bytes = new TextEncoder().encode(s);
      if (bytes.includes(0)) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: string ${JSON.stringify(s)} contains a NUL byte`);
      off = this.size;
      this.chunks.push(bytes, new Uint8Array([0]));
      this.size += bytes.length + 1;
      this.offsets.set(s, off);
    }
    return off;
  }
  /** The pool padded to a multiple of 4 bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array((this.size + 3) & ~3);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

const popcount = (v: bigint): number => { let n = 0; for (let x = v; x > 0n; x &= x - 1n) n++; return n; };

/**
 * Builds the tables the native reporter and `formatViolation` read, for
 * `arch` and the promises in force. Layout (all words u32 in the arch's byte
 * order, offsets in bytes from the start, u64 as two words low first):
 *
 * - header, 28 words: magic `SSRT`, version, total size, audit arch, pid,
 *   then (offset, count) of: strings (count = bytes), syscalls, argument
 *   specs, constants, attribution rules, conditions, values, promise names;
 *   then string refs of the promises in force, comm, arch name, penalty,
 *   errno name (0xffffffff = none), and one reserved word;
 * - syscalls (6 words, sorted by nr): nr, name, first spec, specs, first rule, rules;
 * - specs (14 words): arg | kind<<8 | width<<16 | guard op<<24, label,
 *   enum constants (first, count), flag constants (first, count), enum mask
 *   (u64), guard arg, fallback (1 = hex), guard mask (u64), guard value (u64);
 *   kinds 1 dec, 2 hex, 3 octal, 4 symbolic, 5 pointer, 6 path; guard ops
 *   0 none, 1 equals, 2 any bit;
 * - constants (4 words): value (u64), name, 0; flag lists are sorted by
 *   number of bits, most first, so composite names (O_TMPFILE) win;
 * - rules (4 words): promise bit set, first condition, conditions, 0;
 * - conditions (8 words): arg, width, negate, first value, values, mask (u64), 0;
 * - values (u64); promise names (1 word each, bit i = name i);
 * - the string pool: NUL-terminated UTF-8.
 *
 * @throws PledgeError `EINVAL` for a promise set or option that cannot be encoded.
 */
export function buildReportTables(arch: ArchDescriptor, options: ReportTablesOptions): Uint8Array {
  if (!Number.isInteger(options.pid) || options.pid < 0 || options.pid > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `report tables: pid ${options.pid} is not a pid`);
  }
  if (PROMISE_ORDER.length > 32) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', 'report tables: more than 32 promises cannot be encoded');
  const pool = new StringPool();
  const runtime: RuntimeValues = { pid: options.pid, uid: options.uid ?? -1, gid: options.gid ?? -1 };
  const value = (v: ValueExpr, width: 32 | 64): bigint => BigInt.asUintN(width, evalValue(v, arch, runtime));

  // Constants, one range per (family, order).
  const consts: { value: bigint; name: number }[] = [];
  const ranges = new Map<string, { start: number; count: number }>();
  const familyRange = (family: ReportFamily, width: 32 | 64, asFlags: boolean): { start: number; count: number } => {
    const key = `${family}:${width}:${asFlags}`;
    let r = ranges.get(key);
    if (!r) {
      let members = (REPORT_FAMILIES[family] as readonly ConstantName[])
        .filter((n) => arch.constants[n] !== undefined)
        .map((n) => ({ name: n, value: BigInt.asUintN(width, BigInt(arch.constants[n]!)) }));
      if (asFlags) members = [...members].sort((a, b) => popcount(b.value) - popcount(a.value) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      r = { start: consts.length, count: members.length };
      for (const m of members) consts.push({ value: m.value, name: pool.ref(m.name) });
      ranges.set(key, r);
    }
    return r;
  };

  // Argument specs per syscall.
  interface Spec { word0: number; label: number; en: { start: number; count: number }; fl: { start: number; count: number }; enumMask: bigint; guardArg: number; fallback: number; guardMask: bigint; guardValue: bigint }
  const specs: Spec[] = [];
  const specRange = new Map<string, { start: number; count: number }>();
  for (const [syscall, decode] of Object.entries(REPORT_DECODE)) {
    if (arch.syscalls[syscall] === undefined) continue;
    const start = specs.length;
    for (const d of decode) {
      const width: 32 | 64 = d.width ?? (d.kind === 'long' || d.kind === 'hex' || d.kind === 'ptr' ? 64 : 32);
      const full = width === 32 ? 0xffffffffn : (1n << 64n) - 1n;
      let kind: CKind;
      let en = { start: 0, count: 0 };
      let fl = { start: 0, count: 0 };
      let enumMask = 0n;
      switch (d.kind) {
        case 'fd': case 'int': case 'long': kind = CKind.Dec; break;
        case 'hex': kind = CKind.Hex; break;
        case 'octal': kind = CKind.Oct; break;
        case 'ptr': kind = CKind.Ptr; break;
        case 'path': kind = CKind.Path; break;
        case 'dirfd': {
          kind = CKind.Sym;
          en = { start: consts.length, count: 1 };
          consts.push({ value: value('AT_FDCWD', width), name: pool.ref('AT_FDCWD') });
          enumMask = full;
          break;
        }
        case 'signal': kind = CKind.Sym; en = familyRange('signal', width, false); enumMask = full; break;
        case 'openflags':
          kind = CKind.Sym; en = familyRange('openAccess', width, false); enumMask = value('O_ACCMODE', width); fl = familyRange('openFlags', width, true);
          break;
        case 'flags':
          if (!d.family) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: flags need a family`);
          kind = CKind.Sym; fl = familyRange(d.family, width, true);
          break;
        case 'enum':
          if (!d.family) throw new PledgeError('EINVAL', 'BAD_RULE', `report decode ${syscall}: enum needs a family`);
          kind = CKind.Sym; en = familyRange(d.family, width, false);
          enumMask = d.mask === undefined ? full : value(d.mask, width);
          if (d.flags) fl = familyRange(d.flags, width, true);
          break;
      }
      let op = 0;
      let guardMask = 0n;
      let guardValue = 0n;
      if (d.when) {
        guardMask = d.when.mask === undefined ? 0xffffffffn : value(d.when.mask, 32);
        if (d.when.equals !== undefined) { op = 1; guardValue = value(d.when.equals, 32) & guardMask; } else op = 2;
      }
      specs.push({
        word0: d.arg | (kind << 8) | (width << 16) | (op << 24),
        label: d.label ? pool.ref(d.label) : NONE,
        en, fl, enumMask,
        guardArg: d.when?.arg ?? 0,
        fallback: d.hexFallback ? 1 : 0,
        guardMask, guardValue,
      });
    }
    specRange.set(syscall, { start, count: specs.length - start });
  }

  // Attribution rules, grouped by nr.
  const bit = (p: string): number => 1 << PROMISE_ORDER.indexOf(p);
  const byNr = new Map<number, ResolvedRule[]>();
  for (const r of attributionRules(arch, runtime)) {
    const list = byNr.get(r.nr) ?? [];
    list.push(r);
    byNr.set(r.nr, list);
  }

  // Syscalls, sorted by nr; a number with several names keeps the first in alphabetical order.
  const nameByNr = new Map<number, string>();
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => (a < b ? -1 : 1))) if (!nameByNr.has(nr)) nameByNr.set(nr, name);
  const syscalls = [...nameByNr.entries()].sort((a, b) => a[0] - b[0]);
  const rules: { bits: number; condStart: number; condCount: number }[] = [];
  const conds: { arg: number; width: number; negate: number; valStart: number; valCount: number; mask: bigint }[] = [];
  const values: bigint[] = [];
  const sysRecords = syscalls.map(([nr, name]) => {
    const sr = specRange.get(name) ?? { start: 0, count: 0 };
    const ruleStart = rules.length;
    for (const r of byNr.get(nr) ?? []) {
      const condStart = conds.length;
      for (const c of r.when) {
        conds.push({ arg: c.arg, width: c.width, negate: c.negate ? 1 : 0, valStart: values.length, valCount: c.oneOf.length, mask: c.mask });
        values.push(...c.oneOf);
      }
      rules.push({ bits: r.rule.requires.reduce((acc, p) => acc | bit(p), 0) >>> 0, condStart, condCount: conds.length - condStart });
    }
    return { nr, name: pool.ref(name), specStart: sr.start, specCount: sr.count, ruleStart, ruleCount: rules.length - ruleStart };
  });

  const promiseNames = PROMISE_ORDER.map((p) => pool.ref(p));
  const promisesRef = pool.ref(formatPromises(options.promises));
  const commRef = pool.ref(options.comm);
  const archRef = pool.ref(arch.name);
  const penaltyRef = pool.ref(options.penalty ?? 'kill');
  const errnoRef = options.penalty === 'errno' ? pool.ref(options.errno ?? 'EPERM') : NONE;

  const w = new Writer(arch.endian === 'little');
  for (let i = 0; i < HEADER_WORDS; i++) w.u32(0);
  const section = (index: number, count: number, emit: () => void): void => {
    w.set(index, w.length * 4);
    w.set(index + 1, count);
    emit();
  };
  section(8, sysRecords.length, () => sysRecords.forEach((s) => { w.u32(s.nr); w.u32(s.name); w.u32(s.specStart); w.u32(s.specCount); w.u32(s.ruleStart); w.u32(s.ruleCount); }));
  section(10, specs.length, () => specs.forEach((s) => {
    w.u32(s.word0); w.u32(s.label); w.u32(s.en.start); w.u32(s.en.count); w.u32(s.fl.start); w.u32(s.fl.count);
    w.u64(s.enumMask); w.u32(s.guardArg); w.u32(s.fallback); w.u64(s.guardMask); w.u64(s.guardValue);
  }));
  section(12, consts.length, () => consts.forEach((c) => { w.u64(c.value); w.u32(c.name); w.u32(0); }));
  section(14, rules.length, () => rules.forEach((r) => { w.u32(r.bits); w.u32(r.condStart); w.u32(r.condCount); w.u32(0); }));
  section(16, conds.length, () => conds.forEach((c) => { w.u32(c.arg); w.u32(c.width); w.u32(c.negate); w.u32(c.valStart); w.u32(c.valCount); w.u64(c.mask); w.u32(0); }));
  section(18, values.length, () => values.forEach((v) => w.u64(v)));
  section(20, promiseNames.length, () => promiseNames.forEach((p) => w.u32(p)));
  const strings = pool.bytes();
  w.set(6, w.length * 4);
  w.set(7, strings.length);
  const head = w.bytes();
  const out = new Uint8Array(head.length + strings.length);
  out.set(head, 0);
  out.set(strings, head.length);
  const view = new DataView(out.buffer);
  const little = arch.endian === 'little';
  const put = (i: number, v: number): void => view.setUint32(i * 4, v >>> 0, little);
  put(0, REPORT_TABLES_MAGIC);
  put(1, REPORT_TABLES_VERSION);
  put(2, out.length);
  put(3, arch.auditArch);
  put(4, options.pid);
  put(22, promisesRef);
  put(23, commRef);
  put(24, archRef);
  put(25, penaltyRef);
  put(26, errnoRef);
  put(27, 0);
  return out;
}
