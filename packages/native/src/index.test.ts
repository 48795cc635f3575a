// Kernel tests for the native addon.
//
// A seccomp filter can never be removed, so NOTHING here touches the test
// runner's own process: every case runs in a fresh `node` child that imports
// the built package (dist/index.js, so run `npm run build` first), does the
// work, and prints one JSON line that the parent asserts on.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const distEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const distUrl = pathToFileURL(distEntry).href;
// Syscall numbers and the audit arch below are x86_64's.
const onX64Linux = process.platform === 'linux' && process.arch === 'x64';

// ---- a tiny classic-BPF assembler (struct sock_filter, little endian) ----
const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JA = 0x05; // BPF_JMP | BPF_JA
const BPF_RET_K = 0x06; // BPF_RET | BPF_K

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO_EPERM = 0x00050000 | 1; // SECCOMP_RET_ERRNO | EPERM
const SECCOMP_RET_ALLOW = 0x7fff0000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const NR_FSYNC = 74;
const SECCOMP_FILTER_FLAG_TSYNC = 1;

type Insn = [code: number, jt: number, jf: number, k: number];

function assemble(insns: Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}

/** `fsync` → `action`; every other syscall (and any foreign arch) → ALLOW. */
function fsyncFilter(action: number): Buffer {
  return assemble([
    [BPF_LD_W_ABS, 0, 0, 4], // A = seccomp_data.arch
    [BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64],
    [BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW],
    [BPF_LD_W_ABS, 0, 0, 0], // A = seccomp_data.nr
    [BPF_JEQ_K, 0, 1, NR_FSYNC],
    [BPF_RET_K, 0, 0, action],
    [BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW],
  ]);
}

// ---- child harness ----

/**
 * The `node` binary the children run: SECCOMP_SCOPES_TEST_NODE, an absolute
 * path, when set (the root vitest.config.ts sets it for the projects of Node
 * 22, 24 and 26, from tools/node-matrix.mjs), else the test runner's own.
 */
const NODE = ((): string => {
  const node = process.env['SECCOMP_SCOPES_TEST_NODE'];
  if (!node) return process.execPath;
  if (!node.startsWith('/') || !existsSync(node)) throw new Error(`SECCOMP_SCOPES_TEST_NODE=${node}: not an absolute path to an existing node binary`);
  return node;
})();

let workDir = '';
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'seccomp-scopes-native-'));
});
afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/**
 * Prelude available to every child: the package as `native`, the filter as
 * `program` (hex-decoded), and helpers to read /proc/self/status and to call
 * fsync on a scratch file, returning 'ok' or the error code.
 */
function prelude(program?: Buffer): string {
  return `
    import * as fs from 'node:fs';
    import * as path from 'node:path';
    import * as native from ${JSON.stringify(distUrl)};
    const program = Buffer.from(${JSON.stringify(program?.toString('hex') ?? '')}, 'hex');
    const status = (field) => fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp('^' + field + ':\\\\t(.*)$', 'm'))?.[1];
    const scratch = fs.openSync(path.join(process.env.WORK_DIR, 'scratch-' + process.pid), 'w');
    const tryFsync = () => { try { fs.fsyncSync(scratch); return 'ok'; } catch (e) { return e.code; } };
    const errorOf = (fn) => { try { fn(); return null; } catch (e) { return { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, tid: e.tid, message: e.message }; } };
    const report = (value) => console.log(JSON.stringify(value));
  `;
}

function runChild(body: string, program?: Buffer, argv0: string[] = []): SpawnSyncReturns<string> {
  const [cmd, ...pre] = argv0.length ? argv0 : [NODE];
  const args = [...pre, ...(argv0.length ? [NODE] : []), '--input-type=module', '-e', prelude(program) + body];
  return spawnSync(cmd!, args, { encoding: 'utf8', env: { ...process.env, WORK_DIR: workDir }, timeout: 20000 });
}

