/**
 * Builds the C fixtures the tests load or run (test/fixtures/*.c here; the
 * `pledge` command's tests in @seccomp-scopes/pledge-cli build theirs with
 * {@link compileFixture} too), with the system C compiler, once per source
 * and flags, into a directory under the system's temporary directory.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Compiles the C file `source` with `flags`; returns the binary's path
 * (safe when test files build it in parallel).
 */
export function compileFixture(source: string, flags: readonly string[] = []): string {
  const name = path.basename(source, '.c');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update(flags.join(' ')).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `seccomp-scopes-cli-fixtures-${process.getuid?.() ?? 0}`);
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, `${name}-${hash}`);
  if (fs.existsSync(bin)) return bin;
  const tmp = `${bin}.${process.pid}.tmp`;
  execCc(['-O2', '-Wall', '-Wextra', '-Werror', ...flags, '-o', tmp, source]);
  fs.renameSync(tmp, bin);
  return bin;
}

/** Compiles test/fixtures/<name>.c of this package ({@link compileFixture}). */
export function buildFixture(name: string, flags: readonly string[] = []): string {
  return compileFixture(path.join(here, 'fixtures', `${name}.c`), flags);
}

function execCc(args: readonly string[]): void {
  const r = spawnSync('cc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc ${args.join(' ')} failed:\n${r.stderr}`);
}
