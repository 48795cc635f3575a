#!/usr/bin/env node
// Fills prebuilds/ with what the package ships (npm pack runs this as prepack):
//
//   prebuilds/linux-x64/seccomp_scopes_native.napi.glibc.node   the addon (N-API 8: every Node >= 20.19)
//   prebuilds/linux-x64/pledge_preload.so                        the `pledge` command's preload object
//   prebuilds/linux-x64/pledge-launch                            the `pledge` command's native launcher (an executable)
//   prebuilds/linux-arm64/...                                    the same, cross-compiled (aarch64-linux-gnu-g++)
//
// node-gyp-build picks the directory of the running platform-arch and the
// file whose tags fit (napi, glibc); the preload object is taken from the
// same directory as the addon (src/addon.ts). The host's binaries are the
// workspace build's (build/Release); the other arch is built in a staging
// directory (.build-<arch>/) so build/ is untouched. Both are stripped.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, CROSS } from './build.mjs';

export const ADDON_FILE = 'seccomp_scopes_native.napi.glibc.node';
const pkg = fileURLToPath(new URL('..', import.meta.url));
const arches = process.argv.slice(2).length ? process.argv.slice(2) : ['x64', 'arm64'];

// One prebuild at a time (tests pack in parallel): a lock directory, taken over when older than 5 minutes.
const lock = path.join(pkg, '.prebuild.lock');
for (const start = Date.now(); ;) {
  try {
    mkdirSync(lock);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
    } catch {}
    if (Date.now() - start > 600_000) throw new Error(`${lock} is held for more than 10 minutes`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));

for (const arch of arches) {
  const release = build(arch, arch === process.arch ? pkg : path.join(pkg, `.build-${arch}`));
  const out = path.join(pkg, 'prebuilds', `linux-${arch}`);
  mkdirSync(out, { recursive: true });
  const strip = arch === process.arch ? 'strip' : `${CROSS[arch].prefix}strip`;
  for (const [from, to] of [['seccomp_scopes_native.node', ADDON_FILE], ['pledge_preload.so', 'pledge_preload.so'], ['pledge-launch', 'pledge-launch']]) {
    // Replaced by a rename, so an `npm pack` reading the directory meanwhile sees a whole file.
    const tmp = path.join(out, `.${to}.${process.pid}`);
    copyFileSync(path.join(release, from), tmp);
    execFileSync(strip, ['--strip-unneeded', tmp]);
    renameSync(tmp, path.join(out, to));
  }
  console.error(`prebuilds/linux-${arch}: ${ADDON_FILE}, pledge_preload.so, pledge-launch`);
}
