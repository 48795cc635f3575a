/**
 * Name lookups and the interface list in a pledged Node process (issue 12):
 * the guide's HTTP-client set `stdio inet dns` must resolve names through
 * glibc's getaddrinfo (nscd probe, AI_ADDRCONFIG's NETLINK_ROUTE dump), and
 * `route` must give os.networkInterfaces(). Runs on every supported Node line.
 */
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

describe('pledge("stdio inet dns"): names resolve', () => {
  it('dns.lookup, http.get by host name and net.connect("localhost") work, with nothing reported', () => {
    const r = runChild(`
      import dns from 'node:dns';
      import http from 'node:http';
      import net from 'node:net';
      // The server is set up before the pledge; it listens on 127.0.0.1 only.
      const server = http.createServer((req, res) => res.end('hello ' + req.headers.host.split(':')[0]));
      await new Promise((res) => server.listen(0, '127.0.0.1', res));
      const port = server.address().port;
      pledge('stdio inet dns');
      const out = [];
      const a = await dns.promises.lookup('localhost', { family: 4 });
      out.push('lookup ' + a.address);
      const body = await new Promise((res, rej) => http.get({ host: 'localhost', port, family: 4 }, (resp) => {
        let b = ''; resp.on('data', (d) => b += d); resp.on('end', () => res(b));
      }).on('error', rej));
      out.push('http ' + body);
      const connected = await new Promise((res, rej) => {
        const s = net.connect({ host: 'localhost', port, family: 4 }, () => { res(s.remoteAddress); s.end(); });
        s.on('error', rej);
      });
      out.push('connect ' + connected);
      // Default lookup (AI_ADDRCONFIG, both families) goes through the netlink dump too.
      const all = await dns.promises.lookup('localhost', { all: true });
      out.push('all ' + (all.length > 0));
      server.close();
      console.log(out.join('\\n'));
    `, { timeoutMs: 30_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['lookup 127.0.0.1', 'http hello localhost', 'connect 127.0.0.1', 'all true']);
    expect(r.stderr).toBe('');
  });
});

describe('pledge("stdio route"): the interface list', () => {
  it('os.networkInterfaces() works and lists the loopback interface', () => {
    const r = runChild(`
      import os from 'node:os';
      pledge('stdio route');
      const ifs = os.networkInterfaces();
      console.log('lo ' + (ifs.lo ?? []).some((a) => a.address === '127.0.0.1'));
    `);
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['lo true']);
    expect(r.stderr).toBe('');
  });
});
