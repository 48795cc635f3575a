/**
 * Rules in force under every promise set, even `pledge("")`.
 *
 * OpenBSD pledge(2): `_exit` and `pledge` itself stay available whatever was
 * promised. On Linux a later pledge() installs one more filter, which needs
 * seccomp(SECCOMP_SET_MODE_FILTER); a new filter can only restrict further
 * (the kernel runs every filter and the strictest action wins), so allowing
 * it grants nothing.
 *
 * Only promise semantics live here. The rules the SIGSYS reporter and the
 * io_uring replay add to a filter are in ../report/rules.ts.
 */
import { ALLOW, arg, type Rule, type SyscallName } from '../rules.js';

const OPENBSD = 'OpenBSD pledge(2)';

const allow = (syscall: SyscallName, why: string, source: string, when?: Rule['when']): Rule =>
  ({ syscall, action: ALLOW, requires: [], why, source, ...(when ? { when } : {}) });

const enosys = (syscall: SyscallName, why: string): Rule =>
  ({ syscall, action: { kind: 'errno', errno: 'ENOSYS' }, requires: [], why, source: 'glibc/libuv fall back on ENOSYS; same choice as Cosmopolitan and moby' });

/** Syscalls answered ENOSYS so the C library falls back to one the filter can inspect. Checked before promises. */
export const FALLBACK_RULES: readonly Rule[] = [
  enosys('clone3', 'its flags live in a struct the filter cannot read; glibc then uses clone(), whose flags it can'),
  enosys('openat2', 'its flags live in a struct the filter cannot read; libc then uses openat(), whose flags it can'),
  ...(['io_uring_setup', 'io_uring_enter', 'io_uring_register'] as const).map((s) =>
    enosys(s, 'operations submitted through a ring are never seen by seccomp; libuv then uses plain syscalls')),
];

/** Allowed whatever was promised. */
export const ALWAYS_RULES: readonly Rule[] = [
  allow('exit', 'a thread may always end', OPENBSD),
  allow('exit_group', 'the process may always end (_exit)', OPENBSD),
  allow('rt_sigreturn', 'returning from a signal handler; without it any handled signal kills', 'sigreturn(2)'),
  allow('restart_syscall', 'the kernel resumes an interrupted sleep with it', 'restart_syscall(2)'),
  allow('seccomp', 'a later pledge() adds a filter, which can only restrict; only with TSYNC or no flag (no NEW_LISTENER: a pledged process must not hand out a listener)', OPENBSD, [
    arg.in(0, 32, 'operation', ['SECCOMP_SET_MODE_FILTER']),
    arg.in(1, 32, 'flags', [0, 'SECCOMP_FILTER_FLAG_TSYNC']),
  ]),
  allow('seccomp', 'asking which actions the kernel knows changes nothing', 'seccomp(2)', [
    arg.in(0, 32, 'operation', ['SECCOMP_GET_ACTION_AVAIL']),
  ]),
  allow('prctl', 'a later pledge() checks and sets no_new_privs, which can only restrict', 'prctl(2)', [
    arg.in(0, 32, 'option', ['PR_SET_NO_NEW_PRIVS', 'PR_GET_NO_NEW_PRIVS', 'PR_GET_SECCOMP']),
  ]),
];

/**
 * Calls programs make to probe an optional feature and handle when the
 * kernel says "not supported": answered with that errno under every promise
 * set instead of killing (no promise grants them). Soft refusals: a promise
 * that allowed the call would win (none does). Answered in the kernel, so
 * never reported: only pure probes belong here (the program behaves the
 * same whatever the answer). Probes decided on a path, and answers whose
 * refusal the user should see, are the command's PATH_PROBES
 * (./path-exceptions.ts), which its supervisor reports unless quiet.
 */
export const PROBE_RULES: readonly Rule[] = [
  {
    syscall: 'ioctl', requires: [], action: { kind: 'errno', errno: 'EOPNOTSUPP' },
    when: [arg.in(1, 32, 'request', ['FICLONE', 'FICLONERANGE', 'FIDEDUPERANGE'])],
    why: "reflinks (cp's default --reflink=auto in coreutils 9, mv across directories): on any failure cp copies the data itself (read/write, copy_file_range, both stdio), and EOPNOTSUPP is what a file system without reflinks answers; sharing extents into another file through the file system's ioctl code is not part of any promise",
    source: 'coreutils src/copy.c (reflink_mode REFLINK_AUTO falls back on any clone_file error); ioctl_ficlone(2)',
  },
  {
    syscall: 'ioctl', requires: [], action: { kind: 'errno', errno: 'ENOTTY' },
    when: [arg.in(1, 32, 'request', ['TIOCGWINSZ'])],
    why: "the terminal's width (curl's progress meter, ls, column, less ask it of stdin, stdout or stderr); ENOTTY is what a descriptor that is not a terminal answers, and programs then use $COLUMNS or 80 columns; the size itself stays tty's, as on OpenBSD, whose pledge_ioctl allows TIOCGWINSZ only under tty (and answers ENOTTY there for a non-tty)",
    source: 'OpenBSD sys/kern/kern_pledge.c pledge_ioctl (TIOCGWINSZ under tty, "ENOTTY return for non-tty"); curl src/terminal.c get_terminal_columns; tty_ioctl(4)',
  },
  {
    syscall: 'ioctl', requires: [], action: { kind: 'errno', errno: 'ENOTTY' },
    when: [arg.in(1, 32, 'request', ['TIOCGPGRP'])],
    why: "the terminal's foreground process group (tcgetpgrp(3)): bash asks it of stderr at start-up, also under -c, and takes ENOTTY as 'no terminal, no job control'; ENOTTY is what a descriptor that is not a terminal answers. The group itself stays tty's, as on OpenBSD, whose pledge_ioctl allows TIOCGPGRP only under tty; like TIOCGWINSZ, answered in the kernel and not reported",
    source: 'OpenBSD sys/kern/kern_pledge.c pledge_ioctl (TIOCGPGRP under tty); bash jobs.c initialize_job_control (tcgetpgrp(shell_tty)); tcgetpgrp(3) ENOTTY',
  },
  ...(['mlock', 'mlock2'] as const).map((syscall): Rule => ({
    syscall, requires: [], action: { kind: 'errno', errno: 'EPERM' },
    why: "locking pages in memory (libgcrypt's secure memory pool, which ffmpeg and gnutls users initialise): EPERM is what an unprivileged process with RLIMIT_MEMLOCK 0 gets, and libgcrypt takes EPERM, ENOMEM, EAGAIN and ENOSYS as 'not locked' and goes on; never allowed, because as root RLIMIT_MEMLOCK does not apply and locking can exhaust the system's memory (denied.ts)",
    source: 'libgcrypt src/secmem.c lock_pool_pages; mlock(2) EPERM',
  })),
  {
    syscall: 'get_mempolicy', requires: [], action: { kind: 'errno', errno: 'ENOSYS' },
    why: "libnuma's constructor (ffmpeg, ffprobe, anything linked with libnuma) probes the NUMA policy; ENOSYS is what a kernel without CONFIG_NUMA answers and libnuma takes it as 'no NUMA' (numa_available() == -1); the call only reads the caller's own policy, but node numbers of pages are not part of any promise",
    source: 'numactl libnuma.c (numa_init, set_nodemask_size, numa_available); get_mempolicy(2) ENOSYS',
  },
];
