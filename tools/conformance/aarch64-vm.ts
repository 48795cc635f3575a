/**
 * Runs the conformance probe on a real arm64 kernel: Debian's arm64 kernel
 * under qemu-system-aarch64 (TCG; no KVM, no root), with an initramfs the
 * host writes itself:
 *
 *   /init      vm-init.c, static aarch64: runs the probe, prefixes its output
 *              with SCPROBE on the serial console, powers off
 *   /probe     probe.c, static aarch64, with the C library's syscall numbers
 *   /compat32  compat32.c, static AArch32 (armhf): probe.c's compat mode
 *   /request   the probe's input (F/C lines, ./probe-protocol.ts)
 *
 * Other suites put another static program at /probe, built with
 * {@link buildAarch64Programs} (./landlock-vm.test.ts: ./landlock-probe.c).
 *
 * One boot runs every case (about 1-2 s plus a few ms per case). Kernels come
 * from ./fetch-arm64-kernel.sh by profile (`bookworm` by default; another
 * profile is another kernel version: add it there, and list it in
 * SECCOMP_SCOPES_ARM64_KERNELS). The cross-built binaries are cached by the
 * hash of their sources, names table and compilers; kernels by package
 * version.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const execFileAsync = promisify(execFile);

/** The cache root: $SECCOMP_SCOPES_CACHE, else $XDG_CACHE_HOME/seccomp-scopes, else ~/.cache/seccomp-scopes. */
export function cacheRoot(): string {
  return process.env.SECCOMP_SCOPES_CACHE
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'seccomp-scopes');
}

/** The kernel profiles the VM suite boots: $SECCOMP_SCOPES_ARM64_KERNELS (comma-separated), default `bookworm`. */
export function kernelProfiles(): string[] {
  const list = (process.env.SECCOMP_SCOPES_ARM64_KERNELS ?? 'bookworm').split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : ['bookworm'];
}

/** A fetched kernel (the KERNEL_* lines of fetch-arm64-kernel.sh). */
export interface Arm64Kernel {
  readonly profile: string;
  readonly package: string;
  readonly version: string;
  /** `uname -r` of the kernel, e.g. 6.1.0-57-cloud-arm64. */
  readonly release: string;
  readonly image: string;
  readonly config: string;
  /** fetched | cached | stale-cache */
  readonly origin: string;
}

export const FETCH_SCRIPT = path.join(here, 'fetch-arm64-kernel.sh');
/**
 * The repository's fallback syscall numbers (plain C), relative to this
 * directory: probes include it as "../../packages/native/src/syscall-fallbacks.h"
 * (resolved from the source file's directory, whatever the compiler's -I),
 * and list it in {@link Aarch64Program.includes} so that it is part of the cache key.
 */
export const SYSCALL_FALLBACKS_H = '../../packages/native/src/syscall-fallbacks.h';

/** Gets a kernel through ./fetch-arm64-kernel.sh (cached); throws with the script's reason when it cannot. */
export async function fetchArm64Kernel(profile: string): Promise<Arm64Kernel> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('bash', [FETCH_SCRIPT, '--profile', profile, '--cache', cacheRoot()], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 20 }));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`cannot get the arm64 kernel (profile ${profile}) with ${path.relative(process.cwd(), FETCH_SCRIPT)}:\n${(e.stderr ?? '').trim() || e.message}`);
  }
  const kv = Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const need = (k: string): string => {
    const v = kv[k];
    if (!v) throw new Error(`${FETCH_SCRIPT} printed no ${k}:\n${stdout}`);
    return v;
  };
  const kernel = {
    profile: need('KERNEL_PROFILE'), package: need('KERNEL_PACKAGE'), version: need('KERNEL_VERSION'), release: need('KERNEL_RELEASE'),
    image: need('KERNEL_IMAGE'), config: need('KERNEL_CONFIG'), origin: need('KERNEL_ORIGIN'),
  };
  if (!fs.existsSync(kernel.image)) throw new Error(`${FETCH_SCRIPT} named ${kernel.image}, which does not exist`);
  return kernel;
}

