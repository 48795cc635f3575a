/**
 * The user's install, as the README's "Install" section writes it: every
 * package packed (`npm pack`; native's prepack puts the linux-x64 and
 * linux-arm64 prebuilds in), the tarballs installed into a fresh project in
 * a temp dir with NO compiler reachable (cc, gcc, g++, c++, make, python3,
 * node-gyp on PATH all fail), dependencies (node-gyp-build, node-addon-api,
 * commander) from the npm cache or registry. Then, from that project:
 *
 * - a pledged Node program, and `npx pledge -p stdio -- cat` (through the
 *   bin's entry script and the prebuilt native launcher: Node the first
 *   time, natively from the policy cache the second);
 * - the same install with --ignore-scripts (the prebuilds need no script),
 *   and with the prebuilds gone: pledge() throws a PledgeError ENOTSUP
 *   naming the missing binary (what an unsupported arch gets);
 * - `npm install --os=darwin --cpu=arm64` succeeds, and a program that sees
 *   process.platform 'darwin' gets ENOTSUP from pledge() and
 *   `available: false` from its status;
 * - TypeScript users: `tsc` with module node16 from an ES module and from
 *   CommonJS (no TS1479).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['core', 'arch-x86_64', 'arch-aarch64', 'native', 'pledge', 'pledge-cli'];
let tmp: string;
let tarballs: string[];
let env: NodeJS.ProcessEnv;

function sh(cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}, input?: string) {
  return spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', input, timeout: 60_000 });
}

/** A fresh project with the tarballs installed (npm install ...flags ./tarballs/*.tgz). */
function project(name: string, flags: string[] = []): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  const r = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...flags, ...tarballs], dir);
  expect(r.stderr + r.stdout, `npm install ${flags.join(' ')}`).not.toMatch(/gyp|ERR!/);
  expect(r.status).toBe(0);
  return dir;
}

