#!/usr/bin/env node
/**
 * The Node.js versions the test suite and CI run on, and where their
 * binaries are: Node 20 (the machine's), 22, 24 and 26.
 *
 *   import { nodeMatrix } from './tools/node-matrix.mjs';
 *   nodeMatrix()  // [{ major: 20, version: 'v20.20.2', path: '/usr/bin/node' }, { major: 22, ... }, ...]
 *
 *   node tools/node-matrix.mjs             # one "MAJOR PATH" line per version, for scripts
 *
 * A version whose major is the running Node's is `process.execPath`. Every
 * other version comes from the npm registry's `node` package through
 *   npx -y -p node@MAJOR which node
 * run in os.tmpdir(), so that no project's package.json or node_modules
 * takes part (the package's install script fetches the real binary; npx
 * keeps it in ~/.npm/_npx, about 50 MB to download per version). Each
 * binary is checked by running `PATH --version`. Results are cached in
 * ~/.cache/seccomp-scopes/node-matrix.json (SECCOMP_SCOPES_CACHE or
 * XDG_CACHE_HOME move it, like tools/conformance/fetch-arm64-kernel.sh); a
 * cached entry is run again when read, and resolved again when its binary
 * is gone or no longer reports the right major.
 *
 * A version that cannot be resolved is an Error naming the version and the
 * command that failed: tests fail rather than skip when a version is missing.
 *
 * Environment: SECCOMP_SCOPES_NODE_VERSIONS=20,24 limits the list to those
 * majors, in that order (for quick local runs); unset or empty means all of
 * NODE_MAJORS. A major outside NODE_MAJORS is an error.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The supported and tested majors, in order. */
export const NODE_MAJORS = Object.freeze([20, 22, 24, 26]);

/** How long the first `npx -p node@N` (a download) may take. */
const NPX_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * @typedef {{ major: number, version: string, path: string }} NodeBinary
 *   `version` as `node --version` prints it ("v24.21.0"); `path` absolute.
 */

/**
 * The majors selected by SECCOMP_SCOPES_NODE_VERSIONS (default: NODE_MAJORS).
 * @returns {number[]}
 */
export function selectedMajors(env = process.env) {
  const raw = (env.SECCOMP_SCOPES_NODE_VERSIONS ?? '').trim();
  if (raw === '') return [...NODE_MAJORS];
  const majors = raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^v?(\d+)$/.exec(s);
    const n = m ? Number(m[1]) : NaN;
    if (!NODE_MAJORS.includes(n)) {
      throw new Error(`node-matrix: SECCOMP_SCOPES_NODE_VERSIONS=${raw}: "${s}" is not one of the tested majors ${NODE_MAJORS.join(', ')}`);
    }
    return n;
  });
  return [...new Set(majors)];
}

/** The cache file (~/.cache/seccomp-scopes/node-matrix.json). */
export function cacheFile(env = process.env) {
  const root = env.SECCOMP_SCOPES_CACHE
    || path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir() || os.tmpdir(), '.cache'), 'seccomp-scopes');
  return path.join(root, 'node-matrix.json');
}

/**
 * The version `binary --version` prints, if it is Node `major`; otherwise
 * a string saying what went wrong, as `{ error }`.
 * @param {string} binary
 * @param {number} major
 * @returns {{ version: string } | { error: string }}
 */
function probe(binary, major) {
  if (!path.isAbsolute(binary)) return { error: `${binary} is not an absolute path` };
  if (!fs.existsSync(binary)) return { error: `${binary} does not exist` };
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000, cwd: os.tmpdir() });
  if (r.error) return { error: `${binary} --version: ${r.error.message}` };
  const version = (r.stdout ?? '').trim();
  if (r.status !== 0) return { error: `${binary} --version exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim()}` };
  if (!new RegExp(`^v${major}\\.\\d+\\.\\d+`).test(version)) return { error: `${binary} --version printed "${version}", not v${major}.x` };
  return { version };
}

/**
 * @param {string} file
 * @returns {Record<string, { version?: string, path?: string }>}
 */
function readCache(file) {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    return data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  } catch {
    return {};
  }
}

/**
 * @param {string} file
 * @param {object} data
 */
