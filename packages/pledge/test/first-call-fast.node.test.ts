/**
 * A process' first pledge() served from its cache entry (pledge.ts
 * enforceFirstCall, after native firstCallLookup found it) is the same
 * pledge() as one planned and compiled in the process: for each request,
 * a child with a warm cache (whose lookup is checked to hit before it
 * pledges) and a child without a cache (SECCOMP_SCOPES_NO_CACHE=1) return
 * the same status, and end the same on one call the promises allow and one
 * they refuse (exit status, signal, output, report line). On every Node
 * version (the root vitest.config.ts runs *.node.test.ts under each).
 */
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild, type ChildResult } from './child.js';
import { NO_CACHE, PROBE, firstCallEntry, normalized, withCache } from './first-call-fast.js';

/** One request: the pledge() call (a code expression), what follows it, and how the refused call ends the child. */
interface Case {
  readonly name: string;
  /** The first call's arguments as pledge() gets them, and as the probe asks (`promises` also picks the entry). */
  readonly promises: string;
  readonly options: string;
  /** Code after the first pledge(): one call the promises allow (printing a line), then one they refuse. */
  readonly after: string;
  readonly refused: 'killed' | 'went on';
  /** What the uncached child prints after its status, and writes on stderr (pid and directory as PID and DIR). */
  readonly rest: readonly (string | RegExp)[];
  readonly stderr: RegExp;
}

const OPEN_W = 'openat\\(AT_FDCWD, flags=O_WRONLY\\|O_CREAT\\|O_TRUNC\\|O_CLOEXEC\\); it needs "wpath cpath"';
const textReport = (promises: string, call = OPEN_W): RegExp => new RegExp(`^node\\[PID\\]: pledge "${promises}" blocked ${call}\\n$`);

