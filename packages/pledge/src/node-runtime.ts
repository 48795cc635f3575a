/**
 * The Node runtime allowance: what a Node.js process needs beyond its
 * promises to keep running (event loop, GC, JIT, Worker threads, libuv
 * threadpool, stdio streams). Measured with strace on Node 20.20 / libuv
 * 1.46 / glibc 2.36 (docs/node-runtime.md has the method and the traces);
 * every rule says why. These rules are in force under every promise set
 * when pledging a Node process, and are tried after the promises' own
 * rules, so a promise that allows a call always wins.
 */
import { ALLOW, arg, readOnlyOpenRules, type Action, type Rule } from '@seccomp-scopes/core';

const MEASURED = 'strace of Node 20.20 (libuv 1.46, glibc 2.36) after pledge; docs/node-runtime.md';
const EACCES: Action = { kind: 'errno', errno: 'EACCES' };
const EPERM: Action = { kind: 'errno', errno: 'EPERM' };

/** Options of {@link nodeRuntimeRules}. */
export interface NodeRuntimeOptions {
  /** Allow executable memory for V8's JIT (false under `node --jitless`). */
  readonly jit: boolean;
}

const rule = (syscall: string, action: Action, why: string, when?: Rule['when']): Rule =>
  ({ syscall, action, requires: [], why, source: MEASURED, ...(when ? { when } : {}) });

/**
 * Path probes Node makes at moments the program does not choose, all of
 * which it handles when they fail: libuv's spare descriptor (`/dev/null`,
 * `/`), the tty re-open (`readlink /proc/self/fd/N`), a Worker's start
 * (`/proc/self/maps`, the node binary, `/proc/self/cgroup`,
 * `/proc/meminfo`, `readlink /proc/self/exe`), glibc's malloc
 * (`/sys/devices/system/cpu/online`). Without a promise allowing them they
 * fail with EACCES instead of killing the process. Only reading calls are
 * answered so; an open for writing or creating still kills.
 */
const PROBES: readonly Rule[] = [
  ...readOnlyOpenRules([], EACCES, 'a read-only open Node makes on its own (see PROBES) fails with EACCES instead of killing', MEASURED),
  ...['readlink', 'readlinkat', 'newfstatat', 'statx', 'stat', 'lstat', 'access', 'faccessat', 'faccessat2'].map((syscall) =>
    rule(syscall, EACCES, 'a path lookup Node makes on its own (see PROBES) fails with EACCES instead of killing')),
];

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
    );
  }
  rules.push(
    rule('sysinfo', ALLOW, "libuv's total-memory fallback when a Worker starts (uv_get_total_memory); read-only"),
    rule('getcwd', ALLOW, "a Worker's bootstrap calls process.cwd() and fails without it; reveals the current directory's name (OpenBSD grants getcwd with rpath or wpath)"),
    rule('capget', ALLOW, "Node checks its own capabilities before reading the environment in a Worker (SafeGetenv); read-only"),
    rule('ioctl', ALLOW, 'tty streams read the window size (TIOCGWINSZ), also on SIGWINCH; read-only',
      [arg.in(1, 32, 'request', ['TIOCGWINSZ'])]),
    rule('ioctl', { kind: 'errno', errno: 'ENOTTY' }, "libuv asks whether a tty is a pty master (TIOCGPTN) before using it and takes ENOTTY as no; ptys need tty rpath wpath",
      [arg.in(1, 32, 'request', ['TIOCGPTN'])]),
    rule('ioctl', EPERM, 'at exit Node restores the terminal attributes it saved (TCSETS) and accepts EPERM; the terminal stays unchanged',
      [arg.in(1, 32, 'request', ['TCSETS'])]),
    ...PROBES,
  );
  return rules;
}
