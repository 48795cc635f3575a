/**
 * `pledge learn [options] -- COMMAND [ARGS...]`: runs a program once
 * without enforcing anything, records every call outside the base set
 * (what `stdio`, part of every proposal, allows), and proposes the least promises,
 * execpromises and unveil rules that would have allowed the run, as a
 * ready-to-run `pledge` command line (docs/cli.md "pledge learn").
 *
 * How it watches: the program runs under a filter that allows in the kernel
 * only what pledge("stdio") allows (every proposal has stdio), and sends
 * everything else to the supervisor in learn mode (@seccomp-scopes/native supervise({ learn: true })), which records
 * the call here and answers SECCOMP_USER_NOTIF_FLAG_CONTINUE. CONTINUE is
 * used only because nothing is enforced: the kernel re-reads the call's
 * pointers after the answer, so a decision taken on them could be raced
 * (TOCTOU); `pledge run` never answers that way on anything read from the
 * program's memory. The start-up window works as under `pledge run`: what
 * it would allow is not recorded.
 *
 * The computation (./learn-cover.ts, ./learn-unveil.ts) is pure and keeps
 * the observations, so runs can be merged (`--merge`) and recomputed on
 * either arch's tables.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CATALOG, DENIED, type ArchDescriptor, type Rule } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { ARCHES, archFor } from '@seccomp-scopes/pledge';
import { inspectExecutable } from './elf.js';
import { CliError, EXIT_CANNOT_EXECUTE, EXIT_CLI_ERROR, EXIT_NOT_FOUND, EXIT_SIGNAL_BASE } from './exit.js';
import { compileSupervisedFilter, nodeProgramRules, pathArgTable, pathArguments } from './filter.js';
import { attributeCall, byPower, canonicalPromises, chosenSet, handledErrno, leastCover, type Attribution, type AttributionContext } from './learn-cover.js';
import { unveilRules, type LearnedUnveil, type PathUse } from './learn-unveil.js';
import { loaderFiles, supervisorLoaderPaths, systemLoader } from './loader.js';
import { LOADER_WINDOW_RULES, loaderWindowTable } from './loader-window.js';
import { writeText } from './output.js';
import { Policy } from './policy.js';
import { Reporter } from './report.js';
import { resolveCommand } from './resolve.js';
import { inheritedDescriptors } from './run.js';
import { impliedReadFiles } from './unveil.js';

/** How many calls each promise's reason lists (its `count` says how many there were). */
export const WHY_SHOWN = 12;

/** The `--json` format's version (docs/cli.md "pledge learn"). */
export const LEARN_FORMAT = 1;

/** What every learned profile says about itself. */
export const LEARN_NOTE = 'learning only sees what this run exercised: a path the program did not take (an error branch, another input, an option) may need more';

/** Options of {@link learnCommand} (the command line's). */
export interface LearnOptions {
  /** The program is Node.js: its runtime allowance needs no promise, and the proposal carries --node. */
  readonly node?: boolean;
  /** Print the result as JSON (the shape in docs/cli.md). */
  readonly json?: boolean;
  /** Write the result to this file instead of stderr. */
  readonly output?: string;
  /** Re-run the command under the proposal and compare the exit status. */
  readonly verify?: boolean;
  /** With --verify: compare stdout too. */
  readonly verifyStdout?: boolean;
  /** Earlier `--json` results whose observations are merged in. */
  readonly merge?: readonly string[];
  readonly loaderTimeoutMs?: number;
}

/** One recorded call (a `--json` observation). */
export interface Observation {
  /** Which run it comes from (0: this one; merged runs follow). */
  readonly run: number;
  readonly nr: number;
  readonly syscall: string;
  /** The six argument registers, hex. */
  readonly args: readonly string[];
  /** The path argument as the program passed it. */
  readonly path?: string;
  /** That path made absolute against the caller's directory. */
  readonly file?: string;
  /** Whether `file` existed when the call was made. */
  readonly exists?: boolean;
  /** execve: the file starts with `#!`; its ELF interpreter. */
  readonly script?: boolean;
  readonly interpreter?: string;
  readonly comm: string;
  readonly pid: number;
  /** The supervisor's number for the process (per run). */
  readonly process: number;
  /** The process runs a program started by execve after the launch (it would run under -e). */
  readonly execed: boolean;
  readonly main: boolean;
  readonly foreign: boolean;
  /** Index in `sites` of the last in-process pledge()/unveil() of the process before this call, or null. */
  readonly site: number | null;
  count: number;
}

/** An in-process pledge()/unveil() the Node facade told the learner about (the learn marker's record). */
export interface SiteRecord {
  readonly run: number;
  readonly process: number;
  readonly pid: number;
  readonly call: 'pledge' | 'unveil';
  readonly promises: string | null;
  readonly execpromises: string | null;
  readonly path: string | null;
  readonly permissions: string | null;
  readonly site: string;
}

