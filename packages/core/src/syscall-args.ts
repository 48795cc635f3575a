/**
 * The argument schema: for each syscall a rule or a report looks into, its
 * arguments in order, each with a name, its index in `seccomp_data.args`
 * and its width, the bits compared and shown (like kafel's syscall
 * descriptors). One row per syscall, arch-neutral (the syscalls here take
 * their arguments in the same order on every arch core supports; `clone`
 * lists only the arguments that do).
 *
 * Width, as the rule model's header (./rules.ts) explains: 32 for a C
 * `int`-like parameter (`int`, `unsigned int`, `pid_t`, `uid_t`, `mode_t`,
 * descriptors, flags and commands), whose high register half the kernel
 * never reads; 64 for pointers, `long`, `unsigned long`, `size_t` and
 * `loff_t`. A few `unsigned long`/`long` parameters are compared on their
 * low 32 bits, each with the reason in its `note` ({@link low32}).
 *
 * Who reads it:
 * - the report decode table (./report/decode.ts) names arguments; their
 *   index and width come from here;
 * - a test (core test/syscall-args.test.ts) requires every argument
 *   condition of the catalog and the reporter's rules to use the index and
 *   width given here for its syscall and argument name, and
 *   @seccomp-scopes/pledge does the same for the Node runtime allowance.
 *
 * Names follow the man pages, with three conventions so a name means the
 * same everywhere: the descriptor a call works on is `fd` (sockets too),
 * its single path `pathname`, a directory descriptor `dirfd` (`olddirfd`,
 * `newdirfd` and `oldpath`, `newpath` when there are two); and where the
 * catalog's rules say otherwise, their name (`ioctl` `request`, `madvise`
 * `advice`, the `*at` calls' `flags`).
 * Sources: the SYSCALL_DEFINE prototypes in the kernel; man-pages section 2.
 */
import { PledgeError } from './errors.js';
import type { SyscallName } from './rules.js';

/** An argument index in `seccomp_data.args`. */
export type ArgIndex = 0 | 1 | 2 | 3 | 4 | 5;

/** One argument of a syscall. */
export interface SyscallArg {
  readonly name: string;
  readonly index: ArgIndex;
  /** The bits compared and shown: 32 (int-like) or 64 (pointers and 64-bit values). */
  readonly width: 32 | 64;
  /** Why the width differs from the prototype's type, when it does. */
  readonly note?: string;
}

type Arg = Omit<SyscallArg, 'index'>;

/** An int-like argument: `int`, `unsigned int`, `pid_t`, `uid_t`, `mode_t`, a descriptor, flags. */
const int = (name: string): Arg => ({ name, width: 32 });
/** A pointer. */
const ptr = (name: string): Arg => ({ name, width: 64 });
/** A `long`, `unsigned long`, `size_t` or `loff_t`. */
const long = (name: string): Arg => ({ name, width: 64 });
/** A `long` or `unsigned long` compared and shown on its low 32 bits, and why. */
const low32 = (name: string, note: string): Arg => ({ name, width: 32, note });

const PROT_LOW = 'unsigned long in the prototype; the kernel acts on the PROT_* bits only, all in the low word (as the catalog compares it)';
const MMAP_FLAGS_LOW = 'unsigned long in the prototype; every MAP_* flag is in the low word; shown only, no rule compares it';
const SHOWN_LOW = 'unsigned long in the prototype; shown on the low 32 bits, where every flag is; no rule compares it';
const PTRACE_LOW = 'long in the prototype; shown on the low 32 bits (requests are small, the pid is a pid_t); no rule compares it';

const at = (dirfd: string, path: string): Arg[] => [int(dirfd), ptr(path)];
const each = (names: readonly SyscallName[], args: readonly Arg[]): Partial<Record<SyscallName, readonly Arg[]>> =>
  Object.fromEntries(names.map((n) => [n, args]));

