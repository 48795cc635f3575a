// unveil() on the real kernel. Landlock cannot be undone, so every case
// runs in a fresh `node` child (runChild); the test runner itself is never
// restricted. Root does not bypass Landlock, so EACCES here is Landlock's.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROMISES, landlockFsRightsForAbi } from '@seccomp-scopes/core';
import { describeEnd, runChild, type ChildOptions } from './child.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
const nativeDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/dist/index.js');

/** The kernel's Landlock ABI, read in a child (0 without Landlock). */
function kernelAbi(): number {
  const r = runChild(`const n = await import(${JSON.stringify(nativeDist)}); try { console.log(n.landlockAbi()); } catch { console.log(0); }`);
  return Number(r.stdout.trim());
}
const ABI = process.platform === 'linux' ? kernelAbi() : 0;
const onLandlock = ABI >= 1;
const onX64 = process.arch === 'x64';

/**
 * Runs `code` in a child with `unveil`, `unveilStatus`, `fs`, `path` in
 * scope plus helpers: `attempt(label, fn)` prints "label ok" or "label
 * CODE"; `report(obj)` prints one JSON line. The last JSON line is parsed.
 */
function unveilChild(code: string, options: ChildOptions = {}): { out: string[]; json: Record<string, any>; r: ReturnType<typeof runChild> } {
  const r = runChild(`
    import fs from 'node:fs';
    import path from 'node:path';
    const { unveil, unveilStatus } = await import(${JSON.stringify(dist)});
    const native = await import(${JSON.stringify(nativeDist)});
    const out = [];
    const attempt = async (label, fn) => { try { await fn(); out.push(label + ' ok'); } catch (e) { out.push(label + ' ' + e.code); } };
    const errorOf = (fn) => { try { fn(); return null; } catch (e) { return { name: e.name, code: e.code, reason: e.reason, message: e.message, details: e.details }; } };
    const warnings = [];
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
    const report = (obj) => console.log(JSON.stringify({ out, ...obj }));
    ${code}
  `, options);
  const last = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  const json = last ? (JSON.parse(last) as Record<string, any>) : {};
  return { out: (json['out'] as string[] | undefined) ?? [], json, r };
}

/** A tick for process.emitWarning, which emits on the next tick. */
const tick = `await new Promise((r) => setTimeout(r, 10));`;

// Skipped only where the kernel lacks the feature, and then said so in the output.
if (!onLandlock) console.warn(`unveil kernel tests skipped: this kernel has no Landlock (ABI ${ABI})`);
if (onLandlock && ABI >= 8) console.warn(`unveil tests of the per-thread fallback skipped: Landlock ABI ${ABI} has TSYNC`);