/** One run: what it ran and how it ended. */
export interface RunRecord {
  readonly command: readonly string[];
  /** The launched program's pid (the "signals to itself" rules name it). */
  readonly pid: number;
  readonly cwd: string;
  readonly status: number | null;
  readonly signal: number | null;
}

/** The learned profile (`--json`). */
export interface LearnResult {
  readonly version: typeof LEARN_FORMAT;
  readonly arch: string;
  readonly node: boolean;
  readonly note: string;
  readonly runs: readonly RunRecord[];
  /** The least promise set, in OpenBSD's order. */
  readonly promises: string;
  /** Per promise (least powerful first): the calls that needed it (the first WHY_SHOWN, as the reports decode them) and how many distinct ones there were. */
  readonly why: readonly { readonly promise: string; readonly calls: readonly string[]; readonly count: number }[];
  /** The execpromises to propose, or null when the programs started needed what the parent did. */
  readonly execpromises: string | null;
  /** Per program started with execve (by process name): what it needed. */
  readonly images: readonly { readonly comm: string; readonly promises: string }[];
  readonly unveil: readonly LearnedUnveil[];
  /** The proposal as arguments of `pledge`, and as one shell-quoted line. */
  readonly argv: readonly string[];
  readonly commandLine: string;
  /** Calls no promise allows, with what to do. */
  readonly unattributed: readonly { readonly call: string; readonly comm: string; readonly why: string; readonly todo: string }[];
  /**
   * Calls the proposal answers with an errno: under every promise set, or,
   * with `probe` (its reason, core's PATH_PROBES), under every set without
   * `allowedBy`'s promises; the program copes with it.
   */
  readonly errno: readonly { readonly call: string; readonly comm: string; readonly errno: string; readonly probe?: string; readonly allowedBy?: string }[];
  /** Per in-process pledge() call site: what the process needed from there on. */
  readonly sites: readonly SiteAdvice[];
  /** Remarks on the proposal (an unveil rule left out, and why). */
  readonly notes: readonly string[];
  readonly observations: readonly Observation[];
  readonly records: readonly SiteRecord[];
}

/** The advice for one pledge() call site of a Node program. */
export interface SiteAdvice {
  readonly site: string;
  readonly pledged: string | null;
  readonly needs: string;
  readonly why: LearnResult['why'];
  readonly unveil: readonly LearnedUnveil[];
  /** What to write at the site. */
  readonly write: string;
}

const AT_FDCWD = -100;

/** Shell-quotes one word (POSIX sh): bare when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function hex(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/** The syscall names of `arch` by number. */
function namesOf(arch: ArchDescriptor): Map<number, string> {
  return new Map(Object.entries(arch.syscalls).map(([n, nr]) => [nr, n]));
}

/**
 * Per syscall number of `arch`, what tells one call apart from another for
 * the learner (supervise()'s learnKeys): the arguments any rule of the
 * catalog or of the Node allowance looks at, the path, and whether the call
 * is always recorded (execve). Calls equal on these need the same promises.
 */
export function learnKeyTable(arch: ArchDescriptor): Uint8Array {
  const max = Math.max(...Object.values(arch.syscalls));
  const table = new Uint8Array(max + 1);
  const rules: Rule[] = [...CATALOG, ...nodeProgramRules(new Set(['prot_exec'])), ...nodeProgramRules(new Set())];
  for (const r of rules) {
    const nr = arch.syscalls[r.syscall];
    if (nr === undefined) continue;
    for (const c of r.when ?? []) table[nr]! |= 1 << c.arg;
  }
  for (const [name] of Object.entries(pathArguments())) {
    const nr = arch.syscalls[name];
    if (nr !== undefined) table[nr]! |= 0x40;
  }
  for (const name of ['execve', 'execveat']) {
    const nr = arch.syscalls[name];
    if (nr !== undefined) table[nr]! |= 0x80;
  }
  return table;
}

let pathArgs: Readonly<Record<string, number>> | undefined;
/** The directory a path argument is relative to: the caller's working directory or its directory descriptor. */
function baseDir(call: native.SupervisedCall, syscall: string): string | undefined {
  const index = (pathArgs ??= pathArguments())[syscall];
  let dirfd = AT_FDCWD;
  if (index !== undefined && index > 0 && (/at2?$/.test(syscall) || syscall === 'statx')) dirfd = Number(BigInt.asIntN(32, call.args[index - 1]! & 0xffffffffn));
  try {
    return fs.readlinkSync(`/proc/${call.tid}/${dirfd === AT_FDCWD ? 'cwd' : `fd/${dirfd}`}`);
  } catch {
    return undefined;
  }
}

/** What an execve'd file is: a `#!` script, and its ELF interpreter. */
function execInfo(file: string): { script?: boolean; interpreter?: string } {
  try {
    const info = inspectExecutable(file);
    return { ...(info.chain.length > 1 ? { script: true } : {}), ...(info.interpreter ? { interpreter: info.interpreter } : {}) };
  } catch {
    return {};
  }
}

