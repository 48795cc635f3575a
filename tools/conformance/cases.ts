/**
 * The conformance table: one row per (promises, syscall, arguments) with the
 * action OpenBSD's semantics call for. Arch-neutral: syscalls and constants
 * by name. The same rows run three ways: in the BPF simulator, on this
 * machine's kernel (x86_64) through tools/conformance/probe.c, and (for
 * other arches) on their kernels.
 *
 * Arguments the rule does not look at are left 0; where the call would do
 * something real if allowed, the arguments are chosen so the kernel refuses
 * it itself (a NULL path gives EFAULT), since an allowed call really runs.
 */
import type { ValueExpr } from '@seccomp-scopes/core';

export type Expect = 'allow' | 'kill' | { readonly errno: 'ENOSYS' | 'EPERM' };

export interface Case {
  readonly promises: string;
  readonly syscall: string;
  readonly args?: readonly ValueExpr[];
  readonly expect: Expect;
  /** Run the call with the foreign-ABI bit set (x32 on x86_64). */
  readonly foreignAbi?: boolean;
  /** Run the call through the arch's compat entry (int 0x80 on x86_64): another audit arch. */
  readonly compat?: boolean;
  readonly note?: string;
}

/** Junk in the upper 32 bits of an `int` argument: the kernel ignores it, so must the filter. */
export const JUNK = 0xdead_beef_0000_0000n;
const junk = (v: ValueExpr): ValueExpr => [JUNK, v];

const ALL = 'stdio rpath wpath cpath';

