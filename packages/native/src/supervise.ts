/**
 * The `pledge` command's launcher and supervisor (src/supervise/): runs a
 * program under a seccomp filter whose refusals this process decides
 * (supervise/supervisor.cc draws the sequence), and the contract with the
 * preload object (src/preload/protocol.h).
 *
 * Semantics: seccomp(2), seccomp_unotify(2), pidfd_open(2), pidfd_getfd(2).
 */
import { existsSync } from 'node:fs';
import { binding, nativeBuildDir } from './addon.js';

declare module './addon.js' {
  interface Addon {
    supervise(options: SuperviseOptions): SuperviseResult;
    preloadProtocol(): PreloadProtocol;
  }
}

/** One system call the supervisor hands to {@link SuperviseOptions.onNotify}. */
export interface SupervisedCall {
  /** Process (thread-group) id of the caller. */
  readonly pid: number;
  /** Thread id of the caller. */
  readonly tid: number;
  /** Syscall number (`seccomp_data.nr`). */
  readonly nr: number;
  /** `AUDIT_ARCH_*` of the call. */
  readonly arch: number;
  /** The six argument registers, unsigned. */
  readonly args: readonly bigint[];
  /** Instruction pointer at the call. */
  readonly ip: bigint;
  /** The string the call's path argument points to (per {@link SuperviseOptions.pathArgs}), read from the caller. */
  readonly path?: string;
  /** The caller process' name (`/proc/<pid>/comm`). */
  readonly comm?: string;
  /**
   * A number naming the caller process for the whole supervision: never
   * given to another process, even one that gets the same pid after this
   * one ended (a `process-exit` event says when it did). Absent when the
   * supervisor could not track the process (pidfd_open failed).
   */
  readonly process?: number;
  /**
   * The caller process' start time (`/proc/<pid>/stat` field 22, clock
   * ticks since boot), read while the call was pending: with `pid`, it names
   * this process and no later one that reuses the pid. Absent when it could
   * not be read.
   */
  readonly startTime?: number;
  /** `exec` (before the program runs), `loader` (its start-up window), `running`. */
  readonly phase: 'exec' | 'loader' | 'running';
  /** True when the caller is the supervised child itself (not a descendant). */
  readonly main: boolean;
  /**
   * True for a call through another ABI than the program's: another audit
   * arch (i386's `int $0x80` on x86_64) or an x32 number (`nr` has
   * `__X32_SYSCALL_BIT`). `nr` is then that ABI's number. The caller is
   * killed whatever {@link SuperviseOptions.onNotify} answers.
   */
  readonly foreign?: boolean;
  /**
   * Learn mode ({@link SuperviseOptions.learn}): the learn marker's record
   * (UTF-8 JSON, src/preload/protocol.h), read from the caller; the call is
   * answered LEARN_ACK. Absent for every other call.
   */
  readonly record?: string;
}

