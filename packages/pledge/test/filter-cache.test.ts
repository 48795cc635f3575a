/**
 * pledge()'s cache of compiled filters (src/filter-cache.ts) and the pid
 * template it stores (core pidTemplate): the bytes it gives are the bytes
 * the compiler gives for the same inputs, for many promise sets, options
 * and pids on both arches; an entry that is stale (another key), changed,
 * not the user's, writable by others, a link, or in a directory others may
 * replace, is not used. A first call's entry (the whole first pledge():
 * plan, filter and report tables) gives exactly what planning and
 * compiling give, is keyed by every input of the call, and is refused on
 * the same grounds; the addon's trust rule and filter-cache.ts's agree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INITIAL_PLEDGE_STATE, TEMPLATE_PIDS, fillPidTemplate, pidTemplate, planPledge, type ArchDescriptor, type FilterSpec, type PledgePlan } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import * as native from '@seccomp-scopes/native';
import { compilePledge, type CompilePledgeOptions } from '../src/index.js';
import {
  MAX_ENTRIES, cachedFilter, cachedFirstCall, cachedReportTables, decodeEntry, encodeEntry, filterCacheDir, firstCallKey, makeCacheDir, storeFirstCall, trustedCacheDir,
  type BuildIds, type CacheEntry, type FilterCacheInputs, type FirstCallRequest,
} from '../src/filter-cache.js';

const SETS = [
  '', 'stdio', 'stdio rpath', 'stdio inet dns', 'stdio rpath wpath cpath', 'stdio proc', 'stdio proc exec', 'stdio fattr chown',
  'stdio tty', 'stdio unix sendfd recvfd', 'stdio id', 'stdio error', 'stdio rpath wpath cpath dpath tmppath inet dns unix proc exec fattr chown flock tty id getpw ps vminfo prot_exec mcast route unveil error',
];
const PIDS = [2, 3, 41, 100, 999, 1000, 4242, 65535, 65536, 65537, 99999, 123456, 4194302, 4194303];
const ARCHES = [x86_64, aarch64] as ArchDescriptor[];

const bytesFor = (promises: string, arch: ArchDescriptor, o: CompilePledgeOptions, pid: number): Uint8Array =>
  compilePledge(promises, { ...o, arch: arch.nodeArch, pid }).bytes;


/** An entry or its directory made untrusted (not the user's, writable by others, a link): ignored by every cache of pledge(). */
const UNTRUSTED: [string, (file: string, dir: string) => void][] = [
  ['group-writable', (file) => fs.chmodSync(file, 0o620)],
  ['world-writable', (file) => fs.chmodSync(file, 0o606)],
  ['owned by another user', (file) => fs.chownSync(file, 12345, 12345)],
  ['a link to a good entry', (file) => { fs.renameSync(file, `${file}.real`); fs.symlinkSync(`${file}.real`, file); }],
  ['a directory others may write', (_file, dir) => fs.chmodSync(dir, 0o777)],
  ['a directory of another user', (_file, dir) => fs.chownSync(dir, 12345, 12345)],
  ['a parent directory others may write (not sticky)', (_file, dir) => fs.chmodSync(path.dirname(dir), 0o777)],
];
describe('the pid template of a compiled filter', () => {
  for (const arch of ARCHES) {
    it(`${arch.name}: filled with a pid, the same bytes as compiled for that pid (every set, kill/errno/quiet, JIT on and off)`, () => {
      const variants: CompilePledgeOptions[] = [
        { uid: 1000, gid: 1000, eventFds: [5] },
        { uid: 0, gid: 0, penalty: 'errno', quiet: true, jit: false },
        { uid: 65534, gid: 65534, ringFds: [7, 9], eventFds: [5, 8], reportFd: 3 },
      ];
      let withSlots = 0;
      for (const promises of SETS) {
        for (const o of variants) {
          const t = pidTemplate((pid) => bytesFor(promises, arch, o, pid), 8, arch.endian);
          expect(t, `${promises} ${JSON.stringify(o)}`).toBeDefined();
          if (t!.slots.length > 0) withSlots++;
          for (const pid of PIDS) {
            expect(Buffer.from(fillPidTemplate(t!, pid, arch.endian)).equals(Buffer.from(bytesFor(promises, arch, o, pid))), `${promises} pid ${pid}`).toBe(true);
          }
        }
      }
      // The pid is in the filters (kill/tgkill/prlimit64 on itself), so the slots are exercised.
      expect(withSlots).toBeGreaterThan(SETS.length);
    });
  }

  it('refuses output that differs in more than the pid, and pids outside the range', () => {
    expect(pidTemplate((pid) => new Uint8Array(pid === TEMPLATE_PIDS[0] ? 8 : 16), 8, 'little')).toBeUndefined();
    // the code of an instruction differs
    expect(pidTemplate((pid) => Uint8Array.of(pid & 0xff, 0, 0, 0, 1, 0, 0, 0), 8, 'little')).toBeUndefined();
    // k differs, but is not the pid
    expect(pidTemplate((pid) => Uint8Array.of(0, 0, 0, 0, pid & 0xff, 0, 0, 0), 8, 'little')).toBeUndefined();
    const t = pidTemplate((pid) => { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(4, pid, false); return b; }, 8, 'big')!;
    expect(t.slots).toEqual([0]);
    expect(() => fillPidTemplate(t, 1, 'big')).toThrow(RangeError);
    expect(() => fillPidTemplate(t, TEMPLATE_PIDS[1] + 1, 'big')).toThrow(RangeError);
  });
});