/** Run the child and parse the JSON line it reported; fail loudly otherwise. */
function childResult<T = Record<string, unknown>>(body: string, program?: Buffer, argv0?: string[]): T {
  const r = runChild(body, program, argv0);
  if (r.status !== 0) {
    throw new Error(`child exited status=${r.status} signal=${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

describe('@seccomp-scopes/native (kernel, in child processes)', () => {
  it('runs on x86_64 Linux (the hand-assembled filters use x86_64 numbers)', () => {
    expect(onX64Linux, `these kernel tests need x86_64 Linux, this is ${process.platform}/${process.arch}`).toBe(true);
  });
  it('has been built', () => {
    expect(existsSync(distEntry), `${distEntry} missing; run npm run build`).toBe(true);
  });

  it('setNoNewPrivs sets the no_new_privs bit, seen by prctl and /proc', () => {
    const r = childResult(`
      const before = { nnp: native.getNoNewPrivs(), proc: status('NoNewPrivs') };
      native.setNoNewPrivs();
      report({ before, after: { nnp: native.getNoNewPrivs(), proc: status('NoNewPrivs') }, mode: native.getSeccompMode() });
    `);
    expect(r).toEqual({ before: { nnp: false, proc: '0' }, after: { nnp: true, proc: '1' }, mode: 0 });
  });

  it('gettid is the pid on the main thread', () => {
    const r = childResult(`report({ tid: native.gettid(), pid: process.pid })`);
    expect(r.tid).toBe(r.pid);
  });

  it('getPersonality is what /proc/self/personality says (also under setarch -R); fdType is fstat\'s file type', () => {
    const r = childResult<{ personality: [number, number]; types: unknown[]; closed: unknown; bad: unknown }>(`
      const net = await import('node:net');
      const server = net.createServer().listen(0);
      await new Promise((r) => server.once('listening', r));
      const file = fs.openSync(path.join(process.env.WORK_DIR, 'f-' + process.pid), 'w');
      const fifo = path.join(process.env.WORK_DIR, 'p-' + process.pid);
      (await import('node:child_process')).execFileSync('mkfifo', [fifo]);
      const types = [file, fs.openSync('/dev/null', 'r'), fs.openSync(process.env.WORK_DIR, 'r'), server._handle.fd, fs.openSync(fifo, fs.constants.O_RDWR)].map((fd) => native.fdType(fd));
      fs.closeSync(file);
      report({ personality: [native.getPersonality(), parseInt(fs.readFileSync('/proc/self/personality', 'utf8'), 16)], types,
        closed: errorOf(() => native.fdType(file)), bad: errorOf(() => native.fdType(-1)) });
      server.close();
    `);
    expect(r.personality[0]).toBe(r.personality[1]);
    expect(r.types).toEqual(['file', 'chr', 'dir', 'socket', 'fifo']);
    expect(r.closed).toMatchObject({ code: 'EBADF', syscall: 'fstat' });
    expect(r.bad).toMatchObject({ code: 'EINVAL' });
    // ADDR_NO_RANDOMIZE (0x0040000), set by setarch -R with personality(2) before it execs node
    const p = childResult<{ personality: [number, number] }>(`report({ personality: [native.getPersonality(), parseInt(fs.readFileSync('/proc/self/personality', 'utf8'), 16)] });`, undefined, ['setarch', '-R']);
    expect(p.personality[0] & 0x0040000).toBe(0x0040000);
    expect(p.personality[0]).toBe(p.personality[1]);
  });

  it('processFacts reads the seccomp mode, personality and the types of descriptors 1 and 2 as the single calls do (null: closed)', () => {
    // Reported on stderr: descriptor 1 is closed on the way.
    const c = runChild(`
      const one = native.processFacts();
      const single = { seccompMode: native.getSeccompMode(), personality: native.getPersonality(), fd1: native.fdType(1), fd2: native.fdType(2) };
      fs.closeSync(1);
      const closed = native.processFacts();
      native.setNoNewPrivs();
      native.installFilter(program, 0);
      fs.writeSync(2, JSON.stringify({ one, single, closed, filtered: native.processFacts() }) + '\\n');
    `, fsyncFilter(SECCOMP_RET_ERRNO_EPERM), ['setarch', '-R']);
    expect(c.status, c.stderr).toBe(0);
    const r = JSON.parse(c.stderr.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    expect(r['one']).toEqual(r['single']);
    expect((r['one'] as { personality: number }).personality & 0x0040000).toBe(0x0040000);
    expect(r['closed']).toMatchObject({ fd1: null, fd2: (r['one'] as { fd2: unknown }).fd2 });
    // Under a filter only the mode (one that refuses personality or fstat must not see them asked).
    expect(r['filtered']).toEqual({ seccompMode: 2 });
  });

  it('pledgeInstall: the reporter, no_new_privs and the filter in one call; a bad program changes nothing; a refused filter rolls the reporter back and says no_new_privs was set', () => {
    const r = childResult<Record<string, unknown>>(`
      const { Worker } = await import('node:worker_threads');
      const tables = new Uint8Array(0);
      const bad = errorOf(() => native.pledgeInstall(new Uint8Array(12), 0));
      const badNnp = (() => { try { native.pledgeInstall(new Uint8Array(12), 0); } catch (e) { return e.noNewPrivsSet; } })();
      const afterBad = { nnp: native.getNoNewPrivs(), mode: native.getSeccompMode(), reporter: native.reporterState().installed };
      // A worker with a filter of its own: TSYNC is refused after no_new_privs was set.
      const worker = new Worker(\`
        import { parentPort, workerData } from 'node:worker_threads';
        const native = await import(workerData.url);
        parentPort.once('message', (program) => { native.setNoNewPrivs(); native.installFilter(Buffer.from(program), 0); parentPort.postMessage('ready'); });
        setInterval(() => {}, 1000); // alive until terminated: a thread that ended leaves TSYNC nothing to refuse
      \`, { eval: true, workerData: { url: ${JSON.stringify(distUrl)} } });
      worker.postMessage(program);
      await new Promise((resolve) => worker.once('message', resolve));
      let refused;
      try { native.pledgeInstall(program, 1); } catch (e) { refused = { code: e.code, syscall: e.syscall, noNewPrivsSet: e.noNewPrivsSet }; }
      const afterRefused = { nnp: native.getNoNewPrivs(), mode: native.getSeccompMode() };
      await worker.terminate();
      native.pledgeInstall(program, 1);
      report({ bad, badNnp, afterBad, refused, afterRefused, installed: { nnp: native.getNoNewPrivs(), mode: native.getSeccompMode(), fsync: tryFsync() } });
    `, fsyncFilter(SECCOMP_RET_ERRNO_EPERM));
    expect(r['bad']).toMatchObject({ code: 'EINVAL' });
    expect(r['badNnp']).toBe(false);
    expect(r['afterBad']).toEqual({ nnp: false, mode: 0, reporter: false });
    expect(r['refused']).toEqual({ code: 'TSYNC_FAILED', syscall: 'seccomp(SECCOMP_SET_MODE_FILTER)', noNewPrivsSet: true });
    expect(r['afterRefused']).toEqual({ nnp: true, mode: 0 });
    expect(r['installed']).toEqual({ nnp: true, mode: 2, fsync: 'EPERM' });
  });

  it('readOwnedFile reads a file of the user\'s own in a directory no other user can change, with the check of its bytes from an offset, and nothing else', () => {
    const r = childResult<Record<string, unknown>>(`
      const base = path.join(process.env.WORK_DIR, 'owned-' + process.pid);
      fs.mkdirSync(base, { mode: 0o755 });
      const dir = path.join(base, 'cache');
      fs.mkdirSync(dir, { mode: 0o700 });
      const bytes = new Uint8Array(5003).map((_, i) => (i * 2654435761) >>> 24);
      fs.writeFileSync(path.join(dir, 'e'), bytes, { mode: 0o600 });
      const read = (d = dir, n = 'e', max = 1 << 20, from) => { const o = native.readOwnedFile(d, n, max, from); return o.why ?? [o.bytes.length, o.check ?? null]; };
      const out = {};
      out.ok = [0, 20, 5003].map((from) => native.readOwnedFile(dir, 'e', 1 << 20, from).check);
      out.want = [0, 20, 5003].map((from) => native.artifactCheck(bytes.subarray(from)));
      out.same = Buffer.from(native.readOwnedFile(dir, 'e', 1 << 20).bytes).equals(Buffer.from(bytes));
      out.past = read(dir, 'e', 1 << 20, 5004);
      out.tooBig = read(dir, 'e', 5002);
      out.missing = read(dir, 'nope');
      out.noDir = read(path.join(base, 'nope'));
      fs.symlinkSync(path.join(dir, 'e'), path.join(dir, 'link'));
      out.link = read(dir, 'link');
      fs.symlinkSync(dir, path.join(base, 'dirlink'));
      out.dirLink = read(path.join(base, 'dirlink'));
      fs.chmodSync(path.join(dir, 'e'), 0o620); out.groupWritable = read(); fs.chmodSync(path.join(dir, 'e'), 0o600);
      fs.chownSync(path.join(dir, 'e'), 12345, 12345); out.foreignFile = read(); fs.chownSync(path.join(dir, 'e'), process.geteuid(), process.getegid());
      fs.chmodSync(dir, 0o770); out.dirGroupWritable = read(); fs.chmodSync(dir, 0o700);
      fs.chownSync(dir, 12345, 12345); out.foreignDir = read(); fs.chownSync(dir, process.geteuid(), process.getegid());
      fs.chmodSync(base, 0o777); out.parentWorldWritable = read(); fs.chmodSync(base, 0o1777); out.parentSticky = read(); fs.chmodSync(base, 0o755);
      fs.chownSync(base, 12345, 12345); out.parentForeign = read(); fs.chownSync(base, process.geteuid(), process.getegid());
      out.again = read();
      out.relative = errorOf(() => native.readOwnedFile('cache', 'e', 10));
      out.slash = errorOf(() => native.readOwnedFile(dir, '../e', 10));
      report(out);
    `);
    expect(r['ok']).toEqual(r['want']);
    expect(r['same']).toBe(true);
    expect(r['past']).toEqual([5003, null]);
    expect(r['tooBig']).toMatch(/^refused: /);
    expect(r['missing']).toMatch(/^miss: /);
    expect(r['noDir']).toMatch(/^miss: /);
    for (const k of ['link', 'dirLink', 'groupWritable', 'foreignFile', 'dirGroupWritable', 'foreignDir', 'parentWorldWritable', 'parentForeign']) {
      expect(r[k], k).toMatch(/^refused: /);
    }
    expect(r['parentSticky']).toEqual([5003, null]);
    expect(r['again']).toEqual([5003, null]);
    expect(r['relative']).toMatchObject({ code: 'EINVAL' });
    expect(r['slash']).toMatchObject({ code: 'EINVAL' });
  });

  it('installs a filter: fsync fails with EPERM, /proc shows mode 2 and one filter', () => {
    const r = childResult(
      `
      const before = tryFsync();
      native.setNoNewPrivs();
      native.installFilter(program, 0);
      report({ before, after: tryFsync(), mode: native.getSeccompMode(), seccomp: status('Seccomp'), filters: status('Seccomp_filters') });
    `,
      fsyncFilter(SECCOMP_RET_ERRNO_EPERM),
    );
    expect(r).toEqual({ before: 'ok', after: 'EPERM', mode: 2, seccomp: '2', filters: '1' });
  });

  it('accepts a Uint8Array view at an odd byte offset', () => {
    const r = childResult(
      `
      const backing = new Uint8Array(program.length + 3);
      backing.set(program, 3);
      native.setNoNewPrivs();
      native.installFilter(new Uint8Array(backing.buffer, 3, program.length), 0);
      report({ fsync: tryFsync(), filters: status('Seccomp_filters') });
    `,
      fsyncFilter(SECCOMP_RET_ERRNO_EPERM),
    );
    expect(r).toEqual({ fsync: 'EPERM', filters: '1' });
  });

  // A worker thread that exists before the filter, and fsyncs on request.
  const withWorker = (flags: number) => `
    import { Worker } from 'node:worker_threads';
    // The child runs with --input-type=module, which eval workers inherit: ESM.
    const worker = new Worker(\`
      import { parentPort, workerData } from 'node:worker_threads';
      import * as fs from 'node:fs';
      const fd = fs.openSync(workerData, 'w');
      parentPort.on('message', () => {
        let code = 'ok';
        try { fs.fsyncSync(fd); } catch (e) { code = e.code; }
        parentPort.postMessage(code);
      });
      parentPort.postMessage('ready');
    \`, { eval: true, workerData: path.join(process.env.WORK_DIR, 'worker-' + process.pid) });
    const next = () => new Promise((resolve) => worker.once('message', resolve));
    if ((await next()) !== 'ready') throw new Error('worker not ready');
    worker.postMessage('fsync');
    const workerBefore = await next();
    native.setNoNewPrivs();
    native.installFilter(program, ${flags});
    worker.postMessage('fsync');
    const workerAfter = await next();
    report({ workerBefore, workerAfter, main: tryFsync() });
    await worker.terminate();
  `;

  it('TSYNC applies the filter to a thread that already exists', () => {
    const r = childResult(withWorker(SECCOMP_FILTER_FLAG_TSYNC), fsyncFilter(SECCOMP_RET_ERRNO_EPERM));
    expect(r).toEqual({ workerBefore: 'ok', workerAfter: 'EPERM', main: 'EPERM' });
  });

  it('without TSYNC an existing thread is NOT filtered (the TSYNC test can fail)', () => {
    const r = childResult(withWorker(0), fsyncFilter(SECCOMP_RET_ERRNO_EPERM));
    expect(r).toEqual({ workerBefore: 'ok', workerAfter: 'ok', main: 'EPERM' });
  });

  it('TSYNC fails with TSYNC_FAILED and the tid of a thread whose filter tree diverged', () => {
    // The worker installs its own (extra) filter without TSYNC, so its filter
    // chain is no longer an ancestor of the main thread's: TSYNC cannot sync it.
    const r = childResult(
      `
      import { Worker } from 'node:worker_threads';
      native.setNoNewPrivs();
      const worker = new Worker(\`
        import { parentPort, workerData } from 'node:worker_threads';
        const native = await import(workerData.url);
        parentPort.once('message', (program) => {
          native.installFilter(Buffer.from(program), 0);
          parentPort.postMessage(native.gettid());
        });
        setInterval(() => {}, 1000); // alive until terminated: a thread that ended leaves TSYNC nothing to refuse
      \`, { eval: true, workerData: { url: ${JSON.stringify(distUrl)} } });
      worker.postMessage(program);
      const workerTid = await new Promise((resolve) => worker.once('message', resolve));
      const error = errorOf(() => native.installFilter(program, 1));
      // The thread the kernel names must be one whose filter chain diverged (the worker, or a thread it started).
      let namedFilters = null;
      try { namedFilters = /Seccomp_filters:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/task/' + error.tid + '/status', 'utf8'))[1]; } catch {}
      report({ workerTid, error, namedFilters, mainFilters: status('Seccomp_filters') });
      await worker.terminate();
    `,
      fsyncFilter(SECCOMP_RET_ERRNO_EPERM),
    );
    const error = r.error as Record<string, unknown>;
    expect(error).toMatchObject({ code: 'TSYNC_FAILED', syscall: 'seccomp(SECCOMP_SET_MODE_FILTER)' });
    // Usually the worker itself; under load possibly a thread it started, which inherited its filter.
    expect(error.tid === r.workerTid || r.namedFilters === '1', JSON.stringify(r)).toBe(true);
    expect(error.errno).toBeUndefined();
    expect(r.mainFilters).toBe('0');
  });

  it('SECCOMP_RET_KILL_PROCESS kills the child with SIGSYS', () => {
    const r = runChild(
      `
      native.setNoNewPrivs();
      native.installFilter(program, ${SECCOMP_FILTER_FLAG_TSYNC});
      console.log('installed');
      tryFsync();
      console.log('survived');
    `,
      fsyncFilter(SECCOMP_RET_KILL_PROCESS),
    );
    expect(r.stdout).toContain('installed');
    expect(r.stdout).not.toContain('survived');
    expect(r.status).toBeNull();
    expect(r.signal).toBe('SIGSYS');
  });

  it('rejects malformed programs before any syscall, installing nothing', () => {
    const r = childResult(`
      native.setNoNewPrivs();
      const ret = Buffer.from(program);
      report({
        empty: errorOf(() => native.installFilter(Buffer.alloc(0), 1)),
        ragged: errorOf(() => native.installFilter(Buffer.concat([ret, Buffer.alloc(3)]), 1)),
        tooLong: errorOf(() => native.installFilter(Buffer.concat(Array(4097).fill(ret)), 1)),
        notBytes: errorOf(() => native.installFilter('ret allow', 1)),
        badFlags: errorOf(() => native.installFilter(ret, -1)),
        listener: errorOf(() => native.installFilter(ret, 8)),
        seccomp: status('Seccomp'),
      });
    `, assemble([[BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]]));
    for (const key of ['empty', 'ragged', 'tooLong', 'notBytes', 'badFlags', 'listener'] as const) {
      const error = r[key] as Record<string, unknown> | null;
      expect(error, key).not.toBeNull();
      expect(error!.code, key).toBe('EINVAL');
      expect(['TypeError', 'RangeError'], key).toContain(error!.name);
      expect(error!.syscall, key).toBeUndefined();
    }
    expect(r.seccomp).toBe('0');
  });

  it('accepts exactly 4096 instructions', () => {
    const r = childResult(`
      native.setNoNewPrivs();
      native.installFilter(Buffer.concat(Array(4096).fill(program)), 0);
      report({ seccomp: status('Seccomp') });
    `, assemble([[BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]]));
    expect(r.seccomp).toBe('2');
  });

  it('surfaces the verifier rejecting a program as EINVAL from seccomp(), installing nothing', () => {
    const cases: Record<string, Buffer> = {
      // load beyond struct seccomp_data (64 bytes)
      outOfRangeLoad: assemble([[BPF_LD_W_ABS, 0, 0, 1000], [BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]]),
      // misaligned load inside seccomp_data
      misalignedLoad: assemble([[BPF_LD_W_ABS, 0, 0, 1], [BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]]),
      // program does not end in a return
      noReturn: assemble([[BPF_LD_W_ABS, 0, 0, 0]]),
      // jump past the end
      jumpPastEnd: assemble([[BPF_JA, 0, 0, 5], [BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]]),
    };
    const r = childResult(`
      native.setNoNewPrivs();
      const cases = ${JSON.stringify(Object.fromEntries(Object.entries(cases).map(([k, v]) => [k, v.toString('hex')])))};
      const errors = Object.fromEntries(Object.entries(cases).map(([k, hex]) => [k, errorOf(() => native.installFilter(Buffer.from(hex, 'hex'), 1))]));
      report({ errors, seccomp: status('Seccomp'), nnp: status('NoNewPrivs') });
    `);
    for (const name of Object.keys(cases)) {
      expect((r.errors as Record<string, unknown>)[name], name).toEqual({
        name: 'Error',
        code: 'EINVAL',
        errno: 22,
        syscall: 'seccomp(SECCOMP_SET_MODE_FILTER)',
        message: 'seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL (Invalid argument)',
      });
    }
    expect(r.seccomp).toBe('0');
    expect(r.nnp).toBe('1');
  });

  // Only meaningful when we may drop CAP_SYS_ADMIN from the child; proves the
  // kernel's EACCES path (no no_new_privs, no CAP_SYS_ADMIN) and errno naming.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  it('without no_new_privs or CAP_SYS_ADMIN the kernel says EACCES', () => {
    expect(setpriv, 'setpriv (Debian util-linux) is needed: run .ci/install-system-deps.sh').toBeDefined();
    expect(process.getuid?.(), 'this test drops CAP_SYS_ADMIN from a root child; run the tests as root').toBe(0);
    const r = childResult(
      `report({ error: errorOf(() => native.installFilter(program, 1)), seccomp: status('Seccomp') })`,
      assemble([[BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]]),
      [setpriv!, '--bounding-set=-sys_admin'],
    );
    expect(r.error).toMatchObject({
      code: 'EACCES',
      errno: 13,
      syscall: 'seccomp(SECCOMP_SET_MODE_FILTER)',
      message: 'seccomp(SECCOMP_SET_MODE_FILTER) failed: EACCES (Permission denied)',
    });
    expect(r.seccomp).toBe('0');
  });
});

