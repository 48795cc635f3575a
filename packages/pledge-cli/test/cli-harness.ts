/**
 * Runs the `pledge` command (bin/pledge.js) in a child process, and builds
 * the C fixtures the command tests run under it. Filters are only ever
 * installed in those children. The command runs on NODE (the runner's
 * node, or SECCOMP_SCOPES_TEST_NODE: @seccomp-scopes/pledge's
 * test/child.ts, shared so that both packages' tests pick the same
 * binary), and so should a test's Node program under the command
 * (`pledgeCli([..., '--node', '--', NODE, ...])`).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KILLED, NODE } from '../../pledge/test/child.js';
import { compileFixture } from '../../pledge/test/build-fixture.js';

export { KILLED, NODE };

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '../bin/pledge.js');

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/**
 * What every run's environment fixes, whatever the runner's: the C locale, so
 * programs open no locale files and print the same messages; and `SHELL`,
 * because bash started without it looks the user up in the password database
 * (glibc's nscd probe and /etc/passwd: `getpw`), so a promise set a test
 * expects would depend on how the runner was started (CI runs without
 * `SHELL`). Tests about that case remove it (`env: { SHELL: undefined }`).
 * And `SHLVL` set, `SSH_CLIENT`/`SSH2_CLIENT` removed: Debian's bash reads
 * /etc/bash.bashrc and ~/.bashrc when its stdin is a socket (Node's pipes
 * are socketpairs) and SHLVL is unset, or when it sees those variables
 * (it takes itself for sshd's), and a user's rc file can do anything.
 */
const FIXED_ENV = { LC_ALL: 'C', LANG: 'C', SHELL: '/bin/bash', SHLVL: '1', SSH_CLIENT: undefined, SSH2_CLIENT: undefined } as const;

/** The runner's environment with {@link FIXED_ENV} and `extra` applied (undefined removes). */
function withFixed(extra: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of [...Object.entries(FIXED_ENV), ...Object.entries(extra)]) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Environment for every run: the runner's, with {@link FIXED_ENV}, then `extra` (undefined removes). */
function environment(extra: RunOptions['env']): NodeJS.ProcessEnv {
  return withFixed(extra ?? {});
}

function result(r: SpawnSyncReturns<string>): CliResult {
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** `pledge ARGS...`, on NODE */
export function pledgeCli(args: readonly string[], options: RunOptions = {}): CliResult {
  return result(spawnSync(NODE, [CLI, ...args], {
    cwd: options.cwd, env: environment(options.env), input: options.input ?? '', encoding: 'utf8', timeout: options.timeoutMs ?? 20_000,
  }));
}

/** The same program without the command, for comparison. */
export function direct(command: readonly string[], options: RunOptions = {}): CliResult {
  return result(spawnSync(command[0]!, command.slice(1), {
    cwd: options.cwd, env: environment(options.env), input: options.input ?? '', encoding: 'utf8', timeout: options.timeoutMs ?? 20_000,
  }));
}

/** Starts `pledge ARGS...` without waiting; resolves when it ends. */
export function pledgeCliAsync(args: readonly string[], options: RunOptions = {}): { child: ReturnType<typeof spawn>; done: Promise<CliResult>; output: () => string } {
  const child = spawn(NODE, [CLI, ...args], { cwd: options.cwd, env: environment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, done, output: () => stdout };
}

/** A one-line description of a run, for assertion messages. */
export function describeRun(r: CliResult): string {
  return `status=${r.status} signal=${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/**
 * Compiles test/fixtures/<name>.c with the system C compiler (once per
 * source and flags; safe when test files build it in parallel).
 */
export function buildFixture(name: string, flags: readonly string[] = []): string {
  return compileFixture(path.join(here, 'fixtures', `${name}.c`), flags);
}

/** Whether a program is installed (an absolute path). */
export function which(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir || '.', program);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-cli-test-'));
}

/** The report lines (`comm[pid]: pledge "..." blocked ...`) in stderr. */
export function reports(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\S+\[\d+\]: pledge "/.test(l));
}


/**
 * The environment of a run through the entry script and its policy cache:
 * {@link FIXED_ENV}, the cache under `cache`, the launcher's trace written to `trace`, the
 * test's `node` first on PATH (the entry script starts `node` from PATH),
 * no cache switches or write request inherited; `extra` set (undefined
 * removes).
 */
export function launchEnvironment(cache: string, trace: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return withFixed({
    XDG_CACHE_HOME: cache, SECCOMP_SCOPES_CACHE_TRACE: trace,
    PATH: `${path.dirname(NODE)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    SECCOMP_SCOPES_NO_CACHE: undefined, SECCOMP_SCOPES_CACHE_WRITE: undefined,
    ...extra,
  });
}