describe.runIf(onLandlock)(`unveil() on Landlock ABI ${ABI} (child processes)`, () => {
  it('"r": reads inside the unveiled directory, nothing outside, no writes', () => {
    const { out, json, r } = unveilChild(`
      fs.mkdirSync(dir + '/data/sub', { recursive: true });
      fs.writeFileSync(dir + '/data/f.txt', 'inside');
      fs.writeFileSync(dir + '/data/sub/g.txt', 'deeper');
      unveil(dir + '/data', 'r');
      const status = unveil();                                   // strict: works on a stock Node
      await attempt('read inside', () => { if (fs.readFileSync(dir + '/data/f.txt', 'utf8') !== 'inside') throw new Error('bad'); });
      await attempt('read deeper', () => fs.readFileSync(dir + '/data/sub/g.txt'));
      await attempt('readdir inside', () => fs.readdirSync(dir + '/data'));
      await attempt('read /etc/hostname', () => fs.readFileSync('/etc/hostname'));
      await attempt('readdir parent', () => fs.readdirSync(dir));
      await attempt('write inside', () => fs.writeFileSync(dir + '/data/f.txt', 'changed'));
      await attempt('append inside', () => fs.appendFileSync(dir + '/data/f.txt', 'more'));
      await attempt('create inside', () => fs.writeFileSync(dir + '/data/new.txt', 'x'));
      await attempt('truncate inside', () => fs.truncateSync(dir + '/data/f.txt', 1));
      await attempt('unlink inside', () => fs.unlinkSync(dir + '/data/sub/g.txt'));
      report({ rules: status.rules, enforced: status.enforced, locked: status.locked });
    `);
    expect(out, describeEnd(r)).toEqual([
      'read inside ok', 'read deeper ok', 'readdir inside ok',
      'read /etc/hostname EACCES', 'readdir parent EACCES',
      'write inside EACCES', 'append inside EACCES', 'create inside EACCES', 'truncate inside EACCES', 'unlink inside EACCES',
    ]);
    expect(json['enforced']).toBe(true);
    expect(json['locked']).toBe(true);
    expect(json['rules']).toEqual([{ path: expect.stringMatching(/\/data$/), resolved: expect.stringMatching(/\/data$/), directory: true, permissions: 'r', rights: ['READ_FILE', 'READ_DIR'] }]);
    expect(fs.readFileSync(path.join(r.dir, 'data/f.txt'), 'utf8')).toBe('inside');
  });

  it('"rwc": create, write, truncate, rename across subdirectories, remove', () => {
    const { out, r } = unveilChild(`
      fs.mkdirSync(dir + '/tree/a', { recursive: true });
      fs.mkdirSync(dir + '/tree/b');
      unveil(dir + '/tree', 'rwc');
      unveil({ bestEffort: true });
      const t = dir + '/tree';
      await attempt('create', () => fs.writeFileSync(t + '/a/new.txt', 'hello world'));
      await attempt('truncate', () => fs.truncateSync(t + '/a/new.txt', 5));
      await attempt('ftruncate', () => { const fd = fs.openSync(t + '/a/new.txt', 'r+'); fs.ftruncateSync(fd, 4); fs.closeSync(fd); });
      await attempt('O_TRUNC', () => fs.writeFileSync(t + '/a/other.txt', 'x'));
      await attempt('rename same dir', () => fs.renameSync(t + '/a/other.txt', t + '/a/other2.txt'));
      await attempt('rename across dirs', () => fs.renameSync(t + '/a/new.txt', t + '/b/moved.txt'));
      await attempt('link across dirs', () => fs.linkSync(t + '/b/moved.txt', t + '/a/hard.txt'));
      await attempt('mkdir', () => fs.mkdirSync(t + '/a/d'));
      await attempt('rename dir across', () => fs.renameSync(t + '/a/d', t + '/b/d'));
      await attempt('symlink', () => fs.symlinkSync('moved.txt', t + '/b/link'));
      await attempt('read moved', () => { if (fs.readFileSync(t + '/b/moved.txt', 'utf8') !== 'hell') throw new Error('content'); });
      await attempt('unlink', () => fs.unlinkSync(t + '/a/hard.txt'));
      await attempt('rmdir', () => fs.rmdirSync(t + '/b/d'));
      await attempt('rename out of tree', () => fs.renameSync(t + '/b/moved.txt', dir + '/escaped.txt'));
      await attempt('create outside', () => fs.writeFileSync(dir + '/outside.txt', 'x'));
      report({});
    `);
    expect(out, describeEnd(r)).toEqual([
      'create ok', 'truncate ok', 'ftruncate ok', 'O_TRUNC ok', 'rename same dir ok', 'rename across dirs ok', 'link across dirs ok',
      'mkdir ok', 'rename dir across ok', 'symlink ok', 'read moved ok', 'unlink ok', 'rmdir ok',
      'rename out of tree EACCES', 'create outside EACCES',
    ]);
    expect(fs.readdirSync(path.join(r.dir, 'tree/b')).sort()).toEqual(['link', 'moved.txt']);
    expect(fs.existsSync(path.join(r.dir, 'escaped.txt'))).toBe(false);
  });

  it('moving a file where it would gain rights is refused with EXDEV (Landlock), the other way works', () => {
    const { out, r } = unveilChild(`
      fs.mkdirSync(dir + '/rw'); fs.mkdirSync(dir + '/ro');
      fs.writeFileSync(dir + '/ro/f', 'x'); fs.writeFileSync(dir + '/rw/g', 'y');
      unveil(dir + '/rw', 'rwc');
      unveil(dir + '/ro', 'rc');
      unveil({ bestEffort: true });
      await attempt('ro -> rw', () => fs.renameSync(dir + '/ro/f', dir + '/rw/f'));
      await attempt('rw -> ro', () => fs.renameSync(dir + '/rw/g', dir + '/ro/g'));
      report({});
    `);
    expect(out, describeEnd(r)).toEqual(['ro -> rw EXDEV', 'rw -> ro ok']);
  });

  it('"x" is needed to execute; "r" alone is not enough', () => {
    const run = (perms: string) => unveilChild(`
      import('node:child_process').then(async ({ spawnSync }) => {
        unveil('/usr', ${JSON.stringify(perms)});
        for (const lib of ['/lib', '/lib64']) { try { unveil(lib, ${JSON.stringify(perms)}); } catch {} }
        unveil({ bestEffort: true });
        const res = spawnSync('/usr/bin/true');
        out.push('spawn ' + (res.error ? res.error.code : 'status ' + res.status));
        report({});
      });
    `);
    const withX = run('rx');
    expect(withX.out, describeEnd(withX.r)).toEqual(['spawn status 0']);
    const withoutX = run('r');
    expect(withoutX.out, describeEnd(withoutX.r)).toEqual(['spawn EACCES']);
  });

  it('restricts the libuv threadpool and a Worker that existed before the lock', () => {
    const { out, json, r } = unveilChild(`
      import { Worker } from 'node:worker_threads';
      fs.mkdirSync(dir + '/data'); fs.writeFileSync(dir + '/data/f.txt', 'inside');
      await fs.promises.readFile('/etc/hostname');              // the threadpool exists from here
      const worker = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        const fs = require('node:fs');
        parentPort.on('message', (file) => {
          fs.promises.readFile(file).then(() => 'ok', (e) => e.code).then((sync) => {
            let s = 'ok'; try { fs.readFileSync(file); } catch (e) { s = e.code; }
            parentPort.postMessage(sync + '/' + s);
          });
        });
      \`, { eval: true });
      const ask = (file) => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(file); });
      out.push('worker before ' + await ask('/etc/hostname'));
      unveil(dir + '/data', 'r');
      unveil();
      await attempt('pool read outside', () => fs.promises.readFile('/etc/hostname'));
      await attempt('pool read inside', () => fs.promises.readFile(dir + '/data/f.txt'));
      await attempt('pool stat-free open outside', () => fs.promises.open('/etc/passwd', 'r'));
      out.push('worker after ' + await ask('/etc/hostname'));
      out.push('worker inside ' + await ask(dir + '/data/f.txt'));
      const late = new Worker("require('node:fs').readFile('/etc/hostname', (e) => require('node:worker_threads').parentPort.postMessage(e ? e.code : 'ok'))", { eval: true });
      out.push('worker started after ' + await new Promise((resolve) => late.once('message', resolve)));
      await worker.terminate(); await late.terminate();
      report({ threads: unveilStatus().threads });
    `);
    expect(out, describeEnd(r)).toEqual([
      'worker before ok/ok',
      'pool read outside EACCES', 'pool read inside ok', 'pool stat-free open outside EACCES',
      'worker after EACCES/EACCES', 'worker inside ok/ok', 'worker started after EACCES',
    ]);
    expect(json['threads'].method).toBe('signal');
  });

  it('control: landlock_restrict_self alone restricts only the calling thread (so the test above can fail)', () => {
    const { out, r } = unveilChild(`
      import { Worker } from 'node:worker_threads';
      await fs.promises.readFile('/etc/hostname');
      const worker = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => { let s = 'ok'; try { require('node:fs').readFileSync('/etc/hostname'); } catch (e) { s = e.code; } parentPort.postMessage(s); });", { eval: true });
      const ask = () => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(1); });
      await ask();
      const ruleset = native.landlockCreateRuleset(${landlockFsRightsForAbi(ABI)});   // every right of this ABI; no rule: everything hidden
      native.setNoNewPrivs();
      native.landlockRestrictSelf(ruleset, 0);
      await attempt('main read', () => fs.readFileSync('/etc/hostname'));
      await attempt('pool read', () => fs.promises.readFile('/etc/hostname'));
      out.push('worker read ' + await ask());
      await worker.terminate();
      report({});
    `);
    expect(out, describeEnd(r)).toEqual(['main read EACCES', 'pool read ok', 'worker read ok']);
  });

  it('locking from a Worker restricts the main thread too, and every realm sees the lock', () => {
    const { out, json, r } = unveilChild(`
      import { Worker } from 'node:worker_threads';
      fs.mkdirSync(dir + '/data');
      await fs.promises.readFile('/etc/hostname');
      const worker = new Worker(\`
        import { parentPort, workerData } from 'node:worker_threads';
        const { unveil } = await import(workerData.dist);
        unveil(workerData.data, 'r');
        parentPort.postMessage(unveil({ bestEffort: true }).threads.method);
      \`, { eval: true, workerData: { dist: ${JSON.stringify(dist)}, data: dir + '/data' } });
      out.push('worker locked by ' + await new Promise((resolve) => worker.once('message', resolve)));
      await attempt('main read', () => fs.readFileSync('/etc/hostname'));
      await attempt('pool read', () => fs.promises.readFile('/etc/hostname'));
      await attempt('main unveil', () => unveil(dir, 'r'));
      await worker.terminate();
      report({ status: unveilStatus() });
    `);
    expect(out, describeEnd(r)).toEqual([`worker locked by ${ABI >= 8 ? 'tsync' : 'signal'}`, 'main read EACCES', 'pool read EACCES', 'main unveil EPERM']);
    expect(json['status']).toMatchObject({ locked: true, enforced: true, rules: [{ permissions: 'r' }] });
  });

  it('unveilStatus() reports every thread: the count, the restricted ones, and the one reached through SIGSETXID', () => {
    const { json, r } = unveilChild(`
      await fs.promises.readFile('/etc/hostname');
      fs.mkdirSync(dir + '/data');
      const tasks = fs.readdirSync('/proc/self/task').map(Number);
      const sigblk = Object.fromEntries(tasks.map((t) => [t, /SigBlk:\\s+(\\S+)/.exec(fs.readFileSync('/proc/self/task/' + t + '/status', 'utf8'))[1]]));
      unveil(dir + '/data', 'r');
      const before = unveilStatus();
      const status = unveil({ bestEffort: true });
      ${tick}
      report({ tasks, sigblk, before: { locked: before.locked, threads: before.threads, abi: before.abi }, status, again: unveilStatus(), warnings, self: native.gettid() });
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    const tasks = json['tasks'] as number[];
    const sigblk = json['sigblk'] as Record<string, string>;
    const status = json['status'];
    expect(json['before']).toEqual({ locked: false, threads: null, abi: ABI });
    expect(tasks.length).toBeGreaterThan(4); // main, V8 platform workers, libuv pool, inspector signal thread
    expect(status.threads.method).toBe(ABI >= 8 ? 'tsync' : 'signal');
    expect(status.threads.total).toBe(tasks.length);
    expect(json['again']).toEqual(status);
    if (ABI < 8) {
      // The threads blocking the real-time signal are exactly the ones reached through glibc's SIGSETXID (33).
      const blocking = tasks.filter((t) => (BigInt('0x' + sigblk[t]) >> BigInt(status.threads.signal - 1)) & 1n);
      expect(blocking.length).toBeGreaterThan(0); // Node's inspector SIGUSR1 thread
      expect(status.threads.setxidSignal).toBe(33);
      expect(status.threads.viaSetxid).toEqual(blocking);
      expect(status.threads.unrestricted).toEqual([]);
      expect(status.threads.restricted).toBe(tasks.length);
      expect(status.threads.perThread.map((t: { tid: number }) => t.tid).sort()).toEqual([...tasks].sort());
      expect(status.threads.perThread[0]).toEqual({ tid: json['self'], result: 'restricted' });
      for (const t of status.threads.perThread.slice(1)) expect(t).toEqual({ tid: t.tid, result: 'restricted', signal: blocking.includes(t.tid) ? 33 : status.threads.signal });
      expect(json['warnings']).toEqual([]);
    }
  });

  it.runIf(ABI < 8)('strict (default) on a stock Node: every thread, the inspector one included, runs landlock_restrict_self itself; glibc\'s setuid() still works', () => {
    const { out, json, r } = unveilChild(`
      await fs.promises.readFile('/etc/hostname');              // the threadpool exists from here
      fs.mkdirSync(dir + '/data');
      const field = (t, name) => fs.readFileSync('/proc/self/task/' + t + '/status', 'utf8').split('\\n').find((l) => l.startsWith(name + ':')).split(':')[1].trim();
      const before = fs.readdirSync('/proc/self/task').map(Number);
      const nnpBefore = Object.fromEntries(before.map((t) => [t, field(t, 'NoNewPrivs')]));
      const blkBefore = Object.fromEntries(before.map((t) => [t, field(t, 'SigBlk')]));
      const sigcgtBefore = field(process.pid, 'SigCgt');
      unveil(dir + '/data', 'r');
      unveil('/proc', 'r');                                     // to read the threads' status after the lock
      const status = unveil();
      const after = fs.readdirSync('/proc/self/task').map(Number);
      const nnpAfter = Object.fromEntries(after.map((t) => [t, field(t, 'NoNewPrivs')]));
      await attempt('read outside', () => fs.readFileSync('/etc/hostname'));
      await attempt('pool read outside', () => fs.promises.readFile('/etc/hostname'));
      await attempt('setuid (glibc SIGSETXID broadcast)', () => process.setuid(process.getuid()));
      report({ before, after, nnpBefore, nnpAfter, blkBefore, sigcgtBefore, sigcgtAfter: field(process.pid, 'SigCgt'), threads: status.threads });
    `);
    expect(out, describeEnd(r)).toEqual(['read outside EACCES', 'pool read outside EACCES', 'setuid (glibc SIGSETXID broadcast) ok']);
    const { before, after, nnpBefore, nnpAfter, blkBefore, threads } = json as Record<string, any>;
    const inspector = (before as number[]).filter((t) => (blkBefore[t] as string).startsWith('fffffffe'));
    expect(inspector).toHaveLength(1);                        // blocks everything but glibc's 32 and 33
    expect(threads.viaSetxid).toEqual(inspector);
    expect(threads.unrestricted).toEqual([]);
    // Every thread listed in /proc/self/task, before and after the lock, acknowledged: it ran
    // prctl(PR_SET_NO_NEW_PRIVS) and landlock_restrict_self on itself, and both returned 0.
    const acknowledged = new Set((threads.perThread as { tid: number; result: string }[]).filter((t) => t.result === 'restricted').map((t) => t.tid));
    for (const t of new Set([...before, ...after])) expect(acknowledged.has(t), `thread ${t}`).toBe(true);
    // no_new_privs is per thread (/proc/<tid>/status): 0 on every thread before, 1 on every thread after.
    for (const t of before) expect(nnpBefore[t], `thread ${t} before`).toBe('0');
    for (const t of after) expect(nnpAfter[t], `thread ${t} after`).toBe('1');
    // glibc's SIGSETXID handler is back (setuid() above went through it), dispositions unchanged.
    expect(json['sigcgtAfter']).toBe(json['sigcgtBefore']);
  });

  it.runIf(ABI < 8)('setuid() broadcasts on another thread while locks borrow SIGSETXID: passed on to glibc, no thread missed, no hang', () => {
    // A Worker runs the per-thread lock 10 times (a ruleset handling only MAKE_BLOCK: harmless, and
    // under the 16-layer limit) while the main thread calls setuid() in a loop: glibc sends SIGSETXID
    // to every thread, with si_code SI_TKILL from this pid, like ours, and waits for each handler.
    const { json, r } = unveilChild(`
      import { Worker } from 'node:worker_threads';
      await fs.promises.readFile('/etc/hostname');
      const flag = new Int32Array(new SharedArrayBuffer(8));
      const worker = new Worker(\`
        const { workerData, parentPort } = require('node:worker_threads');
        import(workerData.native).then((n) => {
          Atomics.store(workerData.flag, 0, 1);
          const calls = [];
          for (let i = 0; i < 10; i++) {
            const rs = n.landlockCreateRuleset(1 << 11);
            const rep = n.landlockRestrictThreads(rs, 2000, true);
            require('node:fs').closeSync(rs);
            calls.push({ aborted: rep.aborted, unrestricted: rep.threads.filter((t) => t.result !== 'restricted').length, total: rep.threads.length,
              via33: rep.threads.filter((t) => t.signal === 33).length, passedOn: rep.setxidPassedOn, kept: rep.setxidHandlerKept });
          }
          parentPort.postMessage(calls);
          Atomics.store(workerData.flag, 0, 2);
        });
      \`, { eval: true, workerData: { native: ${JSON.stringify(nativeDist)}, flag } });
      const done = new Promise((resolve) => worker.once('message', resolve));
      while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1);
      let setuids = 0;
      while (Atomics.load(flag, 0) !== 2) { process.setuid(process.getuid()); process.setgid(process.getgid()); setuids++; }
      const calls = await done;
      process.setuid(process.getuid());
      await worker.terminate();
      report({ setuids, calls });
    `, { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    const calls = json['calls'] as { aborted: boolean; unrestricted: number; total: number; via33: number; passedOn: number; kept: boolean }[];
    expect(calls).toHaveLength(10);
    for (const c of calls) expect(c).toMatchObject({ aborted: false, unrestricted: 0, via33: 1, kept: false });
    expect(json['setuids']).toBeGreaterThan(0);
    // glibc's own SIGSETXID deliveries did arrive while our handler was installed, and went to glibc's.
    expect(calls.reduce((n, c) => n + c.passedOn, 0)).toBeGreaterThan(0);
  });

  it.runIf(ABI < 8)('a thread no signal reaches (SIGSETXID switched off): strict fails with THREADS_UNREACHABLE changing nothing, bestEffort does not cover it, allowUnrestrictedThreads does', () => {
    const { out, json, r } = unveilChild(`
      // Node's inspector SIGUSR1 thread blocks every signal once it has started; on a loaded machine that takes a moment.
      const scan = () => fs.readdirSync('/proc/self/task').filter((t) => /SigBlk:\\s+fffffffe/.test(fs.readFileSync('/proc/self/task/' + t + '/status', 'utf8'))).map(Number);
      let blocking = scan();
      for (let i = 0; i < 200 && blocking.length === 0; i++) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); blocking = scan(); }
      unveil(dir, 'r');
      const error = errorOf(() => unveil());
      const bestEffort = errorOf(() => unveil({ bestEffort: true }));
      await attempt('read outside after failed locks', () => fs.readFileSync('/etc/hostname'));
      const after = unveilStatus();
      const status = unveil(null, null, { allowUnrestrictedThreads: true });
      ${tick}
      await attempt('read outside after the lock', () => fs.readFileSync('/etc/hostname'));
      report({ blocking, error, bestEffort, after: { locked: after.locked, rules: after.rules.length }, status, warnings });
    `, { env: { SECCOMP_SCOPES_NO_SETXID: '1' } });
    expect(out, describeEnd(r)).toEqual(['read outside after failed locks ok', 'read outside after the lock EACCES']);
    const blocking = json['blocking'] as number[];
    expect(blocking.length).toBeGreaterThan(0); // Node's inspector SIGUSR1 thread
    for (const e of [json['error'], json['bestEffort']]) {
      expect(e).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', reason: 'THREADS_UNREACHABLE', details: { tids: blocking, setxidSignal: null } });
      expect(e.message).toContain(`${blocking[0]} (SigBlk fffffffe`);
      expect(e.message).toContain('SECCOMP_SCOPES_NO_SETXID');
      expect(e.message).toContain('allowUnrestrictedThreads');
    }
    expect(json['after']).toEqual({ locked: false, rules: 1 });
    expect(json['status']).toMatchObject({ locked: true, enforced: true, bestEffort: false, allowUnrestrictedThreads: true, threads: { setxidSignal: null, viaSetxid: [] } });
    expect(json['status'].threads.unrestricted.map((t: { tid: number }) => t.tid)).toEqual(blocking);
    expect(json['status'].threads.unrestricted[0].reason).toMatch(/^blocks signal \d+ \(SigBlk fffffffe[0-9a-f]{8}\); SIGSETXID cannot be borrowed: disabled by SECCOMP_SCOPES_NO_SETXID$/);
    expect(json['warnings']).toContainEqual(expect.objectContaining({ name: 'UnveilWarning', message: expect.stringContaining(`${blocking[0]}: blocks signal`) }));
  });

  it('"" and narrower rules beneath a wider one: Landlock cannot honour them; strict refuses, best effort warns', () => {
    const { out, json, r } = unveilChild(`
      fs.mkdirSync(dir + '/home/secret', { recursive: true });
      fs.writeFileSync(dir + '/home/secret/key', 'k');
      unveil(dir + '/home', 'rw');
      unveil(dir + '/home/secret', '');
      const strict = errorOf(() => unveil());
      unveil({ bestEffort: true });
      ${tick}
      await attempt('read hidden (widened by Landlock)', () => fs.readFileSync(dir + '/home/secret/key'));
      report({ strict, warnings });
    `);
    expect(json['strict'], describeEnd(r)).toMatchObject({ code: 'ENOTSUP', reason: 'UNVEIL_WIDENED' });
    expect(json['strict'].message).toMatch(/secret also gets WRITE_FILE\|READ_FILE\|READ_DIR\|TRUNCATE\|IOCTL_DEV from .*\/home/);
    expect(out).toEqual(['read hidden (widened by Landlock) ok']);
    expect(json['warnings'].some((w: { message: string }) => /cannot take rights away/.test(w.message))).toBe(true);
  });

  it('a file can be unveiled alone; "c" on a file grants nothing, with a warning', () => {
    const { out, json, r } = unveilChild(`
      fs.writeFileSync(dir + '/one.txt', '1'); fs.writeFileSync(dir + '/two.txt', '2');
      unveil(dir + '/one.txt', 'rwc');
      const status = unveil({ bestEffort: true });
      ${tick}
      await attempt('read the file', () => fs.readFileSync(dir + '/one.txt'));
      await attempt('write the file', () => fs.writeFileSync(dir + '/one.txt', 'again'));
      await attempt('read its sibling', () => fs.readFileSync(dir + '/two.txt'));
      await attempt('remove the file', () => fs.unlinkSync(dir + '/one.txt'));
      report({ rules: status.rules, warnings });
    `);
    expect(out, describeEnd(r)).toEqual(['read the file ok', 'write the file ok', 'read its sibling EACCES', 'remove the file EACCES']);
    expect(json['rules'][0]).toMatchObject({ directory: false, permissions: 'rwc', rights: ['WRITE_FILE', 'READ_FILE', 'TRUNCATE', 'IOCTL_DEV'] });
    expect(json['warnings'].some((w: { message: string }) => /cannot apply to a non-directory/.test(w.message))).toBe(true);
  });

  it('locking with no path hides nothing (OpenBSD: only a call naming a path hides the rest) but still locks', () => {
    const { out, json, r } = unveilChild(`
      const status = unveil();
      await attempt('read', () => fs.readFileSync('/etc/hostname'));
      report({ enforced: status.enforced, again: errorOf(() => unveil('/tmp', 'r')) });
    `);
    expect(out, describeEnd(r)).toEqual(['read ok']);
    expect(json['enforced']).toBe(false);
    expect(json['again']).toMatchObject({ code: 'EPERM' });
  });

  it('unveil("/", "") hides everything', () => {
    const { out, r } = unveilChild(`
      unveil('/', '');
      unveil({ bestEffort: true });
      await attempt('read', () => fs.readFileSync('/etc/hostname'));
      await attempt('readdir cwd', () => fs.readdirSync('.'));
      report({});
    `);
    expect(out, describeEnd(r)).toEqual(['read EACCES', 'readdir cwd EACCES']);
  });
});

describe.runIf(process.platform === 'linux')('unveil() errors', () => {
  it('EINVAL for a bad letter (named, with rwxc listed), ENOENT for a missing path, EPERM after the lock', () => {
    const { json, r } = unveilChild(`
      const bad = errorOf(() => unveil(dir, 'rwz'));
      const upper = errorOf(() => unveil(dir, 'R'));
      const notString = errorOf(() => unveil(dir));
      const missing = errorOf(() => unveil(dir + '/no/such/path', 'r'));
      const empty = errorOf(() => unveil('', 'r'));
      unveil(dir, '');                      // "" is a valid permission string
      unveil(dir, 'rwxc');                  // and replacing it is allowed before the lock
      const rules = unveilStatus().rules;
      unveil({ bestEffort: true });
      const afterLock = errorOf(() => unveil(dir, 'r'));
      const relock = errorOf(() => unveil());
      report({ bad, upper, notString, missing, empty, rules, afterLock, relock });
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(json['bad']).toMatchObject({ name: 'PledgeError', code: 'EINVAL', reason: 'BAD_ARGUMENT', details: { letter: 'z' } });
    expect(json['bad'].message).toBe('invalid unveil permission "z" in "rwz"; valid permissions: any of r w x c (read, write, execute, create/remove)');
    expect(json['upper']).toMatchObject({ code: 'EINVAL', details: { letter: 'R' } });
    expect(json['notString']).toMatchObject({ code: 'EINVAL' });
    expect(json['missing']).toMatchObject({ name: 'PledgeError', code: 'ENOENT' });
    expect(json['missing'].message).toContain('/no/such/path');
    expect(json['empty']).toMatchObject({ code: 'ENOENT' });
    expect(json['rules']).toHaveLength(1);
    expect(json['rules'][0].permissions).toBe('rwxc');
    expect(json['afterLock']).toMatchObject({ name: 'PledgeError', code: 'EPERM', reason: 'UNVEIL_LOCKED' });
    expect(json['relock']).toMatchObject({ name: 'PledgeError', code: 'EPERM', reason: 'UNVEIL_LOCKED' });
  });

  it('EPERM under a pledge without "unveil", for adding and for locking, without any syscall', () => {
    const { json, r } = unveilChild(`
      pledge('stdio rpath');
      const add = errorOf(() => unveil(dir, 'r'));
      const lock = errorOf(() => unveil());
      const status = unveilStatus();
      report({ add, lock, locked: status.locked, abi: status.abi });
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(json['add']).toMatchObject({ code: 'EPERM', reason: 'UNVEIL_LOCKED' });
    expect(json['add'].message).toContain('without "unveil"');
    expect(json['lock']).toMatchObject({ code: 'EPERM', reason: 'UNVEIL_LOCKED' });
    expect(json['locked']).toBe(false);   // nothing was unveiled: nothing to lock, and Landlock is never asked
    expect(json['abi']).toBeNull();
  });

  it.runIf(onLandlock)('OpenBSD: pledge() without "unveil" locks what was unveiled (no explicit lock), strictly, before its filter', () => {
    const { out, json, r } = unveilChild(`
      fs.mkdirSync(dir + '/data'); fs.writeFileSync(dir + '/data/f', 'inside');
      await fs.promises.readFile('/etc/hostname');
      unveil(dir + '/data', 'r');
      pledge('stdio rpath');
      await attempt('read inside', () => { if (fs.readFileSync(dir + '/data/f', 'utf8') !== 'inside') throw new Error('content'); });
      await attempt('read /etc/hostname', () => fs.readFileSync('/etc/hostname'));
      await attempt('pool read /etc/hostname', () => fs.promises.readFile('/etc/hostname'));
      const status = unveilStatus();
      report({ status, again: errorOf(() => unveil(dir, 'r')), relock: errorOf(() => unveil()), pledged: pledge() });
    `);
    expect(out, describeEnd(r)).toEqual(['read inside ok', 'read /etc/hostname EACCES', 'pool read /etc/hostname EACCES']);
    expect(json['status']).toMatchObject({ locked: true, enforced: true, bestEffort: false, allowUnrestrictedThreads: false, rules: [{ permissions: 'r' }] });
    expect(json['status'].threads.unrestricted).toEqual([]);
    expect(json['again']).toMatchObject({ code: 'EPERM', reason: 'UNVEIL_LOCKED' });
    expect(json['relock']).toMatchObject({ code: 'EPERM', reason: 'UNVEIL_LOCKED' });
    expect(json['pledged']).toMatchObject({ promises: 'stdio rpath', filters: 1 });
  });

  it.runIf(onLandlock)('pledge() stays all-or-nothing: when its unveil lock fails it throws and installs no filter, with "unveil" kept too', () => {
    const { out, json, r } = unveilChild(`
      fs.mkdirSync(dir + '/home/secret', { recursive: true });
      unveil(dir + '/home', 'rw');
      unveil(dir + '/home/secret', '');                    // Landlock would widen this: a strict lock refuses
      const failed = errorOf(() => pledge('stdio rpath'));
      const after = { status: pledge(), seccomp: native.getSeccompMode(), unveil: unveilStatus().locked };
      await attempt('read outside after the failed pledge', () => fs.readFileSync('/etc/hostname'));
      const keptFailed = errorOf(() => pledge('stdio rpath unveil')); // keeps "unveil", yet locks what was unveiled: fails the same way
      const kept = unveilStatus().locked;
      unveil({ bestEffort: true });                        // the caller's choice of options
      pledge('stdio rpath');
      await attempt('read outside at the end', () => fs.readFileSync('/etc/hostname'));
      report({ failed, after, kept, keptFailed });
    `);
    expect(out, describeEnd(r)).toEqual(['read outside after the failed pledge ok', 'read outside at the end EACCES']);
    expect(json['failed']).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', reason: 'UNVEIL_WIDENED', details: { pledge: 'stdio rpath' } });
    expect(json['failed'].message).toMatch(/^pledge\("stdio rpath"\) without "unveil" locks unveil\(\) first.*no filter was installed/);
    expect(json['after']).toEqual({ status: expect.objectContaining({ filters: 0 }), seccomp: 0, unveil: false });
    expect(json['after'].status.promises).toBeUndefined();
    expect(json['kept']).toBe(false);
    expect(json['keptFailed']).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', reason: 'UNVEIL_WIDENED', details: { pledge: 'stdio rpath unveil' } });
    expect(json['keptFailed'].message).toMatch(/^pledge\("stdio rpath unveil"\) keeps "unveil", yet locks the paths unveiled before it.*no filter was installed/);
  });

  it.runIf(onLandlock)('the documented order: unveil, lock, then pledge without "unveil"', () => {
    const { out, json, r } = unveilChild(`
      fs.mkdirSync(dir + '/templates'); fs.mkdirSync(dir + '/out');
      fs.writeFileSync(dir + '/templates/t.txt', 'template');
      unveil(dir + '/templates', 'r');
      unveil(dir + '/out', 'rwc');
      unveil({ bestEffort: true });
      pledge('stdio rpath wpath cpath');
      await attempt('read template', () => fs.readFileSync(dir + '/templates/t.txt'));
      await attempt('write output', () => fs.writeFileSync(dir + '/out/result.txt', 'done'));
      await attempt('read elsewhere', () => fs.readFileSync('/etc/hostname'));
      await attempt('write template', () => fs.writeFileSync(dir + '/templates/t.txt', 'x'));
      report({ again: errorOf(() => unveil(dir, 'r')) });
    `);
    expect(out, describeEnd(r)).toEqual(['read template ok', 'write output ok', 'read elsewhere EACCES', 'write template EACCES']);
    expect(json['again']).toMatchObject({ code: 'EPERM' });
    expect(fs.readFileSync(path.join(r.dir, 'out/result.txt'), 'utf8')).toBe('done');
  });

  it.runIf(onLandlock && PROMISES.some((p) => p.name === 'unveil'))('with the "unveil" promise, unveil() works after pledge()', () => {
    const { out, r } = unveilChild(`
      fs.mkdirSync(dir + '/data'); fs.writeFileSync(dir + '/data/f', 'x');
      await fs.promises.readFile('/etc/hostname');
      unveil(dir + '/data', 'r');
      pledge('stdio rpath unveil');
      unveil();                                        // strict, under the filter (tgkill, rt_sigaction, /proc reads)
      await attempt('read inside', () => fs.readFileSync(dir + '/data/f'));
      await attempt('read outside', () => fs.readFileSync('/etc/hostname'));
      await attempt('pool read outside', () => fs.promises.readFile('/etc/hostname'));
      report({});
    `);
    expect(out, describeEnd(r)).toEqual(['read inside ok', 'read outside EACCES', 'pool read outside EACCES']);
  });
});

// A seccomp filter in the child answers landlock_create_ruleset with ENOSYS:
// the kernel path a machine without Landlock takes.
describe.runIf(process.platform === 'linux' && onX64)('unveil() without Landlock', () => {
  const NR_LANDLOCK_CREATE_RULESET = 444;
  const ENOSYS = 38;
  // arch == x86_64 ? (nr == 444 ? ERRNO(ENOSYS) : ALLOW) : ALLOW
  const filterHex = (() => {
    const insns: [number, number, number, number][] = [
      [0x20, 0, 0, 4], [0x15, 1, 0, 0xc000003e], [0x06, 0, 0, 0x7fff0000],
      [0x20, 0, 0, 0], [0x15, 0, 1, NR_LANDLOCK_CREATE_RULESET], [0x06, 0, 0, 0x00050000 | ENOSYS], [0x06, 0, 0, 0x7fff0000],
    ];
    const buf = Buffer.alloc(insns.length * 8);
    insns.forEach(([code, jt, jf, k], i) => { buf.writeUInt16LE(code, i * 8); buf.writeUInt8(jt, i * 8 + 2); buf.writeUInt8(jf, i * 8 + 3); buf.writeUInt32LE(k >>> 0, i * 8 + 4); });
    return buf.toString('hex');
  })();
  const noLandlock = `native.setNoNewPrivs(); native.installFilter(Buffer.from('${filterHex}', 'hex'), 1);`;

  it('strict: ENOTSUP, nothing locked; best effort: a warning, nothing enforced, status says so', () => {
    const { out, json, r } = unveilChild(`
      ${noLandlock}
      unveil(dir, 'r');
      const before = unveilStatus();
      const strict = errorOf(() => unveil());
      const afterStrict = unveilStatus().locked;
      const status = unveil({ bestEffort: true });
      ${tick}
      await attempt('read outside', () => fs.readFileSync('/etc/hostname'));
      report({ before: { abi: before.abi, dropped: before.dropped.length }, strict, afterStrict, status, warnings, again: errorOf(() => unveil(dir, 'r')) });
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(json['before']).toEqual({ abi: 0, dropped: 16 });
    expect(json['strict']).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', reason: 'LANDLOCK_UNAVAILABLE' });
    expect(json['strict'].message).toContain('Landlock is not available');
    expect(json['strict'].message).toContain('ENOSYS');
    expect(json['afterStrict']).toBe(false);
    expect(json['status']).toMatchObject({ locked: true, enforced: false, bestEffort: true, abi: 0, handled: [], threads: { method: 'none' } });
    expect(json['warnings']).toEqual([expect.objectContaining({ name: 'UnveilWarning', code: 'UNVEIL_DOWNGRADE', message: expect.stringContaining('enforces nothing') })]);
    expect(out).toEqual(['read outside ok']);
    expect(json['again']).toMatchObject({ code: 'EPERM' });
  });

  it('pledge() after unveil(path) without a lock refuses (LANDLOCK_UNAVAILABLE) rather than pledge with the paths unenforced', () => {
    const { json, r } = unveilChild(`
      ${noLandlock}
      unveil(dir, 'r');
      const failed = errorOf(() => pledge('stdio rpath'));
      report({ failed, filters: pledge().filters, locked: unveilStatus().locked });
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(json['failed']).toMatchObject({ name: 'PledgeError', code: 'ENOTSUP', reason: 'LANDLOCK_UNAVAILABLE' });
    expect(json['failed'].message).toContain('pass { bestEffort: true }');
    expect(json['filters']).toBe(0);
    expect(json['locked']).toBe(false);
  });
});
