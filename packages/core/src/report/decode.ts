/**
 * The decode table: how a report shows each syscall's relevant arguments
 * (docs/reports.md "Which arguments are shown"). Declarative; the binary
 * tables (./tables.ts) resolve it for an arch, the native formatter prints
 * from them, and the `pledge run` supervisor reads the `path` entries.
 *
 * Entries name the argument; its index and width (the bits shown) come from
 * the argument schema, {@link SYSCALL_ARGS} (../syscall-args.ts), the same
 * rows the catalog's rule conditions are checked against.
 */
import { SOCK_TYPE_MASK } from '../constants.js';
import type { SyscallName, ValueExpr } from '../rules.js';
import { SYSCALL_ARGS, syscallArg, type ArgIndex } from '../syscall-args.js';
import type { ReportFamily } from './families.js';

/**
 * How one argument is shown, on its width from {@link SYSCALL_ARGS}:
 *
 * - `fd`, `int`, `long`: signed decimal;
 * - `dirfd`: `AT_FDCWD` or the descriptor;
 * - `hex`, `octal`, `ptr` (`NULL` or hex);
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

/**
 * Shows the argument only when `(args[arg] & mask) == equals`, or, without
 * `equals`, when `args[arg] & mask` is not 0; on the low 32 bits (`mask`
 * defaults to them).
 */
export interface DecodeGuard {
  readonly arg: ArgIndex;
  readonly mask?: ValueExpr;
  readonly equals?: ValueExpr;
}

/** One relevant argument of a syscall, resolved through {@link SYSCALL_ARGS}. */
export interface ArgDecode {
  /** Its index (from the schema). */
  readonly arg: ArgIndex;
  /** Its name in the schema. */
  readonly name: string;
  /** The bits shown (from the schema). */
  readonly width: 32 | 64;
  /** Printed as `label=value` (the argument's name); without one, only the value. */
  readonly label?: string;
  readonly kind: DecodeKind;
  /** Constant family for `flags` and `enum`. */
  readonly family?: ReportFamily;
  /** `enum`: the bits the enum part occupies; the others are shown with `flags`. */
  readonly mask?: ValueExpr;
  /** `enum` with `mask`: the family for the remaining bits. */
  readonly flags?: ReportFamily;
  /** `enum`: unknown values in hex rather than decimal (ioctl requests). */
  readonly hexFallback?: boolean;
  /** Only shown when this holds. Several entries for one argument: the first whose guard holds is shown. */
  readonly when?: DecodeGuard;
}

/** An entry as the table below writes it: arguments by name; `named`: printed as `name=value`. */
interface Shown extends Omit<ArgDecode, 'arg' | 'name' | 'width' | 'label' | 'when'> {
  readonly arg: string;
  readonly named?: boolean;
  readonly when?: Omit<DecodeGuard, 'arg'> & { readonly arg: string };
}

const named = (s: Shown): Shown => ({ ...s, named: true });
const fd = (arg: string): Shown => ({ arg, kind: 'fd' });
const int = (arg: string): Shown => ({ arg, kind: 'int' });
const dirfd = (arg: string): Shown => ({ arg, kind: 'dirfd' });
const path = (arg: string): Shown => ({ arg, kind: 'path' });
const octal = (arg: string): Shown => ({ arg, kind: 'octal', named: true });
const signal = (arg: string): Shown => ({ arg, kind: 'signal' });
const ptr = (arg: string): Shown => ({ arg, kind: 'ptr', named: true });
const flags = (arg: string, family: ReportFamily): Shown => ({ arg, kind: 'flags', family });
const enumOf = (arg: string, family: ReportFamily): Shown => ({ arg, kind: 'enum', family });
const openFlags = (arg: string): Shown => ({ arg, kind: 'openflags', named: true });
/** The mode of a created file matters only when it asks for setuid/setgid (the rules refuse those). */
const createMode = (arg: string): Shown => ({ ...octal(arg), when: { arg, mask: ['S_ISUID', 'S_ISGID'] } });
const atFlags = (arg: string): Shown => named(flags(arg, 'atFlags'));
const sockType = (arg: string): Shown => ({ arg, kind: 'enum', family: 'sockType', mask: SOCK_TYPE_MASK, flags: 'sockFlags' });
const sockLevelOption = (optArg: string, levelArg: string): Shown[] => [
  { ...enumOf(optArg, 'socketOption'), when: { arg: levelArg, equals: 'SOL_SOCKET' } },
  { ...enumOf(optArg, 'tcpOption'), when: { arg: levelArg, equals: 'IPPROTO_TCP' } },
  { ...enumOf(optArg, 'ipOption'), when: { arg: levelArg, equals: 'IPPROTO_IP' } },
  { ...enumOf(optArg, 'ipv6Option'), when: { arg: levelArg, equals: 'IPPROTO_IPV6' } },
  int(optArg),
];
const each = (names: readonly SyscallName[], spec: readonly Shown[]): Partial<Record<SyscallName, readonly Shown[]>> =>
  Object.fromEntries(names.map((n) => [n, spec]));