/** Whether the arguments are the preload's marker's (src/preload/protocol.h, as the addon was compiled with them). */
function isPreloadMarker(args: readonly bigint[]): boolean {
  const { markerA, markerB } = native.preloadProtocol();
  return args[0] === markerA && args[1] === markerB;
}

/** Records the calls of one learned run. */
class Recorder {
  readonly observations = new Map<string, Observation>();
  readonly records: SiteRecord[] = [];
  readonly warnings: string[] = [];
  /** Per process: its latest site index. */
  private readonly siteOf = new Map<number, number>();
  private readonly names: Map<number, string>;
  private readonly execNrs: ReadonlySet<number>;
  private readonly getppid: number | undefined;
  policy: Policy | undefined;

  constructor(private readonly arch: ArchDescriptor, private readonly run: number) {
    this.names = namesOf(arch);
    this.execNrs = new Set(['execve', 'execveat'].map((n) => arch.syscalls[n]).filter((n): n is number => n !== undefined));
    this.getppid = arch.syscalls['getppid'];
  }

  record(call: native.SupervisedCall): void {
    const process = call.process ?? -call.pid;
    if (call.record !== undefined) return this.site(call, process);
    // The preload's marker, which ends the start-up window of each program started with the command's LD_PRELOAD
    // (src/preload/protocol.h): the window's own call, not the program's, so no evidence (under the command the
    // supervisor takes it; a plain getppid() otherwise).
    if (!call.foreign && call.nr === this.getppid && isPreloadMarker(call.args)) return;
    const syscall = call.foreign ? `foreign:${call.nr}` : this.names.get(call.nr) ?? `syscall_${call.nr}`;
    // Whether the process runs under -e: the enforcer's own bookkeeping (a process that called execve, or descends from one).
    const execed = this.policy !== undefined && this.policy.promisesOf(call) === this.policy.execpromises;
    if (this.execNrs.has(call.nr) && !call.foreign) this.policy?.judge(call);
    let file: string | undefined;
    let exists: boolean | undefined;
    let exec: ReturnType<typeof execInfo> = {};
    if (call.path !== undefined && call.path !== '') {
      const base = call.path.startsWith('/') ? '/' : baseDir(call, syscall);
      if (base !== undefined) {
        file = path.posix.resolve(base, call.path);
        exists = fs.existsSync(file);
        if (exists && this.execNrs.has(call.nr)) exec = execInfo(file);
      }
    }
    const site = this.siteOf.get(process) ?? null;
    const args = call.args.map(hex);
    const key = JSON.stringify([process, execed, call.nr, args, call.path ?? null, file ?? null, site]);
    const known = this.observations.get(key);
    if (known) {
      known.count++;
      return;
    }
    this.observations.set(key, {
      run: this.run, nr: call.nr, syscall, args,
      ...(call.path !== undefined ? { path: call.path } : {}),
      ...(file !== undefined ? { file, exists } : {}),
      ...exec,
      comm: call.comm ?? '?', pid: call.pid, process, execed, main: call.main, foreign: call.foreign === true, site, count: 1,
    });
  }

  private site(call: native.SupervisedCall, process: number): void {
    const parsed = parseRecord(call.record!);
    if (typeof parsed === 'string') {
      this.warnings.push(`pledge learn: a malformed learn record from ${call.comm ?? '?'}[${call.pid}]: ${parsed}`);
      return;
    }
    this.siteOf.set(process, this.records.length);
    this.records.push({ run: this.run, process, pid: call.pid, ...parsed });
  }
}

/** The learn marker's record (src/preload/protocol.h), checked; a string says what is wrong. */
export function parseRecord(text: string): Omit<SiteRecord, 'run' | 'process' | 'pid'> | string {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof o !== 'object' || o === null) return 'not an object';
  const r = o as Record<string, unknown>;
  if (r['v'] !== 1) return `version ${JSON.stringify(r['v'])} (expected 1)`;
  if (r['call'] !== 'pledge' && r['call'] !== 'unveil') return `call ${JSON.stringify(r['call'])} (expected "pledge" or "unveil")`;
  const str = (k: string): string | null | undefined => (r[k] === null || r[k] === undefined ? null : typeof r[k] === 'string' ? (r[k] as string) : undefined);
  const fields = ['promises', 'execpromises', 'path', 'permissions', 'site'] as const;
  for (const k of fields) if (str(k) === undefined) return `${k} is not a string or null`;
  return {
    call: r['call'], promises: str('promises')!, execpromises: str('execpromises')!, path: str('path')!, permissions: str('permissions')!,
    site: str('site') ?? '?',
  } as Omit<SiteRecord, 'run' | 'process' | 'pid'>;
}

/**
 * The learn filter: what `stdio` allows stays in the kernel (every proposal
 * has `stdio`, so a call it allows never needs more, and those are most of
 * a program's calls); the learn marker, the preload's marker, execve and
 * everything else go to the supervisor.
 */