describe('loader', () => {
  it('throws ENOTSUP naming the platform when not on Linux', () => {
    const r = spawnSync(
      NODE,
      [
        '--input-type=module',
        '-e',
        `Object.defineProperty(process, 'platform', { value: 'darwin' });
         const native = await import(${JSON.stringify(distUrl)});
         try { native.getNoNewPrivs(); console.log('null'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { code: string; message: string };
    expect(out.code).toBe('ENOTSUP');
    expect(out.message).toContain("'darwin'");
  });
});

describe('reportTablesLayout (src/report/report-tables.h)', () => {
  // The values themselves have one source, the header; core's copy is
  // compared with this export key for key in packages/pledge/test/report.schema.test.ts.
  it('exports the header as a frozen plain object, the same on every call', () => {
    const r = childResult<{ magic: string; version: number; same: boolean; frozen: boolean[] }>(`
      const layout = native.reportTablesLayout();
      const magic = Buffer.alloc(4);
      magic.writeUInt32LE(layout.magic);
      report({ magic: magic.toString('latin1'), version: layout.version, same: layout === native.reportTablesLayout(),
               frozen: [layout, layout.header, layout.fields, layout.fields.spec, layout.reservedHeaderWords, layout.kinds].map(Object.isFrozen) });
    `);
    expect(r.magic).toBe('SSRT');
    expect(r.version).toBe(2); // version 2: the promises in force (header word 27)
    expect(r.same).toBe(true);
    expect(r.frozen).toEqual([true, true, true, true, true, true]);
  });

  it('lays every header word out once, and every record field inside its record', () => {
    const r = childResult<{ layout: { headerWords: number; header: Record<string, number>; reservedHeaderWords: number[]; recordBytes: Record<string, number>; fields: Record<string, Record<string, number>> } }>(
      `report({ layout: native.reportTablesLayout() });`,
    );
    const { layout } = r;
    // A section's word holds its offset and the next its count.
    const sections = ['strings', 'syscalls', 'specs', 'constants', 'rules', 'conditions', 'values', 'promiseNames'];
    const words = Object.entries(layout.header).flatMap(([k, i]) => (sections.includes(k) ? [i, i + 1] : [i]));
    const all = [...words, ...layout.reservedHeaderWords].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: layout.headerWords }, (_, i) => i));
    expect(Object.keys(layout.fields).sort()).toEqual(Object.keys(layout.recordBytes).sort());
    for (const [record, fields] of Object.entries(layout.fields)) {
      const size = layout.recordBytes[record]!;
      expect(size % 4, record).toBe(0);
      for (const [name, at] of Object.entries(fields)) {
        expect(at % 4, `${record}.${name}`).toBe(0);
        expect(at, `${record}.${name}`).toBeLessThan(size);
      }
    }
  });
});