/** The rows, arguments in order (their index is their position); keys are {@link SyscallName}s. */
const ROWS = {
  // Files by path.
  open: [ptr('pathname'), int('flags'), int('mode')],
  openat: [...at('dirfd', 'pathname'), int('flags'), int('mode')],
  openat2: [...at('dirfd', 'pathname'), ptr('how'), long('size')],
  open_tree: [...at('dirfd', 'pathname'), int('flags')],
  creat: [ptr('pathname'), int('mode')],
  ...each(['stat', 'lstat'], [ptr('pathname'), ptr('statbuf')]),
  access: [ptr('pathname'), int('mode')],
  readlink: [ptr('pathname'), ptr('buf'), int('bufsiz')],
  truncate: [ptr('pathname'), long('length')],
  ...each(['chdir', 'chroot', 'swapoff', 'uselib', 'acct'], [ptr('pathname')]),
  ...each(['unlink', 'rmdir'], [ptr('pathname')]),
  mkdir: [ptr('pathname'), int('mode')],
  ...each(['utime', 'utimes'], [ptr('pathname'), ptr('times')]),
  statfs: [ptr('pathname'), ptr('buf')],
  ...each(['getxattr', 'lgetxattr'], [ptr('pathname'), ptr('name'), ptr('value'), long('size')]),
  ...each(['listxattr', 'llistxattr'], [ptr('pathname'), ptr('list'), long('size')]),
  ...each(['setxattr', 'lsetxattr'], [ptr('pathname'), ptr('name'), ptr('value'), long('size'), int('flags')]),
  ...each(['removexattr', 'lremovexattr'], [ptr('pathname'), ptr('name')]),
  execve: [ptr('pathname'), ptr('argv'), ptr('envp')],
  swapon: [ptr('pathname'), int('swapflags')],
  pivot_root: [ptr('new_root'), ptr('put_old')],
  faccessat: [...at('dirfd', 'pathname'), int('mode')],
  faccessat2: [...at('dirfd', 'pathname'), int('mode'), int('flags')],
  readlinkat: [...at('dirfd', 'pathname'), ptr('buf'), int('bufsiz')],
  mkdirat: [...at('dirfd', 'pathname'), int('mode')],
  utimensat: [...at('dirfd', 'pathname'), ptr('times'), int('flags')],
  futimesat: [...at('dirfd', 'pathname'), ptr('times')],
  name_to_handle_at: [...at('dirfd', 'pathname'), ptr('handle'), ptr('mount_id'), int('flags')],
  ...each(['rename', 'link'], [ptr('oldpath'), ptr('newpath')]),
  symlink: [ptr('target'), ptr('linkpath')],
  renameat: [...at('olddirfd', 'oldpath'), ...at('newdirfd', 'newpath')],
  ...each(['renameat2', 'linkat'], [...at('olddirfd', 'oldpath'), ...at('newdirfd', 'newpath'), int('flags')]),
  symlinkat: [ptr('target'), ...at('newdirfd', 'linkpath')],
  newfstatat: [...at('dirfd', 'pathname'), ptr('statbuf'), int('flags')],
  statx: [...at('dirfd', 'pathname'), int('flags'), int('mask'), ptr('statxbuf')],
  unlinkat: [...at('dirfd', 'pathname'), int('flags')],
  execveat: [...at('dirfd', 'pathname'), ptr('argv'), ptr('envp'), int('flags')],
  mknod: [ptr('pathname'), int('mode'), int('dev')],
  mknodat: [...at('dirfd', 'pathname'), int('mode'), int('dev')],
  chmod: [ptr('pathname'), int('mode')],
  fchmod: [int('fd'), int('mode')],
  fchmodat: [...at('dirfd', 'pathname'), int('mode')],
  ...each(['chown', 'lchown'], [ptr('pathname'), int('owner'), int('group')]),
  fchown: [int('fd'), int('owner'), int('group')],
  fchownat: [...at('dirfd', 'pathname'), int('owner'), int('group'), int('flags')],
  mount: [ptr('source'), ptr('target'), ptr('filesystemtype'), long('mountflags'), ptr('data')],
  umount2: [ptr('target'), int('flags')],
  // Descriptors.
  ...each(['getdents', 'getdents64'], [int('fd'), ptr('dirp'), int('count')]),
  ...each(['fchdir', 'syncfs'], [int('fd')]),
  fstatfs: [int('fd'), ptr('buf')],
  fgetxattr: [int('fd'), ptr('name'), ptr('value'), long('size')],
  fsetxattr: [int('fd'), ptr('name'), ptr('value'), long('size'), int('flags')],
  flistxattr: [int('fd'), ptr('list'), long('size')],
  fremovexattr: [int('fd'), ptr('name')],
  open_by_handle_at: [int('mount_fd'), ptr('handle'), int('flags')],
  ...each(['connect', 'bind'], [int('fd'), ptr('addr'), int('addrlen')]),
  listen: [int('fd'), int('backlog')],
  accept: [int('fd'), ptr('addr'), ptr('addrlen')],
  accept4: [int('fd'), ptr('addr'), ptr('addrlen'), int('flags')],
  ...each(['read', 'write'], [int('fd'), ptr('buf'), long('count')]),
  ftruncate: [int('fd'), long('length')],
  fallocate: [int('fd'), int('mode'), long('offset'), long('len')],
  inotify_add_watch: [int('fd'), ptr('pathname'), int('mask')],
  fcntl: [int('fd'), int('cmd'), long('arg')],
  ioctl: [int('fd'), int('request'), long('arg')],
  flock: [int('fd'), int('operation')],
  io_uring_enter: [int('fd'), int('to_submit'), int('min_complete'), int('flags'), ptr('argp'), long('argsz')],
  // Memory.
  mmap: [ptr('addr'), long('length'), low32('prot', PROT_LOW), low32('flags', MMAP_FLAGS_LOW), int('fd'), long('offset')],
  mprotect: [ptr('addr'), long('len'), low32('prot', PROT_LOW)],
  pkey_mprotect: [ptr('addr'), long('len'), low32('prot', PROT_LOW), int('pkey')],
  mremap: [ptr('old_address'), long('old_size'), long('new_size'), low32('flags', SHOWN_LOW), ptr('new_address')],
  madvise: [ptr('addr'), long('length'), int('advice')],
  // Sockets.
  socket: [int('domain'), int('type'), int('protocol')],
  socketpair: [int('domain'), int('type'), int('protocol'), ptr('sv')],
  sendto: [int('fd'), ptr('buf'), long('len'), int('flags'), ptr('dest_addr'), int('addrlen')],
  setsockopt: [int('fd'), int('level'), int('optname'), ptr('optval'), int('optlen')],
  getsockopt: [int('fd'), int('level'), int('optname'), ptr('optval'), ptr('optlen')],
  // Processes and signals.
  clone: [long('flags'), ptr('stack'), ptr('parent_tid')],
  unshare: [low32('flags', SHOWN_LOW)],
  setns: [int('fd'), int('nstype')],
  kill: [int('pid'), int('sig')],
  tkill: [int('tid'), int('sig')],
  tgkill: [int('tgid'), int('tid'), int('sig')],
  rt_sigqueueinfo: [int('tgid'), int('sig'), ptr('info')],
  rt_tgsigqueueinfo: [int('tgid'), int('tid'), int('sig'), ptr('info')],
  pidfd_open: [int('pid'), int('flags')],
  pidfd_send_signal: [int('pidfd'), int('sig'), ptr('info'), int('flags')],
  pidfd_getfd: [int('pidfd'), int('targetfd'), int('flags')],
  rt_sigaction: [int('signum'), ptr('act'), ptr('oldact'), long('sigsetsize')],
  ptrace: [low32('request', PTRACE_LOW), low32('pid', PTRACE_LOW), ptr('addr'), ptr('data')],
  ...each(['process_vm_readv', 'process_vm_writev'], [int('pid'), ptr('local_iov'), long('liovcnt'), ptr('remote_iov'), long('riovcnt'), long('flags')]),
  kcmp: [int('pid1'), int('pid2'), int('type'), long('idx1'), long('idx2')],
  setpgid: [int('pid'), int('pgid')],
  getpriority: [int('which'), int('who')],
  setpriority: [int('which'), int('who'), int('prio')],
  ...each(['sched_getparam', 'sched_setparam'], [int('pid'), ptr('param')]),
  sched_getscheduler: [int('pid')],
  sched_setscheduler: [int('pid'), int('policy'), ptr('param')],
  sched_setaffinity: [int('pid'), int('cpusetsize'), ptr('mask')],
  sched_setattr: [int('pid'), ptr('attr'), int('flags')],
  sched_getattr: [int('pid'), ptr('attr'), int('size'), int('flags')],
  prlimit64: [int('pid'), int('resource'), ptr('new_limit'), ptr('old_limit')],
  setrlimit: [int('resource'), ptr('rlim')],
  get_robust_list: [int('pid'), ptr('head_ptr'), ptr('len_ptr')],
  exit_group: [int('status')],
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
  prctl: [int('option'), long('arg2'), long('arg3'), long('arg4'), long('arg5')],
  arch_prctl: [int('code'), long('addr')],
  seccomp: [int('operation'), int('flags'), ptr('args')],
  personality: [int('persona')],
  getrandom: [ptr('buf'), long('buflen'), int('flags')],
  bpf: [int('cmd'), ptr('attr'), int('size')],
  keyctl: [int('operation'), long('arg2'), long('arg3'), long('arg4'), long('arg5')],
} satisfies Partial<Record<SyscallName, readonly Arg[]>>;