/** Something the supervisor tells as it goes ({@link SuperviseOptions.onEvent}). */
export interface SuperviseEvent {
  /**
   * `exec`: the program replaced the launcher; `loader-done`: the preload's
   * marker arrived; `loader-timeout`: it did not, in time; `process-exit`:
   * a process whose calls were given to {@link SuperviseOptions.onNotify}
   * ended (`pid`, and `process` as in {@link SupervisedCall.process}); told
   * before any later call, so that its pid can be forgotten before another
   * process gets it; `program-changed`: the program that started is not
   * the file {@link SuperviseOptions.programIdentity} names (replaced
   * after the inspection): it gets no loader window.
   */
  readonly event: 'exec' | 'loader-done' | 'loader-timeout' | 'process-exit' | 'program-changed';
  readonly timeoutMs?: number;
  readonly pid?: number;
  readonly process?: number;
}

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /** The executable given to execve(2) (a path; no PATH search here). */
  readonly file: string;
  /** argv, `argv[0]` included. */
  readonly argv: readonly string[];
  /** The whole environment, `NAME=value` strings. */
  readonly envp: readonly string[];
  /**
   * Called once, synchronously, right after fork with the child's pid:
   * returns the filter to install (`struct sock_filter[]` bytes). It must
   * return `SECCOMP_RET_USER_NOTIF` for execve/execveat, for the preload's
   * marker, and for whatever the promises do not allow.
   */
  readonly onFilter: (pid: number) => Uint8Array;
  /**
   * Decides each notified call outside the launcher's own and the loader
   * window's: `0` lets it run (SECCOMP_USER_NOTIF_FLAG_CONTINUE), a
   * positive errno makes it fail with that errno, a negative number kills
   * the caller (SIGKILL, sent before the call is answered: the call never
   * returns). A {@link SupervisedCall.foreign} call is killed whatever the
   * answer. Called synchronously while the caller waits. An
   * {@link EmulateOpenVerdict} makes the supervisor perform the call
   * itself: an open or openat, or a stat-family call (newfstatat, statx,
   * stat, lstat); for any other call it is refused (EACCES).
   */
  readonly onNotify: (call: SupervisedCall) => number | EmulateOpenVerdict;
  readonly onEvent?: (event: SuperviseEvent) => void;
  /** A Landlock ruleset the launcher enters before execve (static programs), or -1. */
  readonly rulesetFd?: number;
  /** A descriptor kept open across execve (the ruleset the preload enters), or -1. */
  readonly keepFd?: number;
  /**
   * Landlock rules whose path names the program's own /proc entries
   * (`/proc/self/...`, `/proc/thread-self/...`): the launcher opens each
   * path itself (its pid, and its tid, are the program's) and adds it with
   * `mask` (LANDLOCK_ACCESS_FS_* rights) to `rulesetFd` and `keepFd`
   * before either is entered.
   */
  readonly selfRules?: readonly { readonly path: string; readonly mask: number }[];
  /** True for a dynamic program: the loader window lasts until the preload's marker. */
  readonly loader: boolean;
  /**
   * The file inspected to decide on the loader window: its device and inode
   * (fstat(2) of the descriptor its ELF header was read through; Node's
   * bigint stats). The window is granted only when the started program's
   * /proc/PID/exe is that file (checked at its first window decision);
   * otherwise it gets none (event `program-changed`; under `keepFd` it is
   * killed). Absent: not checked.
   */
  readonly programIdentity?: { readonly dev: bigint; readonly ino: bigint };
  /** How long the loader window may last without the marker (default 10000 ms). */
  readonly loaderTimeoutMs?: number;
  /** Per syscall number: the index of its path argument, or -1. */
  readonly pathArgs?: Int8Array;
  /** Signals forwarded to the child while it runs (those not sent by the terminal to the whole group). */
  readonly signals?: readonly number[];
  /** The loader's files and directories: the only paths a read-only open in the loader window may reach (opened by the supervisor and handed over with SECCOMP_IOCTL_NOTIF_ADDFD). */
  readonly loaderPaths?: readonly string[];
  /**
   * What the loader window lets through: per syscall number, entries in
   * order; the first whose conditions all hold answers (pledge-cli's
   * LOADER_WINDOW_RULES, resolved for the arch). None: nothing is.
   */
  readonly loaderWindow?: readonly LoaderWindowEntry[];
  /**
   * Descriptors (3 and up) the program gets: the launcher clears their
   * close-on-exec flag (Node sets it on every descriptor it inherited).
   */
  readonly inheritFds?: readonly number[];
  /**
   * Learn mode (`pledge learn` only): nothing is enforced. Every call
   * {@link onNotify} is given is answered SECCOMP_USER_NOTIF_FLAG_CONTINUE
   * (safe only because nothing is decided on the call: the kernel re-reads
   * its pointers afterwards), or with the errno it returns (positive); a
   * negative answer never kills. Except the
   * learn marker (src/preload/protocol.h), answered LEARN_ACK once its
   * record ({@link SupervisedCall.record}) is read. The loader window is
   * kept: calls it would allow are let through unrecorded.
   */
  readonly learn?: boolean;
  /**
   * Learn mode: per syscall number, which parts of a call tell it apart
   * from those already recorded in the same process image (bits 0-5:
   * argument i, bit 6: the path string, bit 7: always recorded). A call
   * equal on them to one recorded is let through without {@link onNotify}.
   * Absent, or a number past the end: every call is recorded.
   */
  readonly learnKeys?: Uint8Array;
}

/**
 * {@link SuperviseOptions.onNotify}'s answer for an open or openat the
 * supervisor performs itself (the `pledge` command's path exceptions): it
 * reads the path again from the caller, opens it with O_PATH, and only
 * when the file, as the kernel resolved it, is one of `openPaths` (or
 * beneath one ending in '/') opens it for real, read-only (a character
 * device named one by one: with the call's access mode), and hands the
 * descriptor over (SECCOMP_IOCTL_NOTIF_ADDFD). Never a file of /proc or
 * /sys. Anything else fails with the errno of the check (EACCES).
 *
 * For a stat-family call (the `pledge` command's path-precise `dns` and
 * `getpw`), `openPaths` lists files named one by one: the supervisor reads
 * the path once, accepts it only when its name (`//`, `/./`, `/../`
 * removed, nothing looked up) is listed, resolves it with O_PATH (not
 * following a last link for lstat and AT_SYMLINK_NOFOLLOW) and, only when
 * the file as the kernel resolved it is listed too, stats it and writes
 * the kernel's struct stat (or struct statx, with the call's mask) into the
 * caller's buffer (process_vm_writev: EFAULT where the call would fault).
 * The caller never gets another path's metadata, whatever it changes in
 * its memory after the check.
 */
