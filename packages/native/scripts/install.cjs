#!/usr/bin/env node
// @seccomp-scopes/native's install script. The package ships prebuilt
// binaries for linux-x64 and linux-arm64 (glibc) in prebuilds/, which
// node-gyp-build loads at run time, so on those nothing is compiled (and
// `--ignore-scripts` loses nothing). Elsewhere on Linux (another arch, musl)
// it builds from source with node-gyp, saying so first; off Linux it does
// nothing, and pledge() throws ENOTSUP there.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');
if (process.platform !== 'linux') process.exit(0);
try {
  require('node-gyp-build').resolve(pkg);
  process.exit(0); // a prebuild (or an earlier build) fits
} catch {}
// A checkout of the repository: the workspace build (npm run build, run by npm ci's prepare) compiles it once.
if (fs.existsSync(path.join(pkg, 'tsconfig.json'))) process.exit(0);

const tuple = `${process.platform}-${process.arch}${fs.existsSync('/etc/alpine-release') ? ' (musl)' : ''}`;
console.error(`@seccomp-scopes/native: no prebuilt binary for ${tuple} (prebuilt: linux-x64, linux-arm64 with glibc); ` +
  'building from source with node-gyp (needs a C++17 compiler, make and python3)');
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(cmd, args, { cwd: pkg, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
if (r.status === 0) process.exit(0);
const log = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n');
console.error(log.slice(-15).join('\n'));
console.error(`@seccomp-scopes/native: the source build failed (last lines above). Install g++, make and python3 and reinstall; ` +
  `or install with --ignore-scripts, and pledge() will throw a PledgeError (ENOTSUP) saying why.`);
process.exit(1);
