/**
 * The decode table: how a report shows each syscall's relevant arguments
 * (docs/reports.md "Which arguments are shown"). Declarative; the binary
 * tables (./tables.ts) resolve it for an arch, the native formatter prints
 * from them, and the `pledge run` supervisor reads the `path` entries.
 */
import { SOCK_TYPE_MASK } from '../constants.js';
import type { SyscallName, ValueExpr } from '../rules.js';
import type { ReportFamily } from './families.js';

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
const each = (names: readonly SyscallName[], spec: readonly ArgDecode[]): Partial<Record<SyscallName, readonly ArgDecode[]>> =>
  Object.fromEntries(names.map((n) => [n, spec]));

/**
 * The relevant arguments of each syscall, in the order shown. A syscall
 * missing here prints as `name()`. "Relevant" means: what the catalog's
 * rules look at (flags, requests, domains, signals), plus the descriptor
 * or path the call is about. Its keys are {@link SyscallName}s (a misspelled
 * one fails the type checker); lookups take any name.
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
} satisfies Partial<Record<SyscallName, readonly ArgDecode[]>>;