function learnFilter(arch: ArchDescriptor, pid: number, uid: number, gid: number, windowSyscalls: ReadonlySet<string>): Uint8Array {
  const { markerA, markerB } = native.learnProtocol();
  const marker: Rule = {
    syscall: 'getppid', action: { kind: 'notify' }, requires: [], source: 'pledge(1) learn, src/preload/protocol.h',
    why: "the learn marker: an in-process pledge()/unveil() tells the learner about itself",
    when: [{ arg: 0, width: 64, name: 'marker', oneOf: [markerA] }, { arg: 1, width: 64, name: 'marker', oneOf: [markerB] }],
  };
  return compileSupervisedFilter(new Set(['stdio']), arch, { pid, uid, gid }, [], windowSyscalls, [marker]).bytes;
}

/** Runs `command` once in learn mode; returns the run and what it recorded. */
function learnRun(command: readonly string[], options: LearnOptions, arch: ArchDescriptor): { run: RunRecord; recorder: Recorder } {
  const inheritFds = inheritedDescriptors();
  const file = resolveCommand(command[0]!);
  const info = inspectExecutable(file);
  if (info.elfClass === 32) throw new CliError(`pledge: ${command[0]}: a 32-bit program cannot run under the filter`, EXIT_CANNOT_EXECUTE);
  let loaderPath: string | undefined;
  if (info.kind === 'dynamic') {
    const check = systemLoader(info.interpreter ?? '');
    if (check.ok) loaderPath = check.path;
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env[native.learnProtocol().env] = '1';
  let loaderPaths: string[] = [];
  if (loaderPath) {
    const preload = native.preloadLibraryPath();
    if (!preload) throw new CliError('pledge: the preload object (pledge_preload.so) was not built; rebuild @seccomp-scopes/native');
    loaderPaths = supervisorLoaderPaths(loaderFiles(info, loaderPath, preload, env));
    env['LD_PRELOAD'] = env['LD_PRELOAD'] ? `${preload}:${env['LD_PRELOAD']}` : preload;
  }
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const recorder = new Recorder(arch, 0);
  // --node: the syscalls the runtime allowance answers with an errno.
  const allowanceErrnoNrs = new Set(options.node ? nodeProgramRules(new Set()).filter((r) => r.action.kind === 'errno').map((r) => arch.syscalls[r.syscall]).filter((n): n is number => n !== undefined) : []);
  const windowSyscalls = new Set(loaderPath ? LOADER_WINDOW_RULES.map((r) => r.syscall) : []);
  let childPid = 0;
  let result: native.SuperviseResult;
  try {
    result = native.supervise({
      file, argv: command, envp: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      loader: loaderPath !== undefined, loaderTimeoutMs: options.loaderTimeoutMs ?? 10_000, loaderPaths, loaderWindow: loaderWindowTable(arch),
      pathArgs: pathArgTable(arch), signals: ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'].map((s) => os.constants.signals[s as 'SIGINT']), inheritFds,
      learn: true, learnKeys: learnKeyTable(arch),
      onFilter: (pid) => {
        childPid = pid;
        // The enforcer's bookkeeping of which processes called execve, with distinct sets to tell them apart.
        recorder.policy = new Policy(arch, new Set(['stdio', 'exec']), new Set(['stdio']), pid, { pid, uid, gid });
        return learnFilter(arch, pid, uid, gid, windowSyscalls);
      },
      onNotify: (call) => {
        recorder.record(call);
        if (call.record !== undefined) return 0;
        // CONTINUE, or the errno the proposal will answer: the nscd probe's, or (--node) an errno of the runtime allowance
        // that no promise lifts (V8's pkey_alloc: ENOSYS); never a kill.
        const handled = handledErrno(call, arch, { pid: childPid, uid, gid });
        if (handled !== undefined) return handled;
        if (allowanceErrnoNrs.has(call.nr) && !call.foreign) {
          const a = attributeCall(call, { arch, runtime: { pid: childPid, uid, gid }, mode: 'node-program' });
          if (a.kind === 'errno' && a.probe === undefined) return a.errno;
        }
        return 0;
      },
      onEvent: (event) => {
        if (event.event === 'process-exit' && event.pid !== undefined && event.process !== undefined) recorder.policy?.forget(event.pid, event.process);
      },
    });
  } catch (e) {
    if (e instanceof CliError) throw e;
    const err = e as native.NativeError;
    throw new CliError(`pledge learn: cannot run ${command[0]}: ${err.message}${err.code === 'EBUSY' ? ' (already under a seccomp listener, e.g. inside pledge run)' : ''}`);
  }
  if (result.execErrno !== null) {
    const code = result.execErrno === os.constants.errno.ENOENT || result.execErrno === os.constants.errno.ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
    throw new CliError(`pledge: ${command[0]}: ${result.execMessage ?? result.execCode ?? `errno ${result.execErrno}`}`, code);
  }
  return { run: { command: [...command], pid: childPid, cwd: process.cwd(), status: result.status, signal: result.signal }, recorder };
}

/** The Node binary a run started (its command's program, symbolic links followed), as the process' `process.execPath`; none when it cannot be found now. */
function nodeExecPathOf(run: RunRecord | undefined): { nodeExecPath?: string } {
  try {
    const program = run?.command[0];
    return program === undefined ? {} : { nodeExecPath: fs.realpathSync(program.includes('/') ? path.resolve(run!.cwd, program) : resolveCommand(program)) };
  } catch {
    return {};
  }
}

/** A typed error for a `--merge` file that is not a learned profile. */
function badMerge(file: string, why: string): CliError {
  return new CliError(`pledge learn: --merge ${file}: ${why} (expected the output of pledge learn --json, version ${LEARN_FORMAT})`);
}

/** Reads a `--merge` file: its arch, runs, observations and records. @throws CliError naming the file. */
export function readMerge(file: string): Pick<LearnResult, 'arch' | 'node' | 'runs' | 'observations' | 'records'> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw badMerge(file, `cannot be read: ${(e as Error).message}`);
  }
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw badMerge(file, `not JSON: ${(e as Error).message}`);
  }
  const r = o as Partial<LearnResult> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw badMerge(file, 'not a JSON object');
  if (r.version !== LEARN_FORMAT) throw badMerge(file, `version ${JSON.stringify(r.version)}`);
  if (typeof r.arch !== 'string' || !Object.values(ARCHES).some((a) => a.name === r.arch)) throw badMerge(file, `arch ${JSON.stringify(r.arch)} is not one of ${Object.values(ARCHES).map((a) => a.name).join(', ')}`);
  if (!Array.isArray(r.runs) || !Array.isArray(r.observations) || !Array.isArray(r.records)) throw badMerge(file, 'runs, observations and records must be arrays');
  r.observations.forEach((x, i) => {
    const ok = typeof x === 'object' && x !== null && Number.isInteger(x.nr) && typeof x.syscall === 'string' && Array.isArray(x.args) && x.args.length === 6 &&
      x.args.every((a: unknown) => typeof a === 'string' && /^0x[0-9a-f]{1,16}$/.test(a)) && Number.isInteger(x.run) && typeof x.execed === 'boolean' &&
      typeof x.comm === 'string' && typeof x.process === 'number' && (x.site === null || (Number.isInteger(x.site) && x.site >= 0 && x.site < r.records!.length)) && Number.isInteger(x.count) &&
      Number.isInteger(x.pid) && typeof x.main === 'boolean' && typeof x.foreign === 'boolean' &&
      (['path', 'file', 'interpreter'] as const).every((k) => x[k] === undefined || typeof x[k] === 'string') &&
      (['exists', 'script'] as const).every((k) => x[k] === undefined || typeof x[k] === 'boolean');
    if (!ok) throw badMerge(file, `observations[${i}] is not an observation`);
  });
  r.records.forEach((x, i) => {
    const ok = typeof x === 'object' && x !== null && (x.call === 'pledge' || x.call === 'unveil') && typeof x.site === 'string' && Number.isInteger(x.run) &&
      typeof x.process === 'number' && (['promises', 'execpromises', 'path', 'permissions'] as const).every((k) => x[k] === null || typeof x[k] === 'string');
    if (!ok) throw badMerge(file, `records[${i}] is not a record`);
  });
  r.runs.forEach((x, i) => {
    if (typeof x !== 'object' || x === null || !Array.isArray(x.command) || !x.command.every((w: unknown) => typeof w === 'string')) throw badMerge(file, `runs[${i}] is not a run`);
  });
  return { arch: r.arch, node: r.node === true, runs: r.runs, observations: r.observations, records: r.records };
}

