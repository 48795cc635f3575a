/**
 * The rules the in-process SIGSYS reporter adds to every filter installed
 * while it is in place (docs/reports.md "What the filter allows for the
 * report"), and the trap for io_uring rings adopted before the first
 * pledge() (docs/node-runtime.md). Not promise semantics: pledge() places
 * them before the catalog's rules (../catalog/).
 */
import { PledgeError } from '../errors.js';
import { ALLOW, KILL_PROCESS, arg, type Rule } from '../rules.js';

const allow = (syscall: Rule['syscall'], why: string, source: string, when?: Rule['when']): Rule =>
  ({ syscall, action: ALLOW, requires: [], why, source, ...(when ? { when } : {}) });

/**
 * The status the SIGSYS reporter passes to exit_group() to end the process
 * after a report: the first of {@link reporterRules} turns exactly this call
 * into SECCOMP_RET_KILL_PROCESS, so the whole process dies by SIGSYS (shell
 * status 159). Its low byte is 159 too, so even without that rule the exit
 * status would read the same. An `int`, compared on its low 32 bits.
 */
export const REPORT_EXIT_MAGIC = 0x5ec0de9f;

/** Options of {@link reporterRules}. */
export interface ReporterRulesOptions {
  /** The descriptor reports are written to (stderr: 2). */
  readonly reportFd: number;
}

/**
 * What the in-process SIGSYS reporter needs, in every filter installed while
 * it is in place (a later filter judges the handler's calls too). Placed
 * before every other rule. Source: seccomp(2) SECCOMP_RET_TRAP, signal(7).
 *
 * - `exit_group(REPORT_EXIT_MAGIC)` is KILL_PROCESS: in kill mode the
 *   handler ends the process with it, and the kernel kills every thread by
 *   SIGSYS.
 * - `rt_sigaction(SIGSYS, act != NULL)` is trapped: the handler answers it
 *   with success and stays in place, so it cannot be replaced (nor reset by
 *   the signal reset libuv does in a forked child before execve, which a
 *   KILL_PROCESS here would turn into a dead child). A thread that blocks
 *   SIGSYS while it tries is killed: the kernel forces a trap's SIGSYS
 *   through with the default action.
 * - `write` to the report descriptor, `getpid` and `gettid` (to name the
 *   process and thread) are allowed, also under promises without stdio.
 *   `rt_sigreturn` is always allowed.
 * - Nothing that names a process: the handler copies the path of a
 *   read-only open the Node runtime allowance traps (it answers EACCES)
 *   through a pipe of its own, made before the filter (write(2) from the
 *   caller's pointer fails with EFAULT for a bad address instead of
 *   faulting in the handler; read(2) brings the bytes back), with calls
 *   "stdio" allows; without "stdio" such opens are refused unreported. A rule such as
 *   `process_vm_readv` on the pledged pid would be inherited by every
 *   program the process executes and let it read the pledged process'
 *   memory.
 */
export function reporterRules(options: ReporterRulesOptions): Rule[] {
  if (!Number.isInteger(options.reportFd) || options.reportFd < 0 || options.reportFd > 0x7fffffff) {
    throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `the report descriptor must be a descriptor number, got ${options.reportFd}`);
  }
  const source = 'seccomp(2) SECCOMP_RET_TRAP; docs/reports.md';
  return [
    { syscall: 'exit_group', action: KILL_PROCESS, requires: [], when: [arg.in(0, 32, 'status', [REPORT_EXIT_MAGIC])],
      why: 'the SIGSYS reporter ends the process with this status after its report; the kernel then kills every thread by SIGSYS', source },
    { syscall: 'rt_sigaction', action: { kind: 'trap' }, requires: [], when: [arg.in(0, 32, 'signum', ['SIGSYS']), arg.notIn(1, 64, 'act', [0])],
      why: 'the SIGSYS handler cannot be replaced: the handler answers success and keeps itself', source },
    allow('write', 'reports go to this descriptor, whatever was promised', source, [arg.in(0, 32, 'fd', [options.reportFd])]),
    allow('getpid', 'the report names the process', source),
    allow('gettid', 'the report names the thread', source),
  ];
}

/** The io_uring_enter flag libuv's epoll batches use (include/uapi/linux/io_uring.h). */
const IORING_ENTER_GETEVENTS = 1;

/**
 * Rules for io_uring instances that existed before the first filter (libuv
 * >= 1.49 keeps one in every event loop and batches epoll_ctl through it):
 * `io_uring_enter(fd, n, n, IORING_ENTER_GETEVENTS)` on exactly those
 * descriptors is trapped, so the kernel never runs a submission, and the
 * SIGSYS handler replays the queued epoll_ctl entries as ordinary syscalls
 * that the filter judges (native ring-replay.cc). Any other io_uring_enter
 * still gets the ENOSYS of FALLBACK_RULES (../catalog/always.ts). Placed
 * before them.
 * Source: io_uring_enter(2); libuv src/unix/linux.c uv__epoll_ctl_flush.
 * @param ringFds the adopted rings' descriptors (empty: no rule).
 */
export function ringReplayRules(ringFds: readonly number[]): Rule[] {
  if (ringFds.length === 0) return [];
  for (const fd of ringFds) {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `an io_uring descriptor must be a descriptor number, got ${fd}`);
    }
  }
  return [{
    syscall: 'io_uring_enter', action: { kind: 'trap' }, requires: [],
    when: [arg.in(0, 32, 'fd', [...ringFds].sort((a, b) => a - b)), arg.in(3, 32, 'flags', [IORING_ENTER_GETEVENTS])],
    why: "libuv's epoll_ctl batches on a ring that existed before pledge(): trapped, never run by the kernel; the SIGSYS handler replays them as epoll_ctl(2) calls the filter judges",
    source: 'io_uring_enter(2); libuv src/unix/linux.c uv__epoll_ctl_flush; docs/node-runtime.md',
  }];
}
