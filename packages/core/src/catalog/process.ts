/**
 * Processes, identity, time and the rest: `flock`, `tty`, `proc`, `exec`,
 * `prot_exec`, `settime`, `id`, `unveil`, `vminfo`, `ps`, `getpw`.
 */
import type { ConstantName } from '../constants.js';
import { ALLOW, arg, type Rule } from '../rules.js';
import { readOnlyOpenRules } from './open.js';
import { nscdProbe } from './net.js';
import { allowEach, allowWhen } from './helpers.js';

const OB = 'OpenBSD pledge(2)';

/** clone(2) flags that create namespaces or attach a tracer: never allowed (as root they would work). */
export const CLONE_NEVER: ConstantName[] = ['CLONE_NEWNS', 'CLONE_NEWCGROUP', 'CLONE_NEWUTS', 'CLONE_NEWIPC', 'CLONE_NEWUSER', 'CLONE_NEWPID', 'CLONE_NEWNET', 'CLONE_NEWTIME', 'CLONE_PTRACE', 'CLONE_UNTRACED'];

/** Terminal ioctls that read or set the attributes (termios), window size, breaks and queues of a terminal the process already holds. */
const TTY_IOCTLS: ConstantName[] = ['TCGETS', 'TCSETS', 'TCSETSW', 'TCSETSF', 'TCGETA', 'TCSETA', 'TCSETAW', 'TCSETAF', 'TIOCGWINSZ', 'TIOCSWINSZ',
  'TIOCGPGRP', 'TCFLSH', 'TCXONC', 'TCSBRK', 'TCSBRKP', 'TIOCSBRK', 'TIOCCBRK', 'TIOCOUTQ', 'TIOCEXCL', 'TIOCNXCL', 'TIOCGSID', 'TIOCSCTTY', 'TIOCNOTTY'];

