/**
 * Builds C programs against libpledge as a user would: `make` in
 * packages/libpledge, `pledge gen c SETS... -o pledge_filters.c`, then
 * `cc prog.c pledge_filters.c $(pkg-config --cflags --libs pledge)`.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const LIBPLEDGE = path.resolve(here, '..');
export const PLEDGE_BIN = path.resolve(LIBPLEDGE, '..', 'pledge-cli', 'bin', 'pledge.js');
export const FIXTURES = path.join(here, 'fixtures');

let built = false;
/** `make -C packages/libpledge` once per test file. */
export function buildLibrary(): void {
  if (built) return;
  execFileSync('make', ['-s', '-C', LIBPLEDGE], { stdio: 'pipe' });
  built = true;
}

/** pkg-config's flags for the built library (build/pledge.pc). */
export function pkgConfig(...what: string[]): string[] {
  const out = execFileSync('pkg-config', [...what, 'pledge'], { encoding: 'utf8', env: { ...process.env, PKG_CONFIG_PATH: path.join(LIBPLEDGE, 'build') } });
  return out.trim().split(/\s+/).filter((s) => s);
}

/** A fresh directory for one test file's programs. */
export function workDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `libpledge-${name}-`));
}

/** Runs `pledge gen c SETS... -o DIR/pledge_filters.c` and returns the file's path. */
export function generate(dir: string, sets: readonly string[], extra: readonly string[] = []): string {
  const out = path.join(dir, 'pledge_filters.c');
  execFileSync(process.execPath, [PLEDGE_BIN, 'gen', 'c', ...sets, ...extra, '-o', out], { stdio: 'pipe' });
  return out;
}

/** Compiles `sources` with the generated filters into DIR/NAME; `libs` after libpledge's. */
export function compile(dir: string, name: string, sources: readonly string[], filters: string, libs: readonly string[] = [], cflags: readonly string[] = []): string {
  buildLibrary();
  const bin = path.join(dir, name);
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-pthread', ...cflags, ...pkgConfig('--cflags'), '-o', bin, ...sources, filters, ...libs, ...pkgConfig('--libs')], { stdio: 'pipe' });
  return bin;
}

/** Runs a built program; never throws. */
export function run(bin: string, args: readonly string[], options: { input?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(bin, [...args], { encoding: 'utf8', timeout: options.timeout ?? 20_000, ...(options.input !== undefined ? { input: options.input } : {}) });
}

/** "key value..." lines of a test program's stdout. */
export function lines(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of stdout.split('\n')) {
    const i = l.indexOf(' ');
    if (i > 0) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}