const bigArgs = (o: Observation): bigint[] => o.args.map((a) => BigInt(a));

/** What to do about a call no promise allows. */
function todoFor(o: Observation, node: boolean): string {
  if (o.foreign) return 'the program uses another ABI (the 32-bit entry or x32): it cannot run under pledge';
  if (o.syscall === 'capget' && !node) return 'the program is Node.js: learn and run it with --node';
  const denial = DENIED.find((d) => (d.syscalls as readonly string[]).includes(o.syscall));
  const base = denial ? `refused under every promise set (${denial.why})` : 'refused under every promise set';
  return `${base}: the program must do without it, or run with --penalty errno (the call then fails with EPERM and it goes on)`;
}

/**
 * Computes the profile from observations (pure but for the call
 * descriptions, which use the report formatter).
 */
export function buildResult(input: {
  arch: ArchDescriptor; node: boolean; runs: readonly RunRecord[]; observations: readonly Observation[]; records: readonly SiteRecord[];
  runtime: { pid: number; uid: number; gid: number }; command: readonly string[];
}): LearnResult {
  const { arch, node, observations, records, runtime } = input;
  const home = process.env['HOME'];
  const context: AttributionContext = { arch, runtime, mode: node ? 'node-program' : 'program', ...(home ? { home } : {}) };
  const needsOf = (list: readonly { a: Attribution }[]): (readonly (readonly string[])[])[] =>
    list.flatMap(({ a }) => (a.kind === 'needs' ? [a.sets] : []));
  // Whether a path exception's open is free depends on the promises (the
  // command performs it only without rpath): attributed again under the
  // cover until the cover stays the same (it only grows).
  let promises = new Set<string>();
  let attributed: { o: Observation; a: Attribution }[] = [];
  // Calls free under no promise (a path exception) are not shown as a promise's reason.
  let freeAlone = new Set<Observation>();
  for (let round = 0; round < 8; round++) {
    const inForce = promises;
    attributed = observations.map((o) => ({ o, a: attributeCall({ nr: o.nr, args: bigArgs(o), ...(o.path !== undefined ? { path: o.path } : {}), ...(o.file !== undefined ? { file: o.file } : {}), foreign: o.foreign }, { ...context, inForce }) }));
    if (round === 0) freeAlone = new Set(attributed.filter(({ a }) => a.kind === 'free').map(({ o }) => o));
    const next = leastCover([...needsOf(attributed), ...[...inForce].filter((p) => p !== 'stdio').map((p) => [[p]])]);
    if (next.size === promises.size) break;
    promises = next;
  }
  const after = attributed.filter(({ o }) => o.execed);
  const execSet = after.length > 0 ? leastCover(needsOf(after), promises) : undefined;
  const execpromises = execSet && execSet.size < promises.size ? execSet : undefined;
  const images = [...new Set(after.map(({ o }) => o.comm))].sort().map((comm) => ({
    comm, promises: canonicalPromises(leastCover(needsOf(after.filter(({ o }) => o.comm === comm)), promises)),
  }));

  let reporter: Reporter | undefined;
  const describe = (o: Observation): string => {
    try {
      reporter ??= new Reporter({ arch, format: 'json', penalty: 'kill', uid: runtime.uid, gid: runtime.gid });
      const line = JSON.parse(reporter.format({ nr: o.nr, args: bigArgs(o), pid: runtime.pid, tid: runtime.pid, comm: o.comm, ...(o.path !== undefined ? { path: o.path } : {}) }, new Set())) as { call?: string };
      if (line.call) return line.call;
    } catch {
      // the plain form below
    }
    return `${o.syscall}(${o.args.join(', ')})`;
  };
  const whyOf = (list: typeof attributed, set: ReadonlySet<string>): LearnResult['why'] => {
    const calls = new Map<string, Observation[]>();
    for (const { o, a } of list) {
      if (a.kind !== 'needs' || freeAlone.has(o)) continue;
      for (const p of chosenSet(a.sets, set) ?? []) {
        if (!calls.has(p)) calls.set(p, []);
        calls.get(p)!.push(o);
      }
    }
    // Decoded (the costly part) only as far as shown.
    return byPower(calls.keys()).map((p) => {
      const shown = new Set<string>();
      for (const o of calls.get(p)!) {
        if (shown.size >= WHY_SHOWN) break;
        shown.add(`${o.comm}: ${describe(o)}`);
      }
      return { promise: p, calls: [...shown], count: calls.get(p)!.length };
    });
  };
  // A call the proposal answers with an errno reaches no file: no rule.
  const usesOf = (list: typeof attributed): PathUse[] => list.flatMap(({ o, a }) => (o.file !== undefined && a.kind !== 'errno' ? [{
    syscall: o.syscall, args: bigArgs(o), file: o.file, exists: o.exists === true, pid: o.pid,
    ...(o.script ? { script: true } : {}), ...(o.interpreter ? { interpreter: o.interpreter } : {}),
  }] : []));
  // A path that does not exist now cannot be unveiled (pledge run refuses the rule): left out, and said.
  const notes: string[] = [];
  const unveil = unveilRules(usesOf(attributed), arch, promises, impliedReadFiles()).filter((u) => {
    if (fs.existsSync(u.path)) return true;
    notes.push(`-v ${u.permissions}:${u.path} is not proposed: ${u.path} does not exist now (it was made and removed during the run, or the program failed to use it)`);
    return false;
  });

  const argv = ['-p', canonicalPromises(promises), ...(execpromises ? ['-e', canonicalPromises(execpromises)] : []), ...(node ? ['--node'] : []),
    ...unveil.flatMap((u) => ['-v', `${u.permissions}:${u.path}`]), '--', ...input.command];
  const unattributed: LearnResult['unattributed'][number][] = [];
  const errno: LearnResult['errno'][number][] = [];
  const errnoNames = new Map(Object.entries(arch.constants).filter(([n]) => /^E[A-Z0-9]+$/.test(n)).reverse().map(([n, v]) => [v as number, n]));
  for (const { o, a } of attributed) {
    if (a.kind === 'none') unattributed.push({ call: describe(o), comm: o.comm, why: a.why, todo: todoFor(o, node) });
    if (a.kind === 'errno') {
      const entry = { call: describe(o), comm: o.comm, errno: errnoNames.get(a.errno) ?? String(a.errno),
        ...(a.probe ? { probe: a.probe.why, ...(a.probe.needs?.length ? { allowedBy: canonicalPromises(a.probe.needs) } : {}) } : {}),
        ...(a.answered ? { probe: a.answered.why, allowedBy: canonicalPromises(a.answered.allowedBy) } : {}) };
      if (!errno.some((e) => e.call === entry.call && e.comm === entry.comm)) errno.push(entry);
    }
  }

  // Per pledge() call site: the process' calls from there on, judged as in-process pledge() judges them.
  const siteContext = (r: SiteRecord): AttributionContext => ({ arch, runtime, mode: 'in-process', ...nodeExecPathOf(input.runs[r.run]) });
  const sites: SiteAdvice[] = [];
  records.forEach((r, index) => {
    if (r.call !== 'pledge') return;
    const list = observations
      .filter((o) => o.run === r.run && o.process === r.process && o.site !== null && o.site >= index && records[o.site]?.process === r.process)
      .map((o) => ({ o, a: attributeCall({ nr: o.nr, args: bigArgs(o), ...(o.path !== undefined ? { path: o.path } : {}), ...(o.file !== undefined ? { file: o.file } : {}), foreign: o.foreign }, siteContext(r)) }));
    const set = leastCover(needsOf(list));
    const rules = unveilRules(usesOf(list), arch, set);
    const needs = canonicalPromises(set);
    const pledged = r.promises === null ? null : canonicalPromises(r.promises.split(/\s+/).filter(Boolean));
    const unveils = rules.map((u) => `unveil(${JSON.stringify(u.path)}, '${u.permissions}')`);
    const write = pledged === needs && unveils.length === 0 ? `pledge('${needs}') is what it needs`
      : [...unveils, `pledge('${needs}')`].join('; ');
    sites.push({ site: r.site, pledged, needs, why: whyOf(list, set), unveil: rules, write });
  });

  return {
    version: LEARN_FORMAT, arch: arch.name, node, note: LEARN_NOTE, runs: input.runs,
    promises: canonicalPromises(promises), why: whyOf(attributed, promises),
    execpromises: execpromises ? canonicalPromises(execpromises) : null, images,
    unveil, argv, commandLine: ['pledge', ...argv].map(shellQuote).join(' '),
    unattributed, errno, sites, notes, observations, records,
  };
}

