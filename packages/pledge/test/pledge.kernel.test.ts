import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, describeEnd, runChild } from './child.js';

/** Lines a child printed, trimmed. */
const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

describe('pledge("stdio") in a running Node process', () => {
  it('keeps I/O on descriptors opened before the call working, sync and async', () => {
    const r = runChild(`
      import fs from 'node:fs';
      fs.writeFileSync(dir + '/in.txt', 'hello from before');
      const inFd = fs.openSync(dir + '/in.txt', 'r');
      const outFd = fs.openSync(dir + '/out.txt', 'w');
      pledge('stdio');
      const buf = Buffer.alloc(64);
      const n = fs.readSync(inFd, buf, 0, 64, 0);
      fs.writeSync(outFd, buf.subarray(0, n).toString().toUpperCase());
      fs.fstatSync(inFd);
      fs.read(inFd, Buffer.alloc(5), 0, 5, 0, (err, bytes, b) => {
        console.log('async read', err, b.toString());
        fs.write(outFd, '!', (err2) => { console.log('async write', err2); fs.closeSync(outFd); });
      });
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['async read null hello', 'async write null']);
    expect(fs.readFileSync(path.join(r.dir, 'out.txt'), 'utf8')).toBe('HELLO FROM BEFORE!');
  });

  it('blocks opening any path: reads fail with EACCES, writes kill the process by SIGSYS', () => {
    const read = runChild(`
      pledge('stdio');
      try { (await import('node:fs')).readFileSync('/etc/hostname'); console.log('read worked'); }
      catch (e) { console.log('read', e.code); }
    `);
    expect(read.status, describeEnd(read)).toBe(0);
    expect(lines(read.stdout)).toEqual(['read EACCES']);

    const write = runChild(`
      import fs from 'node:fs';
      pledge('stdio');
      console.log('pledged');
      fs.writeFileSync(dir + '/new.txt', 'x');
      console.log('wrote');
    `, { viaShell: true });
    expect(lines(write.stdout)).toEqual(['pledged', 'shell-status=159']);
    expect(fs.existsSync(path.join(write.dir, 'new.txt'))).toBe(false);
  });

  it('dies by SIGSYS as a whole process', () => {
    const r = runChild(`
      import net from 'node:net';
      pledge('stdio');
      net.connect(80, '127.0.0.1');
      setTimeout(() => console.log('still alive'), 500);
    `);
    expect(r.signal, describeEnd(r)).toBe('SIGSYS');
    expect(r.stdout).not.toContain('still alive');
  });

  it('filters the libuv threadpool threads that existed before the call (TSYNC)', () => {
    const r = runChild(`
      import fs from 'node:fs';
      await fs.promises.readFile('/etc/hostname');          // starts the threadpool
      pledge('stdio');
      const tasks = fs.readdirSync('/proc/self/task');     // readdir on an fd opened by the runtime? no: path
    `);
    // readdirSync opens a path: under stdio that is refused with EACCES (a throw), not run.
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('EACCES');

    const viaPool = runChild(`
      import fs from 'node:fs';
      await fs.promises.readFile('/etc/hostname');
      pledge('stdio');
      try { await fs.promises.readFile('/etc/hostname'); console.log('pool read worked'); }
      catch (e) { console.log('pool read', e.code); }
      await fs.promises.writeFile(dir + '/x', 'x');
      console.log('pool write worked');
    `);
    expect(lines(viaPool.stdout), describeEnd(viaPool)).toEqual(['pool read EACCES']);
    expect(viaPool.signal).toBe('SIGSYS');
  });

  it('installs one filter on every thread of the process', () => {
    const r = runChild(`
      import fs from 'node:fs';
      await fs.promises.readFile('/etc/hostname');
      const before = fs.readdirSync('/proc/self/task');
      const statuses = before.map((t) => fs.openSync('/proc/self/task/' + t + '/status', 'r'));
      pledge('stdio');
      for (const fd of statuses) {
        const buf = Buffer.alloc(4096);
        const text = buf.subarray(0, fs.readSync(fd, buf, 0, 4096, 0)).toString();
        console.log(/Seccomp:\\s+(\\d)/.exec(text)[1], /Seccomp_filters:\\s+(\\d+)/.exec(text)[1], /NoNewPrivs:\\s+(\\d)/.exec(text)[1]);
      }
      console.log('threads', before.length);
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    const out = lines(r.stdout);
    const threads = Number(out.pop()!.split(' ')[1]);
    expect(threads).toBeGreaterThan(4); // main, V8 platform workers, libuv pool
    expect(out).toEqual(Array(threads).fill('2 1 1'));
  });

  it('keeps Node working: Worker started after pledge, zlib, crypto, timers, GC, console, exit code', () => {
    const r = runChild(`
      import { Worker } from 'node:worker_threads';
      import zlib from 'node:zlib';
      import crypto from 'node:crypto';
      pledge('stdio');
      const w = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m.map((x) => x * 2)));", { eval: true });
      const reply = await new Promise((resolve) => { w.once('message', resolve); w.postMessage([1, 2, 3]); });
      await w.terminate();
      console.log('worker', JSON.stringify(reply));
      const z = zlib.gunzipSync(zlib.gzipSync(Buffer.from('abc'.repeat(1000)))).length;
      const az = await new Promise((res, rej) => zlib.deflate(Buffer.alloc(1e5, 1), (e, b) => (e ? rej(e) : res(b.length))));
      console.log('zlib', z, az > 0);
      console.log('crypto', crypto.randomBytes(16).length, crypto.createHash('sha256').update('x').digest('hex').slice(0, 8), typeof crypto.randomUUID());
      console.log('subtle', (await crypto.subtle.digest('SHA-256', new Uint8Array([1]))).byteLength);
      await new Promise((res) => setTimeout(res, 20));
      let junk = []; for (let i = 0; i < 200; i++) junk.push(new Array(1e5).fill(i)); junk = null; globalThis.gc();
      console.error('to stderr');
      process.exit(7);
    `, { nodeArgs: ['--expose-gc'] });
    expect(r.status, describeEnd(r)).toBe(7);
    expect(lines(r.stdout)).toEqual(['worker [2,4,6]', 'zlib 3000 true', 'crypto 16 2d711642 string', 'subtle 32']);
    expect(r.stderr).toContain('to stderr');
  });

  it('writes console output to a regular file and to a tty', () => {
    const toFile = runChild(`pledge('stdio'); console.log('line', 1); process.stdout.write('more\\n');`);
    expect(toFile.status, describeEnd(toFile)).toBe(0);
    // Under script(1) stdout is a pseudo-terminal.
    const dir = fs.mkdtempSync('/tmp/pledge-tty-');
    const file = path.join(dir, 'tty.mjs');
    const dist = path.resolve(__dirname, '../dist/index.js');
    fs.writeFileSync(file, `import { pledge } from ${JSON.stringify(dist)}; import tty from 'node:tty'; pledge('stdio'); console.log('isatty ' + tty.isatty(1) + ' ' + process.stdout.isTTY + ' ' + process.stdout.getWindowSize().length); setTimeout(() => console.log('bye'), 10);`);
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync('script', ['-qec', `${NODE} ${file}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.replace(/\r/g, '')).toMatch(/isatty true true 2\nbye/);
  });
});

describe('rpath, wpath, cpath with OpenBSD semantics', () => {
  const setup = `import fs from 'node:fs'; fs.writeFileSync(dir + '/f.txt', 'data'); fs.mkdirSync(dir + '/d');`;
  const attempt = (label: string, expr: string): string =>
    `try { ${expr}; console.log('${label} ok'); } catch (e) { console.log('${label}', e.code); }`;

  it('rpath reads, lists and stats; writing kills', () => {
    const r = runChild(`${setup}
      pledge('stdio rpath');
      ${attempt('read', `fs.readFileSync(dir + '/f.txt', 'utf8')`)}
      ${attempt('readdir', `fs.readdirSync(dir)`)}
      ${attempt('stat', `fs.statSync(dir + '/f.txt')`)}
      ${attempt('realpath', `fs.realpathSync(dir + '/d/..')`)}
      fs.openSync(dir + '/f.txt', 'r+');
      console.log('O_RDWR ok');
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['read ok', 'readdir ok', 'stat ok', 'realpath ok']);
    expect(r.signal).toBe('SIGSYS');
  });

  it('wpath opens existing files for writing only; O_RDWR also needs rpath; creating needs cpath', () => {
    const wonly = runChild(`${setup}
      pledge('stdio wpath');
      const fd = fs.openSync(dir + '/f.txt', fs.constants.O_WRONLY | fs.constants.O_TRUNC);
      fs.writeSync(fd, 'new'); console.log('O_WRONLY|O_TRUNC ok');
      fs.openSync(dir + '/g.txt', 'w');
      console.log('created');
    `);
    expect(lines(wonly.stdout), describeEnd(wonly)).toEqual(['O_WRONLY|O_TRUNC ok']);
    expect(wonly.signal).toBe('SIGSYS');
    expect(fs.readFileSync(path.join(wonly.dir, 'f.txt'), 'utf8')).toBe('new');
    expect(fs.existsSync(path.join(wonly.dir, 'g.txt'))).toBe(false);

    const rdwr = runChild(`${setup} pledge('stdio wpath'); fs.openSync(dir + '/f.txt', 'r+'); console.log('r+ ok');`);
    expect(rdwr.signal, describeEnd(rdwr)).toBe('SIGSYS');
    const both = runChild(`${setup} pledge('stdio rpath wpath'); fs.openSync(dir + '/f.txt', 'r+'); console.log('r+ ok');`);
    expect(lines(both.stdout), describeEnd(both)).toEqual(['r+ ok']);
  });

  it('cpath creates, renames and removes; with wpath, open(O_CREAT) works', () => {
    const r = runChild(`${setup}
      pledge('stdio rpath wpath cpath');
      fs.writeFileSync(dir + '/new.txt', 'n');
      fs.mkdirSync(dir + '/d/sub');
      fs.renameSync(dir + '/new.txt', dir + '/d/sub/moved.txt');
      fs.unlinkSync(dir + '/f.txt');
      fs.symlinkSync('moved.txt', dir + '/d/sub/link');
      console.log(fs.readdirSync(dir + '/d/sub').sort().join(','));
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['link,moved.txt']);
    const without = runChild(`${setup} pledge('stdio rpath wpath'); fs.mkdirSync(dir + '/nope'); console.log('mkdir ok');`);
    expect(without.signal, describeEnd(without)).toBe('SIGSYS');
    expect(fs.existsSync(path.join(without.dir, 'nope'))).toBe(false);
  });
});

describe('executable memory', () => {
  const lib = '/lib/x86_64-linux-gnu/libz.so.1';
  const dlopen = `
    pledge('stdio rpath');
    console.log('pledged');
    try { process.dlopen({ exports: {} }, ${JSON.stringify(lib)}); } catch (e) { console.log('dlopen threw'); }
    console.log('alive');
  `;
  it('under --jitless, mapping code (dlopen) is blocked without prot_exec', () => {
    expect(fs.existsSync(lib), `${lib} is needed by this test (Debian package zlib1g)`).toBe(true);
    const r = runChild(dlopen, { nodeArgs: ['--jitless'] });
    expect(lines(r.stdout), describeEnd(r)).toEqual(['pledged']);
    expect(r.signal).toBe('SIGSYS');
  });
  it('with the JIT on, the runtime allowance (documented) lets executable mappings through', () => {
    const r = runChild(dlopen);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['pledged', 'dlopen threw', 'alive']);
  });
  it('a --jitless process runs its normal work without any PROT_EXEC', () => {
    const r = runChild(`pledge('stdio'); const a = []; for (let i = 0; i < 1e5; i++) a.push({ i }); console.log(a.length, JSON.stringify({ ok: true }));`, { nodeArgs: ['--jitless'] });
    expect(lines(r.stdout), describeEnd(r)).toEqual(['100000 {"ok":true}']);
  });
});

describe('bad input changes nothing', () => {
  const status = `
    const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
    console.log(/Seccomp:\\s+(\\d)/.exec(s)[1], /NoNewPrivs:\\s+(\\d)/.exec(s)[1]);`;
  it('an unknown promise throws EINVAL naming it and installs nothing', () => {
    const r = runChild(`
      try { pledge('stdio rpath bogus'); } catch (e) { console.log(e instanceof PledgeError, e.code, e.reason, e.message); }
      ${status}
    `);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^true EINVAL UNKNOWN_PROMISE unknown promise "bogus" in "stdio rpath bogus"; valid promises: stdio rpath wpath cpath dpath tmppath fattr chown flock unix inet mcast route dns getpw sendfd recvfd tty proc exec prot_exec settime ps vminfo id unveil error$/);
    expect(out[1]).toBe('0 0');
  });
  it('UV_USE_IO_URING=1: libuv < 1.49 (Node 20) makes an SQPOLL ring, refused with ENOTSUP and nothing installed; later libuv makes none, and its epoll rings are adopted', () => {
    const r = runChild(`
      import fs from 'node:fs';
      await fs.promises.readFile('/etc/hostname');
      const [major, minor] = process.versions.uv.split('.').map(Number);
      console.log(major > 1 || minor >= 49 ? 'libuv >= 1.49' : 'libuv < 1.49');
      let pledged = false;
      try { const s = pledge('stdio'); pledged = true; console.log('pledged ' + (s.rings ?? []).length + ' ' + s.filters); } catch (e) { console.log(e.code, e.reason, /SQPOLL/.test(e.message)); }
      if (!pledged) { ${status} }
    `, { env: { UV_USE_IO_URING: '1' } });
    const out = lines(r.stdout);
    if (out[0] === 'libuv < 1.49') expect(out, describeEnd(r)).toEqual(['libuv < 1.49', 'ENOTSUP UNSUPPORTED_RUNTIME true', '0 0']);
    else {
      expect(out[0], describeEnd(r)).toBe('libuv >= 1.49');
      expect(out[1]).toMatch(/^pledged [1-9]\d* 1$/);
    }
  });
});