export const CASES: readonly Case[] = [
  // Always allowed, even under "".
  { promises: '', syscall: 'exit_group', args: [0], expect: 'allow' },
  { promises: '', syscall: 'getpid', expect: 'kill' },
  { promises: '', syscall: 'write', args: [-1], expect: 'kill' },
  { promises: '', syscall: 'clone3', expect: { errno: 'ENOSYS' }, note: 'glibc falls back to clone' },
  { promises: 'stdio', syscall: 'clone3', expect: { errno: 'ENOSYS' } },

  // Foreign ABIs.
  { promises: 'stdio', syscall: 'getpid', expect: 'allow' },
  { promises: 'stdio', syscall: 'getpid', foreignAbi: true, expect: 'kill', note: 'x32 number of an allowed call' },
  { promises: ALL, syscall: 'getpid', foreignAbi: true, expect: 'kill' },
  { promises: 'stdio', syscall: 'getpid', compat: true, expect: 'kill', note: 'wrong audit arch (i386 int 0x80 on x86_64)' },

  // stdio: descriptors already open.
  { promises: 'stdio', syscall: 'read', args: [-1, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'write', args: [-1, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'close', args: [-1], expect: 'allow' },
  { promises: 'stdio', syscall: 'fstat', args: [-1, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'lseek', args: [-1, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'pipe2', args: [0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'getrandom', args: [0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'clock_nanosleep', args: [0, 0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'newfstatat', args: [-1, 0, 0, 'AT_EMPTY_PATH'], expect: 'allow', note: 'fstat() in glibc' },
  { promises: 'stdio', syscall: 'newfstatat', args: [-1, 0, 0, junk('AT_EMPTY_PATH')], expect: 'allow' },
  { promises: 'stdio', syscall: 'newfstatat', args: ['AT_FDCWD', 0, 0, 'AT_EMPTY_PATH'], expect: 'kill', note: 'a path relative to the cwd is stat(), rpath' },
  { promises: 'stdio', syscall: 'newfstatat', args: [-1, 0, 0, 0], expect: 'kill', note: 'without AT_EMPTY_PATH it is a path stat' },
  { promises: 'stdio', syscall: 'statx', args: [-1, 0, 'AT_EMPTY_PATH', 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'statx', args: ['AT_FDCWD', 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'fcntl', args: [-1, 'F_GETFL'], expect: 'allow' },
  { promises: 'stdio', syscall: 'fcntl', args: [-1, junk('F_SETFD')], expect: 'allow' },
  { promises: 'stdio', syscall: 'fcntl', args: [-1, 'F_SETLK'], expect: 'kill', note: 'locks need flock' },
  { promises: 'stdio', syscall: 'fcntl', args: [-1, 'F_SETOWN'], expect: 'kill', note: 'F_SETOWN needs proc' },
  { promises: 'stdio', syscall: 'ioctl', args: [-1, 'FIONREAD', 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'ioctl', args: [-1, junk('FIOCLEX'), 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'ioctl', args: [-1, 'TCGETS', 0], expect: 'allow', note: 'isatty()' },
  { promises: 'stdio', syscall: 'ioctl', args: [-1, 'TIOCSTI', 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'ioctl', args: [-1, 'TIOCSWINSZ', 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'mmap', args: [0, 4096, ['PROT_READ', 'PROT_WRITE'], ['MAP_PRIVATE', 'MAP_ANONYMOUS'], -1, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'mmap', args: [0, 4096, ['PROT_READ', 'PROT_EXEC'], ['MAP_PRIVATE', 'MAP_ANONYMOUS'], -1, 0], expect: 'kill', note: 'PROT_EXEC needs prot_exec' },
  { promises: 'stdio', syscall: 'mmap', args: [0, 4096, junk('PROT_READ'), ['MAP_PRIVATE', 'MAP_ANONYMOUS'], -1, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'mmap', args: [0, 4096, [0xffff_fff0_0000_0000n, 'PROT_EXEC'], ['MAP_PRIVATE', 'MAP_ANONYMOUS'], -1, 0], expect: 'kill', note: 'junk high bits do not hide PROT_EXEC' },
  { promises: 'stdio', syscall: 'mprotect', args: [0, 0, 'PROT_READ'], expect: 'allow' },
  { promises: 'stdio', syscall: 'mprotect', args: [0, 0, ['PROT_READ', 'PROT_EXEC']], expect: 'kill' },
  { promises: ALL, syscall: 'mprotect', args: [0, 0, 'PROT_EXEC'], expect: 'kill', note: 'no promise of this slice grants PROT_EXEC' },
  { promises: 'stdio', syscall: 'kill', args: [0, 0], expect: 'allow', note: 'own process group' },
  { promises: 'stdio', syscall: 'kill', args: [1, 0], expect: 'kill', note: 'other processes need proc' },
  { promises: 'stdio', syscall: 'clone', args: [['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM', 'CLONE_PIDFD'], 0, 0, 0, 0], expect: 'allow', note: 'a thread (CLONE_PIDFD makes the kernel refuse it: EINVAL)' },
  { promises: 'stdio', syscall: 'clone', args: ['SIGCHLD', 0, 0, 0, 0], expect: 'kill', note: 'fork needs proc' },
  { promises: 'stdio', syscall: 'clone', args: [['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM', 'CLONE_NEWUSER'], 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'prlimit64', args: [0, 'RLIMIT_NOFILE', 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'prlimit64', args: [0, 'RLIMIT_NOFILE', 0x1_0000_0000n, 0], expect: 'kill', note: 'a new limit pointer whose low word is 0 is not NULL' },
  { promises: 'stdio', syscall: 'sendto', args: [-1, 0, 0, 0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'sendto', args: [-1, 0, 0, 0, 0x1000, 16], expect: 'kill', note: 'a destination address needs a network promise' },
  { promises: 'stdio', syscall: 'socketpair', args: ['AF_UNIX', 'SOCK_STREAM', 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'socketpair', args: ['AF_INET', 'SOCK_STREAM', 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'socket', args: ['AF_INET', 'SOCK_STREAM', 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'connect', args: [-1, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'execve', args: [0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'ptrace', args: [0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'seccomp', args: ['SECCOMP_GET_ACTION_AVAIL', 0, 0], expect: 'allow', note: 'a later pledge()' },
  { promises: 'stdio', syscall: 'prctl', args: ['PR_SET_DUMPABLE', 1, 0, 0, 0], expect: 'kill' },

  // stdio alone opens nothing.
  { promises: 'stdio', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDONLY'], expect: 'kill' },
  { promises: 'stdio', syscall: 'open', args: [0, 'O_RDONLY'], expect: 'kill' },
  { promises: 'stdio', syscall: 'unlink', args: [0], expect: 'kill' },

  // rpath: read-only opens and path metadata.
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDONLY'], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, junk(['O_RDONLY', 'O_CLOEXEC', 'O_DIRECTORY'])], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_WRONLY'], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDWR'], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_TRUNC']], expect: 'kill', note: 'O_TRUNC writes' },
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_CREAT']], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_ACCMODE'], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'open', args: [0, 'O_RDONLY'], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'open', args: [0, junk('O_WRONLY')], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'newfstatat', args: ['AT_FDCWD', 0, 0, 0], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'readlinkat', args: ['AT_FDCWD', 0, 0, 0], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'getdents64', args: [-1, 0, 0], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'chdir', args: [0], expect: 'allow' },
  { promises: 'stdio rpath', syscall: 'unlink', args: [0], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'truncate', args: [0, 0], expect: 'kill' },
  { promises: 'stdio rpath', syscall: 'creat', args: [0, 0], expect: 'kill' },

  // wpath: write opens.
  { promises: 'stdio wpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_WRONLY'], expect: 'allow' },
  { promises: 'stdio wpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_TRUNC', 'O_APPEND']], expect: 'allow' },
  { promises: 'stdio wpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDONLY'], expect: 'kill' },
  { promises: 'stdio wpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDWR'], expect: 'kill', note: 'O_RDWR also reads: rpath too' },
  { promises: 'stdio wpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_CREAT']], expect: 'kill', note: 'creating needs cpath' },
  { promises: 'stdio wpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_TMPFILE']], expect: 'kill' },
  { promises: 'stdio wpath', syscall: 'truncate', args: [0, 0], expect: 'allow' },
  { promises: 'stdio wpath', syscall: 'newfstatat', args: ['AT_FDCWD', 0, 0, 0], expect: 'allow' },
  { promises: 'stdio wpath', syscall: 'mkdir', args: [0, 0], expect: 'kill' },
  { promises: 'stdio rpath wpath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDWR'], expect: 'allow' },
  { promises: 'stdio rpath wpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_TRUNC']], expect: 'allow' },
  { promises: 'stdio rpath wpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDWR', 'O_CREAT']], expect: 'kill' },

  // cpath: create and remove.
  { promises: 'stdio cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_CREAT']], expect: 'kill', note: 'cpath alone has no access mode' },
  { promises: 'stdio cpath', syscall: 'mkdir', args: [0, 0], expect: 'allow' },
  { promises: 'stdio cpath', syscall: 'unlinkat', args: ['AT_FDCWD', 0, 0], expect: 'allow' },
  { promises: 'stdio cpath', syscall: 'renameat2', args: ['AT_FDCWD', 0, 'AT_FDCWD', 0, 0], expect: 'allow' },
  { promises: 'stdio cpath', syscall: 'symlink', args: [0, 0], expect: 'allow' },
  { promises: 'stdio cpath', syscall: 'creat', args: [0, 0], expect: 'kill', note: 'creat also writes: wpath' },
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']], expect: 'allow' },
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, junk(['O_WRONLY', 'O_CREAT', 'O_EXCL'])], expect: 'allow' },
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_TMPFILE']], expect: 'allow' },
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDWR', 'O_CREAT']], expect: 'kill' },
  { promises: 'stdio wpath cpath', syscall: 'creat', args: [0, 0], expect: 'allow' },
  { promises: 'stdio rpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_CREAT']], expect: 'allow' },
  { promises: 'stdio rpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_CREAT', 'O_TRUNC']], expect: 'kill' },
  { promises: ALL, syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDWR', 'O_CREAT', 'O_TRUNC']], expect: 'allow' },
  { promises: ALL, syscall: 'openat', args: ['AT_FDCWD', 0, junk(['O_RDWR', 'O_CREAT'])], expect: 'allow' },
  { promises: ALL, syscall: 'openat', args: ['AT_FDCWD', 0, ['O_ACCMODE', 'O_CREAT']], expect: 'kill' },
  { promises: ALL, syscall: 'openat2', args: ['AT_FDCWD', 0, 0, 0], expect: 'kill', note: 'flags hidden in a struct' },
  { promises: ALL, syscall: 'socket', args: ['AF_UNIX', 'SOCK_STREAM', 0], expect: 'kill' },
  { promises: ALL, syscall: 'execve', args: [0, 0, 0], expect: 'kill' },
];

/** Readable name of a case, for test titles. */
export function caseName(c: Case): string {
  const show = (a: ValueExpr): string =>
    typeof a === 'bigint' ? `0x${a.toString(16)}` : Array.isArray(a) ? (a as readonly ValueExpr[]).map(show).join('|') : typeof a === 'object' ? 'pid' : String(a);
  const args = (c.args ?? []).map(show).join(', ');
  const how = c.foreignAbi ? ' [x32]' : c.compat ? ' [compat]' : '';
  const want = typeof c.expect === 'string' ? c.expect : `errno ${c.expect.errno}`;
  return `[${c.promises}] ${c.syscall}(${args})${how} -> ${want}`;
}