function writeCache(file, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
    fs.renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs the next run an npx call.
  }
}

/**
 * The environment for npx: `env` without what an enclosing `npm run`/`npm
 * exec` exported about itself (`-c`, `--package`, the project it ran in, its
 * workspaces), which would change what npx does.
 * @param {NodeJS.ProcessEnv} env
 */
function npxEnv(env) {
  const own = /^npm_config_(call|package|local_prefix|prefix|global|location|workspaces?|include_workspace_root)$/i;
  return Object.fromEntries(Object.entries(env).filter(([k]) => !own.test(k)));
}

/**
 * Resolves Node `major` through npx; throws an Error naming the version and the command.
 * @param {number} major
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeBinary}
 */
function resolveWithNpx(major, env) {
  const args = ['-y', '-p', `node@${major}`, 'which', 'node'];
  const command = `npx ${args.join(' ')}`;
  const cwd = os.tmpdir();
  const r = spawnSync('npx', args, { cwd, env: npxEnv(env), encoding: 'utf8', timeout: NPX_TIMEOUT_MS });
  const fail = (/** @type {string} */ why) => new Error(`node-matrix: cannot get Node ${major}: \`${command}\` (in ${cwd}) ${why}. `
    + 'The tests run on Node 20, 22, 24 and 26 and fetch 22/24/26 from the npm registry (about 50 MB each, kept in ~/.npm/_npx); '
    + 'SECCOMP_SCOPES_NODE_VERSIONS=20 limits a local run to the machine\'s Node.');
  if (r.error) throw fail(`could not run: ${r.error.message}`);
  if (r.status !== 0) throw fail(`exited ${r.status ?? r.signal}:\n${(r.stderr ?? '').trim().split('\n').slice(0, 12).join('\n')}\n`);
  const printed = (r.stdout ?? '').trim().split('\n').pop()?.trim() ?? '';
  if (!printed) throw fail('printed no path');
  let binary;
  try {
    binary = fs.realpathSync(printed);
  } catch (e) {
    throw fail(`printed ${printed}, which does not exist (${/** @type {NodeJS.ErrnoException} */ (e).code})`);
  }
  const p = probe(binary, major);
  if ('error' in p) throw fail(`gave a binary that does not work: ${p.error}`);
  return { major, version: p.version, path: binary };
}

/**
 * The binary of one Node major: the running Node when it is that major, else
 * the cached or npx-resolved one (see above). Throws an Error naming the
 * version and the command when it cannot be had.
 * @param {number} major
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {NodeBinary}
 */
export function nodeBinary(major, options = {}) {
  const env = options.env ?? process.env;
  if (major === Number(process.versions.node.split('.')[0])) return { major, version: process.version, path: process.execPath };
  const file = cacheFile(env);
  const cache = readCache(file);
  const cached = cache[String(major)];
  if (cached && typeof cached.path === 'string') {
    const p = probe(cached.path, major);
    if ('version' in p) return { major, version: p.version, path: cached.path };
  }
  const found = resolveWithNpx(major, env);
  writeCache(file, { ...readCache(file), [String(major)]: { version: found.version, path: found.path } });
  return found;
}

/**
 * The Node binaries to test, in the order of the selected majors
 * (SECCOMP_SCOPES_NODE_VERSIONS, default NODE_MAJORS). Throws on the first
 * one that cannot be had.
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {NodeBinary[]}
 */
export function nodeMatrix(options = {}) {
  return selectedMajors(options.env ?? process.env).map((major) => nodeBinary(major, options));
}

// CLI: `node tools/node-matrix.mjs` prints "MAJOR PATH" lines (status 1 and the error when a version is missing).
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    console.log('usage: node tools/node-matrix.mjs [--json]\n  prints "MAJOR PATH" for each Node version tested (SECCOMP_SCOPES_NODE_VERSIONS=20,24 limits them)');
    process.exit(0);
  }
  if (args.some((a) => a !== '--json')) {
    console.error(`node-matrix: unknown argument: ${args.find((a) => a !== '--json')}`);
    process.exit(2);
  }
  try {
    const list = nodeMatrix();
    if (args.includes('--json')) console.log(JSON.stringify(list, null, 2));
    else for (const n of list) console.log(`${n.major} ${n.path}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