/**
 * The relevant arguments of each syscall, in the order shown. A syscall
 * missing here prints as `name()`. "Relevant" means: what the catalog's
 * rules look at (flags, requests, domains, signals), plus the descriptor
 * or path the call is about. Its keys are {@link SyscallName}s (a misspelled
 * one fails the type checker), and every syscall here has a row in
 * {@link SYSCALL_ARGS} naming the arguments shown.
 */
const SHOWN = {
  // Files by path. The path itself only when the formatter is given it;
  // at most one `path` entry per syscall (the `pledge run` supervisor reads
  // that argument: @seccomp-scopes/pledge-cli src/filter.ts pathArgTable).
  open: [path('pathname'), openFlags('flags'), createMode('mode')],
  openat: [dirfd('dirfd'), path('pathname'), openFlags('flags'), createMode('mode')],
  openat2: [dirfd('dirfd'), path('pathname')],
  open_tree: [dirfd('dirfd'), path('pathname')],
  creat: [path('pathname'), createMode('mode')],
  ...each(['stat', 'lstat', 'access', 'readlink', 'truncate', 'chdir', 'chroot', 'unlink', 'rmdir', 'mkdir',
    'utime', 'utimes', 'statfs', 'getxattr', 'lgetxattr', 'listxattr', 'llistxattr', 'setxattr', 'lsetxattr', 'removexattr', 'lremovexattr', 'execve',
    'uselib', 'swapon', 'swapoff', 'acct'], [path('pathname')]),
  pivot_root: [path('new_root')],
  ...each(['faccessat', 'faccessat2', 'readlinkat', 'mkdirat', 'utimensat', 'futimesat', 'name_to_handle_at'], [dirfd('dirfd'), path('pathname')]),
  // Calls that make a new name show that one, the path being created (the
  // link, the destination), not the existing file or a symlink's target.
  ...each(['rename', 'link'], [path('newpath')]),
  symlink: [path('linkpath')],
  ...each(['renameat', 'renameat2', 'linkat'], [dirfd('newdirfd'), path('newpath')]),
  symlinkat: [dirfd('newdirfd'), path('linkpath')],
  newfstatat: [dirfd('dirfd'), path('pathname'), atFlags('flags')],
  statx: [dirfd('dirfd'), path('pathname'), atFlags('flags')],
  unlinkat: [dirfd('dirfd'), path('pathname'), atFlags('flags')],
  execveat: [dirfd('dirfd'), path('pathname'), atFlags('flags')],
  mknod: [path('pathname'), octal('mode')],
  mknodat: [dirfd('dirfd'), path('pathname'), octal('mode')],
  chmod: [path('pathname'), octal('mode')],
  fchmod: [fd('fd'), octal('mode')],
  fchmodat: [dirfd('dirfd'), path('pathname'), octal('mode')],
  chown: [path('pathname'), named(int('owner')), named(int('group'))],
  lchown: [path('pathname'), named(int('owner')), named(int('group'))],
  fchown: [fd('fd'), named(int('owner')), named(int('group'))],
  fchownat: [dirfd('dirfd'), path('pathname'), named(int('owner')), named(int('group'))],
  mount: [path('target')],
  umount2: [path('target')],
  // Descriptors.
  ...each(['getdents', 'getdents64', 'fchdir', 'fstatfs', 'fgetxattr', 'fsetxattr', 'flistxattr', 'fremovexattr'], [fd('fd')]),
  open_by_handle_at: [fd('mount_fd')],
  ...each(['connect', 'bind', 'listen', 'accept', 'accept4', 'write', 'read', 'ftruncate', 'fallocate', 'syncfs'], [fd('fd')]),
  inotify_add_watch: [fd('fd'), path('pathname')],
  fcntl: [fd('fd'), enumOf('cmd', 'fcntl')],
  ioctl: [fd('fd'), { ...enumOf('request', 'ioctl'), hexFallback: true }],
  flock: [fd('fd'), named(int('operation'))],
  // Memory.
  mmap: [named(flags('prot', 'prot')), named(flags('flags', 'map'))],
  mprotect: [named(flags('prot', 'prot'))],
  pkey_mprotect: [named(flags('prot', 'prot'))],
  mremap: [named(flags('flags', 'mremap'))],
  madvise: [named(enumOf('advice', 'madvise'))],
  // Sockets.
  socket: [enumOf('domain', 'addressFamily'), sockType('type'),
    { ...enumOf('protocol', 'netlinkProtocol'), when: { arg: 'domain', equals: 'AF_NETLINK' } },
    { ...enumOf('protocol', 'ipProtocol'), when: { arg: 'protocol', mask: 0xffffffff } }],
  socketpair: [enumOf('domain', 'addressFamily'), sockType('type')],
  sendto: [fd('fd'), ptr('dest_addr')],
  setsockopt: [fd('fd'), enumOf('level', 'sockLevel'), ...sockLevelOption('optname', 'level')],
  getsockopt: [fd('fd'), enumOf('level', 'sockLevel'), ...sockLevelOption('optname', 'level')],
  // Processes and signals.
  clone: [named({ arg: 'flags', kind: 'enum', family: 'signal', mask: 'CSIGNAL', flags: 'clone' })],
  unshare: [named(flags('flags', 'clone'))],
  setns: [fd('fd'), named(flags('nstype', 'clone'))],
  kill: [int('pid'), signal('sig')],
  tkill: [int('tid'), signal('sig')],
  tgkill: [int('tgid'), int('tid'), signal('sig')],
  rt_sigqueueinfo: [int('tgid'), signal('sig')],
  rt_tgsigqueueinfo: [int('tgid'), int('tid'), signal('sig')],
  pidfd_open: [named(int('pid'))],
  pidfd_send_signal: [fd('pidfd'), signal('sig')],
  pidfd_getfd: [fd('pidfd'), named(int('targetfd'))],
  rt_sigaction: [signal('signum'), ptr('act')],
  ptrace: [named(int('request')), named(int('pid'))],
  process_vm_readv: [named(int('pid'))],
  process_vm_writev: [named(int('pid'))],
  kcmp: [named(int('pid1')), named(int('pid2'))],
  setpgid: [named(int('pid')), named(int('pgid'))],
  getpriority: [named(int('which')), named(int('who'))],
  setpriority: [named(int('which')), named(int('who'))],
  ...each(['sched_getparam', 'sched_getscheduler', 'sched_setparam', 'sched_setscheduler', 'sched_setaffinity', 'sched_setattr', 'sched_getattr'], [named(int('pid'))]),
  prlimit64: [named(int('pid')), named(enumOf('resource', 'rlimit')), ptr('new_limit')],
  setrlimit: [named(enumOf('resource', 'rlimit'))],
  // Identity.
  setuid: [int('uid')],
  setgid: [int('gid')],
  setfsuid: [int('fsuid')],
  setfsgid: [int('fsgid')],
  setreuid: [int('ruid'), int('euid')],
  setregid: [int('rgid'), int('egid')],
  setresuid: [int('ruid'), int('euid'), int('suid')],
  setresgid: [int('rgid'), int('egid'), int('sgid')],
  // The process itself.
  prctl: [enumOf('option', 'prctl')],
  arch_prctl: [{ ...enumOf('code', 'archPrctl'), hexFallback: true }],
  seccomp: [enumOf('operation', 'seccompOp'), named(flags('flags', 'seccompFlags'))],
  personality: [{ arg: 'persona', kind: 'hex' }],
  getrandom: [named(flags('flags', 'getrandom'))],
  bpf: [named(int('cmd'))],
  keyctl: [named(int('operation'))],
} satisfies Partial<Record<SyscallName, readonly Shown[]>>;

/** An entry of {@link SHOWN} resolved: index and width from the schema, the label from the name. */
function resolve(syscall: string, s: Shown): ArgDecode {
  const { arg, named: isNamed, when, ...rest } = s;
  const a = syscallArg(syscall, arg);
  return {
    arg: a.index, name: a.name, width: a.width, ...(isNamed ? { label: a.name } : {}), ...rest,
    ...(when ? { when: { ...when, arg: syscallArg(syscall, when.arg).index } } : {}),
  };
}

/**
 * The relevant arguments of each syscall, in the order shown, each with its
 * index and width from {@link SYSCALL_ARGS}. A syscall missing here prints
 * as `name()`; lookups take any name.
 */
export const REPORT_DECODE: Readonly<Record<string, readonly ArgDecode[]>> = Object.fromEntries(
  Object.entries(SHOWN as Readonly<Record<string, readonly Shown[]>>).map(([syscall, shown]) => [syscall, shown.map((s) => resolve(syscall, s))]),
);
