/**
 * pledge() and unveil() in a running Node process, as users start it
 * (`node app.mjs`, no flags): the workload of the Node-versions issue. This
 * file runs on every supported Node line (the root vitest config gives each
 * a project; runChild uses SECCOMP_SCOPES_TEST_NODE).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KILLED, describeEnd, runChild } from './child.js';
import { buildFixture } from './build-fixture.js';

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** The io_uring attacker's Node-API module (fixtures/ring-attack.c), loaded before pledge(). */
const ringAttack = (): string => buildFixture('ring-attack', ['-shared', '-fPIC', '-I/usr/include/node']);
const loadAttack = (file: string): string =>
  `const attackModule = { exports: {} }; process.dlopen(attackModule, ${JSON.stringify(file)}); const ra = attackModule.exports;`;

describe('pledge("stdio") with the whole runtime in use', () => {
  it('runs Workers, zlib, crypto, WebCrypto, timers, fd I/O and heavy allocation, and keeps the exit status', () => {
    const r = runChild(`
      import fs from 'node:fs';
      import zlib from 'node:zlib';
      import crypto from 'node:crypto';
      import { Worker } from 'node:worker_threads';
      fs.writeFileSync(dir + '/in.txt', 'input data');
      const inFd = fs.openSync(dir + '/in.txt', 'r');
      const outFd = fs.openSync(dir + '/out.txt', 'w');
      pledge('stdio');
      const out = [];
      const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m * 2));', { eval: true });
      const answer = await new Promise((resolve) => { w.once('message', resolve); w.postMessage(21); });
      await w.terminate();
      out.push('worker ' + answer);
      out.push('gunzip ' + zlib.gunzipSync(zlib.gzipSync(Buffer.from('abc'))).toString());
      out.push('gzip async ' + (await new Promise((res, rej) => zlib.gzip(Buffer.alloc(1 << 16, 7), (e, b) => e ? rej(e) : res(zlib.gunzipSync(b).length)))));
      out.push('sha ' + crypto.createHash('sha256').update('x').digest('hex').slice(0, 8));
      out.push('scrypt ' + (await new Promise((res, rej) => crypto.scrypt('pw', 'salt', 16, (e, k) => e ? rej(e) : res(k.length)))));
      out.push('subtle ' + (await crypto.subtle.digest('SHA-256', new Uint8Array(8))).byteLength);
      const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
      out.push('hmac ' + (await crypto.subtle.sign('HMAC', key, new Uint8Array(4))).byteLength);
      await new Promise((res) => setTimeout(res, 20));
      out.push('timer');
      out.push('read ' + fs.readFileSync(inFd, 'utf8'));
      await new Promise((res) => fs.write(outFd, 'async', () => res()));
      fs.writeSync(outFd, ' sync');
      // Allocation-heavy: many collections, with V8's GC threads contending on their mutexes.
      let kept = 0;
      for (let round = 0; round < 12; round++) { const a = []; for (let i = 0; i < 400000; i++) a.push({ i, s: 'x' + i }); kept += a.length; }
      out.push('allocated ' + kept);
      console.log(out.join('\\n'));
      process.exitCode = 7;
    `, { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(7);
    expect(lines(r.stdout)).toEqual(['worker 42', 'gunzip abc', 'gzip async 65536', 'sha 2d711642', 'scrypt 16', 'subtle 32', 'hmac 32', 'timer', 'read input data', 'allocated 4800000']);
    expect(fs.readFileSync(path.join(r.dir, 'out.txt'), 'utf8')).toBe('async sync');
  });

  it('an HTTP server under "stdio inet" answers 200 requests', () => {
    const r = runChild(`
      import http from 'node:http';
      const server = http.createServer((req, res) => res.end('hi ' + req.url));
      await new Promise((res) => server.listen(0, '127.0.0.1', res));
      pledge('stdio inet');
      const port = server.address().port;
      let ok = 0;
      for (let i = 0; i < 200; i++) {
        const body = await new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/' + i, agent: i % 2 ? undefined : false }, (res) => {
          let b = ''; res.on('data', (d) => b += d); res.on('end', () => resolve(b));
        }).on('error', reject));
        if (body === 'hi /' + i) ok++;
      }
      server.close();
      http.globalAgent.destroy();
      console.log('answered ' + ok);
    `, { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['answered 200']);
  });

  it('unveil + pledge("stdio rpath"): reads inside, EACCES outside', () => {
    const r = runChild(`
      import fs from 'node:fs';
      const { unveil } = await import(${JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js'))});
      fs.mkdirSync(dir + '/data');
      fs.writeFileSync(dir + '/data/a.txt', 'inside');
      unveil(dir + '/data', 'r');
      pledge('stdio rpath');
      console.log(fs.readFileSync(dir + '/data/a.txt', 'utf8'));
      try { fs.readFileSync('/etc/hostname'); console.log('outside readable'); } catch (e) { console.log('outside ' + e.code); }
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['inside', 'outside EACCES']);
  });

  it('a spawn after pledge("stdio") is killed, with its report line', () => {
    const r = runChild(`
      import { spawnSync } from 'node:child_process';
      pledge('stdio');
      spawnSync('/bin/true');
      console.log('spawned');
    `, { viaShell: true });
    expect(r.stdout).toContain(`shell-status=${KILLED}`);
    expect(r.stdout).not.toContain('spawned');
    expect(r.stderr).toMatch(/pledge "stdio" blocked (clone|clone3|vfork|fork)\(.*; it needs "proc"/);
  });
});

describe('memory protection keys (a CPU with PKU, simulated by fixtures/pkey-shim.c)', () => {
  it('WebAssembly code compiled after pledge("stdio") runs; V8 11 (Node 20) tags it with pkey_mprotect', () => {
    const shim = buildFixture('pkey-shim', ['-shared', '-fPIC', '-ldl']);
    const r = runChild(`
      pledge('stdio');
      // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
      const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      let sum = 0; for (let i = 0; i < 100000; i++) sum = exports.add(sum, 1) | 0;
      console.log('wasm ' + sum);
    `, { env: { LD_PRELOAD: shim, PKEY_SHIM_LOG: '1' } });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['wasm 100000']);
    expect(r.stderr).not.toMatch(/blocked/);
    // On a line that uses keys, the shim saw V8 make executable memory with one after pledge().
    if (/pkey_alloc/.test(r.stderr)) expect(r.stderr).toMatch(/pkey_mprotect\(.*PROT_EXEC|pkey_mprotect.*prot=0x7|pkey_mprotect/);
  });
});

describe('pledge("") ends the process with its own status', () => {
  it('by process.exit(n), after the exit listeners', () => {
    for (let i = 0; i < 3; i++) {
      const r = runChild(`
        process.on('exit', (c) => { process.exitCode = c; });
        pledge('');
        process.exit(3);
      `);
      expect(r.status, describeEnd(r)).toBe(3);
      expect(r.stderr).toBe('');
    }
  });

  it('by a natural end with process.exitCode', () => {
    for (let i = 0; i < 3; i++) {
      const r = runChild(`
        pledge('');
        let x = 0; for (let j = 0; j < 1e5; j++) x += j;
        process.exitCode = x > 0 ? 4 : 5;
      `);
      expect(r.status, describeEnd(r)).toBe(4);
      expect(r.stderr).toBe('');
    }
  });
});

describe('pledge state is the process\', in every JavaScript realm', () => {
  it('a wider pledge on the main thread after a narrower one in a Worker throws EPERM, and status says what is in force', () => {
    const index = JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js'));
    const r = runChild(`
      import { Worker } from 'node:worker_threads';
      const w = new Worker(\`import(${index}).then((m) => { m.pledge('stdio'); require('node:worker_threads').parentPort.postMessage('pledged'); });\`, { eval: true });
      await new Promise((res) => w.once('message', res));
      try { pledge('stdio rpath'); console.log('widened'); } catch (e) { console.log(e.code + ' ' + e.reason); }
      const s = pledge();
      console.log(s.promises + ' ' + s.filters + ' ' + s.available);
      await w.terminate();
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['EPERM PRIVILEGE_INCREASE', 'stdio 1 true']);
  });

  it('a wider pledge in a Worker after the main thread narrowed throws EPERM there', () => {
    const index = JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js'));
    const r = runChild(`
      import { Worker } from 'node:worker_threads';
      // The Worker loads the module first (after pledge('stdio') nothing can be imported).
      const w = new Worker(\`const { parentPort } = require('node:worker_threads'); import(${index}).then((m) => { parentPort.postMessage('ready'); parentPort.once('message', () => { let out; try { m.pledge('stdio inet'); out = 'widened'; } catch (e) { out = e.code + ' ' + m.pledge().promises; } parentPort.postMessage(out); }); });\`, { eval: true });
      await new Promise((res) => w.once('message', res));
      pledge('stdio');
      w.postMessage('go');
      console.log(await new Promise((res) => w.once('message', res)));
      await w.terminate();
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['EPERM stdio']);
  });
});

describe('io_uring: no ring submits work after pledge()', () => {
  it('an OPENAT written into a ring that existed before pledge() never runs (ENOSYS), and libuv keeps working', () => {
    const attack = ringAttack();
    const r = runChild(`
      import fs from 'node:fs';
      import { Worker } from 'node:worker_threads';
      ${loadAttack(attack)}
      const own = ra.makeRing();
      if (own < 0) throw new Error('io_uring_setup: ' + own);
      const rings = fs.readdirSync('/proc/self/fd').filter((f) => { try { return fs.readlinkSync('/proc/self/fd/' + f) === 'anon_inode:[io_uring]'; } catch { return false; } }).map(Number);
      pledge('stdio');
      for (const fd of rings) {
        const target = dir + '/created-' + fd;
        console.log((fd === own ? 'own' : 'libuv') + ' ' + ra.attack(fd, target) + ' ' + fs.existsSync(target));
      }
      const w = new Worker('require("node:worker_threads").parentPort.postMessage(9)', { eval: true });
      console.log('worker ' + await new Promise((res) => w.once('message', res)));
      await w.terminate();
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    const out = lines(r.stdout);
    expect(out).toContain('own -38 false'); // -ENOSYS; the file was not created
    for (const l of out.filter((x) => x.startsWith('libuv '))) expect(l).toBe('libuv -38 false');
    expect(out[out.length - 1]).toBe('worker 9');
    expect(fs.readdirSync(r.dir).filter((f) => f.startsWith('created-'))).toEqual([]);
  });

  it('refuses a ring with a kernel submission thread that has no descriptor and no mapping', () => {
    const attack = ringAttack();
    const r = runChild(`
      import fs from 'node:fs';
      ${loadAttack(attack)}
      const rc = ra.hiddenSqpoll(dir + '/hidden');
      if (rc !== 0) throw new Error('hidden SQPOLL ring: ' + rc);
      for (let i = 0; i < 1000 && !fs.existsSync(dir + '/hidden'); i++) await new Promise((res) => setTimeout(res, 10)); // the kernel thread runs it soon; allow 10 s on a loaded machine
      console.log('ring works ' + fs.existsSync(dir + '/hidden'));
      try { pledge('stdio'); console.log('pledged'); } catch (e) { console.log(e.code + ' ' + e.reason + ' ' + /iou-sqp-/.test(e.message)); }
      console.log('filters ' + pledge().filters);
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['ring works true', 'ENOTSUP UNSUPPORTED_RUNTIME true', 'filters 0']);
  });

  it('the native scan (ringScan) finds what a walk of /proc/self finds: the rings with their fdinfo (and fields as parseRingFdinfo reads them, SQPOLL ring included), the eventfds, the submission threads', () => {
    const attack = ringAttack();
    const r = runChild(`
      import fs from 'node:fs';
      import { ringScan } from ${JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/dist/index.js'))};
      import { parseRingFdinfo } from ${JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/io-uring.js'))};
      ${loadAttack(attack)}
      if (ra.makeRing() < 0) throw new Error('io_uring_setup');
      const rc = ra.hiddenSqpoll(dir + '/hidden');
      if (rc !== 0) throw new Error('hidden SQPOLL ring: ' + rc);
      for (let i = 0; i < 1000 && !fs.existsSync(dir + '/hidden'); i++) await new Promise((res) => setTimeout(res, 10)); // its kernel thread has started
      const link = (f) => { try { return fs.readlinkSync('/proc/self/fd/' + f); } catch { return ''; } };
      // Threads start and descriptors open around the two walks: compared until they agree (at most 20 times).
      let walked, scanned;
      for (let attempt = 0; attempt < 20; attempt++) {
        walked = {
          fds: fs.readdirSync('/proc/self/fd').filter((f) => /^anon_inode:\\[(io_uring|eventfd)\\]$/.test(link(f))).map((f) => link(f) === 'anon_inode:[io_uring]'
            ? { fd: Number(f), target: link(f), fdinfo: fs.readFileSync('/proc/self/fdinfo/' + f, 'utf8').replace(/^(SqHead|SqTail|CachedSqHead|CqHead|CqTail|CachedCqTail|SQEs|CQEs|SqWorkTime|SqTotalTime):.*$/gm, '') }
            : { fd: Number(f), target: link(f) }),
          tasks: fs.readdirSync('/proc/self/task').map((t) => ({ tid: Number(t), name: (() => { try { return fs.readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim(); } catch { return ''; } })() })).filter((t) => t.name.startsWith('iou-sqp-')),
        };
        walked.fds.sort((a, b) => a.fd - b.fd);
        scanned = ringScan();
        scanned.fds.sort((a, b) => a.fd - b.fd);
        // The addon's reading of each ring's fields (pledge() uses it instead of parsing the text) is parseRingFdinfo's.
        for (const f of scanned.fds) {
          if (f.target !== 'anon_inode:[io_uring]') continue;
          const fromText = parseRingFdinfo(f.fd, f.fdinfo);
          const { sqMask, cqMask, sqThread, ino } = f.fields ?? {};
          if (!fromText || JSON.stringify({ fd: f.fd, sqEntries: sqMask + 1, cqEntries: cqMask + 1, sqThread, ...(ino !== undefined ? { ino } : {}) }) !== JSON.stringify(fromText)) {
            throw new Error('fields ' + JSON.stringify(f.fields) + ' differ from the text: ' + JSON.stringify(fromText));
          }
          delete f.fields;
        }
        for (const f of scanned.fds) if (f.fdinfo) f.fdinfo = f.fdinfo.replace(/^(SqHead|SqTail|CachedSqHead|CqHead|CqTail|CachedCqTail|SQEs|CQEs|SqWorkTime|SqTotalTime):.*$/gm, '');
        if (JSON.stringify(scanned) === JSON.stringify(walked)) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      console.log(JSON.stringify(scanned) === JSON.stringify(walked), walked.fds.some((f) => f.fdinfo), walked.fds.some((f) => !f.fdinfo), walked.tasks.length > 0);
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['true true true true']);
  });
});

describe('stdout and stderr first used after pledge()', () => {
  it('a pipe (a socket pair from libuv 1.49 on) or a file as stdout/stderr is created under "stdio" and written; a later pledge("") creates them first and keeps the exit status', () => {
    // The driver spawns fresh processes whose streams pledge() leaves to their first use (runtime-prep.ts): any call
    // that creating them makes outside stdio kills the child.
    const r = runChild(`
      import { spawnSync } from 'node:child_process';
      import fs from 'node:fs';
      const program = dir + '/program.mjs';
      fs.writeFileSync(program, "import { pledge } from " + JSON.stringify(${JSON.stringify(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js'))}) + ";\\n" +
        "pledge('stdio');\\n" +
        "if (process.argv[2] === 'narrow') { pledge(''); process.exitCode = 3; } else { console.log('out ' + process.stdout.constructor.name); console.error('err'); await new Promise((res) => process.stdout.write('', res)); }\\n");
      const file = fs.openSync(dir + '/out.txt', 'w');
      const piped = spawnSync(process.execPath, [program], { encoding: 'utf8' });
      console.log('pipe', piped.status, piped.stdout.trim(), piped.stderr.trim());
      const filed = spawnSync(process.execPath, [program], { stdio: ['ignore', file, file] });
      console.log('file', filed.status, fs.readFileSync(dir + '/out.txt', 'utf8').trim().split('\\n').join(' '));
      const narrowed = spawnSync(process.execPath, [program, 'narrow'], { encoding: 'utf8' });
      console.log('narrow', narrowed.status, narrowed.signal, narrowed.stdout.trim());
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['pipe 0 out Socket err', 'file 0 out SyncWriteStream err', 'narrow 3 null']);
  });
});