/** Per syscall name, its arguments in order. */
export const SYSCALL_ARGS: Readonly<Record<string, readonly SyscallArg[]>> = Object.freeze(Object.fromEntries(
  Object.entries(ROWS as Readonly<Record<string, readonly Arg[]>>).map(([syscall, args]) => {
    if (args.length > 6) throw new PledgeError('EINVAL', 'INTERNAL', `syscall-args: ${syscall} has more than six arguments`);
    const names = new Set(args.map((a) => a.name));
    if (names.size !== args.length) throw new PledgeError('EINVAL', 'INTERNAL', `syscall-args: ${syscall} names an argument twice`);
    return [syscall, Object.freeze(args.map((a, i) => Object.freeze({ ...a, index: i as ArgIndex })))];
  }),
));

/**
 * The argument `name` of `syscall`.
 * @throws PledgeError `BAD_RULE` when the schema has no such syscall or argument.
 */
export function syscallArg(syscall: string, name: string): SyscallArg {
  const row = SYSCALL_ARGS[syscall];
  if (!row) throw new PledgeError('EINVAL', 'BAD_RULE', `syscall-args: no row for ${syscall}`);
  const found = row.find((a) => a.name === name);
  if (!found) throw new PledgeError('EINVAL', 'BAD_RULE', `syscall-args: ${syscall} has no argument ${JSON.stringify(name)} (it has ${row.map((a) => a.name).join(', ')})`);
  return found;
}

/** A rule condition as far as the schema is concerned. */
export interface ArgUse {
  readonly arg: number;
  readonly width: 32 | 64;
  readonly name: string;
}

/**
 * Where the argument conditions of `rules` disagree with the schema: one
 * line per condition whose syscall or argument name is missing from
 * {@link SYSCALL_ARGS}, or whose index or width differs from it. Empty when
 * every condition agrees.
 */
export function argSchemaMismatches(rules: readonly { readonly syscall: string; readonly when?: readonly ArgUse[] }[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const c of r.when ?? []) {
      const row = SYSCALL_ARGS[r.syscall];
      const a = row?.find((x) => x.name === c.name);
      if (!row) out.push(`${r.syscall}: no row in SYSCALL_ARGS (condition on ${c.name})`);
      else if (!a) out.push(`${r.syscall}(${c.name}): no such argument (it has ${row.map((x) => x.name).join(', ')})`);
      else if (a.index !== c.arg || a.width !== c.width) out.push(`${r.syscall}(${c.name}): rule says index ${c.arg} width ${c.width}, schema says index ${a.index} width ${a.width}`);
    }
  }
  return [...new Set(out)];
}
