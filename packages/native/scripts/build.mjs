#!/usr/bin/env node
// The workspace build of the addon and the preload object (npm run build):
// `node-gyp configure` once, then an incremental `node-gyp build` (make
// recompiles only what changed), so `npm ci` (whose prepare runs this) compiles
// them once. node-gyp's output is kept and printed only when it fails.
//
//   node scripts/build.mjs [--arch arm64] [--out DIR]
//
// --arch arm64 cross-compiles with Debian's aarch64-linux-gnu toolchain in a
// staging directory (DIR/binding.gyp, DIR/src -> ../src), leaving build/ alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, symlinkSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const pkg = fileURLToPath(new URL('..', import.meta.url));

export const CROSS = {
  arm64: { prefix: 'aarch64-linux-gnu-', gypArch: 'arm64' },
  x64: { prefix: 'x86_64-linux-gnu-', gypArch: 'x64' },
};

/** Runs node-gyp the way npm does (P5: headers from npm_config_nodedir, never a download). */
function nodeGyp(args, cwd, env) {
  // npm's own node-gyp when npm runs us (npm_config_node_gyp), else the workspace's devDependency;
  // never through npx, which runs in the nearest package's directory rather than `cwd`.
  const gyp = process.env.npm_config_node_gyp ?? createRequire(path.join(pkg, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  const r = spawnSync(process.execPath, [gyp, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`node-gyp ${args.join(' ')} failed in ${cwd} (status ${r.status ?? r.signal})`);
  }
}

export function nodeGypEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  // Node-API headers: the running node's own (Debian: /usr/include/node), else node-gyp's cache.
  if (!env.npm_config_nodedir) {
    const prefix = path.resolve(path.dirname(process.execPath), '..');
    if (existsSync(path.join(prefix, 'include/node/node_api.h'))) env.npm_config_nodedir = prefix;
  }
  env.npm_config_loglevel ??= 'warn';
  return env;
}

/** Builds in `dir` (the package, or a staging copy for a cross build); returns dir/build/Release. */
export function build(arch = process.arch, dir = pkg) {
  const env = nodeGypEnv();
  if (arch !== process.arch) {
    const cross = CROSS[arch];
    if (!cross) throw new Error(`no cross toolchain known for ${arch}`);
    Object.assign(env, { CC: `${cross.prefix}gcc`, CXX: `${cross.prefix}g++`, LINK: `${cross.prefix}g++`, AR: `${cross.prefix}ar` });
    mkdirSync(dir, { recursive: true });
    const gyp = readFileSync(path.join(pkg, 'binding.gyp'), 'utf8');
    if (!existsSync(path.join(dir, 'binding.gyp')) || readFileSync(path.join(dir, 'binding.gyp'), 'utf8') !== gyp) {
      writeFileSync(path.join(dir, 'binding.gyp'), gyp);
      rmSync(path.join(dir, 'build'), { recursive: true, force: true });
    }
    if (!existsSync(path.join(dir, 'src'))) symlinkSync(path.join(pkg, 'src'), path.join(dir, 'src'));
  }
  const gypArch = arch === process.arch ? [] : [`--arch=${CROSS[arch].gypArch}`];
  if (!existsSync(path.join(dir, 'build/Makefile'))) nodeGyp(['configure', ...gypArch], dir, env);
  nodeGyp(['build', '-j', 'max', ...gypArch], dir, env);
  return path.join(dir, 'build/Release');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--arch');
  const arch = i > 0 ? process.argv[i + 1] : process.arch;
  const o = process.argv.indexOf('--out');
  build(arch, o > 0 ? path.resolve(process.argv[o + 1]) : arch === process.arch ? pkg : path.join(pkg, `.build-${arch}`));
}