const APP = `
import fs from 'node:fs';
import { pledge } from '@seccomp-scopes/pledge';
const before = pledge();
if (process.argv[2] === 'status') { console.log(JSON.stringify(before)); process.exit(0); }
try {
  pledge('stdio');
} catch (e) {
  console.log(JSON.stringify({ name: e.name, code: e.code, reason: e.reason, message: e.message, details: e.details }));
  process.exit(3);
}
console.log('pledged');
fs.openSync('created-after-pledge', 'w');
console.log('not reached');
`;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-scopes-install-'));
  // No compiler: each of these fails loudly, first on PATH.
  const nobin = path.join(tmp, 'no-compiler');
  fs.mkdirSync(nobin);
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python', 'node-gyp']) {
    fs.writeFileSync(path.join(nobin, tool), `#!/bin/sh\necho "${tool}: not available in this test" >&2\nexit 127\n`, { mode: 0o755 });
  }
  env = { ...process.env, PATH: `${nobin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, npm_config_update_notifier: 'false' };
  for (const k of Object.keys(env)) if (/^(npm_config_node_gyp|npm_package_|npm_lifecycle_|INIT_CWD)/.test(k)) delete env[k];
  // npm pack, as a release would (native's prepack fills prebuilds/ for x64 and arm64; it runs with the real PATH).
  const out = execFileSync('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', tmp, ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])],
    { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  tarballs = (JSON.parse(out) as { filename: string }[]).map((p) => path.join(tmp, p.filename));
  fs.writeFileSync(path.join(tmp, 'fake-darwin.mjs'), "Object.defineProperty(process, 'platform', { value: 'darwin' });\n");
}, 120_000);

afterAll(() => {
  if (tmp && !process.env.SECCOMP_SCOPES_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('install from the packed tarballs with no compiler', () => {
  it('ships the prebuilds for linux-x64 and linux-arm64 and no build leftovers', () => {
    const list = (file: string) => execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const native = list(tarballs.find((t) => t.includes('native'))!);
    for (const arch of ['x64', 'arm64']) {
      expect(native).toContain(`package/prebuilds/linux-${arch}/seccomp_scopes_native.napi.glibc.node`);
      expect(native).toContain(`package/prebuilds/linux-${arch}/pledge_preload.so`);
      expect(native).toContain(`package/prebuilds/linux-${arch}/pledge-launch`);
    }
    expect(list(tarballs.find((t) => t.includes('pledge-cli'))!)).toContain('package/bin/pledge');
    for (const t of tarballs) {
      const files = list(t);
      expect(files.filter((f) => /tsbuildinfo|\.test\.ts$|(^|\/)build\//.test(f)), t).toEqual([]);
      expect(files, t).toContain('package/LICENSE');
      expect(files, t).toContain('package/README.md');
      // Every source map names sources that ship.
      for (const map of files.filter((f) => f.endsWith('.map')).slice(0, 5)) {
        const sources = (JSON.parse(execFileSync('tar', ['xzOf', t, map], { encoding: 'utf8' })) as { sources: string[] }).sources;
        for (const s of sources) expect(files, `${map} -> ${s}`).toContain(path.posix.normalize(path.posix.join(path.posix.dirname(map), s)));
      }
    }
  });

  it('runs a pledged Node program and `npx pledge -p stdio -- cat`', () => {
    const dir = project('app');
    fs.writeFileSync(path.join(dir, 'app.mjs'), APP);
    const r = sh(process.execPath, ['app.mjs'], dir);
    expect(r.stdout).toBe('pledged\n');
    expect(r.signal).toBe('SIGSYS');
    expect(r.stderr).toMatch(/pledge "stdio" blocked openat\(.*O_WRONLY.*it needs "wpath/);
    // Through the bin's entry script: the native launcher (a prebuild), Node on the miss, natively the second time.
    const cache = path.join(dir, 'cache');
    const trace = path.join(dir, 'launch-trace');
    for (const expected of [/^miss/, /^hit$/]) {
      fs.rmSync(trace, { force: true });
      const cat = sh('npx', ['--no-install', 'pledge', '-p', 'stdio', '--', 'cat'], dir, { XDG_CACHE_HOME: cache, SECCOMP_SCOPES_CACHE_TRACE: trace }, 'through the pledged cat\n');
      expect(cat.stderr).toBe('');
      expect(cat.stdout).toBe('through the pledged cat\n');
      expect(cat.status).toBe(0);
      expect(fs.readFileSync(trace, 'utf8').trim()).toMatch(expected);
    }
    const version = sh('npx', ['--no-install', 'pledge', '--version'], dir);
    expect(version.stdout.trim()).toBe('0.0.0');
    // TypeScript users, ESM and CommonJS, module node16.
    fs.writeFileSync(path.join(dir, 'esm.mts'), "import { pledge, type PledgeStatus } from '@seccomp-scopes/pledge';\nconst s: PledgeStatus = pledge();\nconsole.log(s.available);\n");
    fs.writeFileSync(path.join(dir, 'cjs.cts'), "import { pledge, type PledgeStatus } from '@seccomp-scopes/pledge';\nconst s: PledgeStatus = pledge();\nconsole.log(s.available);\n");
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
    const check = sh(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node',
      '--typeRoots', path.join(repo, 'node_modules/@types'), 'esm.mts', 'cjs.cts'], dir);
    expect(check.stdout + check.stderr).toBe('');
    // And at run time from CommonJS (require() of the ES module, Node >= 20.19).
    fs.writeFileSync(path.join(dir, 'cjs.cjs'), "const { pledge } = require('@seccomp-scopes/pledge');\nconsole.log(pledge().available);\n");
    const cjs = sh(process.execPath, ['cjs.cjs'], dir);
    expect(cjs.stdout).toBe('true\n');
  });

  it('with --ignore-scripts: the prebuilds work; without a fitting binary pledge() throws ENOTSUP naming it', () => {
    const dir = project('ignore-scripts', ['--ignore-scripts']);
    fs.writeFileSync(path.join(dir, 'app.mjs'), APP);
    expect(sh(process.execPath, ['app.mjs'], dir).signal).toBe('SIGSYS');
    // What another arch (or libc) gets when the install script did not build one.
    fs.rmSync(path.join(dir, 'node_modules/@seccomp-scopes/native/prebuilds'), { recursive: true });
    const r = sh(process.execPath, ['app.mjs'], dir);
    expect(r.status).toBe(3);
    const error = JSON.parse(r.stdout) as { name: string; code: string; message: string; details: { nativeCode: string } };
    expect(error).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', details: { nativeCode: 'ERR_SECCOMP_SCOPES_NO_BINARY' } });
    expect(error.message).toMatch(/no native binary for linux-x64 .*--ignore-scripts/);
    expect(error.message).not.toMatch(/^Error: No native build was found/);
    // The install script, when no prebuild fits: says so, tries the source build, and with no compiler fails with a short clear message.
    const script = sh(process.execPath, ['node_modules/@seccomp-scopes/native/scripts/install.cjs'], dir);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^@seccomp-scopes\/native: no prebuilt binary for linux-x64 \(prebuilt: linux-x64, linux-arm64 with glibc\); building from source with node-gyp/);
    expect(script.stderr).toMatch(/the source build failed .*Install g\+\+, make and python3 and reinstall; or install with --ignore-scripts/);
    expect(script.stderr.split('\n').length).toBeLessThan(25);
  });

  it('installs for another platform (--os=darwin --cpu=arm64); there pledge() throws ENOTSUP and status says why', () => {
    const dir = project('darwin', ['--os=darwin', '--cpu=arm64']);
    fs.writeFileSync(path.join(dir, 'app.mjs'), APP);
    const darwin = ['--import', path.join(tmp, 'fake-darwin.mjs'), 'app.mjs'];
    const r = sh(process.execPath, darwin, dir);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', details: { platform: 'darwin' } });
    expect(JSON.parse(r.stdout).message).toMatch(/pledge needs Linux/);
    const status = JSON.parse(sh(process.execPath, [...darwin, 'status'], dir).stdout) as { available: boolean; reason: string };
    expect(status).toMatchObject({ available: false });
    expect(status.reason).toMatch(/Linux/);
  });
});
