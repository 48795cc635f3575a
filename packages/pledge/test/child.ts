/**
 * Runs a snippet of ESM in a fresh `node` child, which is where every
 * kernel-level test installs its filter (never in the test runner). The
 * child is NODE: the runner's node, or SECCOMP_SCOPES_TEST_NODE.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

/**
 * The `node` binary every child runs (and the `pledge` command runs on, see
 * packages/pledge-cli/test/cli-harness.ts): SECCOMP_SCOPES_TEST_NODE, an
 * absolute path, when set (the root vitest.config.ts sets it for the
 * projects of Node 22, 24 and 26, from tools/node-matrix.mjs), else the test
 * runner's own node.
 */
export const NODE: string = testNode();

function testNode(): string {
  const node = process.env['SECCOMP_SCOPES_TEST_NODE'];
  if (!node) return process.execPath;
  if (!path.isAbsolute(node) || !fs.existsSync(node)) {
    throw new Error(`SECCOMP_SCOPES_TEST_NODE=${node}: not an absolute path to an existing node binary`);
  }
  return node;
}

export interface ChildOptions {
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Wrap in `sh -c` so the shell's `$?` (128+signal) can be read. */
  readonly viaShell?: boolean;
  /** A program (and its arguments) that runs the node child, e.g. a supervisor: `wrapper... NODE args...`. */
  readonly wrapper?: readonly string[];
  readonly timeoutMs?: number;
}

export interface ChildResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly dir: string;
}

/**
 * Runs `code` as an ES module in a new node process (NODE). In the snippet,
 * `pledge`, `compilePledge` and `PledgeError` are imported, and `dir` is a
 * fresh temporary directory (also the cwd).
 */
export function runChild(code: string, options: ChildOptions = {}): ChildResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-test-'));
  const file = path.join(dir, 'child.mjs');
  fs.writeFileSync(file, `import { pledge, compilePledge, PledgeError } from ${JSON.stringify(dist)};\nconst dir = ${JSON.stringify(dir)};\n${code}\n`);
  const argv = [...(options.wrapper ?? []), NODE, ...(options.nodeArgs ?? []), file];
  const command = argv[0]!;
  const args = argv.slice(1);
  let r: SpawnSyncReturns<string>;
  if (options.viaShell) {
    const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    r = spawnSync('/bin/sh', ['-c', `${quoted}; echo "shell-status=$?"`], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 20_000 });
  } else {
    r = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 20_000 });
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', dir };
}

/** A short description of how a child ended, for assertion messages. */
export function describeEnd(r: ChildResult): string {
  return `status=${r.status} signal=${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/** Exit status of a process killed for a refused call (128 + SIGSYS). */
export const KILLED = 128 + os.constants.signals.SIGSYS;