export const PROCESS_RULES: readonly Rule[] = [
  // flock
  ...allowEach(['flock'], ['flock'], 'advisory file locks', `${OB} "flock"`),
  allowWhen(['flock'], 'fcntl', [arg.in(1, 32, 'cmd', ['F_GETLK', 'F_SETLK', 'F_SETLKW', 'F_OFD_GETLK', 'F_OFD_SETLK', 'F_OFD_SETLKW'])], 'POSIX and open-file-description locks', `${OB} "flock"`),
  // tty. TIOCSTI (typing into the terminal) and TIOCLINUX are in no promise.
  allowWhen(['tty'], 'ioctl', [arg.in(1, 32, 'request', TTY_IOCTLS)], 'terminal attributes, window size, breaks, flushing; never TIOCSTI or TIOCLINUX', `${OB} "tty"`),
  allowWhen(['tty'], 'ioctl', [arg.in(1, 32, 'request', ['TIOCMBIS', 'TIOCMBIC'])],
    "raising and dropping a terminal's modem lines: Linux's form of OpenBSD's TIOCSDTR/TIOCCDTR is TIOCMBIS/TIOCMBIC with TIOCM_DTR; the bits are behind a pointer seccomp cannot read, so RTS and the other lines of that terminal pass too",
    `${OB} "tty" (TIOCSDTR, TIOCCDTR); tty_ioctl(4)`),
  allowWhen(['tty', 'proc'], 'ioctl', [arg.in(1, 32, 'request', ['TIOCSPGRP'])], 'handing the terminal to a process group (job control)', `${OB} "tty" (TIOCSPGRP also needs proc)`),
  allowWhen(['tty', 'rpath', 'wpath'], 'ioctl', [arg.in(1, 32, 'request', ['TIOCGPTN', 'TIOCSPTLCK', 'TIOCGPTPEER'])], 'pseudo-terminals (posix_openpt, grantpt, unlockpt)', `${OB} "tty" (PTMGET with rpath and wpath)`),
  // proc
  allowWhen(['proc'], 'clone', [arg.bitsClear(0, 64, 'flags', CLONE_NEVER)], 'new processes (fork, vfork, posix_spawn); never new namespaces or traced children', `${OB} "proc"`),
  ...allowEach(['proc'], ['fork', 'vfork'], 'new processes', `${OB} "proc"`),
  ...allowEach(['proc'], ['kill', 'tgkill', 'tkill', 'pidfd_open', 'pidfd_send_signal'], 'signalling other processes', `${OB} "proc"`),
  ...allowEach(['proc'], ['setpgid', 'setsid', 'getpriority', 'setpriority', 'sched_setscheduler', 'sched_setparam', 'sched_getscheduler', 'sched_getparam', 'sched_setattr', 'sched_getattr', 'sched_setaffinity', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'ioprio_get', 'ioprio_set', 'setrlimit', 'prlimit64'],
    'process groups, sessions, priorities and limits', `${OB} "proc"`),
  allowWhen(['proc'], 'fcntl', [arg.in(1, 32, 'cmd', ['F_SETOWN', 'F_SETOWN_EX', 'F_GETOWN', 'F_GETOWN_EX', 'F_SETSIG', 'F_GETSIG'])], 'directing I/O signals at processes', `${OB} "proc" (F_SETOWN)`),
  allowWhen(['proc'], 'prctl', [arg.in(0, 32, 'option', ['PR_SET_CHILD_SUBREAPER'])], 'reaping orphaned descendants', 'prctl(2)'),
  // exec
  ...allowEach(['exec'], ['execve', 'execveat'], 'running another program; it inherits this filter (Linux cannot loosen it across execve)', `${OB} "exec"`),
  // prot_exec
  allowWhen(['prot_exec'], 'mmap', [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')], 'executable memory (loading code, JITs)', `${OB} "prot_exec"`),
  allowWhen(['prot_exec'], 'mprotect', [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')], 'making memory executable', `${OB} "prot_exec"`),
  allowWhen(['prot_exec'], 'pkey_mprotect', [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')], 'making memory executable, tagged with a protection key (pkeys(7))', `${OB} "prot_exec"`),
  // settime
  ...allowEach(['settime'], ['settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime'], 'setting the clocks (the kernel still requires CAP_SYS_TIME)', `${OB} "settime"`),
  // id
  ...allowEach(['id'], ['setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setgroups', 'setfsuid', 'setfsgid', 'capset', 'setrlimit', 'prlimit64', 'getpriority', 'setpriority'],
    'changing user, group, capabilities and limits (the kernel still checks privilege)', `${OB} "id"`),
  allowWhen(['id'], 'prctl', [arg.in(0, 32, 'option', ['PR_SET_KEEPCAPS', 'PR_CAPBSET_DROP', 'PR_CAP_AMBIENT'])], 'keeping or dropping capabilities around a user change', 'prctl(2)'),
  // unveil
  ...allowEach(['unveil'], ['landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self'], 'further unveil() calls (Landlock); they can only narrow', 'OpenBSD pledge(2) "unveil"'),
  // vminfo, ps: OpenBSD reads sysctls; on Linux most of it is in /proc (rpath + unveil).
  ...allowEach(['vminfo'], ['sysinfo'], 'system memory and load figures; the rest is in /proc and needs rpath', `${OB} "vminfo"`),
  ...allowEach(['ps'], ['getpriority', 'sched_getscheduler', 'sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'ioprio_get'],
    'scheduling facts about other processes; process lists are in /proc and need rpath', `${OB} "ps"`),
  allowWhen(['ps'], 'prlimit64', [arg.in(2, 64, 'new_limit', [0])], 'reading other processes\' limits', `${OB} "ps"`),
  // getpw: the C library reads /etc/passwd and /etc/group; seccomp cannot check the path.
  ...readOnlyOpenRules(['getpw'], ALLOW, 'reading /etc/passwd, /etc/group, /etc/nsswitch.conf; seccomp cannot check the path, unveil can', `${OB} "getpw"`),
  ...allowEach(['getpw'], ['newfstatat', 'statx', 'stat'], 'the C library checks the databases before reading them; seccomp cannot check the path (the pledge command does: only its files and \"/\", catalog/path-exceptions.ts METADATA_EXCEPTIONS)', `${OB} "getpw"`),
  nscdProbe(['getpw'], 'getpwnam(), getgrgid() and initgroups() ask nscd first'),
  // dns's answer to the same probe (getaddrinfo, gethostbyname), after getpw's so that a report of the probe names getpw first (OpenBSD's ls -l pledges it).
  nscdProbe(['dns'], 'getaddrinfo() and gethostbyname() ask nscd first'),
];