describe('the cache of compiled filters', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'filter-cache-'));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));
  const ids: BuildIds = { core: 'c1', arch: 'a1', pledge: 'p1' };
  let n = 0;
  /** A fresh cache directory (0700, ours) and the inputs of pledge("stdio rpath") on x86_64. */
  const setup = (): { env: NodeJS.ProcessEnv; dir: string; inputs: FilterCacheInputs; compile: (pid: number) => Uint8Array; calls: () => number } => {
    const root = path.join(base, String(n++));
    fs.mkdirSync(root, { mode: 0o755 });
    const env = { SECCOMP_SCOPES_CACHE_DIR: root };
    const plan = planPledge(INITIAL_PLEDGE_STATE, { promises: 'stdio rpath', options: {} }, x86_64, { pid: 4242, uid: 1000, gid: 1000, comm: 'node', eventFds: [5] });
    const spec: FilterSpec = plan.filter!;
    let count = 0;
    const compile = (pid: number): Uint8Array => { count++; return bytesFor('stdio rpath', x86_64, { uid: 1000, gid: 1000, eventFds: [5] }, pid); };
    return { env, dir: filterCacheDir(env)!, inputs: { arch: x86_64, spec, jit: true, uid: 1000, gid: 1000 }, compile, calls: () => count };
  };
  const entryOf = (dir: string): string => path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.entry'))!);
  /** Rewrites the entry file with `change` applied to its decoded entry. */
  const edit = (file: string, change: (e: CacheEntry) => CacheEntry): void => fs.writeFileSync(file, encodeEntry(change(decodeEntry(fs.readFileSync(file))!)));

  it('a miss compiles and stores; the next process (another pid) gets the same bytes the compiler gives, without compiling', () => {
    const { env, dir, inputs, compile, calls } = setup();
    const first = cachedFilter(inputs, 4242, compile, { env, buildIds: ids });
    expect(first).toMatchObject({ source: 'compiled', stored: true });
    expect(Buffer.from(first.bytes).equals(Buffer.from(compile(4242)))).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(entryOf(dir)).mode & 0o777).toBe(0o600);
    for (const pid of [4243, 77, 1234567]) {
      const before = calls();
      const hit = cachedFilter(inputs, pid, compile, { env, buildIds: ids });
      expect(hit.source).toBe('cache');
      expect(calls()).toBe(before);
      expect(Buffer.from(hit.bytes).equals(Buffer.from(compile(pid)))).toBe(true);
    }
  });

  it('is keyed by everything the filter depends on: other promises, uid, JIT or build ids miss', () => {
    const { env, inputs, compile } = setup();
    cachedFilter(inputs, 4242, compile, { env, buildIds: ids });
    expect(cachedFilter(inputs, 4243, compile, { env, buildIds: ids }).source).toBe('cache');
    expect(cachedFilter({ ...inputs, jit: false }, 4243, compile, { env, buildIds: ids }).source).toBe('compiled');
    expect(cachedFilter({ ...inputs, uid: 0 }, 4243, compile, { env, buildIds: ids }).source).toBe('compiled');
    expect(cachedFilter({ ...inputs, spec: { ...inputs.spec, eventFds: [6] } }, 4243, compile, { env, buildIds: ids }).source).toBe('compiled');
    expect(cachedFilter(inputs, 4243, compile, { env, buildIds: { ...ids, core: 'c2' } }).source).toBe('compiled');
    // a dev build keys nothing: neither read nor written
    const dev = cachedFilter(inputs, 4243, compile, { env, buildIds: { ...ids, pledge: 'dev' } });
    expect(dev).toMatchObject({ source: 'compiled', stored: false });
    // pid 1 is outside the template's range: compiled
    expect(cachedFilter(inputs, 1, compile, { env, buildIds: ids }).source).toBe('compiled');
    // disabled by the command's variable
    expect(cachedFilter(inputs, 4243, compile, { env: { ...env, SECCOMP_SCOPES_NO_CACHE: '1' }, buildIds: ids })).toMatchObject({ source: 'compiled', stored: false });
  });

  it('does not use an entry that was changed, is stale, not the user\'s, writable by others or a link', () => {
    const cases: [string, (file: string, dir: string) => void][] = [
      ['a changed instruction (check mismatch)', (file) => { const b = fs.readFileSync(file); b[b.length - 4]! ^= 1; fs.writeFileSync(file, b); }],
      ['a changed slot in the description (check mismatch)', (file) => {
        const b = fs.readFileSync(file); const at = b.indexOf('"slots":[') + 9; b[at] = b[at] === 0x31 ? 0x32 : 0x31; fs.writeFileSync(file, b);
      }],
      ['a changed check', (file) => { const b = fs.readFileSync(file); b[12]! ^= 1; fs.writeFileSync(file, b); }],
      ['another key in the file', (file) => edit(file, (e) => ({ ...e, key: e.key.replace('"c1"', '"c0"') }))],
      ['a slot out of range', (file) => edit(file, (e) => ({ ...e, slots: [1e6] }))],
      ['another unit', (file) => edit(file, (e) => ({ ...e, unit: 4 }))],
      ['truncated', (file) => fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40))],
      ['not an entry', (file) => fs.writeFileSync(file, 'x')],
      ...UNTRUSTED,
    ];
    for (const [what, spoil] of cases) {
      const { env, dir, inputs, compile } = setup();
      cachedFilter(inputs, 4242, compile, { env, buildIds: ids });
      expect(cachedFilter(inputs, 4243, compile, { env, buildIds: ids }).source, `${what}: the good entry is used`).toBe('cache');
      spoil(entryOf(dir), dir);
      const got = cachedFilter(inputs, 4243, compile, { env, buildIds: ids });
      expect(got.source, what).toBe('compiled');
      expect(Buffer.from(got.bytes).equals(Buffer.from(compile(4243))), what).toBe(true);
    }
    // A sticky world-writable parent (/tmp) cannot have our directory replaced: used.
    const { env, dir, inputs, compile } = setup();
    cachedFilter(inputs, 4242, compile, { env, buildIds: ids });
    fs.chmodSync(path.dirname(dir), 0o1777);
    expect(cachedFilter(inputs, 4243, compile, { env, buildIds: ids }).source).toBe('cache');
  });

  it("a path through another user's directory (SECCOMP_SCOPES_CACHE_DIR under it) is never used: a link there could swap in any directory of ours holding planted bytes", () => {
    // Our directory V holds an entry of the key with a weaker filter (as files of ours with someone else's bytes: an unpacked archive, a clone).
    const { env: venv, dir: vdir, inputs, compile } = setup();
    cachedFilter(inputs, 4242, compile, { env: venv, buildIds: ids });
    const weaker = pidTemplate((pid) => bytesFor('stdio rpath wpath cpath inet', x86_64, { uid: 1000, gid: 1000, eventFds: [5] }, pid), 8, 'little')!;
    edit(entryOf(vdir), (e) => ({ ...e, slots: weaker.slots, bytes: weaker.bytes }));
    expect(cachedFilter(inputs, 4243, compile, { env: venv, buildIds: ids }).source).toBe('cache');
    // Another user's directory G (not writable by others: only its owner can change it), where our cache directory is named.
    const g = path.join(base, `other-${n++}`);
    fs.mkdirSync(g, { mode: 0o755 });
    fs.symlinkSync(venv['SECCOMP_SCOPES_CACHE_DIR']!, path.join(g, 'base'));
    fs.chownSync(g, 12345, 12345);
    const env = { SECCOMP_SCOPES_CACHE_DIR: path.join(g, 'base') };
    const got = cachedFilter(inputs, 4243, compile, { env, buildIds: ids });
    expect(got.source).toBe('compiled');
    expect(Buffer.from(got.bytes).equals(Buffer.from(compile(4243)))).toBe(true);
    // Nor through a link of ours that leads into another user's directory.
    const h = path.join(base, `other-${n++}`);
    fs.mkdirSync(path.join(h, 'inner'), { recursive: true, mode: 0o755 });
    fs.renameSync(venv['SECCOMP_SCOPES_CACHE_DIR']!, path.join(h, 'inner', 'v'));
    fs.chownSync(h, 12345, 12345);
    const link = path.join(base, `link-${n++}`);
    fs.symlinkSync(path.join(h, 'inner', 'v'), link);
    expect(cachedFilter(inputs, 4243, compile, { env: { SECCOMP_SCOPES_CACHE_DIR: link }, buildIds: ids }).source).toBe('compiled');
    // Ours all the way: used.
    fs.chownSync(h, process.geteuid!(), process.getegid!());
    expect(cachedFilter(inputs, 4243, compile, { env: { SECCOMP_SCOPES_CACHE_DIR: link }, buildIds: ids }).source).toBe('cache');
  });

  it('report tables: from the cache, the same bytes core builds for that pid; keyed by their options', async () => {
    const { buildReportTables, prebuiltReportTables } = await import('@seccomp-scopes/core');
    type Options = Parameters<typeof buildReportTables>[1];
    const { env } = setup();
    const opts: Options = { promises: new Set(['stdio', 'rpath']), comm: 'node', pid: 4242, uid: 1000, gid: 1000, penalty: 'errno', errno: 'EPERM' };
    let builds = 0;
    const build = (a: ArchDescriptor, o: Options): Uint8Array => { builds++; return buildReportTables(a, o); };
    for (const arch of ARCHES) {
      expect(cachedReportTables(arch, opts, build, { env, buildIds: ids })).toMatchObject({ source: 'compiled', stored: true });
      // kept beside them: the layout of their prebuilt part (for the process' later calls)
      const { stringsAt, poolSize, runtimeRules } = prebuiltReportTables(arch);
      expect(cachedReportTables(arch, { ...opts, pid: 7 }, build, { env, buildIds: ids }).layout).toEqual({ stringsAt, poolSize, runtimeRules });
      for (const pid of [2, 4243, 99999, 4194303]) {
        const before = builds;
        const hit = cachedReportTables(arch, { ...opts, pid }, build, { env, buildIds: ids });
        expect(hit.source).toBe('cache');
        expect(builds).toBe(before);
        expect(Buffer.from(hit.bytes).equals(Buffer.from(buildReportTables(arch, { ...opts, pid })))).toBe(true);
      }
      expect(cachedReportTables(arch, { ...opts, comm: 'MainThread' }, build, { env, buildIds: ids }).source).toBe('compiled');
      expect(cachedReportTables(arch, { ...opts, promises: new Set(['stdio']) }, build, { env, buildIds: ids }).source).toBe('compiled');
      expect(cachedReportTables(arch, { ...opts, uid: 0 }, build, { env, buildIds: ids }).source).toBe('compiled');
    }
  });

  it('a pid equal to another value of its list (which the compiler would dedupe) is computed, not filled in', async () => {
    const core = await import('@seccomp-scopes/core');
    const { env } = setup();
    // The compiler sorts value lists, so an in-range constant beside the pid moves between the two ends and the output is
    // no template. A list kept in order, [pid, 4242], deduped as resolve does, would be one: the guard must not fill in 4242.
    const { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, encode, jump, stmt } = core;
    const compile = (pid: number): Uint8Array => {
      const values = [...new Set([pid, 4242])];
      return encode([
        stmt(BPF_LD | BPF_W | BPF_ABS, 16),
        ...values.map((v, i) => jump(BPF_JMP | BPF_JEQ | BPF_K, v, values.length - i, 0)),
        stmt(BPF_RET | BPF_K, 0),
        stmt(BPF_RET | BPF_K, 0x7fff0000),
      ], 'little');
    };
    const inputs = setup().inputs;
    expect(cachedFilter(inputs, 1000, compile, { env, buildIds: ids })).toMatchObject({ source: 'compiled', stored: true });
    expect(cachedFilter(inputs, 1001, compile, { env, buildIds: ids }).source).toBe('cache');
    const got = cachedFilter(inputs, 4242, compile, { env, buildIds: ids });
    expect(got.source).toBe('compiled');
    expect(Buffer.from(got.bytes).equals(Buffer.from(compile(4242)))).toBe(true);
    // Report tables: prlimit64's list is [0, pid]; made [4242, pid] here, pid 4242 is not filled in either.
    const pre = core.prebuiltReportTables(x86_64);
    const slot = pre.runtimeRules.find((r) => core.CATALOG[r.catalogIndex]!.syscall === 'prlimit64')!;
    const valuesAt = new DataView(pre.bytes.buffer, pre.bytes.byteOffset).getUint32(core.REPORT_TABLES_LAYOUT.header.values * 4, true);
    const build = (a: ArchDescriptor, o: Parameters<typeof core.buildReportTables>[1]): Uint8Array => {
      const t = core.buildReportTables(a, o);
      new DataView(t.buffer, t.byteOffset).setUint32(valuesAt + slot.valueStart * 8, 4242, true);
      return t;
    };
    const opts = { promises: new Set(['stdio']), comm: 'node', pid: 1000, uid: 5, gid: 5 };
    expect(cachedReportTables(x86_64, opts, build, { env, buildIds: ids })).toMatchObject({ source: 'compiled', stored: true });
    expect(cachedReportTables(x86_64, { ...opts, pid: 1001 }, build, { env, buildIds: ids }).source).toBe('cache');
    expect(cachedReportTables(x86_64, { ...opts, pid: 4242 }, build, { env, buildIds: ids }).source).toBe('compiled');
  });

  it(`keeps at most ${MAX_ENTRIES} entries: a write past that removes the oldest half, never the entry just written`, () => {
    const { env, dir, inputs, compile } = setup();
    cachedFilter(inputs, 4242, compile, { env, buildIds: ids });
    const real = entryOf(dir);
    const old = Date.now() / 1000 - 3600;
    for (let i = 0; i < MAX_ENTRIES + 10; i++) {
      const f = path.join(dir, `old${i}.entry`);
      fs.writeFileSync(f, 'x', { mode: 0o600 });
      fs.utimesSync(f, old + i, old + i);
    }
    fs.utimesSync(real, old - 10, old - 10);  // the oldest of all
    // another build's write: the directory is pruned
    expect(cachedFilter(inputs, 4242, compile, { env, buildIds: { ...ids, core: 'c9' } })).toMatchObject({ source: 'compiled', stored: true });
    const left = fs.readdirSync(dir).filter((n) => n.endsWith('.entry'));
    expect(left.length).toBeLessThanOrEqual(MAX_ENTRIES / 2 + 1);
    expect(left).toContain('old' + (MAX_ENTRIES + 9) + '.entry');  // the newest stay
    expect(left).not.toContain('old0.entry');
    expect(fs.existsSync(real)).toBe(false);  // the oldest went
    expect(cachedFilter(inputs, 4243, compile, { env, buildIds: { ...ids, core: 'c9' } }).source).toBe('cache');
  });
});

