/**
 * A process' first pledge() from its cache entry (pledge.ts
 * enforceFirstCall after native firstCallLookup), in Node children, each
 * test with a cache of its own, primed first by a child making the same
 * first call:
 * - the entry is used as stored (the trusted cache is policy,
 *   filter-cache.ts "Trust"): a planted entry's own filter bytes are
 *   installed and its own status returned;
 * - what pledge() refuses or must do besides the filter is not skipped by a
 *   warm cache: the READ_IMPLIES_EXEC personality, a hidden SQPOLL ring,
 *   paths unveiled and not locked, learn mode without a learner, a seccomp
 *   filter already in force. Each case also shows that its process would
 *   have hit but for the condition (the lookup asked without it), so the
 *   refusal is the fast path's own, not a miss.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as native from '@seccomp-scopes/native';
import { describeEnd, runChild, type ChildResult } from './child.js';
import { compileFixture, buildFixture } from './build-fixture.js';
import { NO_CACHE, PROBE, firstCallEntries, firstCallEntry, normalized, rewriteEntry, withCache } from './first-call-fast.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, '../dist/index.js');
const NATIVE_DIST = path.resolve(here, '../../native/dist/index.js');

/** The last stdout line of a child, parsed as JSON. */
function lastJson<T = Record<string, unknown>>(r: ChildResult): T {
  const out = r.stdout.trim().split('\n');
  return JSON.parse(out[out.length - 1]!) as T;
}

/** The key of a first call's entry split into its request part and its descriptors (native firstCallKey appends these). */
function splitKey(key: string): { prefix: string; rings: number[]; eventFds: number[] } {
  const m = /^(.*)(\{"rings":\[[\d,]*\],"eventFds":\[[\d,]*\]\})$/.exec(key);
  if (!m) throw new Error(`not a first call's key: ${key}`);
  const d = JSON.parse(m[2]!) as { rings: number[]; eventFds: number[] };
  return { prefix: m[1]!, ...d };
}

describe('a first pledge() from its cache entry installs the entry as stored', () => {
  it("pledge('stdio') served a planted entry holding the filter and status of 'stdio rpath' (a marker added) installs those bytes and returns that status", () => {
    withCache((cache, env) => {
      const code = (promises: string): string => `
        import fs from 'node:fs';
        ${PROBE}
        const before = probe(${JSON.stringify(promises)});
        const status = pledge(${JSON.stringify(promises)});
        let read;
        try { read = 'read ' + fs.readFileSync(dir + '/child.mjs', 'utf8').includes('probe'); } catch (e) { read = 'refused ' + e.code; }
        console.log(JSON.stringify({ before, status, read, after: pledge() }));
      `;
      const primer = runChild(code('stdio rpath'), { env });
      expect(lastJson(primer), describeEnd(primer)).toMatchObject({ before: 'absent', read: 'read true' });
      const source = firstCallEntry(cache, 'stdio rpath');
      // The key 'stdio' has in the same process: the request's promises replaced, the same descriptors; named by the addon.
      const { prefix, rings, eventFds } = splitKey(source.entry.key);
      const stdioPrefix = prefix.replace('"promises":"stdio rpath"', '"promises":"stdio"');
      expect(stdioPrefix).not.toBe(prefix);
      const target = native.firstCallKey(stdioPrefix, rings, eventFds)!;
      const extra = source.entry.extra as { status: Record<string, unknown> };
      rewriteEntry(path.join(cache, 'node-pledge', target.name), {
        ...source.entry, key: target.key, extra: { ...extra, status: { ...extra.status, planted: 'from the stdio rpath entry' } },
      });

      const cached = runChild(code('stdio'), { env });
      const got = lastJson(cached);
      expect(got.before, describeEnd(cached)).toBe('hit');
      // The entry's own status, marker included, and its filter: rpath's read works under what was asked as "stdio".
      expect(got.status).toEqual({ ...extra.status, planted: 'from the stdio rpath entry' });
      expect(got.read).toBe('read true');
      expect(got.after).toMatchObject({ promises: 'stdio rpath', filters: 1 }); // the entry's next state
      expect(cached.status, describeEnd(cached)).toBe(0);

      // Without the cache, the same code is refused the read.
      const plain = runChild(code('stdio'), { env: NO_CACHE });
      expect(lastJson(plain), describeEnd(plain)).toMatchObject({ before: 'none', read: 'refused EACCES', status: { promises: 'stdio', filters: 1 } });
      expect(lastJson(plain).status).not.toHaveProperty('planted');
    });
  });
});

