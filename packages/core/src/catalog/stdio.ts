/**
 * `stdio`: the C library's basic needs on descriptors the process already
 * has, memory, time, signals to itself and threads. OpenBSD pledge(2) lists
 * the calls; here they are mapped to their Linux equivalents. What seccomp
 * cannot check is said next to the rule.
 */
import { SOCK_TYPE_MASK } from '../constants.js';
import type { ConstantName } from '../constants.js';
import { arg, type Rule } from '../rules.js';
import { allowEach, allowWhen } from './helpers.js';
import { CLONE_NEVER } from './process.js';

const P = ['stdio'] as const;
const OB = 'OpenBSD pledge(2) "stdio"';

/**
 * The madvise(2) advice stdio allows: advice about the caller's own memory.
 * Not MADV_HWPOISON/SOFT_OFFLINE (root could poison shared page-cache pages),
 * MADV_MERGEABLE (KSM side channels), MADV_PAGEOUT or MADV_REMOVE (act on
 * shared pages). The `pledge` command's loader window allows the same list.
 */
export const STDIO_MADVISE: readonly ConstantName[] = ['MADV_NORMAL', 'MADV_RANDOM', 'MADV_SEQUENTIAL', 'MADV_WILLNEED', 'MADV_DONTNEED', 'MADV_FREE',
  'MADV_DONTFORK', 'MADV_DOFORK', 'MADV_HUGEPAGE', 'MADV_NOHUGEPAGE', 'MADV_DONTDUMP', 'MADV_DODUMP', 'MADV_WIPEONFORK', 'MADV_KEEPONFORK',
  'MADV_COLD', 'MADV_POPULATE_READ', 'MADV_POPULATE_WRITE'];

