/**
 * The Node runtime allowance: what a Node.js process needs beyond its
 * promises to keep running (event loop, GC, JIT, Worker threads, libuv
 * threadpool, stdio streams). Measured with strace on Node 20.20 / libuv
 * 1.46 / glibc 2.36 (docs/node-runtime.md has the method and the traces);
 * every rule says why. These rules are in force under every promise set
 * when pledging a Node process, and are tried after the promises' own
 * rules, so a promise that allows a call always wins.
 */
import { ALLOW, arg, readOnlyOpenRules, rulesFor, type Action, type Rule, type SyscallName } from '@seccomp-scopes/core';

const MEASURED = 'strace of Node 20.20 (libuv 1.46, glibc 2.36) after pledge; docs/node-runtime.md';
const MEASURED_24 = 'strace of Node 24.21 and 26.10 (V8 13/14, Abseil, glibc 2.36) after pledge; docs/node-runtime.md';
const MEASURED_PKU = "V8's WebAssembly code protection on CPUs with PKU, measured with a pkey shim on Node 22/24/26; docs/node-runtime.md";
const EACCES: Action = { kind: 'errno', errno: 'EACCES' };
const EPERM: Action = { kind: 'errno', errno: 'EPERM' };

/** Options of {@link nodeRuntimeRules}. */
export interface NodeRuntimeOptions {
  /** Allow executable memory for V8's JIT (false under `node --jitless`). */
  readonly jit: boolean;
  /**
   * eventfd descriptors of the process' event loops (found by the first
   * pledge()): writing 8 bytes to one is libuv's uv_async_send, which
   * Node's threads make on the way to exit also under `pledge("")`.
   */
  readonly eventFds?: readonly number[];
  /**
   * Reports are on (the SIGSYS handler is in place and not quiet): read-only
   * opens trap instead of failing in the kernel, and the handler answers them
   * with the same EACCES after reporting the path once (docs/reports.md),
   * except Node's own probes ({@link nodeQuietOpenPaths}).
   */
  readonly reportOpens?: boolean;
}

const rule = (syscall: SyscallName, action: Action, why: string, when?: Rule['when'], source: string = MEASURED): Rule =>
  ({ syscall, action, requires: [], why, source, ...(when ? { when } : {}) });

/**
 * PROBES: path probes Node makes at moments the program does not choose,
 * all of which it handles when they fail: libuv's spare descriptor (`/dev/null`,
 * `/`), the tty re-open (`readlink /proc/self/fd/N`), a Worker's start
 * (`/proc/self/maps`, the node binary, `/proc/self/cgroup`,
 * `/proc/meminfo`, `readlink /proc/self/exe`), glibc's malloc
 * (`/sys/devices/system/cpu/online`). Without a promise allowing them they
 * fail with EACCES instead of killing the process. Only reading calls are
 * answered so; an open for writing or creating still kills. With
 * `reportOpens` the read-only opens trap instead: the SIGSYS handler reports
 * the path once and answers the same EACCES.
 */
function probes(reportOpens: boolean): Rule[] {
  return [
    ...(reportOpens
      ? readOnlyOpenRules([], { kind: 'trap' }, "a read-only open fails with EACCES instead of killing; trapped so that the SIGSYS handler reports its path once (Node's own probes, nodeQuietOpenPaths, stay quiet) and answers EACCES", `${MEASURED}; docs/reports.md`)
      : readOnlyOpenRules([], EACCES, 'a read-only open Node makes on its own (see PROBES) fails with EACCES instead of killing', MEASURED)),
    ...(['readlink', 'readlinkat', 'newfstatat', 'statx', 'stat', 'lstat', 'access', 'faccessat', 'faccessat2'] as const).map((syscall) =>
      rule(syscall, EACCES, 'a path lookup Node makes on its own (see PROBES) fails with EACCES instead of killing')),
  ];
}

/**
 * The read-only opens of the probes above that Node makes on its own and that are not
 * reported when reports are on: exact paths, or prefixes ending in `*`
 * (native installReporter `quietPaths`). Measured on Node 20-26 (a Worker's
 * start, libuv's spare descriptor, a tty's name, glibc's malloc, libuv's cgroup
 * memory limit).
 */
export function nodeQuietOpenPaths(execPath: string = process.execPath): string[] {
  return [
    '/dev/null', '/', execPath,
    '/dev/', '/dev/pts/', // glibc's ttyname() scans them when libuv opens a tty (uv_tty_init)
    '/proc/self/maps', '/proc/self/cgroup', '/proc/meminfo', '/proc/sys/vm/overcommit_memory',
    '/proc/stat', // Node 26 reads it at moments the program does not choose (uv_cpu_info)
    '/sys/devices/system/cpu/*', '/sys/fs/cgroup/*',
  ];
}

/** The stdio calls a Node runtime cannot do without, whatever the promises. */
const RUNTIME_MEMORY = new Set(['futex', 'mmap', 'munmap', 'mprotect', 'madvise', 'brk', 'rt_sigprocmask', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'sched_getaffinity', 'clock_nanosleep']);

