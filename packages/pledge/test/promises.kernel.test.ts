import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** A TCP echo server on 127.0.0.1 in the child, started before pledging; `port` is in scope after. */
const server = `
  import net from 'node:net';
  const srv = net.createServer((c) => c.pipe(c));
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
`;
const client = `
  const got = await new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.end('ping'));
    let data = ''; c.on('data', (d) => (data += d)); c.on('end', () => resolve(data)); c.on('error', reject);
  });
  console.log('echo', got);
  srv.close();
`;

describe('inet and unix', () => {
  it('inet lets a client connect to a server on 127.0.0.1', () => {
    const r = runChild(`${server} pledge('stdio inet'); ${client}`);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['echo ping']);
  });
  it('unix does not: creating the AF_INET socket kills', () => {
    const r = runChild(`${server} pledge('stdio unix'); console.log('pledged'); ${client}`);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['pledged']);
    expect(r.signal).toBe('SIGSYS');
  });
  it('unix lets a client talk to a local socket server; inet does not', () => {
    const code = (p: string): string => `
      import net from 'node:net';
      const path = dir + '/sock';
      const srv = net.createServer((c) => c.pipe(c));
      await new Promise((r) => srv.listen(path, r));
      pledge('${p}');
      console.log('pledged');
      const got = await new Promise((resolve, reject) => {
        const c = net.connect(path, () => c.end('hello'));
        let data = ''; c.on('data', (d) => (data += d)); c.on('end', () => resolve(data)); c.on('error', reject);
      });
      console.log('echo', got);
      srv.close();`;
    const ok = runChild(code('stdio unix'));
    expect(lines(ok.stdout), describeEnd(ok)).toEqual(['pledged', 'echo hello']);
    const no = runChild(code('stdio inet'));
    expect(lines(no.stdout), describeEnd(no)).toEqual(['pledged']);
    expect(no.signal).toBe('SIGSYS');
  });
});

describe('tty', () => {
  const viaPty = (p: string, body: string): { stdout: string; status: number | null } => {
    // script(1) gives the child a pseudo-terminal on stdin/stdout/stderr.
    const r = runChild(`
      import { spawnSync } from 'node:child_process';
      import fs from 'node:fs';
      fs.writeFileSync(dir + '/t.mjs', ${JSON.stringify(`import { pledge } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)};\n`)} + ${JSON.stringify(`pledge('${p}');\n${body}`)});
      const r = spawnSync('script', ['-qec', process.execPath + ' ' + dir + '/t.mjs', '/dev/null'], { encoding: 'utf8' });
      process.stdout.write(r.stdout.replace(/\\r/g, ''));
      console.log('status', r.status);
    `);
    return { stdout: r.stdout, status: r.status };
  };
  it('lets a program read the window size of a pty', () => {
    const r = viaPty('stdio tty', `import tty from 'node:tty'; const ws = new tty.WriteStream(1); console.log('size ' + ws.getWindowSize().length);`);
    expect(lines(r.stdout)).toEqual(['size 2', 'status 0']);
  });
});

