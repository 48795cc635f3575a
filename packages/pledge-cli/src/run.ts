/**
 * `pledge run`: starts a program under promises (and unveil rules) and
 * supervises it until it ends. See docs/cli.md for the design; in short:
 *
 * 1. the program is found (PATH), and its ELF header read: a dynamic
 *    program whose loader is the system's gets the preload object
 *    (LD_PRELOAD) that ends the loader window (./loader.ts); a static one,
 *    one with another loader, or any with --no-window, gets no window;
 * 2. @seccomp-scopes/native `supervise` forks the launcher, which installs
 *    the supervised filter (./filter.ts) with a listener and executes the
 *    program;
 * 3. this process answers the notifications: the launcher's execve and the
 *    dynamic loader's start-up calls natively, everything else through
 *    {@link Policy} here, reporting refusals (./report.ts) and applying the
 *    penalty;
 * 4. its exit status is the program's (128+N for a signal; 159 when the
 *    penalty killed it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PledgeError, checkExecPromises, constantOf, TMPPATH_DIRECTORY, tmppathConfined, formatPromises, parsePromises, resolvePenalty, type ConstantName, type PathProbe, type Rule } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { archFor } from '@seccomp-scopes/pledge';
import { inspectExecutable } from './elf.js';
import { loaderFiles, supervisorLoaderPaths, systemLoader, type LoaderFiles } from './loader.js';
import { LOADER_WINDOW_RULES, loaderWindowTable } from './loader-window.js';
import { asRefused, decideOpen, decideProbe, decideStat, needsOf, openCallOf, preferTmppath, withNeeds, withOpenNeeds, withStatNeeds } from './path-exceptions.js';
import { CliError, EXIT_CANNOT_EXECUTE, EXIT_CLI_ERROR, EXIT_NOT_FOUND, EXIT_SIGNAL_BASE, messageOf } from './exit.js';
import { compileJudgeFilter, compileSupervisedFilter, nodeProgramRules, pathArgTable, pathArguments } from './filter.js';
import { Policy } from './policy.js';
import { Reporter } from './report.js';
import { resolveCommand } from './resolve.js';
import { buildTmppathRuleset, buildUnveilRuleset, impliedReadFiles, parseUnveilSpec, type UnveilRuleset } from './unveil.js';
import { writeText } from './output.js';
import { cacheRequest, codeDeps, writePolicyEntry, type Dep } from './policy-cache.js';
import { NODE_START_FILES, PATH_PRECISE_PROMISES, openPathsFor, preciseFstatsFor, preciseStatsFor, statPathsFor } from './path-exceptions.js';

/** Options of {@link runCommand} (the command line's). */
export interface RunOptions {
  readonly promises: string;
  readonly execpromises?: string;
  readonly unveil?: readonly string[];
  readonly unveilBestEffort?: boolean;
  readonly penalty?: 'kill' | 'errno';
  readonly errno?: string;
  readonly quiet?: boolean;
  readonly reportFormat?: 'text' | 'json';
  /** The program is Node.js: add the Node runtime allowance (./filter.ts nodeProgramRules). */
  readonly node?: boolean;
  /** How long a dynamic program's loader window may last without the preload's marker. */
  readonly loaderTimeoutMs?: number;
  /** False: no loader window even for a dynamic program (`--no-window`). */
  readonly window?: boolean;
  /** False: no warning for wpath/cpath/dpath/tmppath without -v (`--no-unveil-warning`). */
  readonly unveilWarning?: boolean;
  /** False: the policy cache of the native launcher is neither written nor used (`--no-cache`; ./policy-cache.ts). */
  readonly cache?: boolean;
}

/** Promises that write, create or remove files: without -v, anywhere in the file system (seccomp cannot see paths). */
const WRITING_PROMISES = ['wpath', 'cpath', 'dpath', 'tmppath'] as const;


/** Signals passed on to the program (the terminal's own go to both already). */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

function parse(promises: string, what: string): ReadonlySet<string> {
  try {
    return parsePromises(promises);
  } catch (e) {
    throw new CliError(`pledge: ${what}: ${(e as Error).message}`);
  }
}

function checkKernel(): void {
  let actions = '';
  try {
    actions = fs.readFileSync('/proc/sys/kernel/seccomp/actions_avail', 'utf8');
  } catch {
    throw new CliError('pledge: this kernel has no seccomp filters (/proc/sys/kernel/seccomp/actions_avail is missing)');
  }
  if (!actions.split(/\s+/).includes('user_notif')) {
    throw new CliError('pledge: this kernel lacks seccomp user notifications (SECCOMP_RET_USER_NOTIF, Linux 5.0; the supervisor needs 5.9)');
  }
}