export const STDIO_RULES: readonly Rule[] = [
  ...allowEach(P, ['read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2'],
    'reading and writing descriptors the process already holds', OB),
  ...allowEach(P, ['close', 'dup', 'dup2', 'dup3', 'lseek', 'fstat', 'fsync', 'fdatasync', 'ftruncate', 'fchdir', 'fadvise64', 'readahead', 'fallocate', 'sync_file_range'],
    'descriptor bookkeeping on descriptors already open', OB),
  ...allowEach(P, ['close_range'], 'closing a range of its own descriptors (closefrom); glibc >= 2.34 calls it directly', 'OpenBSD pledge(2) "stdio" (closefrom)'),
  ...allowEach(P, ['sendfile', 'splice', 'tee', 'copy_file_range'],
    'copies between descriptors already open (Linux forms of read+write)', 'Linux equivalents of read/write; seccomp-scopes and Cosmopolitan allow them'),
  // fstat() in glibc >= 2.33 and libuv's uv_fs_fstat use the *at forms with an empty path.
  allowWhen(P, 'newfstatat', [arg.notIn(0, 32, 'dirfd', ['AT_FDCWD']), arg.bitsSet(3, 32, 'flags', 'AT_EMPTY_PATH')],
    'fstat() as glibc >= 2.33 makes it: newfstatat(fd, "", AT_EMPTY_PATH); the path string is invisible to seccomp, so a non-empty path also passes: relative to an open directory fd, or absolute with any fd (newfstatat(0, "/any/path", AT_EMPTY_PATH)), it reads the metadata of any path (never contents), even under the pledge command',
    'glibc sysdeps/unix/sysv/linux/fstat64.c; OpenBSD allows fstat under stdio'),
  allowWhen(P, 'statx', [arg.notIn(0, 32, 'dirfd', ['AT_FDCWD']), arg.bitsSet(2, 32, 'flags', 'AT_EMPTY_PATH')],
    'fstat() as libuv makes it: statx(fd, "", AT_EMPTY_PATH); same limit as newfstatat', 'libuv src/unix/fs.c uv__fs_statx'),
  allowWhen(P, 'fcntl', [arg.in(1, 32, 'cmd', ['F_DUPFD', 'F_DUPFD_CLOEXEC', 'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL'])],
    'descriptor and status flags; locks need flock, F_SETOWN needs proc', OB),
  allowWhen(P, 'ioctl', [arg.in(1, 32, 'request', ['FIONREAD', 'FIONBIO', 'FIOCLEX', 'FIONCLEX'])],
    'the four ioctls OpenBSD allows on any descriptor under stdio', OB),
  allowWhen(P, 'ioctl', [arg.in(1, 32, 'request', ['TCGETS'])],
    'isatty(3): on Linux it is ioctl(TCGETS), a read of terminal attributes; OpenBSD answers isatty with fcntl(F_ISATTY) under stdio',
    'OpenBSD lib/libc/gen/isatty.c (F_ISATTY); glibc sysdeps/unix/sysv/linux/isatty.c'),
  // Memory.
  ...allowEach(P, ['brk', 'munmap', 'mremap', 'msync', 'mincore', 'munlock'],
    'memory management of the process itself', OB),
  allowWhen(P, 'madvise', [arg.in(2, 32, 'advice', STDIO_MADVISE)],
    "advice about its own memory; not MADV_HWPOISON/SOFT_OFFLINE (root could poison shared page-cache pages), MADV_MERGEABLE (KSM side channels), MADV_PAGEOUT or MADV_REMOVE (act on shared pages)", OB),
  allowWhen(P, 'mmap', [arg.bitsClear(2, 32, 'prot', 'PROT_EXEC')],
    'memory without PROT_EXEC; executable memory needs prot_exec', OB),
  allowWhen(P, 'mprotect', [arg.bitsClear(2, 32, 'prot', 'PROT_EXEC')],
    'changing protection without PROT_EXEC; executable memory needs prot_exec', OB),
  allowWhen(P, 'pkey_mprotect', [arg.bitsClear(2, 32, 'prot', 'PROT_EXEC')],
    'mprotect() that also tags its own memory with a protection key (V8 does for WebAssembly code on CPUs with PKU); the same PROT_EXEC rule as mprotect',
    'OpenBSD pledge(2) "stdio" (mprotect); pkeys(7)'),
  ...allowEach(P, ['pkey_alloc', 'pkey_free'],
    "allocating and freeing memory protection keys of the process itself (pkeys(7)); a key only narrows the caller's own access to its own memory",
    'pkeys(7); OpenBSD pledge(2) "stdio" (memory management)'),
  // Time.
  ...allowEach(P, ['clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'nanosleep', 'clock_nanosleep', 'getitimer', 'setitimer', 'alarm'],
    'clocks and sleeping (the vDSO answers most clock reads without a syscall)', OB),
  // Identity and limits, read-only.
  ...allowEach(P, ['getpid', 'gettid', 'getppid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid', 'getgroups', 'getpgid', 'getpgrp', 'getsid', 'getrlimit', 'getrusage', 'times', 'umask', 'uname', 'getcpu', 'sched_getaffinity', 'sched_yield'],
    'reading the process\' own identity, limits and scheduling', OB),
  ...allowEach(P, ['sysinfo'], "memory and load figures: glibc's sysconf(_SC_PHYS_PAGES), which qsort() calls for arrays over 1 KiB, reads them", 'OpenBSD pledge(2) "stdio" (hw.physmem sysctl); glibc stdlib/msort.c'),
  allowWhen(P, 'sched_getparam', [arg.in(0, 32, 'pid', [0])], 'its own scheduling parameters', OB),
  allowWhen(P, 'sched_getscheduler', [arg.in(0, 32, 'pid', [0])], 'its own scheduling policy', OB),
  allowWhen(P, 'prlimit64', [arg.in(0, 32, 'pid', [0, { runtime: 'pid' }]), arg.in(2, 64, 'new_limit', [0])],
    'getrlimit() in glibc: prlimit64 on itself with no new limit (setting limits needs proc or id)', OB),
  ...allowEach(P, ['getrandom'], 'getentropy(); random bytes from the kernel', OB),
  allowWhen(P, 'prctl', [arg.in(0, 32, 'option', ['PR_SET_NAME', 'PR_GET_NAME', 'PR_GET_DUMPABLE', 'PR_GET_KEEPCAPS', 'PR_CAPBSET_READ', 'PR_SET_PDEATHSIG', 'PR_GET_PDEATHSIG', 'PR_GET_TIMERSLACK', 'PR_GET_TID_ADDRESS', 'PR_GET_CHILD_SUBREAPER', 'PR_GET_THP_DISABLE', 'PR_SET_VMA', 'PR_SVE_GET_VL', 'PR_GET_TAGGED_ADDR_CTRL'])],
    'thread names and read-only queries about itself; PR_SET_PDEATHSIG and PR_SET_VMA (naming its own mappings) only touch the caller', 'OpenBSD pledge(2) "stdio" (setthrname, getthrname); prctl(2)'),
  allowWhen(P, 'arch_prctl', [arg.in(0, 32, 'code', ['ARCH_SET_FS', 'ARCH_GET_FS', 'ARCH_SET_GS', 'ARCH_GET_GS', 'ARCH_GET_CPUID'])],
    'thread-local storage on x86_64 (OpenBSD always allows __set_tcb/__get_tcb); CPUID faulting (ARCH_SET_CPUID) is not allowed', 'OpenBSD pledge(2) (__set_tcb); arch_prctl(2)'),
  ...allowEach(P, ['getsockopt'], 'reading socket options of sockets it already holds (SO_ERROR after connect, SO_TYPE); nothing changes', OB),
  // Signals, to itself only.
  ...allowEach(P, ['rt_sigaction', 'rt_sigprocmask', 'rt_sigpending', 'rt_sigsuspend', 'rt_sigtimedwait', 'sigaltstack', 'pause', 'signalfd', 'signalfd4'],
    'handling signals', OB),
  allowWhen(P, 'kill', [arg.in(0, 32, 'pid', [{ runtime: 'pid' }])],
    'signals to itself (raise); OpenBSD also allows its process group (pid 0), which reaches the parent and siblings, so here that needs proc', OB),
  allowWhen(P, 'tgkill', [arg.in(0, 32, 'tgid', [{ runtime: 'pid' }])],
    'signals to its own threads (pthread_kill, raise)', OB),
  // Threads.
  allowWhen(P, 'get_robust_list', [arg.in(0, 32, 'pid', [0])], "its own threads' robust futex list (another pid's would leak its addresses)", 'get_robust_list(2)'),
  ...allowEach(P, ['futex', 'futex_waitv', 'set_robust_list', 'set_tid_address', 'rseq', 'membarrier'],
    'thread synchronisation and per-thread kernel state', 'OpenBSD pledge(2) "stdio" (__tfork, futex, __thrsleep)'),
  allowWhen(P, 'clone', [
    arg.bitsSet(0, 64, 'flags', ['CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_SYSVSEM']),
    arg.bitsClear(0, 64, 'flags', [...CLONE_NEVER, 'CLONE_VFORK', 'CLONE_PARENT', 'CLONE_PIDFD']),
  ], 'new threads only (pthread_create); new processes need proc', 'OpenBSD pledge(2) "stdio" (__tfork); clone flags from glibc pthread_create'),
  // Waiting for events.
  ...allowEach(P, ['poll', 'ppoll', 'select', 'pselect6', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'pipe', 'pipe2', 'wait4', 'waitid', 'timerfd_create', 'timerfd_settime', 'timerfd_gettime'],
    'waiting on descriptors, pipes and children', OB),
  // Sockets already open.
  ...allowEach(P, ['recvfrom', 'recvmsg', 'recvmmsg', 'sendmsg', 'sendmmsg', 'shutdown', 'getsockname', 'getpeername'],
    'I/O on sockets the process already holds; seccomp cannot see a message\'s address or SCM_RIGHTS inside sendmsg', OB),
  allowWhen(P, 'sendto', [arg.in(4, 64, 'dest_addr', [0])],
    'send() on a connected socket: no destination address (one needs a network promise)', OB),
  allowWhen(P, 'socketpair', [arg.in(0, 32, 'domain', ['AF_UNIX']), arg.masked(1, 32, 'type', SOCK_TYPE_MASK, ['SOCK_STREAM', 'SOCK_SEQPACKET'])],
    'a connected pair of local sockets, like a pipe; not SOCK_DGRAM, whose sendmsg could address any local socket by name (and pass descriptors to it)', OB),
];