export interface EmulateOpenVerdict {
  readonly openPaths: readonly string[];
  /**
   * When the path names a directory, the file of this name (no '/') inside
   * it is opened instead, checked the same way; a directory itself is never
   * handed over. (glibc's C.utf8 locale: LC_MESSAGES/SYS_LC_MESSAGES.)
   */
  readonly directoryFile?: string;
}

/**
 * One entry of the loader window's table: for syscall `nr`, when for every
 * condition `(args[arg] & mask)` is one of `values` (none of them with
 * `negate`), `answer`: 1 let it run, 2 perform the read-only open (only of
 * a loader file; open or openat), 3 let the executable mmap run only of a
 * loader file, while the process has one thread and no child process.
 */
export interface LoaderWindowEntry {
  readonly nr: number;
  readonly answer: 1 | 2 | 3;
  readonly when: readonly { readonly arg: number; readonly mask: bigint; readonly values: readonly bigint[]; readonly negate: boolean }[];
}

/** The outcome of {@link supervise}. */
export interface SuperviseResult {
  readonly pid: number;
  /** Exit code, or null when ended by a signal. */
  readonly status: number | null;
  readonly signal: number | null;
  /** The errno of a failed execve (the launcher then exits 126 or 127). */
  readonly execErrno: number | null;
  /** Its name (`ENOEXEC`) and strerror(3) text. */
  readonly execCode?: string;
  readonly execMessage?: string;
  /** True when the child was killed as a penalty. */
  readonly violationKill: boolean;
  /** Calls refused (errno or kill). */
  readonly violations: number;
  /** How the loader window ended: `marker`, `timeout`, `exec` (an execve during it), `static` (none needed), `changed` (the program was not the inspected file: none given), `none` (the program never ran). */
  readonly loaderEnd: 'marker' | 'timeout' | 'exec' | 'static' | 'changed' | 'none';
  /** Why unveil could not be applied (the child was killed). */
  readonly unveilError?: string;
}

/**
 * Runs a program under a seccomp filter with a user-space listener, and
 * supervises it until it ends (blocking the calling thread; the callbacks
 * run on it). The child: default signal dispositions, empty signal mask,
 * `PR_SET_PDEATHSIG(SIGKILL)`, no_new_privs, the Landlock ruleset if given,
 * then the filter with `SECCOMP_FILTER_FLAG_NEW_LISTENER`, then execve.
 * The parent takes the listener with pidfd_getfd(2) and answers
 * notifications (seccomp_unotify(2)) until the child ends. `signals` are
 * forwarded meanwhile. Needs Linux ≥ 5.9 (pidfd_getfd, USER_NOTIF_FLAG_CONTINUE).
 *
 * @throws {NativeError} a failed set-up step (`syscall` names it: `fork`,
 *   `pidfd_open`, `launcher: seccomp(...)` with `EBUSY` when this process
 *   already runs under a filter with a listener, ...); the child is killed
 *   and reaped first. Exceptions from the callbacks propagate the same way.
 */
export function supervise(options: SuperviseOptions): SuperviseResult {
  return binding().supervise(options);
}

/** The contract between the supervisor and the preload object ({@link preloadProtocol}). */
export interface PreloadProtocol {
  /** The marker is `getppid(markerA, markerB, <landlock status>)`. */
  readonly markerA: bigint;
  readonly markerB: bigint;
  /** The environment variable the preload reads the unveil ruleset's descriptor from. */
  readonly envLandlockFd: string;
  /** The preload object's file name. */
  readonly preloadName: string;
}

let protocol: PreloadProtocol | undefined;

/**
 * The constants of src/preload/protocol.h (their only source), as the
 * addon was compiled with them.
 */
export function preloadProtocol(): PreloadProtocol {
  protocol ??= Object.freeze(binding().preloadProtocol());
  return protocol;
}

/**
 * The `pledge` command's preload object (`pledge_preload.so`, built from
 * src/preload/preload.c next to the addon), or undefined when it was not
 * built.
 */
export function preloadLibraryPath(): string | undefined {
  const dir = nativeBuildDir();
  const candidate = dir && `${dir}/pledge_preload.so`;
  return candidate && existsSync(candidate) ? candidate : undefined;
}