const cases: Case[] = [
  {
    name: 'stdio', promises: 'stdio', options: '{}', refused: 'killed', rest: ['allowed true'], stderr: textReport('stdio'),
    after: `fs.writeSync(1, 'allowed ' + (fs.fstatSync(1).isFIFO() || fs.fstatSync(1).isSocket()) + '\\n'); fs.openSync(dir + '/created', 'w');`,
  },
  {
    name: 'stdio rpath', promises: 'stdio rpath', options: '{}', refused: 'killed', rest: ['allowed true'], stderr: textReport('stdio rpath'),
    after: `console.log('allowed ' + fs.readFileSync(dir + '/child.mjs', 'utf8').includes('probe')); fs.openSync(dir + '/created', 'w');`,
  },
  {
    name: 'stdio inet dns', promises: 'stdio inet dns', options: '{}', refused: 'killed', rest: ['allowed listening'], stderr: textReport('stdio inet dns'),
    after: `const server = net.createServer(); await new Promise((res) => server.listen(0, '127.0.0.1', res)); console.log('allowed listening'); server.close();
      fs.openSync(dir + '/created', 'w');`,
  },
  {
    name: 'penalty errno, quiet', promises: 'stdio', options: `{ penalty: 'errno', quiet: true }`, refused: 'went on', rest: ['allowed', 'refused EPERM'], stderr: /^$/,
    after: `console.log('allowed'); try { fs.openSync(dir + '/created', 'w'); console.log('opened'); } catch (e) { console.log('refused ' + e.code); }`,
  },
  {
    name: 'format json', promises: 'stdio', options: `{ format: 'json' }`, refused: 'killed', rest: ['allowed'],
    stderr: /^\{"process":"node","pid":PID,"tid":PID,"syscall":"openat",.*"promises":"stdio","needs":\[\["wpath","cpath"\]\],"penalty":"kill"\}\n$/,
    after: `console.log('allowed'); fs.openSync(dir + '/created', 'w');`,
  },
  {
    // A read-only open outside the promises is refused with EACCES and reported, not killed (the runtime allowance's reportOpens).
    name: 'a second pledge() after the first (stdio rpath, then stdio)', promises: 'stdio rpath', options: '{}', refused: 'went on',
    after: `console.log(JSON.stringify(pledge('stdio'))); console.log('allowed');
      try { fs.readFileSync(dir + '/child.mjs'); console.log('read'); } catch (e) { console.log('refused ' + e.code); }`,
    rest: [/^\{"available":true,.*"filters":2,"promises":"stdio","penalty":"kill","report":"text","reportFd":2/, 'allowed', 'refused EACCES'],
    stderr: /^node\[PID\]: pledge "stdio" refused openat\(AT_FDCWD, "DIR\/child.mjs", flags=O_RDONLY\|O_CLOEXEC\) with EACCES; it needs "rpath"/,
  },
];

/** The child of a case: the probe's answer and the pid printed before pledge(), the status after it, then the calls. */
const code = (c: Case): string => `
  import fs from 'node:fs';
  import net from 'node:net';
  ${PROBE}
  const before = probe(${JSON.stringify(c.promises)}, null, ${c.options});
  console.log(JSON.stringify({ pid: process.pid, before }));
  console.log(JSON.stringify(pledge(${JSON.stringify(c.promises)}, null, ${c.options})));
  ${c.after}
`;

/** How a child ended, with what differs between two children of the same code (pid, directory) taken out. */
function ending(r: ChildResult): { before: string; status: unknown; rest: string[]; stderr: string; exit: number | null; signal: string | null } {
  const [head, status, ...rest] = r.stdout.trim().split('\n');
  const { pid, before } = JSON.parse(head!) as { pid: number; before: string };
  const norm = (s: string): string => normalized(s, pid, r.dir);
  return { before, status: JSON.parse(status!), rest: rest.map(norm), stderr: norm(r.stderr), exit: r.status, signal: r.signal };
}

describe('a first pledge() from its cache entry is the pledge() planned in the process', () => {
  for (const c of cases) {
    it(c.name, () => {
      withCache((cache, env) => {
        const prime = ending(runChild(code(c), { env }));
        expect(prime.before, 'the primer finds no entry').toBe('absent');
        const written = firstCallEntry(cache, c.promises).stat;
        const cachedRun = runChild(code(c), { env });
        // Served, not planned again: a miss would have written the entry anew (a new file renamed over it).
        const after = firstCallEntry(cache, c.promises).stat;
        expect({ ino: after.ino, mtime: after.mtimeMs }).toEqual({ ino: written.ino, mtime: written.mtimeMs });
        const cached = ending(cachedRun);
        const uncached = ending(runChild(code(c), { env: NO_CACHE }));
        expect(cached.before, `the cached child's lookup hits\n${describeEnd(cachedRun)}`).toBe('hit');
        expect(uncached.before).toBe('none');
        const { before: _c, ...got } = cached;
        const { before: _u, ...want } = uncached;
        const { before: _p, ...primed } = prime;
        expect(got, describeEnd(cachedRun)).toEqual(want);
        expect(primed).toEqual(want);
        // And the uncached child did what the promises say.
        expect(want.rest).toEqual(c.rest.map((r) => (typeof r === 'string' ? r : expect.stringMatching(r))));
        expect(want.stderr).toMatch(c.stderr);
        if (c.refused === 'killed') expect({ exit: want.exit, signal: want.signal }).toEqual({ exit: null, signal: 'SIGSYS' });
        else expect({ exit: want.exit, signal: want.signal }).toEqual({ exit: 0, signal: null });
        expect(want.status).toMatchObject({ available: true, filters: 1, promises: c.promises });
      });
    });
  }

  it('pledge("") (exit only): the same status, the exit status kept by the direct exit, the same report for a refused write', () => {
    // Nothing can be written after pledge(""): the status is told by the exit status (a hash of its JSON), or the
    // write that is refused is the one to report.
    const child = (refuse: boolean): string => `
      import fs from 'node:fs';
      ${PROBE}
      const before = probe('', null, {});
      console.log(JSON.stringify({ pid: process.pid, before }));
      const status = pledge('');
      let h = 7;
      for (const ch of JSON.stringify(status)) h = (h * 31 + ch.charCodeAt(0)) % 199;
      process.exitCode = 20 + h;
      ${refuse ? `fs.writeSync(1, 'refused write\\n');` : ''}
    `;
    withCache((cache, env) => {
      const prime = runChild(child(false), { env });
      expect(JSON.parse(prime.stdout.trim()).before, describeEnd(prime)).toBe('absent');
      firstCallEntry(cache, '');
      const runs = [child(false), child(true)].map((c) => ({ cached: runChild(c, { env }), uncached: runChild(c, { env: NO_CACHE }) }));
      for (const { cached, uncached } of runs) {
        const pidOf = (r: ChildResult): number => (JSON.parse(r.stdout.trim().split('\n')[0]!) as { pid: number }).pid;
        expect(JSON.parse(cached.stdout.trim().split('\n')[0]!).before, describeEnd(cached)).toBe('hit');
        expect({ status: cached.status, signal: cached.signal, stderr: normalized(cached.stderr, pidOf(cached), cached.dir) }, describeEnd(cached))
          .toEqual({ status: uncached.status, signal: uncached.signal, stderr: normalized(uncached.stderr, pidOf(uncached), uncached.dir) });
      }
      const [allowed, refused] = runs;
      expect(allowed!.uncached.status, describeEnd(allowed!.uncached)).toBe(prime.status);
      expect(allowed!.uncached.status).toBeGreaterThanOrEqual(20);
      expect(allowed!.uncached.stderr).toBe('');
      expect(refused!.uncached.signal, describeEnd(refused!.uncached)).toBe('SIGSYS');
      expect(refused!.uncached.stderr).toMatch(/^node\[\d+\]: pledge "" blocked write\(1/);
    });
  });
});