/** A cross compiler and the Debian packages that provide it. */
const COMPILERS = {
  aarch64: { cc: 'aarch64-linux-gnu-gcc', packages: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross' },
  armhf: { cc: 'arm-linux-gnueabihf-gcc', packages: 'gcc-arm-linux-gnueabihf libc6-dev-armhf-cross' },
} as const;

function compilerId(which: keyof typeof COMPILERS): string {
  const { cc, packages } = COMPILERS[which];
  try {
    return execFileSync(cc, ['-dumpmachine'], { encoding: 'utf8' }).trim() + ' ' + execFileSync(cc, ['-dumpfullversion'], { encoding: 'utf8' }).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${cc} not found: install ${packages} (bash .ci/install-system-deps.sh)`);
    }
    throw err;
  }
}

/** Paths of the three static binaries of the initramfs. */
export interface VmBinaries {
  readonly init: string;
  readonly probe: string;
  readonly compat32: string;
  /** Whether they came from the cache. */
  readonly cached: boolean;
}

const WARN = ['-O2', '-Wall', '-Wextra', '-Werror'];

/**
 * Builds files into a cache directory that is published whole: `build`
 * writes into a fresh temporary directory, which is then renamed to `dir`
 * (another run may have published the same one meanwhile). Returns whether
 * every file was already there.
 */
function cachedBuild(dir: string, files: readonly string[], build: (tmp: string) => void): boolean {
  const complete = (): boolean => files.every((f) => fs.existsSync(path.join(dir, f)));
  if (complete()) return true;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    build(tmp);
    if (fs.existsSync(dir) && !complete()) fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      if (!complete()) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return false;
}

/** Runs the cross compiler `cc` with our warnings, statically; its stderr in the error. */
function crossCompile(cc: string, args: readonly string[]): void {
  try {
    execFileSync(cc, [...WARN, '-static', ...args], { stdio: 'pipe' });
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    throw new Error(`${cc} ${args.join(' ')} failed:\n${e.stderr?.toString() ?? e.message}`);
  }
}

/**
 * Cross-compiles vm-init.c and probe.c (static aarch64) and compat32.c
 * (static AArch32), with `namesHeader` as the probe's syscall-name table.
 * Cached under <cache>/aarch64-vm/bin-<hash>/.
 */
export function buildVmBinaries(namesHeader: string): VmBinaries {
  const sources = ['probe.c', 'compat32.h', 'compat32.c', 'vm-init.c'];
  const hash = crypto.createHash('sha256');
  for (const f of sources) hash.update(`${f}\0`).update(fs.readFileSync(path.join(here, f))).update('\0');
  hash.update(namesHeader).update(compilerId('aarch64')).update(compilerId('armhf')).update(WARN.join(' ')).update('v1');
  const dir = path.join(cacheRoot(), 'aarch64-vm', `bin-${hash.digest('hex').slice(0, 20)}`);
  const out = { init: path.join(dir, 'init'), probe: path.join(dir, 'probe'), compat32: path.join(dir, 'compat32') };
  const cached = cachedBuild(dir, ['init', 'probe', 'compat32'], (tmp) => {
    const names = path.join(tmp, 'probe-syscalls.h');
    fs.writeFileSync(names, namesHeader);
    crossCompile(COMPILERS.aarch64.cc, ['-o', path.join(tmp, 'init'), path.join(here, 'vm-init.c')]);
    crossCompile(COMPILERS.aarch64.cc, [`-DPROBE_SYSCALL_NAMES="${names}"`, '-o', path.join(tmp, 'probe'), path.join(here, 'probe.c')]);
    crossCompile(COMPILERS.armhf.cc, ['-marm', '-o', path.join(tmp, 'compat32'), path.join(here, 'compat32.c')]);
  });
  return { ...out, cached };
}

/** One more static aarch64 program for a VM (see {@link buildAarch64Programs}). */
export interface Aarch64Program {
  /** Output name in the cache directory. */
  readonly name: string;
  /** The C file to compile, in this directory. */
  readonly source: string;
  /** Other files it includes, as paths relative to this directory (hashed for the cache key). */
  readonly includes?: readonly string[];
}

/**
 * Cross-compiles static aarch64 programs of this directory (the VM's /init,
 * vm-init.c, is always one, named `init`), cached like
 * {@link buildVmBinaries} under <cache>/aarch64-vm/<kind>-<hash>/.
 * @returns the path of each program by name, and whether all came from the cache.
 */
export function buildAarch64Programs(kind: string, programs: readonly Aarch64Program[]): { paths: Record<string, string>; cached: boolean } {
  const all = [{ name: 'init', source: 'vm-init.c' }, ...programs];
  const hash = crypto.createHash('sha256');
  for (const prog of all) {
    for (const f of [prog.source, ...(prog.includes ?? [])]) hash.update(`${prog.name}\0${f}\0`).update(fs.readFileSync(path.join(here, f))).update('\0');
  }
  hash.update(compilerId('aarch64')).update(WARN.join(' ')).update('v1');
  const dir = path.join(cacheRoot(), 'aarch64-vm', `${kind}-${hash.digest('hex').slice(0, 20)}`);
  const paths = Object.fromEntries(all.map((prog) => [prog.name, path.join(dir, prog.name)]));
  const cached = cachedBuild(dir, all.map((prog) => prog.name), (tmp) => {
    for (const prog of all) crossCompile(COMPILERS.aarch64.cc, ['-o', path.join(tmp, prog.name), path.join(here, prog.source)]);
  });
  return { paths, cached };
}

/** A file of an initramfs. */
export interface CpioFile {
  readonly name: string;
  readonly data: Uint8Array;
  readonly mode: number;
}

/** A newc ("070701") cpio archive of regular files, as the kernel unpacks an initramfs. */
export function newcArchive(files: readonly CpioFile[]): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const add = (b: Buffer): void => {
    parts.push(b);
    size += b.length;
  };
  const pad4 = (): void => {
    if (size % 4) add(Buffer.alloc(4 - (size % 4)));
  };
  const entry = (name: string, data: Uint8Array, mode: number, ino: number): void => {
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
    add(Buffer.from('070701' + fields.map((v) => v.toString(16).padStart(8, '0')).join(''), 'ascii'));
    add(Buffer.from(`${name}\0`, 'utf8'));
    pad4();
    add(Buffer.from(data));
    pad4();
  };
  files.forEach((f, i) => entry(f.name, f.data, 0o100000 | f.mode, i + 1));
  entry('TRAILER!!!', new Uint8Array(0), 0, 0);
  if (size % 512) add(Buffer.alloc(512 - (size % 512)));
  return Buffer.concat(parts);
}

/** What one boot printed. */
export interface VmRun {
  /** Probe output lines (the SCPROBE prefix removed). */
  readonly probeLines: string[];
  /** Fields of SCPROBE-BEGIN: kernel, machine, landlock_abi. */
  readonly begin: Readonly<Record<string, string>> | undefined;
  /** The probe's wait status from SCPROBE-EXIT. */
  readonly probeStatus: number | undefined;
  /** Whether SCPROBE-END came: the run is complete only then. */
  readonly ended: boolean;
  /** The whole serial console, for messages. */
  readonly console: string;
  readonly wallMs: number;
  readonly qemuExit: number | null;
  /** Where the console was saved. */
  readonly log: string;
}

/** The qemu command for a kernel and an initramfs file. */
export function qemuArgs(kernelImage: string, initrd: string): string[] {
  return [
    '-M', 'virt', '-cpu', 'cortex-a57', '-m', '256', '-smp', '1',
    // -nic none: -M virt's default NIC wants efi-virtio.rom (ipxe-qemu, only recommended).
    '-nic', 'none', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', kernelImage, '-initrd', initrd,
    '-append', 'console=ttyAMA0 panic=-1 quiet loglevel=3',
  ];
}

const QEMU = 'qemu-system-aarch64';

/** qemu's version line; throws, naming the package, when it is not installed. */
export function qemuVersion(): string {
  try {
    return execFileSync(QEMU, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${QEMU} not found: install qemu-system-arm (bash .ci/install-system-deps.sh)`);
    throw err;
  }
}

