/**
 * What the loader window lets a dynamic program's start-up do beyond its
 * promises (docs/cli.md, "The loader window"), as data with a reason per
 * entry: LOADER_WINDOW_RULES. The supervisor (@seccomp-scopes/native
 * src/supervise/loader-window.cc) gets them resolved for the arch, one
 * list per syscall number ({@link loaderWindowTable}, handed over as
 * `loaderWindow`, as `pathArgs` is), and keeps only the mechanisms: the
 * read-only open it performs itself, and the check that an executable
 * mapping is of one of the loader's files.
 *
 * Only the calls of the program's main thread between its execve and the
 * preload's marker are asked about (the marker itself, getppid with the
 * protocol's two arguments, ends the window before the table is read).
 * The first entry of a syscall whose conditions hold answers; a call no
 * entry answers is the promises' (the policy in JavaScript decides).
 * Syscalls an arch lacks (open, stat, arch_prctl on aarch64) drop out when
 * the rules are resolved for it, as the catalog's do.
 */
import {
  ALLOW, STDIO_MADVISE, resolveRules, syscallArg,
  type ArchDescriptor, type ArgCondition, type ConstantName, type Rule, type SyscallName, type ValueExpr,
} from '@seccomp-scopes/core';
import type { LoaderWindowEntry } from '@seccomp-scopes/native';

/**
 * What the supervisor does with a call an entry matches:
 * - `continue`: lets it run (SECCOMP_USER_NOTIF_FLAG_CONTINUE; safe because
 *   the entry decides on the registers alone);
 * - `emulate-open`: performs the read-only open itself, only of a loader
 *   file, and hands the descriptor over (SECCOMP_IOCTL_NOTIF_ADDFD);
 * - `map-loader-file`: lets the executable mapping run only while the
 *   process has one thread and no child process, and only when the
 *   descriptor (`/proc/<tid>/fd/<fd>`) is one of the loader's files.
 */
export type WindowAnswer = 'continue' | 'emulate-open' | 'map-loader-file';

/** One entry of the loader window. */
export interface LoaderWindowRule {
  readonly syscall: SyscallName;
  /** Every condition must hold (none: any arguments). */
  readonly when?: readonly ArgCondition[];
  readonly answer: WindowAnswer;
  /** What in the start-up needs it. */
  readonly why: string;
}

/** The condition `args[name] & mask ∈ values`, its index and width from core's argument schema. */
function on(syscall: SyscallName, name: string, values: readonly ValueExpr[], mask?: ValueExpr): ArgCondition {
  const { index, width } = syscallArg(syscall, name);
  return { arg: index, width, name, oneOf: values, ...(mask !== undefined ? { mask } : {}) };
}

const READ_ONLY: readonly ConstantName[] = ['O_ACCMODE', 'O_CREAT', 'O_TRUNC', '__O_TMPFILE'];

const each = (syscalls: readonly SyscallName[], why: string): LoaderWindowRule[] =>
  syscalls.map((syscall) => ({ syscall, answer: 'continue', why }));

/** The loader window, in the order it is read (docs/cli.md lists it as a table). */
export const LOADER_WINDOW_RULES: readonly LoaderWindowRule[] = Object.freeze([
  ...(['openat', 'open'] as const).map((syscall): LoaderWindowRule => ({
    syscall,
    when: [on(syscall, 'flags', ['O_RDONLY'], READ_ONLY)],
    answer: 'emulate-open',
    why: 'the loader opens its cache and libraries read-only (access mode O_RDONLY, none of O_CREAT, O_TRUNC, O_TMPFILE, as core readOnlyOpenRules); never let through: performed by the supervisor, only for a loader file',
  })),
  ...(['mmap', 'mprotect'] as const).map((syscall): LoaderWindowRule => ({
    syscall,
    when: [on(syscall, 'prot', [0], 'PROT_EXEC')],
    answer: 'continue',
    why: 'memory without PROT_EXEC: the loader maps data segments and sets up relocation read-only (RELRO)',
  })),
  {
    syscall: 'mmap',
    when: [on('mmap', 'prot', ['PROT_EXEC'], ['PROT_EXEC', 'PROT_WRITE']), on('mmap', 'flags', [0], 'MAP_ANONYMOUS')],
    answer: 'map-loader-file',
    why: "the loader maps its libraries' code executable: never writable at the same time, never anonymous, only of a loader file (mprotect with PROT_EXEC never: a private mapping may have been rewritten since)",
  },
  {
    syscall: 'madvise',
    when: [on('madvise', 'advice', STDIO_MADVISE)],
    answer: 'continue',
    why: "the advice stdio allows (core's STDIO_MADVISE), for the C library's allocator",
  },
  ...each(['munmap', 'brk', 'mremap'], 'memory'),
  ...each(['read', 'pread64', 'readv', 'lseek', 'close', 'fstat', 'newfstatat', 'statx', 'stat', 'lstat', 'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'getcwd'],
    'reading the libraries, looking up paths ($ORIGIN, the search path)'),
  ...each(['arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'futex', 'getrandom'], 'thread set-up, stack protector and pointer guard'),
  ...each(['rt_sigaction', 'rt_sigprocmask', 'sigaltstack'], 'signal state'),
  ...each(['getpid', 'gettid', 'getppid', 'getuid', 'geteuid', 'getgid', 'getegid', 'uname', 'sched_getaffinity', 'sched_yield', 'clock_gettime', 'gettimeofday', 'getrlimit'],
    'facts about itself'),
  { syscall: 'prlimit64', when: [on('prlimit64', 'new_limit', [0])], answer: 'continue', why: 'facts about itself: reading a limit only (no new limit)' },
  {
    syscall: 'fcntl',
    when: [on('fcntl', 'cmd', ['F_GETFD', 'F_SETFD', 'F_GETFL', 'F_DUPFD_CLOEXEC'])],
    answer: 'continue',
    why: 'descriptor flags',
  },
  { syscall: 'ioctl', when: [on('ioctl', 'request', ['TCGETS'])], answer: 'continue', why: 'isatty()' },
  { syscall: 'landlock_restrict_self', answer: 'continue', why: 'the preload entering the -v domain (it can only restrict)' },
]);

/** How the addon reads a {@link WindowAnswer} (@seccomp-scopes/native LoaderWindowEntry, loader-window.h WindowAction). */
const ANSWER_CODES: Readonly<Record<WindowAnswer, LoaderWindowEntry['answer']>> = { 'continue': 1, 'emulate-open': 2, 'map-loader-file': 3 };

/**
 * The loader window for `arch`: LOADER_WINDOW_RULES resolved by core
 * (numbers and constants of the arch; syscalls it lacks left out), in order.
 * @throws PledgeError as core's resolveRules.
 */
export function loaderWindowTable(arch: ArchDescriptor, rules: readonly LoaderWindowRule[] = LOADER_WINDOW_RULES): LoaderWindowEntry[] {
  const answers = new Map<Rule, WindowAnswer>();
  const asRules = rules.map((r): Rule => {
    const rule: Rule = { syscall: r.syscall, action: ALLOW, requires: [], why: r.why, source: 'pledge(1) loader window', ...(r.when ? { when: r.when } : {}) };
    answers.set(rule, r.answer);
    return rule;
  });
  return resolveRules(asRules, arch).rules.map((r) => ({
    nr: r.nr,
    answer: ANSWER_CODES[answers.get(r.rule)!],
    when: r.when.map((c) => ({ arg: c.arg, mask: c.mask, values: c.oneOf, negate: c.negate })),
  }));
}