describe("a first call's entry (the whole first pledge() from the initial state)", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'first-call-'));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));
  const ids: BuildIds = { core: 'c1', arch: 'a1', pledge: 'p1' };
  let n = 0;
  const freshEnv = (): NodeJS.ProcessEnv => {
    const root = path.join(base, String(n++));
    fs.mkdirSync(root, { mode: 0o755 });
    return { SECCOMP_SCOPES_CACHE_DIR: root };
  };
  interface Case { readonly promises: string; readonly execpromises: string | null; readonly options: Record<string, unknown>; readonly facts: { uid: number; gid: number; comm: string; rings: number[]; eventFds: number[] }; readonly jit: boolean }
  const requestOf = (c: Case, arch: ArchDescriptor): FirstCallRequest =>
    ({ arch, promises: c.promises, execpromises: c.execpromises, options: c.options, jit: c.jit, execPath: '/usr/bin/node', ...c.facts });
  /** What the uncached path gives for `pid`: core's plan (its report tables built by core) and the compiled filter. */
  const uncached = (c: Case, arch: ArchDescriptor, pid: number): { plan: PledgePlan; filter: Uint8Array } => {
    const plan = planPledge(INITIAL_PLEDGE_STATE, { promises: c.promises, execpromises: c.execpromises, options: c.options }, arch, { pid, ...c.facts });
    const o = c.options as { penalty?: 'kill' | 'errno'; errno?: string; quiet?: boolean; reportFd?: number };
    const filter = compilePledge(c.promises, {
      arch: arch.nodeArch, pid, uid: c.facts.uid, gid: c.facts.gid, jit: c.jit, ringFds: c.facts.rings, eventFds: c.facts.eventFds,
      ...(o.penalty !== undefined ? { penalty: o.penalty } : {}), ...(o.errno !== undefined ? { errno: o.errno } : {}), quiet: o.quiet === true, ...(o.reportFd !== undefined ? { reportFd: o.reportFd } : {}),
    }).bytes;
    return { plan, filter };
  };
  /** Stores the entry as pledge() does on a miss: from the templates of the filter and the tables, for pid 4242. */
  const store = (c: Case, arch: ArchDescriptor, env: NodeJS.ProcessEnv, buildIds: BuildIds = ids): boolean => {
    const made = uncached(c, arch, 4242);
    const filter = pidTemplate((pid) => uncached(c, arch, pid).filter, 8, arch.endian)!;
    const tables = made.plan.reporter ? pidTemplate((pid) => uncached(c, arch, pid).plan.reporter!.tables, 4, arch.endian)! : undefined;
    return storeFirstCall(requestOf(c, arch), 4242, { plan: made.plan, filterBytes: made.filter, filter, ...(tables ? { tables } : {}) }, { env, buildIds });
  };
  const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
  const facts = { uid: 1000, gid: 1000, comm: 'node', rings: [], eventFds: [5] };
  const CASES: Case[] = [
    { promises: 'stdio', execpromises: null, options: {}, facts, jit: true },
    { promises: 'stdio rpath', execpromises: 'stdio', options: { format: 'json' }, facts: { ...facts, comm: 'MainThread' }, jit: true },
    { promises: 'stdio inet dns', execpromises: null, options: { penalty: 'errno', errno: 'EACCES' }, facts: { ...facts, uid: 0, gid: 0 }, jit: false },
    { promises: 'stdio proc', execpromises: null, options: { quiet: true }, facts: { ...facts, rings: [7], eventFds: [5, 8] }, jit: true },
    { promises: 'stdio error', execpromises: null, options: { reportFd: 3 }, facts, jit: true },
    { promises: 'rpath', execpromises: null, options: { quiet: true, penalty: 'errno' }, facts, jit: true },
    { promises: '', execpromises: null, options: {}, facts: { ...facts, uid: 65534, gid: 65534 }, jit: true },
  ];

  for (const arch of ARCHES) {
    it(`${arch.name}: a hit gives exactly the plan, filter and report tables of the uncached path, for every pid (${CASES.length} requests)`, () => {
      for (const c of CASES) {
        const env = freshEnv();
        const what = JSON.stringify(c);
        expect(cachedFirstCall(requestOf(c, arch), 4243, { env, buildIds: ids }), `${what}: nothing before the store`).toBeUndefined();
        expect(store(c, arch, env), what).toBe(true);
        for (const pid of [2, 3, 100, 4243, 65536, 99999, 123456, 4194303]) {
          const hit = cachedFirstCall(requestOf(c, arch), pid, { env, buildIds: ids });
          expect(hit, `${what} pid ${pid}`).toBeDefined();
          const want = uncached(c, arch, pid);
          expect(same(hit!.filter.bytes, want.filter), `${what} pid ${pid}: filter`).toBe(true);
          expect(hit!.filter.instructions).toBe(want.filter.length / 8);
          expect(hit!.plan.reporter !== undefined).toBe(want.plan.reporter !== undefined);
          if (want.plan.reporter) {
            expect(same(hit!.plan.reporter!.tables, want.plan.reporter.tables), `${what} pid ${pid}: report tables`).toBe(true);
            expect(hit!.plan.reporter!.options).toEqual(want.plan.reporter.options);
          }
          expect(JSON.stringify(hit!.plan.next)).toBe(JSON.stringify(want.plan.next));
          expect(hit!.plan.filter).toEqual(want.plan.filter);
          expect([hit!.plan.lockUnveil, hit!.plan.directExit]).toEqual([want.plan.lockUnveil, want.plan.directExit]);
        }
      }
    });
  }

  it('is keyed by the request and every fact of the plan: any other value misses', () => {
    const env = freshEnv();
    const c = CASES[1]!;
    expect(store(c, x86_64, env)).toBe(true);
    const req = requestOf(c, x86_64);
    expect(cachedFirstCall(req, 4243, { env, buildIds: ids })).toBeDefined();
    const others: FirstCallRequest[] = [
      { ...req, promises: 'stdio  rpath' }, { ...req, promises: 'rpath stdio' }, { ...req, execpromises: null }, { ...req, options: {} },
      { ...req, options: { format: 'text' } }, { ...req, options: { format: 'json', quiet: false } }, { ...req, jit: false },
      { ...req, uid: 0 }, { ...req, gid: 0 }, { ...req, comm: 'node' }, { ...req, execPath: '/usr/local/bin/node' }, { ...req, rings: [7] }, { ...req, eventFds: [] }, { ...req, arch: aarch64 },
    ];
    for (const other of others) expect(cachedFirstCall(other, 4243, { env, buildIds: ids }), JSON.stringify({ ...other, arch: other.arch.name })).toBeUndefined();
    expect(cachedFirstCall(req, 4243, { env, buildIds: { ...ids, arch: 'a2' } })).toBeUndefined();
    expect(cachedFirstCall(req, 4243, { env: { ...env, SECCOMP_SCOPES_NO_CACHE: '1' }, buildIds: ids })).toBeUndefined();
    // options that are not plain values, and dev builds, key nothing: neither read nor written
    expect(firstCallKey({ ...req, options: { reportFd: { valueOf: () => 2 } } }, ids)).toBeUndefined();
    expect(firstCallKey({ ...req, options: null }, ids)).toBeUndefined();
    expect(firstCallKey(req, { ...ids, core: 'dev' })).toBeUndefined();
    expect(store(c, x86_64, freshEnv(), { ...ids, pledge: 'dev' })).toBe(false);
    // pids outside the template's range are computed
    expect(cachedFirstCall(req, 1, { env, buildIds: ids })).toBeUndefined();
  });

  it('a pid among the values a template lists beside the pid is computed, not filled in', () => {
    const env = freshEnv();
    const c = CASES[0]!;
    expect(store(c, x86_64, env)).toBe(true);
    const file = path.join(filterCacheDir(env)!, fs.readdirSync(filterCacheDir(env)!)[0]!);
    const entry = decodeEntry(fs.readFileSync(file))!;
    const collide = (entry.extra as { collide: number[] }).collide;
    // prlimit64(pid, ...) lists 0 and the pid: 0 is outside the range; kill's and tgkill's lists hold the pid alone
    expect(collide.every((v) => Number.isInteger(v))).toBe(true);
    fs.writeFileSync(file, encodeEntry({ ...entry, extra: { ...(entry.extra as object), collide: [...collide, 4243] } }));
    expect(cachedFirstCall(requestOf(c, x86_64), 4243, { env, buildIds: ids })).toBeUndefined();
    expect(cachedFirstCall(requestOf(c, x86_64), 4244, { env, buildIds: ids })).toBeDefined();
  });

  it('does not use an entry that was changed, is stale, of another kind, not the user\'s, writable by others, a link, or in a directory others may change', () => {
    const c = CASES[2]!;
    const cases: [string, (file: string, dir: string) => void][] = [
      ['a changed instruction (check mismatch)', (file) => { const b = fs.readFileSync(file); b[b.length - 4]! ^= 1; fs.writeFileSync(file, b); }],
      ['a changed next state (check mismatch)', (file) => {
        const b = fs.readFileSync(file); const at = b.indexOf('"filters":1') + 10; b[at] = 0x32; fs.writeFileSync(file, b);
      }],
      ['the intact entry of a wider request in its place', (file, dir) => {
        const env = { SECCOMP_SCOPES_CACHE_DIR: path.dirname(dir) };
        const before = new Set(fs.readdirSync(dir));
        expect(store({ ...c, promises: 'stdio inet dns rpath wpath cpath proc exec' }, x86_64, env)).toBe(true);
        const wider = fs.readdirSync(dir).find((f) => !before.has(f))!;
        fs.renameSync(path.join(dir, wider), file);
      }],
      ['another key in the file', (file) => { const e = decodeEntry(fs.readFileSync(file))!; fs.writeFileSync(file, encodeEntry({ ...e, key: e.key.replace('"c1"', '"c0"') })); }],
      ['another unit', (file) => { const e = decodeEntry(fs.readFileSync(file))!; fs.writeFileSync(file, encodeEntry({ ...e, unit: 8 })); }],
      ['no first-call description', (file) => { const e = decodeEntry(fs.readFileSync(file))!; fs.writeFileSync(file, encodeEntry({ key: e.key, unit: e.unit, slots: e.slots, bytes: e.bytes })); }],
      ['the filter longer than the entry', (file) => {
        const e = decodeEntry(fs.readFileSync(file))!; fs.writeFileSync(file, encodeEntry({ ...e, extra: { ...(e.extra as object), filterBytes: e.bytes.length + 8 } }));
      }],
      ['truncated', (file) => fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40))],
      ...UNTRUSTED,
    ];
    for (const [what, spoil] of cases) {
      const env = freshEnv();
      const dir = filterCacheDir(env)!;
      expect(store(c, x86_64, env), what).toBe(true);
      expect(cachedFirstCall(requestOf(c, x86_64), 4243, { env, buildIds: ids }), `${what}: the good entry is used`).toBeDefined();
      spoil(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.entry'))!), dir);
      expect(cachedFirstCall(requestOf(c, x86_64), 4243, { env, buildIds: ids }), what).toBeUndefined();
    }
  });

  it("the addon's rule (native readOwnedFile, shared with the command's launcher) and filter-cache.ts's (trustedCacheDir) agree on every directory", () => {
    const situations: [string, (dir: string) => void][] = [
      ['ours', () => {}],
      ['group-writable', (d) => fs.chmodSync(d, 0o770)],
      ['world-writable', (d) => fs.chmodSync(d, 0o707)],
      ['another user\'s', (d) => fs.chownSync(d, 12345, 12345)],
      ['a link to a directory of ours', (d) => { fs.renameSync(d, `${d}.real`); fs.symlinkSync(`${d}.real`, d); }],
      ['under a world-writable parent', (d) => fs.chmodSync(path.dirname(d), 0o777)],
      ['under a sticky world-writable parent', (d) => fs.chmodSync(path.dirname(d), 0o1777)],
      ['under another user\'s parent', (d) => fs.chownSync(path.dirname(d), 12345, 12345)],
      ['under root\'s parent', (d) => fs.chownSync(path.dirname(d), 0, 0)],
    ];
    const verdicts: Record<string, boolean> = {};
    for (const [what, make] of situations) {
      const dir = filterCacheDir(freshEnv())!;
      makeCacheDir(dir);
      fs.writeFileSync(path.join(dir, 'x.entry'), 'x', { mode: 0o600 });
      make(dir);
      const js = trustedCacheDir(dir, process.geteuid!());
      const got = native.readOwnedFile(dir, 'x.entry', 1 << 20)!;
      expect(got.why === undefined, `${what}: ${got.why}`).toBe(js);
      verdicts[what] = js;
    }
    expect(Object.values(verdicts).filter(Boolean).length).toBe(process.geteuid!() === 0 ? 3 : 2); // ours, sticky parent (and root's parent when we are root)
  });

  it("a path through a symbolic link another user owns (in a sticky directory such as /tmp, or met through another link) is refused by both rules", () => {
    // The link's owner can point it at any directory of ours holding files of ours with someone else's bytes (an
    // unpacked archive); stat() follows it, so only the link's own owner tells (fs.protected_symlinks may be 0).
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-links-'));
    try {
      const sticky = path.join(top, 'sticky');
      fs.mkdirSync(sticky);
      fs.chmodSync(sticky, 0o1777);
      const target = path.join(top, 'unpacked');
      fs.mkdirSync(path.join(target, 'node-pledge'), { recursive: true, mode: 0o700 });
      fs.chmodSync(target, 0o755);
      fs.writeFileSync(path.join(target, 'node-pledge', 'x.entry'), 'x', { mode: 0o600 });
      const link = (name: string, to: string, owner?: number): string => {
        const at = path.join(sticky, name);
        fs.symlinkSync(to, at);
        if (owner !== undefined) fs.lchownSync(at, owner, owner);
        return at;
      };
      const ownLink = link('own', target);
      const foreignLink = link('foreign', target, 12345);
      const chained = link('chained', foreignLink); // ours, leading through the foreign one
      const relative = link('relative', '../sticky/foreign'); // ours, the foreign one named relatively
      const verdict = (base: string): [boolean, string | undefined] => {
        const dir = path.join(base, 'node-pledge');
        return [trustedCacheDir(dir, process.geteuid!()), native.readOwnedFile(dir, 'x.entry', 1 << 20)!.why];
      };
      expect(verdict(ownLink)).toEqual([true, undefined]);
      for (const base of [foreignLink, chained, relative]) {
        const [js, why] = verdict(base);
        expect(js, base).toBe(false);
        expect(why, base).toMatch(/^refused: /);
      }
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

  it('is not written when the templates do not give the bytes the call computed', () => {
    const env = freshEnv();
    const c = CASES[0]!;
    const made = uncached(c, x86_64, 4242);
    const filter = pidTemplate((pid) => uncached(c, x86_64, pid).filter, 8, 'little')!;
    const tables = pidTemplate((pid) => uncached(c, x86_64, pid).plan.reporter!.tables, 4, 'little')!;
    const other = uncached({ ...c, promises: 'stdio rpath' }, x86_64, 4242);
    const req = requestOf(c, x86_64);
    expect(storeFirstCall(req, 4242, { plan: made.plan, filterBytes: other.filter, filter, tables }, { env, buildIds: ids })).toBe(false);
    expect(storeFirstCall(req, 4242, { plan: { ...made.plan, reporter: other.plan.reporter! }, filterBytes: made.filter, filter, tables }, { env, buildIds: ids })).toBe(false);
    expect(storeFirstCall(req, 4242, { plan: made.plan, filterBytes: made.filter, filter }, { env, buildIds: ids })).toBe(false); // tables missing
    expect(cachedFirstCall(req, 4243, { env, buildIds: ids })).toBeUndefined();
    expect(storeFirstCall(req, 4242, { plan: made.plan, filterBytes: made.filter, filter, tables }, { env, buildIds: ids })).toBe(true);
    expect(cachedFirstCall(req, 4243, { env, buildIds: ids })).toBeDefined();
  });
});