/**
 * stdio's own rules for memory, futexes, the signal mask and waiting on
 * event loops (core catalog, unchanged), in force under every promise set:
 * V8 and libuv threads synchronise, wait, end (glibc blocks signals in an
 * ending thread) and the heap
 * grows, is committed and returned at moments the program does not choose,
 * also on the way to exit after `pledge("")` (measured: futex, mmap,
 * mprotect, madvise(MADV_DONTFORK), rt_sigprocmask before the 'exit' event
 * on Node 22-26; the platform's loop thread then waits in epoll_pwait;
 * Node 26 reads its threads' CPU affinity, sched_getaffinity, now and then,
 * and a thread of its sleeps with clock_nanosleep on the way to exit, seen
 * in 4 of 12 runs under pledge("") once pledge() returned within 5 ms).
 * They change only the process' own memory and its threads' signal masks,
 * or wait; no I/O. Promise sets with stdio already have them.
 */
function stdioMemoryRules(): Rule[] {
  return rulesFor(new Set(['stdio']))
    .filter((r) => RUNTIME_MEMORY.has(r.syscall) && r.requires.includes('stdio') && r.action.kind === 'allow')
    .map((r) => ({ ...r, requires: [], why: `${r.why}; kept for the Node runtime under every promise set (its threads and heap need them on the way to exit, also under pledge(""))`, source: `${r.source}; ${MEASURED_24}` }));
}

/**
 * libuv wakes an event loop from another thread by adding 1 to the loop's
 * eventfd (uv_async_send writes 8 bytes) and the loop reads it back (one
 * read of up to 1 KiB); Node does both on the way to exit, also under
 * `pledge("")`. Only on the eventfds the first pledge() found; an eventfd
 * carries a counter between the process' own threads, nothing else.
 */
function eventFdRules(eventFds: readonly number[]): Rule[] {
  if (eventFds.length === 0) return [];
  const fds = [...eventFds].sort((a, b) => a - b);
  return [
    rule('write', ALLOW, "uv_async_send(): another thread wakes an event loop through its eventfd; only the loops' eventfds, only 8 bytes",
      [arg.in(0, 32, 'fd', fds), arg.in(2, 64, 'count', [8])], MEASURED_24),
    rule('read', ALLOW, "an event loop reads its eventfd's counter after a wake-up (uv__async_io); only the loops' eventfds",
      [arg.in(0, 32, 'fd', fds)], MEASURED_24),
  ];
}

/**
 * The allowance for a Node process.
 * @returns rules with `requires: []`, to be tried after the promise rules.
 */
export function nodeRuntimeRules(options: NodeRuntimeOptions): Rule[] {
  const rules: Rule[] = [];
  if (options.jit) {
    rules.push(
      rule('mprotect', ALLOW, "V8's JIT and WebAssembly make code pages executable (PROT_READ|PROT_WRITE|PROT_EXEC); only `node --jitless` avoids it",
        [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')]),
      rule('mmap', ALLOW, "V8 maps its embedded builtins executable when a Worker starts (it needs the node binary open, so only with rpath)",
        [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')]),
      rule('pkey_mprotect', ALLOW, "on CPUs with PKU, V8 makes WebAssembly code executable with pkey_mprotect (undici's HTTP parser, fetch(), is WebAssembly): the JIT's mprotect rule",
        [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')], MEASURED_PKU),
    );
  }
  rules.push(
    ...stdioMemoryRules(),
    ...eventFdRules(options.eventFds ?? []),
    rule('setsockopt', ALLOW, "libuv >= 1.49 sizes both ends of the socketpair it makes for each stdio pipe of a spawned child (SO_RCVBUF and SO_SNDBUF, 64 KiB); a socket's own buffer sizes only (OpenBSD's pledge_sockopt allows SO_RCVBUF under any promise)",
      [arg.in(1, 32, 'level', ['SOL_SOCKET']), arg.in(2, 32, 'optname', ['SO_RCVBUF', 'SO_SNDBUF'])], MEASURED_24),
    rule('sysinfo', ALLOW, "libuv's total-memory fallback when a Worker starts (uv_get_total_memory); read-only"),
    rule('getcwd', ALLOW, "a Worker's bootstrap calls process.cwd() and fails without it; reveals the current directory's name (OpenBSD grants getcwd with rpath or wpath)"),
    rule('capget', ALLOW, "Node checks its own capabilities before reading the environment in a Worker (SafeGetenv); read-only"),
    ...(['sched_getparam', 'sched_getscheduler'] as const).map((syscall) => rule(syscall, ALLOW,
      "V8's garbage collector (Node 24+) waits on an Abseil mutex that reads the waiting thread's priority with pthread_getschedparam(), which glibc makes with the thread's id, not 0; any thread id is allowed because the filter cannot tell the process' own threads from others; read-only, and /proc/<pid>/stat shows every process' priority and policy anyway",
      undefined, MEASURED_24)),
    rule('ioctl', ALLOW, 'tty streams read the window size (TIOCGWINSZ), also on SIGWINCH; read-only',
      [arg.in(1, 32, 'request', ['TIOCGWINSZ'])]),
    rule('ioctl', { kind: 'errno', errno: 'ENOTTY' }, "libuv asks whether a tty is a pty master (TIOCGPTN) before using it and takes ENOTTY as no; ptys need tty rpath wpath",
      [arg.in(1, 32, 'request', ['TIOCGPTN'])]),
    rule('ioctl', EPERM, 'at exit Node restores the terminal attributes it saved (TCSETS) and accepts EPERM; the terminal stays unchanged',
      [arg.in(1, 32, 'request', ['TCSETS'])]),
    ...probes(options.reportOpens === true),
  );
  return rules;
}
