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

export type Expect = 'allow' | 'kill' | { readonly errno: 'ENOSYS' | 'EPERM' | 'EACCES' | 'EOPNOTSUPP' };

export interface Case {
  readonly promises: string;
  /** A syscall by name; or, with `nr`, a label for a raw number. */
  readonly syscall: string;
  /** A raw syscall number (for numbers the arch's table does not know). */
  readonly nr?: number;
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
  { promises: '', syscall: 'getppid', expect: 'kill', note: "the pledge command's start-up marker; its number is checked against the C library's" },
  { promises: 'stdio', syscall: 'getppid', expect: 'allow' },
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
  { promises: 'stdio', syscall: 'kill', args: [0, 0], expect: 'kill', note: 'its process group includes the parent: needs proc' },
  { promises: 'stdio proc', syscall: 'kill', args: [0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'kill', args: [1, 0], expect: 'kill', note: 'other processes need proc' },
  { promises: 'stdio', syscall: 'clone', args: [['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM', 'CLONE_SETTLS'], 0, 0, 0, -1], expect: 'allow', note: 'a thread (x86_64 refuses the TLS address -1 with EPERM, so none is created)' },
  { promises: 'stdio', syscall: 'clone', args: [['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM', 'CLONE_PIDFD'], 0, 0, 0, 0], expect: 'kill', note: 'no pidfd for a thread' },
  { promises: 'stdio', syscall: 'clone', args: ['SIGCHLD', 0, 0, 0, 0], expect: 'kill', note: 'fork needs proc' },
  { promises: 'stdio', syscall: 'clone', args: [['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM', 'CLONE_NEWUSER'], 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'prlimit64', args: [0, 'RLIMIT_NOFILE', 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'prlimit64', args: [0, 'RLIMIT_NOFILE', 0x1_0000_0000n, 0], expect: 'kill', note: 'a new limit pointer whose low word is 0 is not NULL' },
  { promises: 'stdio', syscall: 'sendto', args: [-1, 0, 0, 0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'sendto', args: [-1, 0, 0, 0, 0x1000, 16], expect: 'kill', note: 'a destination address needs a network promise' },
  { promises: 'stdio', syscall: 'socketpair', args: ['AF_UNIX', 'SOCK_STREAM', 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'socketpair', args: ['AF_UNIX', ['SOCK_SEQPACKET', 'SOCK_CLOEXEC'], 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'socketpair', args: ['AF_UNIX', 'SOCK_DGRAM', 0, 0], expect: 'kill', note: 'an unconnected-capable datagram socket could address any local socket' },
  { promises: 'stdio', syscall: 'get_robust_list', args: [0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'get_robust_list', args: [1, 0, 0], expect: 'kill', note: "another process' addresses" },
  { promises: 'stdio', syscall: 'madvise', args: [0, 0, 'MADV_DONTNEED'], expect: 'allow' },
  { promises: 'stdio', syscall: 'madvise', args: [0, 0, 'MADV_HWPOISON'], expect: 'kill' },
  { promises: 'stdio', syscall: 'mlock', args: [0, 0], expect: { errno: 'EPERM' }, note: "libgcrypt's secure memory takes EPERM as 'not locked'" },
  { promises: 'stdio', syscall: 'mlockall', args: [1], expect: 'kill' },
  { promises: 'stdio', syscall: 'socketpair', args: ['AF_INET', 'SOCK_STREAM', 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'socket', args: ['AF_INET', 'SOCK_STREAM', 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'connect', args: [-1, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'execve', args: [0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'ptrace', args: [0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'seccomp', args: ['SECCOMP_GET_ACTION_AVAIL', 0, 0], expect: 'allow' },
  { promises: '', syscall: 'seccomp', args: ['SECCOMP_SET_MODE_FILTER', 'SECCOMP_FILTER_FLAG_TSYNC', 0], expect: 'allow', note: 'a later pledge()' },
  { promises: 'stdio', syscall: 'seccomp', args: ['SECCOMP_SET_MODE_FILTER', 'SECCOMP_FILTER_FLAG_NEW_LISTENER', 0], expect: 'kill', note: 'a listener fd could be handed out' },
  { promises: 'stdio', syscall: 'seccomp', args: ['SECCOMP_SET_MODE_STRICT', 0, 0], expect: 'kill' },
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
  { promises: ALL, syscall: 'openat2', args: ['AT_FDCWD', 0, 0, 0], expect: { errno: 'ENOSYS' }, note: 'flags hidden in a struct: libc falls back to openat' },
  { promises: ALL, syscall: 'socket', args: ['AF_UNIX', 'SOCK_STREAM', 0], expect: 'kill' },
  { promises: ALL, syscall: 'execve', args: [0, 0, 0], expect: 'kill' },

  // Always: numbers the table does not know answer ENOSYS; io_uring too.
  { promises: 'stdio', syscall: 'unknown-0x3fff0000', nr: 0x3fff0000, expect: { errno: 'ENOSYS' } },
  { promises: '', syscall: 'unknown-0x3fff0000', nr: 0x3fff0000, expect: { errno: 'ENOSYS' } },
  { promises: ALL, syscall: 'io_uring_setup', args: [1, 0], expect: { errno: 'ENOSYS' } },
  { promises: 'stdio', syscall: 'memfd_create', args: [0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'personality', args: ['READ_IMPLIES_EXEC'], expect: 'kill' },
  { promises: 'stdio', syscall: 'pkey_mprotect', args: [0, 0, 'PROT_EXEC', 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'process_vm_writev', args: [1, 0, 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'userfaultfd', args: [0], expect: 'kill' },
  { promises: 'stdio', syscall: 'unshare', args: ['CLONE_NEWUSER'], expect: 'kill' },
  { promises: 'stdio', syscall: 'prctl', args: ['PR_SET_NAME', 0, 0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'prctl', args: ['PR_SET_SECCOMP', 2, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'prctl', args: ['PR_SET_MM', 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'arch_prctl', args: ['ARCH_GET_FS', 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'arch_prctl', args: ['ARCH_SET_CPUID', 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'getsockopt', args: [-1, 'SOL_SOCKET', 'SO_ERROR', 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'setsockopt', args: [-1, 'SOL_SOCKET', 'SO_REUSEADDR', 0, 0], expect: 'kill' },
  { promises: 'stdio', syscall: 'close_range', args: [1000, 1001, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'tkill', args: [1, 0], expect: 'kill' },

  // cpath: a new file is never born setuid without fattr+chown.
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_CREAT'], 0o4755], expect: 'kill' },
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_CREAT'], 0o644], expect: 'allow' },
  { promises: 'stdio wpath cpath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_WRONLY', 'O_CREAT'], [JUNK, 0o644]], expect: 'allow' },
  { promises: 'stdio wpath cpath', syscall: 'creat', args: [0, 0o2755], expect: 'kill' },

  // dpath
  { promises: 'stdio dpath', syscall: 'mknodat', args: ['AT_FDCWD', 0, 'S_IFIFO', 0], expect: 'allow' },
  { promises: 'stdio cpath', syscall: 'mknodat', args: ['AT_FDCWD', 0, 'S_IFIFO', 0], expect: 'kill' },
  { promises: 'stdio dpath', syscall: 'mknodat', args: ['AT_FDCWD', 0, ['S_IFREG', 0o755], 0], expect: 'kill', note: 'a regular file is cpath' },
  { promises: 'stdio dpath', syscall: 'mknodat', args: ['AT_FDCWD', 0, ['S_IFIFO', 'S_ISUID', 0o755], 0], expect: 'kill', note: 'never setuid' },
  { promises: 'stdio dpath', syscall: 'mknodat', args: ['AT_FDCWD', 0, ['S_IFCHR', 0o600], 0], expect: 'allow' },

  // tmppath: mkstemp's shape only.
  { promises: 'stdio tmppath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDWR', 'O_CREAT', 'O_EXCL', 'O_CLOEXEC'], 0o600], expect: 'allow' },
  { promises: 'stdio tmppath', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDWR', 'O_CREAT'], 0o600], expect: 'kill', note: 'without O_EXCL it could open an existing file' },
  { promises: 'stdio tmppath', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_RDONLY'], expect: 'kill' },
  { promises: 'stdio tmppath', syscall: 'unlinkat', args: ['AT_FDCWD', 0, 0], expect: 'allow' },
  { promises: 'stdio tmppath', syscall: 'unlinkat', args: ['AT_FDCWD', 0, 'AT_REMOVEDIR'], expect: 'kill' },
  { promises: 'stdio tmppath', syscall: 'rename', args: [0, 0], expect: 'kill' },

  // fattr and chown
  { promises: 'stdio fattr', syscall: 'fchmod', args: [-1, 0o644], expect: 'allow' },
  { promises: 'stdio fattr', syscall: 'fchmod', args: [-1, 0o1777], expect: 'allow', note: 'the sticky bit is not a privilege' },
  { promises: 'stdio fattr', syscall: 'fchmodat', args: ['AT_FDCWD', 0, 0o4755], expect: 'kill' },
  { promises: 'stdio fattr chown', syscall: 'fchmodat', args: ['AT_FDCWD', 0, 0o4755], expect: 'allow' },
  { promises: 'stdio fattr', syscall: 'utimensat', args: ['AT_FDCWD', 0, 0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'utimensat', args: ['AT_FDCWD', 0, 0, 0], expect: 'kill' },
  { promises: 'stdio fattr', syscall: 'fchown', args: [-1, 4242, 4343], expect: 'allow', note: 'to its own uid/gid (the table compiles with uid 4242, gid 4343)' },
  { promises: 'stdio fattr', syscall: 'fchown', args: [-1, -1, 4343], expect: 'allow' },
  { promises: 'stdio fattr', syscall: 'fchown', args: [-1, 0, 0], expect: 'kill' },
  { promises: 'stdio chown', syscall: 'fchown', args: [-1, 0, 0], expect: 'allow' },

  // flock
  { promises: 'stdio flock', syscall: 'flock', args: [-1, 2], expect: 'allow' },
  { promises: 'stdio flock', syscall: 'fcntl', args: [-1, 'F_OFD_SETLK', 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'flock', args: [-1, 2], expect: 'kill' },

  // inet, mcast
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_INET', ['SOCK_STREAM', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK'], 0], expect: 'allow' },
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_INET6', junk('SOCK_DGRAM'), 'IPPROTO_UDP'], expect: 'allow' },
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_INET', 'SOCK_RAW', 'IPPROTO_ICMP'], expect: 'kill', note: 'no raw sockets' },
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_UNIX', 'SOCK_STREAM', 0], expect: 'kill' },
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_PACKET', 'SOCK_DGRAM', 0], expect: 'kill' },
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_INET', 'SOCK_STREAM', 'IPPROTO_UDP'], expect: 'kill' },
  { promises: 'stdio inet', syscall: 'connect', args: [-1, 0, 0], expect: 'allow' },
  { promises: 'stdio inet', syscall: 'sendto', args: [-1, 0, 0, 0, 0x1000, 16], expect: 'allow' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'IPPROTO_TCP', 'TCP_NODELAY', 0, 0], expect: 'allow' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'SOL_SOCKET', 'SO_REUSEADDR', 0, 0], expect: 'allow' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'SOL_SOCKET', 'SO_BINDTODEVICE', 0, 0], expect: 'kill' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'SOL_SOCKET', 'SO_ATTACH_FILTER', 0, 0], expect: 'kill' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'IPPROTO_IP', 'IP_HDRINCL', 0, 0], expect: 'kill' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'IPPROTO_IP', 'TCP_KEEPCNT', 0, 0], expect: 'kill', note: 'level and option are checked together (6 is IP_RECVOPTS at this level)' },
  { promises: 'stdio inet', syscall: 'setsockopt', args: [-1, 'IPPROTO_IP', 'IP_ADD_MEMBERSHIP', 0, 0], expect: 'kill', note: 'multicast needs mcast' },
  { promises: 'stdio inet mcast', syscall: 'setsockopt', args: [-1, 'IPPROTO_IP', 'IP_ADD_MEMBERSHIP', 0, 0], expect: 'allow' },
  { promises: 'stdio mcast', syscall: 'setsockopt', args: [-1, 'IPPROTO_IP', 'IP_ADD_MEMBERSHIP', 0, 0], expect: 'kill', note: 'mcast goes with inet' },

  // unix
  { promises: 'stdio unix', syscall: 'socket', args: ['AF_UNIX', ['SOCK_SEQPACKET', 'SOCK_CLOEXEC'], 0], expect: 'allow' },
  { promises: 'stdio unix', syscall: 'socket', args: ['AF_INET', 'SOCK_STREAM', 0], expect: 'kill' },
  { promises: 'stdio unix', syscall: 'listen', args: [-1, 1], expect: 'allow' },
  { promises: 'stdio unix', syscall: 'setsockopt', args: [-1, 'SOL_SOCKET', 'SO_PASSCRED', 0, 0], expect: 'allow' },

  // dns
  { promises: 'stdio dns', syscall: 'socket', args: ['AF_INET', ['SOCK_DGRAM', 'SOCK_NONBLOCK'], 0], expect: 'allow' },
  { promises: 'stdio dns', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_CLOEXEC']], expect: 'allow' },
  { promises: 'stdio dns', syscall: 'openat', args: ['AT_FDCWD', 0, 'O_WRONLY'], expect: 'kill' },
  { promises: 'stdio dns', syscall: 'listen', args: [-1, 1], expect: 'kill' },
  { promises: 'stdio dns', syscall: 'socket', args: ['AF_UNIX', junk(['SOCK_STREAM', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK']), 0], expect: { errno: 'EACCES' }, note: "getaddrinfo's nscd probe; glibc falls back to the files" },
  { promises: 'stdio dns', syscall: 'socket', args: ['AF_UNIX', 'SOCK_STREAM', 0], expect: 'kill', note: 'any other local socket needs unix' },
  { promises: 'stdio dns', syscall: 'socket', args: ['AF_UNIX', ['SOCK_DGRAM', 'SOCK_CLOEXEC'], 0], expect: 'kill', note: 'syslog(3) is not the nscd probe' },
  { promises: 'stdio dns', syscall: 'socket', args: ['AF_NETLINK', ['SOCK_RAW', 'SOCK_CLOEXEC'], 'NETLINK_ROUTE'], expect: 'allow', note: 'AI_ADDRCONFIG (check_pf.c)' },
  { promises: 'stdio inet', syscall: 'socket', args: ['AF_NETLINK', ['SOCK_RAW', 'SOCK_CLOEXEC'], 'NETLINK_ROUTE'], expect: 'allow', note: 'the interface list under inet' },
  { promises: 'stdio dns', syscall: 'socket', args: ['AF_NETLINK', 'SOCK_RAW', 16], expect: 'kill', note: 'NETLINK_GENERIC' },

  // route
  { promises: 'stdio route', syscall: 'socket', args: ['AF_NETLINK', ['SOCK_RAW', 'SOCK_CLOEXEC'], 'NETLINK_ROUTE'], expect: 'allow' },
  { promises: 'stdio route', syscall: 'socket', args: ['AF_NETLINK', 'SOCK_RAW', 16], expect: 'kill', note: 'NETLINK_GENERIC' },
  { promises: 'stdio route', syscall: 'ioctl', args: [-1, 'SIOCGIFCONF', 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'socket', args: ['AF_NETLINK', 'SOCK_RAW', 'NETLINK_ROUTE'], expect: 'kill' },
  { promises: 'stdio route', syscall: 'sendto', args: [-1, 0, 0, 0, 1, junk(12)], expect: 'allow', note: 'getifaddrs: the request to the kernel, a sockaddr_nl' },
  { promises: 'stdio route', syscall: 'sendto', args: [-1, 0, 0, 0, 1, 16], expect: 'kill', note: 'a sockaddr_in' },

  // getpw
  { promises: 'stdio getpw', syscall: 'openat', args: ['AT_FDCWD', 0, ['O_RDONLY', 'O_CLOEXEC']], expect: 'allow' },
  { promises: 'stdio getpw', syscall: 'socket', args: ['AF_UNIX', ['SOCK_STREAM', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK'], 0], expect: { errno: 'EACCES' }, note: 'nscd probe; glibc falls back' },
  { promises: 'stdio getpw unix', syscall: 'socket', args: ['AF_UNIX', 'SOCK_STREAM', 0], expect: 'allow' },
  { promises: 'stdio getpw', syscall: 'socket', args: ['AF_UNIX', 'SOCK_DGRAM', 0], expect: 'kill', note: 'only the nscd probe is answered' },

  // probes programs handle, under every promise set
  { promises: 'stdio', syscall: 'ioctl', args: [-1, junk('FICLONE'), 0], expect: { errno: 'EOPNOTSUPP' }, note: "cp's reflink; it copies instead" },
  { promises: ALL, syscall: 'ioctl', args: [-1, 'FICLONERANGE', 0], expect: { errno: 'EOPNOTSUPP' } },
  { promises: 'stdio', syscall: 'get_mempolicy', args: [0, 0, 0, 0, 0], expect: { errno: 'ENOSYS' }, note: "libnuma's constructor" },
  { promises: ALL, syscall: 'ioctl', args: [-1, 'FIFREEZE', 0], expect: 'kill' },

  // tty
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TIOCGWINSZ', 0], expect: 'allow' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, junk('TIOCMBIS'), 0], expect: 'allow', note: 'TIOCSDTR' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TIOCMBIC', 0], expect: 'allow', note: 'TIOCCDTR' },
  { promises: 'stdio', syscall: 'ioctl', args: [-1, 'TIOCMBIS', 0], expect: 'kill' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TCSETSW', 0], expect: 'allow' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, junk('TIOCSWINSZ'), 0], expect: 'allow' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TIOCSTI', 0], expect: 'kill', note: 'never' },
  { promises: ALL + ' tty proc exec', syscall: 'ioctl', args: [-1, 'TIOCSTI', 0], expect: 'kill', note: 'never, under any promise' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TIOCLINUX', 0], expect: 'kill' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TIOCSPGRP', 0], expect: 'kill', note: 'needs proc too' },
  { promises: 'stdio tty proc', syscall: 'ioctl', args: [-1, 'TIOCSPGRP', 0], expect: 'allow' },
  { promises: 'stdio tty', syscall: 'ioctl', args: [-1, 'TIOCGPTN', 0], expect: 'kill' },
  { promises: 'stdio rpath wpath tty', syscall: 'ioctl', args: [-1, 'TIOCGPTN', 0], expect: 'allow' },

  // proc
  { promises: 'stdio proc', syscall: 'clone', args: ['SIGCHLD', 0, 0, 0, 0], expect: 'allow', note: 'fork' },
  { promises: 'stdio proc', syscall: 'clone', args: [['SIGCHLD', 'CLONE_NEWUSER'], 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio proc', syscall: 'clone', args: [['SIGCHLD', 'CLONE_NEWNET'], 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio proc', syscall: 'clone', args: [['SIGCHLD', 'CLONE_PTRACE'], 0, 0, 0, 0], expect: 'kill' },
  { promises: 'stdio proc', syscall: 'kill', args: [1, 0], expect: 'allow' },
  { promises: 'stdio proc', syscall: 'setsid', expect: 'allow' },
  { promises: 'stdio proc', syscall: 'fcntl', args: [-1, 'F_SETOWN', 0], expect: 'allow' },
  { promises: 'stdio proc', syscall: 'prlimit64', args: [0, 'RLIMIT_NOFILE', 0x1000, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'setpgid', args: [0, 0], expect: 'kill' },

  // exec, prot_exec
  { promises: 'stdio exec', syscall: 'execve', args: [0, 0, 0], expect: 'allow' },
  { promises: 'stdio exec', syscall: 'execveat', args: [-1, 0, 0, 0, 0], expect: 'allow' },
  { promises: 'stdio prot_exec', syscall: 'mprotect', args: [0, 0, ['PROT_READ', 'PROT_EXEC']], expect: 'allow' },
  { promises: 'stdio prot_exec', syscall: 'mmap', args: [0, 4096, ['PROT_READ', 'PROT_EXEC'], ['MAP_PRIVATE', 'MAP_ANONYMOUS'], -1, 0], expect: 'allow' },

  // settime, id
  { promises: 'stdio settime', syscall: 'clock_settime', args: [0, 0], expect: 'allow' },
  { promises: 'stdio', syscall: 'clock_settime', args: [0, 0], expect: 'kill' },
  { promises: 'stdio id', syscall: 'setuid', args: [-1], expect: 'allow' },
  { promises: 'stdio id', syscall: 'setresgid', args: [-1, -1, -1], expect: 'allow' },
  { promises: 'stdio', syscall: 'setuid', args: [-1], expect: 'kill' },

  // unveil, vminfo, ps
  { promises: 'stdio unveil', syscall: 'landlock_create_ruleset', args: [0, 0, 1], expect: 'allow' },
  { promises: 'stdio', syscall: 'landlock_create_ruleset', args: [0, 0, 1], expect: 'kill' },
  { promises: 'stdio vminfo', syscall: 'sysinfo', args: [0], expect: 'allow' },
  { promises: 'stdio', syscall: 'sysinfo', args: [0], expect: 'allow', note: "glibc's qsort() reads it" },
  { promises: '', syscall: 'sysinfo', args: [0], expect: 'kill' },
  { promises: 'stdio ps', syscall: 'getpriority', args: [0, 1], expect: 'allow' },
  { promises: 'stdio ps', syscall: 'prlimit64', args: [1, 'RLIMIT_NOFILE', 0, 0], expect: 'allow' },
  { promises: 'stdio ps', syscall: 'prlimit64', args: [1, 'RLIMIT_NOFILE', 0x1000, 0], expect: 'kill' },

  // sendfd, recvfd: nothing beyond stdio's sendmsg/recvmsg (seccomp cannot see SCM_RIGHTS).
  { promises: 'stdio', syscall: 'sendmsg', args: [-1, 0, 0], expect: 'allow' },
  { promises: 'stdio sendfd recvfd', syscall: 'recvmsg', args: [-1, 0, 0], expect: 'allow' },

  // error: the penalty is ENOSYS instead of death.
  { promises: 'stdio error', syscall: 'socket', args: ['AF_INET', 'SOCK_STREAM', 0], expect: { errno: 'ENOSYS' } },
  { promises: 'stdio error', syscall: 'getpid', expect: 'allow' },
  { promises: 'stdio error', syscall: 'getpid', foreignAbi: true, expect: 'kill', note: 'the arch checks still kill' },
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