describe('what pledge() refuses or does besides the filter, a warm cache does not skip', () => {
  it('a READ_IMPLIES_EXEC personality: ENOTSUP, nothing installed, though the key would hit', () => {
    // A preloaded constructor sets the personality in the node process itself (exec would clear it on x86_64).
    const src = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-rie-')), 'read-implies-exec.c');
    fs.writeFileSync(src, '#include <sys/personality.h>\n__attribute__((constructor)) static void set(void) { personality(READ_IMPLIES_EXEC); }\n');
    const preload = compileFixture(src, ['-shared', '-fPIC']);
    fs.rmSync(path.dirname(src), { recursive: true, force: true });
    const code = `
      import fs from 'node:fs';
      ${PROBE}
      const st = fs.openSync('/proc/self/status', 'r');
      const personality = fs.readFileSync('/proc/self/personality', 'utf8').trim();
      const would = probe('stdio', null, {}, { noReadImpliesExec: true });
      const now = probe('stdio');
      let out;
      try { pledge('stdio'); out = 'pledged'; } catch (e) { out = e.code + ' ' + e.reason; }
      const b = Buffer.alloc(8192);
      const seccomp = /Seccomp:\\s+(\\d)/.exec(b.subarray(0, fs.readSync(st, b, 0, 8192, 0)).toString())[1];
      console.log(JSON.stringify({ personality, would, now, out, seccomp }));
    `;
    withCache((cache, env) => {
      const primer = runChild(code, { env });
      expect(lastJson(primer), describeEnd(primer)).toMatchObject({ personality: '00000000', would: 'absent', now: 'absent', out: 'pledged', seccomp: '2' });
      const entry = firstCallEntry(cache, 'stdio');
      for (const cachedRun of [true, false]) {
        const r = runChild(code, { env: { ...(cachedRun ? env : NO_CACHE), LD_PRELOAD: preload } });
        expect(r.status, describeEnd(r)).toBe(0);
        expect(lastJson(r), describeEnd(r)).toEqual({
          personality: '00400000', would: cachedRun ? 'hit' : 'none', now: cachedRun ? 'personality' : 'none', out: 'ENOTSUP UNSUPPORTED_RUNTIME', seccomp: '0',
        });
      }
      // The refused call wrote nothing (pledge.ts planAndEnforce stores a first call's entry once its refusals passed):
      // the entry is the primer's, the same file.
      const again = firstCallEntry(cache, 'stdio');
      expect(again.file).toBe(entry.file);
      expect(again.stat.ino).toBe(entry.stat.ino);
      expect(again.stat.mtimeMs).toBe(entry.stat.mtimeMs);
    });
  });

  it('a hidden SQPOLL ring (no descriptor, no mapping): ENOTSUP UNSUPPORTED_RUNTIME, nothing installed, though the key would hit', () => {
    const attack = buildFixture('ring-attack', ['-shared', '-fPIC', '-I/usr/include/node']);
    const code = `
      import fs from 'node:fs';
      ${PROBE}
      const attackModule = { exports: {} }; process.dlopen(attackModule, ${JSON.stringify(attack)}); const ra = attackModule.exports;
      if (process.env.HIDDEN_RING) {
        const rc = ra.hiddenSqpoll(dir + '/hidden');
        if (rc !== 0) throw new Error('hidden SQPOLL ring: ' + rc);
        for (let i = 0; i < 1000 && !fs.existsSync(dir + '/hidden'); i++) await new Promise((res) => setTimeout(res, 10));
      }
      const given = process.env.DESCRIPTORS ? JSON.parse(process.env.DESCRIPTORS) : undefined;
      const would = given ? probe('stdio', null, {}, given) : 'not asked';
      const now = probe('stdio');
      let out;
      try { pledge('stdio'); out = 'pledged'; } catch (e) { out = e.code + ' ' + e.reason + ' ' + /iou-sqp-/.test(e.message); }
      console.log(JSON.stringify({ ring: fs.existsSync(dir + '/hidden'), would, now, out, filters: pledge().filters }));
    `;
    withCache((cache, env) => {
      const primer = runChild(code, { env });
      expect(lastJson(primer), describeEnd(primer)).toMatchObject({ now: 'absent', out: 'pledged', filters: 1 });
      const entry = firstCallEntry(cache, 'stdio');
      const descriptors = JSON.stringify(entry.descriptors);
      const cached = runChild(code, { env: { ...env, HIDDEN_RING: '1', DESCRIPTORS: descriptors } });
      expect(cached.status, describeEnd(cached)).toBe(0);
      expect(lastJson(cached), describeEnd(cached)).toEqual({ ring: true, would: 'hit', now: 'rings', out: 'ENOTSUP UNSUPPORTED_RUNTIME true', filters: 0 });
      const plain = runChild(code, { env: { ...NO_CACHE, HIDDEN_RING: '1' } });
      expect(lastJson(plain), describeEnd(plain)).toEqual({ ring: true, would: 'not asked', now: 'none', out: 'ENOTSUP UNSUPPORTED_RUNTIME true', filters: 0 });
    });
  });

  describe('paths unveiled before the first pledge()', () => {
    // in/ is unveiled 'r'; out.txt, beside it, is not. Under Landlock even root is refused (EACCES).
    const code = (lockFirst: boolean): string => `
      import fs from 'node:fs';
      import { unveil } from ${JSON.stringify(DIST)};
      ${PROBE}
      fs.mkdirSync(dir + '/in');
      fs.writeFileSync(dir + '/in/file.txt', 'inside');
      fs.writeFileSync(dir + '/out.txt', 'outside');
      const unveiling = process.env.UNVEIL === '1';
      const would = probe('stdio rpath');
      if (unveiling) unveil(dir + '/in', 'r');
      ${lockFirst ? `if (unveiling) unveil();` : ''}
      const status = pledge('stdio rpath');
      const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
      const u = (await import(${JSON.stringify(DIST)})).unveilStatus();
      console.log(JSON.stringify({ would, status, inside: read(dir + '/in/file.txt'), outside: read(dir + '/out.txt'), locked: u.locked, enforced: u.enforced }));
    `;
    for (const lockFirst of [false, true]) {
      it(lockFirst ? 'locked by unveil() before pledge(): the cache serves the filter, the lock stays enforced' : 'not locked: pledge() locks and enforces them, cached or not', () => {
        withCache((cache, env) => {
          const primer = runChild(code(lockFirst), { env });
          expect(lastJson(primer), describeEnd(primer)).toMatchObject({ would: 'absent', inside: 'inside', outside: 'outside', locked: false });
          const entry = firstCallEntry(cache, 'stdio rpath');
          const cached = runChild(code(lockFirst), { env: { ...env, UNVEIL: '1' } });
          const plain = runChild(code(lockFirst), { env: { ...NO_CACHE, UNVEIL: '1' } });
          expect(cached.status, describeEnd(cached)).toBe(0);
          expect(plain.status, describeEnd(plain)).toBe(0);
          const got = lastJson(cached);
          expect(got, describeEnd(cached)).toMatchObject({ would: 'hit', inside: 'inside', outside: 'EACCES', locked: true, enforced: true });
          const { would: _w, ...rest } = got;
          const { would: _p, ...want } = lastJson(plain);
          expect(rest).toEqual(want);
          expect(normalized(cached.stderr, 0, cached.dir)).toBe(normalized(plain.stderr, 0, plain.dir));
          // Locked by unveil() first: nothing pending, so the entry served the call (a miss would have written it anew).
          if (lockFirst) expect(firstCallEntry(cache, 'stdio rpath').stat.ino).toBe(entry.stat.ino);
        });
      });
    }
  });

  it('learn mode without a learner (SECCOMP_SCOPES_LEARN=1 leaked): enforced, its line printed, cached or not', () => {
    const code = `
      import fs from 'node:fs';
      ${PROBE}
      const st = fs.openSync('/proc/self/status', 'r');
      const would = probe('stdio');
      console.log(JSON.stringify({ pid: process.pid, would }));
      const status = pledge('stdio');
      const b = Buffer.alloc(8192);
      const seccomp = /Seccomp:\\s+(\\d)/.exec(b.subarray(0, fs.readSync(st, b, 0, 8192, 0)).toString())[1];
      console.log(JSON.stringify({ status, seccomp }));
      fs.openSync(dir + '/created', 'w');
    `;
    withCache((cache, env) => {
      const primer = runChild(code, { env });
      expect(JSON.parse(primer.stdout.split('\n')[0]!), describeEnd(primer)).toEqual({ pid: expect.any(Number), would: 'absent' });
      const entry = firstCallEntry(cache, 'stdio');
      const ends = [{ ...env, SECCOMP_SCOPES_LEARN: '1' }, { ...NO_CACHE, SECCOMP_SCOPES_LEARN: '1' }].map((e) => {
        const r = runChild(code, { env: e });
        const pid = (JSON.parse(r.stdout.split('\n')[0]!) as { pid: number }).pid;
        return { r, end: { out: normalized(r.stdout.split('\n').slice(1).join('\n'), pid, r.dir), stderr: normalized(r.stderr, pid, r.dir), signal: r.signal } };
      });
      const [cached, plain] = ends;
      expect(JSON.parse(cached!.r.stdout.split('\n')[0]!).would, describeEnd(cached!.r)).toBe('hit'); // the key alone would have been served
      expect(cached!.end).toEqual(plain!.end);
      expect(plain!.end.signal, describeEnd(plain!.r)).toBe('SIGSYS');
      expect(JSON.parse(plain!.r.stdout.split('\n')[1]!)).toMatchObject({ status: { promises: 'stdio', filters: 1 }, seccomp: '2' });
      expect(plain!.end.stderr.split('\n')).toEqual([
        'SECCOMP_SCOPES_LEARN=1 is set but no learner answered pledge(); enforcing it as usual',
        'node[PID]: pledge "stdio" blocked openat(AT_FDCWD, flags=O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC); it needs "wpath cpath"',
        '',
      ]);
      expect(firstCallEntry(cache, 'stdio').stat.ino).toBe(entry.stat.ino);
    });
  });

  it("a seccomp filter already in force (an allow-all one installed first): the lookup answers 'filtered' and the call is planned, cached or not, and stores nothing", () => {
    const code = `
      import fs from 'node:fs';
      import * as native from ${JSON.stringify(NATIVE_DIST)};
      ${PROBE}
      const st = fs.openSync('/proc/self/status', 'r');
      const would = probe('stdio');
      if (process.env.FILTER_FIRST === '1') {
        native.setNoNewPrivs();
        native.installFilter(Uint8Array.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]), 0); // RET ALLOW
      }
      const now = probe('stdio');
      console.log(JSON.stringify({ pid: process.pid, would, now }));
      const status = pledge('stdio');
      const b = Buffer.alloc(8192);
      const filters = /Seccomp_filters:\\s+(\\d+)/.exec(b.subarray(0, fs.readSync(st, b, 0, 8192, 0)).toString())[1];
      console.log(JSON.stringify({ status, filters }));
      fs.openSync(dir + '/created', 'w');
    `;
    withCache((cache, env) => {
      const primer = runChild(code, { env });
      expect(JSON.parse(primer.stdout.split('\n')[0]!), describeEnd(primer)).toMatchObject({ would: 'absent', now: 'absent' });
      const entry = firstCallEntry(cache, 'stdio');
      const count = firstCallEntries(cache).length;
      const runs = [{ ...env, FILTER_FIRST: '1' }, { ...NO_CACHE, FILTER_FIRST: '1' }].map((e) => runChild(code, { env: e }));
      const ends = runs.map((r) => {
        const lines = r.stdout.trim().split('\n');
        const head = JSON.parse(lines[0]!) as { pid: number; would: string; now: string };
        return { head, end: { out: lines.slice(1).map((l) => normalized(l, head.pid, r.dir)), stderr: normalized(r.stderr, head.pid, r.dir), signal: r.signal } };
      });
      expect(ends[0]!.head, describeEnd(runs[0]!)).toMatchObject({ would: 'hit', now: 'filtered' });
      expect(ends[1]!.head).toMatchObject({ would: 'none', now: 'none' });
      expect(ends[0]!.end, describeEnd(runs[0]!)).toEqual(ends[1]!.end);
      const after = JSON.parse(ends[1]!.end.out[0]!) as { status: unknown; filters: string };
      expect(after).toMatchObject({ status: { promises: 'stdio', filters: 1 }, filters: '2' }); // the allow-all filter and pledge()'s
      expect(ends[1]!.end.signal, describeEnd(runs[1]!)).toBe('SIGSYS');
      expect(ends[1]!.end.stderr).toMatch(/^node\[PID\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_WRONLY\|O_CREAT\|O_TRUNC\|O_CLOEXEC\); it needs "wpath cpath"\n$/);
      // Nothing read or written while a filter was in force: the entry is the primer's, and no other was added.
      expect(firstCallEntry(cache, 'stdio').stat.ino).toBe(entry.stat.ino);
      expect(firstCallEntries(cache).length).toBe(count);
    });
  });
});