/**
 * The descriptors (3 and up) this process was given, to pass to the
 * program as env(1) would. Node marks every inherited descriptor
 * close-on-exec, so they cannot be told by that flag; its own are told by
 * what they are: event loop objects (anon_inode: epoll, eventfd,
 * signalfd, io_uring) and the pipes (and socket pairs) whose both ends it
 * holds (libuv's wake-up and signal pipes). Those are never passed: the
 * program could wake or confuse the supervisor through them.
 * Read before the command opens anything of its own (the unveil ruleset,
 * the supervisor's pipes and listener are close-on-exec and not listed).
 */
export function inheritedDescriptors(): number[] {
  const links = new Map<number, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    try {
      links.set(fd, fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the directory's own descriptor, closed by now
    }
  }
  const count = new Map<string, number>();
  for (const l of links.values()) count.set(l, (count.get(l) ?? 0) + 1);
  const out: number[] = [];
  for (const [fd, link] of links) {
    if (link.startsWith('anon_inode:')) continue;
    if (/^(pipe|socket):\[/.test(link) && (count.get(link) ?? 0) > 1) continue;
    out.push(fd);
  }
  return out.sort((a, b) => a - b);
}

/** Whether `file` looks like Node.js (its real name is node, nodejs, node20, ...). */
function looksLikeNode(file: string): boolean {
  let real = file;
  try {
    real = fs.realpathSync(file);
  } catch {
    // as given
  }
  return /^node(js)?[-.\d]*$/.test(real.slice(real.lastIndexOf('/') + 1));
}

let readlinkNrs: ReadonlySet<number> | undefined;

/**
 * A static glibc program looks up its own file before main
 * (`readlink("/proc/self/exe")`, for dlopen's $ORIGIN), and so does any
 * static program another one executes: without rpath the lookup fails with
 * ENOENT, which glibc copes with, instead of being a violation. Decided on
 * the path as read from the program and never let through, so changing the
 * string after the check gains nothing.
 */
function ownExeLookup(call: native.SupervisedCall): boolean {
  readlinkNrs ??= new Set(['readlink', 'readlinkat'].map((n) => archFor().syscalls[n]).filter((n): n is number => n !== undefined));
  return call.path === '/proc/self/exe' && readlinkNrs.has(call.nr);
}

/**
 * Runs `command` (program and arguments) under `options`.
 * @returns the exit status for this process.
 * @throws CliError for the command's own failures (exit 125, 126, 127).
 */
export function runCommand(command: readonly string[], options: RunOptions): number {
  const promises = parse(options.promises, '-p');
  const execpromises = options.execpromises !== undefined ? parse(options.execpromises, '-e') : undefined;
  if (execpromises) {
    try {
      checkExecPromises(promises, execpromises);
    } catch (e) {
      throw new CliError(`pledge: -e: ${(e as Error).message}`);
    }
  }
  let arch;
  try {
    arch = archFor();
  } catch (e) {
    throw new CliError(`pledge: ${(e as Error).message}`);
  }
  // The same penalty rules as pledge(): `error` means errno with ENOSYS, --errno needs --penalty errno, names from the arch's table.
  let resolved;
  try {
    resolved = resolvePenalty(promises, { penalty: options.penalty, errno: options.errno }, arch);
  } catch (e) {
    throw new CliError(`pledge: ${messageOf(e)}`);
  }
  const penalty = resolved.kind;
  const errnoName = resolved.errno ?? 'EPERM';
  const errnoValue = constantOf(arch, errnoName as ConstantName);
  const specs = (options.unveil ?? []).map(parseUnveilSpec);
  if (command.length === 0) throw new CliError('pledge: no command given (usage: pledge -p PROMISES [options] -- COMMAND [ARGS...])');
  checkKernel();
  // Before this process opens anything of its own.
  const inheritFds = inheritedDescriptors();

  const file = resolveCommand(command[0]!);
  const info = inspectExecutable(file);
  // What is said before the program starts (the policy cache replays it).
  const said: string[] = [];
  const say = (text: string): void => { said.push(text); if (!options.quiet) writeText(2, `${text}\n`); };
  if (info.elfClass === 32) {
    throw new CliError(`pledge: ${command[0]}: a 32-bit program cannot run under the filter, which refuses the 32-bit system call entry (${info.chain[info.chain.length - 1]})`, EXIT_CANNOT_EXECUTE);
  }
  // The window only for the system's own dynamic loader: any other
  // interpreter (or a program we could not read) is code that would run
  // with the window's allowances; it is started as a static program is.
  let loaderPath: string | undefined;
  if (info.kind === 'dynamic' && options.window !== false) {
    const check = systemLoader(info.interpreter ?? '');
    if (check.ok) loaderPath = check.path;
    else say(`pledge: warning: ${file}: ${check.reason}; it gets no start-up window (its loader runs under the promises: it needs rpath prot_exec)`);
  } else if (info.kind === 'unknown') {
    say(`pledge: warning: ${info.reason}; ${file} gets no start-up window (if it has a dynamic loader, that runs under the promises)`);
  }
  const loader = loaderPath !== undefined;
  // The file the header was read from (the last of the chain: the ELF
  // file, what /proc/PID/exe will be): the window is granted to that file
  // only, so one renamed over the path after this inspection gets none.
  const inspected = info.identities?.[info.identities.length - 1];
  const programIdentity = inspected && info.identities!.length === info.chain.length ? { dev: inspected.dev, ino: inspected.ino } : undefined;
  // Without a window, the files the kernel opens to start the program (its
  // loader included) need read and execute in a -v domain.
  const startFiles = loader ? [] : [...info.chain, ...(info.interpreter ? [info.interpreter] : [])];

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  let loaderAccess: LoaderFiles | undefined;
  if (loader) {
    const preload = native.preloadLibraryPath();
    if (!preload) throw new CliError('pledge: the preload object (pledge_preload.so) was not built; rebuild @seccomp-scopes/native');
    // ld.so splits LD_PRELOAD at spaces and colons.
    if (/[ :]/.test(preload)) throw new CliError(`pledge: the preload object's path cannot be given in LD_PRELOAD (it contains a space or a colon): ${preload}`);
    loaderAccess = loaderFiles(info, loaderPath!, preload, env);
    env['LD_PRELOAD'] = env['LD_PRELOAD'] ? `${preload}:${env['LD_PRELOAD']}` : preload;
  }

  let ruleset: UnveilRuleset | undefined;
  // tmppath means /tmp (OpenBSD): without -v (whose rules decide every path) and without cpath, a ruleset of its own.
  const tmppathRuleset = tmppathConfined(promises, specs.length > 0);
  if (tmppathRuleset) {
    const built = buildTmppathRuleset({ bestEffort: options.unveilBestEffort ?? false });
    for (const w of built.warnings) say(w);
    if (built.fd !== undefined) ruleset = built;
    // mkstemp's directory is usually $TMPDIR: one elsewhere would fail with EACCES, which the supervisor never sees.
    const tmpdir = env['TMPDIR'];
    if (ruleset && tmpdir && !`${path.posix.resolve(tmpdir)}/`.startsWith(`${TMPPATH_DIRECTORY}/`)) {
      say(`pledge: warning: TMPDIR=${tmpdir} is not under ${TMPPATH_DIRECTORY}: tmppath lets the program create and remove files in ${TMPPATH_DIRECTORY} only (OpenBSD's meaning), so temporary files there fail with EACCES; unset TMPDIR or point it under ${TMPPATH_DIRECTORY}`);
    }
  }
  if (specs.length > 0) {
    const built = buildUnveilRuleset(specs, {
      bestEffort: options.unveilBestEffort ?? false,
      startFiles,
      // The preload object in LD_PRELOAD: the dynamic programs this one starts load it too.
      readFiles: loader ? impliedReadFiles() : [],
      ...(loaderAccess ? { startup: { exec: loaderAccess.exec, read: [...loaderAccess.files, ...loaderAccess.dirs] } } : {}),
    });
    // Every warning of the plan, loudly: best effort without Landlock means no file restriction at all.
    for (const w of built.warnings) say(w.startsWith('pledge') ? w : `pledge: warning: ${w}`);
    if (built.fd !== undefined) ruleset = built;
    // The variable the preload reads the unveil ruleset's descriptor from (src/preload/protocol.h).
    if (ruleset?.startupFd !== undefined && loader) env[native.preloadProtocol().envLandlockFd] = String(ruleset.fd);
  } else if (options.unveilWarning !== false) {
    // tmppath confined to /tmp by its ruleset needs no warning; without Landlock (best effort) it has said so.
    const writing = WRITING_PROMISES.filter((p) => promises.has(p) && !(p === 'tmppath' && tmppathRuleset));
    for (const p of writing) {
      say(`pledge: warning: "${p}" without -v: seccomp cannot see paths, so the whole file system is open to it (as far as file permissions allow); confine it with -v (e.g. -v rwc:/tmp/out -v r:/usr), or pass --no-unveil-warning if that is intended`);
    }
  }

  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const reporter = new Reporter({ arch, format: options.reportFormat ?? 'text', penalty, ...(penalty === 'errno' ? { errno: errnoName } : {}), uid, gid });
  let policy: Policy | undefined;
  const inKernel = execpromises ?? promises;
  const extra = (set: ReadonlySet<string>): Rule[] => (options.node ? nodeProgramRules(set) : []);
  // Errno rules of the allowance on these reach the supervisor, so that the loader window sees them.
  const windowSyscalls: ReadonlySet<string> = new Set(loader ? LOADER_WINDOW_RULES.map((r) => r.syscall) : []);
  const nodeHint = !options.node && looksLikeNode(file);
  const capgetNr = arch.syscalls['capget'];

  // What the errno penalty has reported: process, promises, syscall number.
  const reported = new Set<string>();
  const pathArgs = pathArguments();
  const reportLine = (call: native.SupervisedCall, promisesThere: ReadonlySet<string>): string => {
    try {
      return reporter.format(call, promisesThere);
    } catch (e) {
      return `${call.comm ?? '?'}[${call.pid}]: pledge ${JSON.stringify(formatPromises(promisesThere))} blocked syscall ${call.nr} (no report: ${(e as Error).message})`;
    }
  };

  // A probe answered with its errno: the refusal's line, naming the probe's own promises first (tty for /dev/tty).
  const probeLine = (call: native.SupervisedCall, probe: PathProbe, readOnlyOpen: boolean): string => {
    const format = options.reportFormat ?? 'text';
    const promisesThere = policy!.promisesOf(call);
    let line = reportLine(call, promisesThere);
    if (readOnlyOpen) line = withOpenNeeds(line, call.path, promisesThere, format);
    if (probe.needs) line = withNeeds(line, [probe.needs.filter((p) => !promisesThere.has(p)), ...needsOf(line, format)], format);
    return asRefused(line, probe.errno, format);
  };

  // The native launcher's miss (./policy-cache.ts): this policy's compiled
  // output, for the options it serves natively (no -v, JSON
  // reports), stored for the next launch of the same command line.
  const request = cacheRequest(process.argv.slice(2), command, options.cache === false, file);
  // Nor a Landlock ruleset (-v, tmppath's): the entry holds none, so the launcher could not enter it.
  if (request && specs.length === 0 && !tmppathRuleset && !nodeHint && (options.reportFormat ?? 'text') === 'text') {
    const stat = (p: string): Dep => ({ kind: 'stat', path: p });
    const real = (p: string): Dep => ({ kind: 'real', path: p });
    const preload = loader ? native.preloadLibraryPath() : undefined;
    const envPaths = [...(env['LD_PRELOAD'] ?? '').split(/[ :]/), ...(process.env['LD_LIBRARY_PATH'] ?? '').split(/[:;]/)].filter((p) => p.startsWith('/'));
    const inputs = [...info.chain, ...(info.interpreter ? [info.interpreter] : []), ...(loaderPath ? [loaderPath] : []), ...(preload ? [preload] : [])];
    // The chain's files as they were inspected (their descriptors' fstat), not as they are now.
    const identityOf = (p: string): Dep => {
      const id = info.identities?.find((i) => i.path === p);
      return id ? { kind: 'stat', path: p, identity: id } : stat(p);
    };
    writePolicyEntry(request, {
      arch,
      file,
      programIdentity: loader ? programIdentity : undefined,
      deps: [...inputs.map(identityOf), ...inputs.map(real), ...['/etc/ld.so.cache', '/etc/ld.so.preload', ...envPaths].map(real), ...codeDeps()],
      loader,
      loaderTimeoutMs: options.loaderTimeoutMs ?? 10_000,
      messages: said,
      preload,
      filter: (pid) => compileSupervisedFilter(inKernel, arch, { pid, uid, gid }, extra(inKernel), windowSyscalls).bytes,
      judge: (pid) => compileJudgeFilter(promises, arch, { pid, uid, gid }, extra(promises)).bytes,
      reportTables: (pid) => reporter.tablesFor(pid, promises),
      penaltyKill: penalty === 'kill',
      errno: errnoValue,
      quiet: options.quiet === true,
      pathArgs: pathArgTable(arch),
      loaderPaths: loaderAccess ? supervisorLoaderPaths(loaderAccess) : [],
      loaderWindow: loaderWindowTable(arch),
      promises,
      openPaths: openPathsFor(promises, options.node === true),
      node: options.node === true,
      nodeStartFiles: options.node ? NODE_START_FILES.map((e) => e.path) : [],
      ...(execpromises ? {
        after: {
          promises: execpromises,
          judge: (pid: number) => compileJudgeFilter(execpromises, arch, { pid, uid, gid }, extra(execpromises)).bytes,
          reportTables: (pid: number) => reporter.tablesFor(pid, execpromises),
          openPaths: openPathsFor(execpromises, options.node === true),
          preciseRefuse: !execpromises.has('rpath') && [...PATH_PRECISE_PROMISES].some((p) => execpromises.has(p)),
          preciseStats: preciseStatsFor(execpromises, pathArgs),
          statPaths: statPathsFor(execpromises),
          preciseFstats: preciseFstatsFor(execpromises, pathArgs),
        },
      } : {}),
      preciseRefuse: !promises.has('rpath') && [...PATH_PRECISE_PROMISES].some((p) => promises.has(p)),
      preciseStats: preciseStatsFor(promises, pathArgs),
      statPaths: statPathsFor(promises),
      preciseFstats: preciseFstatsFor(promises, pathArgs),
    });
  }

  let result: native.SuperviseResult;
  try {
    const superviseOptions: native.SuperviseOptions = {
      file,
      argv: command,
      envp: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      loader,
      ...(loader && programIdentity ? { programIdentity } : {}),
      loaderTimeoutMs: options.loaderTimeoutMs ?? 10_000,
      loaderPaths: loaderAccess ? supervisorLoaderPaths(loaderAccess) : [],
      loaderWindow: loaderWindowTable(arch),
      // Static: the rules (and its start files); dynamic: the start-up domain, then the preload stacks the rules.
      // A ruleset without a start-up domain (tmppath's: the loader only reads) is entered by the launcher for either.
      rulesetFd: ruleset ? (loader ? ruleset.startupFd ?? ruleset.fd! : ruleset.fd!) : -1,
      keepFd: ruleset && loader && ruleset.startupFd !== undefined ? ruleset.fd! : -1,
      selfRules: ruleset?.selfRules ?? [],
      pathArgs: pathArgTable(arch),
      signals: FORWARDED.map((s) => os.constants.signals[s]),
      inheritFds,
      onFilter: (pid) => {
        const runtime = { pid, uid, gid };
        policy = new Policy(arch, promises, execpromises, pid, runtime, extra);
        return compileSupervisedFilter(inKernel, arch, runtime, extra(inKernel), windowSyscalls).bytes;
      },
      onNotify: (call) => {
        // Another ABI (int 0x80, x32): no promise allows one; reported, and killed whatever the penalty.
        if (call.foreign) {
          if (!options.quiet) writeText(2, `${reportLine(call, policy!.promisesOf(call))}\n`);
          return -1;
        }
        // Opens: the path exceptions, and dns/getpw reaching their files only.
        const open = openCallOf(call, arch);
        let openRefused = false;
        if (open) {
          const decision = decideOpen(call, open, policy!.promisesOf(call), options.node === true);
          if (decision.kind === 'emulate') return decision.verdict;
          openRefused = decision.kind === 'refuse';
          // The Node runtime allowance answers a read-only open it does not allow with EACCES.
          if (openRefused && options.node) return os.constants.errno.EACCES;
        }
        // The stat family: dns/getpw reaching their files' metadata only, performed by the supervisor.
        const stat = open ? undefined : decideStat(call, arch, policy!.promisesOf(call), pathArgs);
        if (stat?.kind === 'emulate') return stat.verdict;
        const statRefused = stat?.kind === 'refuse';
        // As the Node runtime allowance answers a path lookup it does not allow.
        if (statRefused && options.node) return os.constants.errno.EACCES;
        const verdict = openRefused || statRefused ? { kind: 'violation' as const } : policy!.judge(call);
        if (verdict.kind === 'allow') return 0;
        if (verdict.kind === 'errno') return verdict.errno;
        if (ownExeLookup(call)) return os.constants.errno.ENOENT;
        // A probe the program handles (core PATH_PROBES): its errno, reported once unless quiet.
        const probe = decideProbe(call, arch, open, env['HOME']);
        if (probe) {
          const key = `${call.process ?? `pid ${call.pid}`}\0${formatPromises(policy!.promisesOf(call))}\0${call.nr}\0${call.path ?? ''}`;
          if (!probe.probe.quiet && !options.quiet && !reported.has(key)) {
            reported.add(key);
            writeText(2, `${probeLine(call, probe.probe, open?.readOnly === true)}\n`);
          }
          return probe.errno;
        }
        if (!options.quiet) {
          const promisesThere = policy!.promisesOf(call);
          // Errno penalty: each syscall once per process (and promise set), as
          // the in-process reporter does (docs/reports.md); every call still fails.
          // The line is built only when it is written: formatting it costs
          // more than the rest of a refused call (docs/cli.md, "Performance").
          const key = `${call.process ?? `pid ${call.pid}`}\0${formatPromises(promisesThere)}\0${call.nr}`;
          if (penalty === 'kill' || !reported.has(key)) {
            reported.add(key);
            let line = reportLine(call, promisesThere);
            // A refused read-only open: what allows that path in the command (its exception group, else rpath).
            if (open?.readOnly) line = withOpenNeeds(line, call.path, promisesThere, options.reportFormat ?? 'text');
            if (open && !open.readOnly) line = preferTmppath(line, call.path, options.reportFormat ?? 'text');
            // A refused stat of a path: its path's group (getpw for /etc/passwd), then rpath and the others, never dns or getpw for any path.
            if (!open && decideStat(call, arch, PATH_PRECISE_PROMISES, pathArgs) !== undefined) line = withStatNeeds(line, call.path, promisesThere, options.reportFormat ?? 'text');
            // Node.js run without --node: its runtime's first refused call is capget.
            if (nodeHint && call.nr === capgetNr) {
              line = (options.reportFormat ?? 'text') === 'json'
                ? line.replace(/}$/, ',"hint":"the program is Node.js: run it with pledge --node"}')
                : `${line} (the program is Node.js: run it with pledge --node)`;
            }
            writeText(2, `${line}\n`);
          }
        }
        return penalty === 'kill' ? -1 : errnoValue;
      },
      onEvent: (event) => {
        if (event.event === 'process-exit' && event.pid !== undefined && event.process !== undefined) {
          policy?.forget(event.pid, event.process);
          for (const key of reported) if (key.startsWith(`${event.process}\0`)) reported.delete(key);
        }
        if (event.event === 'program-changed') {
          say(`pledge: warning: ${file} changed after it was inspected (another file was put at its path before it started); it gets no start-up window`);
        }
        if (event.event === 'loader-timeout') {
          say(`pledge: warning: ${file} did not signal the end of its start-up within ${event.timeoutMs} ms; its start-up allowance ends now`);
        }
      },
    };
    result = native.supervise(superviseOptions);
  } catch (e) {
    if (e instanceof CliError || e instanceof PledgeError) throw e;
    const err = e as native.NativeError;
    const hint = err.code === 'EBUSY' ? ' (this process already runs under a seccomp filter with a listener, e.g. inside another `pledge run`; only one is allowed)' : '';
    throw new CliError(`pledge: cannot run ${command[0]}: ${err.message}${hint}`);
  } finally {
    if (ruleset?.fd !== undefined) fs.closeSync(ruleset.fd);
    if (ruleset?.startupFd !== undefined) fs.closeSync(ruleset.startupFd);
  }

  if (result.unveilError) throw new CliError(`pledge: ${command[0]}: unveil could not be applied: ${result.unveilError}; the program was killed`);
  if (result.execErrno !== null) {
    const code = result.execErrno === os.constants.errno.ENOENT || result.execErrno === os.constants.errno.ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
    throw new CliError(`pledge: ${command[0]}: ${result.execMessage ?? result.execCode ?? `errno ${result.execErrno}`}`, code);
  }
  if (result.violationKill) return EXIT_SIGNAL_BASE + os.constants.signals.SIGSYS;
  if (result.signal !== null) return EXIT_SIGNAL_BASE + result.signal;
  return result.status ?? EXIT_CLI_ERROR;
}