/** The text form of a result. */
export function formatLearnText(r: LearnResult): string {
  const out: string[] = [];
  const q = (s: string): string => `"${s}"`;
  out.push(`pledge learn: promises ${q(r.promises)}`);
  for (const w of r.why) {
    const shown = w.calls.slice(0, 4);
    out.push(`  ${w.promise}: ${shown.join('; ')}${w.count > shown.length ? `; and ${w.count - shown.length} more` : ''}`);
  }
  if (r.execpromises !== null) {
    out.push(`pledge learn: execpromises ${q(r.execpromises)} (the programs it started needed less)`);
    for (const i of r.images) out.push(`  ${i.comm}: ${q(i.promises)}`);
  }
  if (r.unveil.length > 0) {
    out.push('pledge learn: unveil');
    for (const u of r.unveil) out.push(`  ${u.permissions || '(hidden)'} ${u.path}`);
  }
  for (const n of r.notes) out.push(`pledge learn: ${n}`);
  for (const u of r.unattributed) out.push(`pledge learn: no promise allows ${u.comm}: ${u.call}: ${u.todo}`);
  for (const e of r.errno) {
    out.push(e.probe === undefined
      ? `pledge learn: ${e.comm}: ${e.call} fails with ${e.errno} under every promise set (as it will under the proposal)`
      : `pledge learn: ${e.comm}: ${e.call} will fail with ${e.errno} (a probe the command answers; the program copes)${e.allowedBy ? `; "${e.allowedBy}" would allow it` : ''}`);
  }
  for (const s of r.sites) {
    const said = s.pledged === null ? 'pledge(null)' : `pledge('${s.pledged}')`;
    out.push(`pledge learn: ${said} at ${s.site} needs ${q(s.needs)}${s.unveil.length ? ` and ${s.unveil.map((u) => `${u.permissions}:${u.path}`).join(' ')}` : ''}: ${s.write}`);
  }
  out.push(`pledge learn: run it with: ${r.commandLine}`);
  out.push(`pledge learn: note: ${r.note}`);
  return `${out.join('\n')}\n`;
}