describe('proc and exec', () => {
  it('proc lets a child be spawned; stdio does not', () => {
    const spawn = `import { spawnSync } from 'node:child_process';`;
    const ok = runChild(`${spawn} pledge('stdio rpath proc exec prot_exec'); const r = spawnSync('/bin/echo', ['hi'], { encoding: 'utf8' }); console.log('child', r.status, r.stdout.trim());`);
    expect(lines(ok.stdout), describeEnd(ok)).toEqual(['child 0 hi']);
    const no = runChild(`${spawn} pledge('stdio'); console.log('pledged'); spawnSync('/bin/echo', ['hi']); console.log('spawned');`);
    expect(lines(no.stdout), describeEnd(no)).toEqual(['pledged']);
    expect(no.signal).toBe('SIGSYS');
  });
  it('exec with execpromises runs /bin/true, which inherits the filter', () => {
    const r = runChild(`
      import { spawnSync } from 'node:child_process';
      const s = pledge('stdio rpath proc exec prot_exec', 'stdio rpath prot_exec');
      console.log(s.promises, '/', s.execpromises);
      const t = spawnSync('/bin/true'); console.log('true', t.status, t.signal);
      // The child runs under this filter too: it may not open a file for writing.
      const w = spawnSync('/bin/sh', ['-c', 'echo x > ' + dir + '/out'], { encoding: 'utf8' });
      console.log('sh write', w.status, w.signal);
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['stdio rpath proc exec prot_exec / stdio rpath prot_exec', 'true 0 null', 'sh write null SIGSYS']);
  });
});

describe("OpenBSD's calling rules", () => {
  // /proc/self/status is opened before any pledge and read afterwards.
  const open = `import fsStatus from 'node:fs'; const stFd = fsStatus.openSync('/proc/self/status', 'r');`;
  const status = `
    const stBuf = Buffer.alloc(8192); const st = stBuf.subarray(0, fsStatus.readSync(stFd, stBuf, 0, 8192, 0)).toString();
    console.log('seccomp', /Seccomp:\\s+(\\d)/.exec(st)[1], /Seccomp_filters:\\s+(\\d+)/.exec(st)[1]);`;
  const attempt = (call: string): string => `try { const s = ${call}; console.log('ok', s.promises, s.filters); } catch (e) { console.log(e.code, e.reason); }`;

  it('promises can be kept or dropped, never added (EPERM); nothing changes on a refused call', () => {
    const r = runChild(`${open}
      ${attempt(`pledge('stdio rpath')`)}
      ${attempt(`pledge('stdio rpath inet')`)}
      ${attempt(`pledge('stdio rpath')`)}
      ${attempt(`pledge('stdio')`)}
      ${attempt(`pledge('stdio rpath')`)}
      ${status}
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual([
      'ok stdio rpath 1',
      'EPERM PRIVILEGE_INCREASE',
      'ok stdio rpath 1', // the same promises again: nothing to install
      'ok stdio 2',
      'EPERM PRIVILEGE_INCREASE',
      'seccomp 2 2',
    ]);
  });
  it('a bad execpromises leaves the process unpledged', () => {
    const r = runChild(`${open}
      ${attempt(`pledge('stdio rpath exec', 'stdio rpath inet')`)}
      ${attempt(`pledge('stdio rpath exec', 'stdio bogus')`)}
      ${status}
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['EINVAL BAD_ARGUMENT', 'EINVAL UNKNOWN_PROMISE', 'seccomp 0 0']);
  });
  it('pledge() with no arguments only reports availability', () => {
    const r = runChild(`${open} const s = pledge(); console.log(s.available, s.arch, s.filters, s.promises); const t = pledge(null, null); console.log(t.available); ${status}`);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['true x86_64 0 undefined', 'true', 'seccomp 0 0']);
  });
  it('with error in force, asking for more is narrowed silently, and violations fail with ENOSYS', () => {
    const r = runChild(`
      import net from 'node:net';
      import fs from 'node:fs';
      ${attempt(`pledge('stdio error')`)}
      ${attempt(`pledge('stdio inet error')`)}
      try { fs.writeFileSync(dir + '/x', 'x'); console.log('wrote'); } catch (e) { console.log('write', e.code); }
      const s = net.connect(80, '127.0.0.1'); s.on('error', (e) => console.log('connect', e.code));
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['ok stdio error 1', 'ok stdio error 1', 'write ENOSYS', 'connect ENOSYS']);
  });
  it('OpenBSD device promises are refused with ENOTSUP, unknown names with EINVAL', () => {
    const r = runChild(`${open} ${attempt(`pledge('stdio audio')`)} ${attempt(`pledge('stdio audoi')`)} ${status}`);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['ENOTSUP UNSUPPORTED_PROMISE', 'EINVAL UNKNOWN_PROMISE', 'seccomp 0 0']);
  });
});


describe('processes pledge refuses', () => {
  it('refuses a READ_IMPLIES_EXEC personality with ENOTSUP and installs nothing', () => {
    // A preloaded constructor sets the personality in the node process itself (exec would clear it on x86_64).
    const r = runChild(`
      import { execFileSync, spawnSync } from 'node:child_process';
      import fs from 'node:fs';
      fs.writeFileSync(dir + '/rie.c', '#include <sys/personality.h>\\n__attribute__((constructor)) static void set(void) { personality(READ_IMPLIES_EXEC); }\\n');
      execFileSync('cc', ['-shared', '-fPIC', '-o', dir + '/rie.so', dir + '/rie.c']);
      fs.writeFileSync(dir + '/p.mjs', ${JSON.stringify(`import { pledge } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)};\nimport fs from 'node:fs';\nconst st = fs.openSync('/proc/self/status', 'r');\ntry { pledge('stdio'); console.log('pledged'); } catch (e) { console.log(e.code, e.reason); }\nconst b = Buffer.alloc(8192); console.log(/Seccomp:\\s+(\\d)/.exec(b.subarray(0, fs.readSync(st, b, 0, 8192, 0)).toString())[0].replace(/\\s+/, ' '));\n`)});
      const r = spawnSync(process.execPath, [dir + '/p.mjs'], { encoding: 'utf8', env: { ...process.env, LD_PRELOAD: dir + '/rie.so' } });
      process.stdout.write(r.stdout + r.stderr);
    `);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['ENOTSUP UNSUPPORTED_RUNTIME', 'Seccomp: 0']);
  });
});