/**
 * Boots `kernel` with an initramfs of `files` and collects the SCPROBE lines; never throws for what the guest does.
 * The console is saved as <cache>/aarch64-vm/console-[<logTag>-]<profile>.log.
 */
export async function bootVm(kernel: Arm64Kernel, files: readonly CpioFile[], timeoutMs = 180_000, logTag = ''): Promise<VmRun> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-scopes-vm-'));
  const initrd = path.join(tmp, 'initramfs.cpio');
  fs.writeFileSync(initrd, newcArchive(files));
  const started = Date.now();
  try {
    const { output, code } = await new Promise<{ output: string; code: number | null }>((resolve, reject) => {
      const child = spawn(QEMU, qemuArgs(kernel.image, initrd), { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      const errs: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => chunks.push(b));
      child.stderr.on('data', (b: Buffer) => errs.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(err.code === 'ENOENT' ? new Error(`${QEMU} not found: install qemu-system-arm (bash .ci/install-system-deps.sh)`) : err);
      });
      child.on('close', (c, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(errs).toString('utf8');
        const text = Buffer.concat(chunks).toString('utf8');
        if (signal === 'SIGKILL') reject(new Error(`${QEMU} did not finish within ${timeoutMs} ms; console so far:\n${text.slice(-4000)}`));
        else if (c !== 0) reject(new Error(`${QEMU} exited with status ${c}: ${stderr.trim()}\n${text.slice(-4000)}`));
        else resolve({ output: text + (stderr ? `\n[qemu stderr] ${stderr}` : ''), code: c });
      });
    });
    const lines = output.split(/\r?\n/);
    const probeLines: string[] = [];
    let begin: Record<string, string> | undefined;
    let probeStatus: number | undefined;
    let ended = false;
    for (const l of lines) {
      if (l.startsWith('SCPROBE ')) probeLines.push(l.slice('SCPROBE '.length));
      else if (l.startsWith('SCPROBE-BEGIN ')) begin = Object.fromEntries(l.split(' ').slice(1).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      else if (l.startsWith('SCPROBE-EXIT ')) probeStatus = Number(l.split(' ')[1]);
      else if (l.trim() === 'SCPROBE-END') ended = true;
    }
    // The last console of each kernel, for a look after a failure.
    const log = path.join(cacheRoot(), 'aarch64-vm', `console-${logTag ? `${logTag}-` : ''}${kernel.profile}.log`);
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, output);
    return { probeLines, begin, probeStatus, ended, console: output, wallMs: Date.now() - started, qemuExit: code, log };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The initramfs files for a request. */
export function vmFiles(bins: VmBinaries, request: string): CpioFile[] {
  return [
    { name: 'init', data: fs.readFileSync(bins.init), mode: 0o755 },
    { name: 'probe', data: fs.readFileSync(bins.probe), mode: 0o755 },
    { name: 'compat32', data: fs.readFileSync(bins.compat32), mode: 0o755 },
    { name: 'request', data: Buffer.from(request), mode: 0o644 },
  ];
}