/** Reads all of stdin when it is not a terminal (for --verify, which runs the command again). */
function readStdin(): Buffer | undefined {
  try {
    if (fs.fstatSync(0).isCharacterDevice()) return undefined;
    return fs.readFileSync(0);
  } catch {
    return undefined;
  }
}

/** The `pledge` command's own entry (for --verify's runs). */
function selfArgv(): string[] {
  return [...process.execArgv, process.argv[1]!];
}

/**
 * `pledge learn`: learns `command` (unless only `--merge` files are given),
 * prints the profile (text, or JSON with --json) on stderr or to
 * `--output`, and with --verify runs the proposal and compares.
 * @returns the program's exit status (128+N for a signal); with --verify,
 *   0 when the proposal behaved the same and 1 when it did not.
 * @throws CliError for bad options, a bad --merge file, a program not found.
 */
export function learnCommand(command: readonly string[], options: LearnOptions): number {
  const merged = (options.merge ?? []).map((f) => ({ file: f, data: readMerge(f) }));
  if (command.length === 0 && merged.length === 0) throw new CliError('pledge learn: no command given (usage: pledge learn [options] -- COMMAND [ARGS...])');
  let arch: ArchDescriptor;
  try {
    arch = command.length > 0 ? archFor() : Object.values(ARCHES).find((a) => a.name === merged[0]!.data.arch)!;
  } catch (e) {
    throw new CliError(`pledge: ${(e as Error).message}`);
  }
  for (const m of merged) {
    if (m.data.arch !== arch.name) throw badMerge(m.file, `recorded on ${m.data.arch}, not ${arch.name}`);
  }
  const node = options.node === true || merged.some((m) => m.data.node);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;

  let status = 0;
  let verifyInput: Buffer | undefined;
  const runs: RunRecord[] = [];
  const observations: Observation[] = [];
  const records: SiteRecord[] = [];
  let learnedStdout: Buffer | undefined;
  const warnings: string[] = [];
  if (command.length > 0) {
    if (options.verify) {
      // Learn in a child (same options, no --verify), so that its stdout can be compared and the same input given to both runs.
      verifyInput = readStdin();
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-learn-'));
      const out = path.join(tmp, 'learned.json');
      const args = ['learn', '--json', '--output', out, ...(options.node ? ['--node'] : []), ...(options.loaderTimeoutMs ? ['--loader-timeout', String(options.loaderTimeoutMs)] : []), '--', ...command];
      const child = spawnSync(process.execPath, [...selfArgv(), ...args], { input: verifyInput ?? '', stdio: [verifyInput ? 'pipe' : 'inherit', 'pipe', 'inherit'], maxBuffer: 1 << 30 });
      learnedStdout = child.stdout;
      fs.writeSync(1, child.stdout);
      if (!fs.existsSync(out)) {
        fs.rmSync(tmp, { recursive: true, force: true });
        return child.status ?? EXIT_CLI_ERROR;
      }
      const data = readMerge(out);
      fs.rmSync(tmp, { recursive: true, force: true });
      runs.push(...data.runs);
      observations.push(...data.observations);
      records.push(...data.records);
      status = child.status ?? EXIT_CLI_ERROR;
    } else {
      const learned = learnRun(command, options, arch);
      runs.push(learned.run);
      observations.push(...learned.recorder.observations.values());
      records.push(...learned.recorder.records);
      warnings.push(...learned.recorder.warnings);
      status = learned.run.signal !== null ? EXIT_SIGNAL_BASE + learned.run.signal : learned.run.status ?? EXIT_CLI_ERROR;
    }
  }
  // Merged runs follow this one, renumbered.
  for (const m of merged) {
    const offset = runs.length;
    const recordOffset = records.length;
    runs.push(...m.data.runs);
    records.push(...m.data.records.map((r) => ({ ...r, run: r.run + offset })));
    observations.push(...m.data.observations.map((o) => ({ ...o, run: o.run + offset, site: o.site === null ? null : o.site + recordOffset })));
  }
  const shownCommand = command.length > 0 ? command : runs[0]?.command ?? [];
  const result = buildResult({ arch, node, runs, observations, records, runtime: { pid: runs[0]?.pid ?? process.pid, uid, gid }, command: shownCommand });

  const lines: string[] = [...warnings];
  let verdict = 0;
  if (options.verify) {
    const run = spawnSync(process.execPath, [...selfArgv(), 'run', ...result.argv], { input: verifyInput ?? '', stdio: [verifyInput ? 'pipe' : 'inherit', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
    const sameStatus = run.status === status;
    const sameStdout = !options.verifyStdout || (learnedStdout !== undefined && Buffer.compare(run.stdout, learnedStdout) === 0);
    const how = [`exit status ${run.status ?? `signal ${run.signal}`} (learned run: ${status})`, ...(options.verifyStdout ? [`stdout ${sameStdout ? 'identical' : 'different'}`] : [])].join(', ');
    if (sameStatus && sameStdout) {
      lines.push(`pledge learn: verify: the proposal behaved the same: ${how}`);
    } else {
      verdict = 1;
      lines.push(`pledge learn: verify: the proposal behaved differently: ${how}`);
      const stderr = String(run.stderr).trim();
      if (stderr) lines.push(...stderr.split('\n').map((l) => `  ${l}`));
    }
    lines.push(`pledge learn: verify: ${LEARN_NOTE}`);
  }
  const text = options.json ? `${JSON.stringify(result, null, 2)}\n` : formatLearnText(result);
  if (options.output) {
    try {
      fs.writeFileSync(options.output, text);
    } catch (e) {
      throw new CliError(`pledge learn: --output ${options.output}: ${(e as Error).message}`);
    }
  } else {
    writeText(2, text);
  }
  if (lines.length > 0) writeText(2, `${lines.join('\n')}\n`);
  return options.verify ? verdict : status;
}
