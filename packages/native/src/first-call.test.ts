// firstCallKey and firstCallLookup (src/first-call.cc) as units: the key's
// descriptors and file name, the request's checks, and the lookup's answers
// for an absent, untrusted, malformed or planted entry in a directory of the
// test's own. Safe in the test runner: the lookup only reads (prctl
// PR_GET_SECCOMP and PR_GET_NO_NEW_PRIVS, SECCOMP_GET_ACTION_AVAIL,
// personality(0xffffffff), the entry file) and installs nothing; every case
// gives the descriptors, so /proc/self is not scanned either.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstCallKey, firstCallLookup, type FirstCallLookupRequest } from './first-call.js';
import { artifactCheck } from './reporter.js';

/** FNV-1a 32 of the UTF-8 bytes, 8 hex digits: the name's definition (first-call.ts), written again here. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

const invalid = expect.objectContaining({ name: 'TypeError', code: 'EINVAL' });

describe.runIf(process.platform === 'linux')('firstCallKey', () => {
  it('appends exactly {"rings":[…],"eventFds":[…]}, each list ascending, and names the key by the FNV-1a 32 of its UTF-8 bytes', () => {
    const got = firstCallKey('P', [9, 3, 5], [7, 2])!;
    expect(got.key).toBe('P{"rings":[3,5,9],"eventFds":[2,7]}');
    expect(got.name).toMatch(/^[0-9a-f]{8}\.entry$/);
    expect(got.name).toBe(`${fnv1a(got.key)}.entry`);
    expect(firstCallKey('', [], [])).toEqual({ key: '{"rings":[],"eventFds":[]}', name: `${fnv1a('{"rings":[],"eventFds":[]}')}.entry` });
    // The given arrays are not reordered in place.
    const rings = [9, 3];
    firstCallKey('P', rings, []);
    expect(rings).toEqual([9, 3]);
  });

  it('hashes the UTF-8 bytes of a prefix beyond ASCII (not its UTF-16 code units)', () => {
    const prefix = '{"comm":"nöde-ж-\u{1f600}"}';
    const got = firstCallKey(prefix, [], [4])!;
    expect(got.key).toBe(`${prefix}{"rings":[],"eventFds":[4]}`);
    expect(got.name).toBe(`${fnv1a(got.key)}.entry`);
  });

  it('gives another key and name for any change of the prefix or the descriptors, never for their order', () => {
    const base = firstCallKey('{"promises":"stdio"}', [10, 11], [12])!;
    const variants = [
      firstCallKey('{"promises":"stdio "}', [10, 11], [12]),
      firstCallKey('{"promises":"stdio"}', [10], [12]),
      firstCallKey('{"promises":"stdio"}', [10, 11, 13], [12]),
      firstCallKey('{"promises":"stdio"}', [10, 11], []),
      firstCallKey('{"promises":"stdio"}', [10, 11], [13]),
      firstCallKey('{"promises":"stdio"}', [10, 11, 12], []), // a descriptor moved from one list to the other
      firstCallKey('{"promises":"stdio"}', [10], [11, 12]),
    ].map((v) => v!);
    for (const v of variants) {
      expect(v.key).not.toBe(base.key);
      expect(v.name).not.toBe(base.name);
    }
    expect(new Set(variants.map((v) => v.name)).size).toBe(variants.length);
    expect(firstCallKey('{"promises":"stdio"}', [11, 10], [12])).toEqual(base);
  });

  it('refuses what is not a string and two arrays of descriptor numbers with a TypeError EINVAL', () => {
    const call = firstCallKey as unknown as (...a: unknown[]) => unknown;
    for (const args of [[1, [], []], ['p', [-1], []], ['p', [1.5], []], ['p', ['3'], []], ['p', [], undefined], ['p', [2 ** 31], []], ['p', []]]) {
      expect(() => call(...args), JSON.stringify(args)).toThrow(invalid);
    }
  });
});

describe.runIf(process.platform === 'linux')('firstCallLookup', () => {
  let cache: string;
  const prefix = '{"test":"first-call.test.ts"}';
  const request = (more: Partial<FirstCallLookupRequest> = {}): FirstCallLookupRequest => ({
    dir: cache, prefix, pid: 4242, format: 3, littleEndian: true, readImpliesExec: 0, actions: [], rings: [4, 3], eventFds: [9], ...more,
  });
  const keyed = (): { key: string; name: string } => firstCallKey(prefix, [3, 4], [9])!;

  /** An entry file (filter-cache.ts encodeEntry's layout) of `description` and `bytes`, its check right unless `badCheck`. */
  function entryFile(description: unknown, bytes: Uint8Array, options: { format?: number; badCheck?: boolean } = {}): Buffer {
    const json = Buffer.from(JSON.stringify(description), 'utf8');
    const at = 20 + ((json.length + 3) & ~3);
    const out = Buffer.alloc(at + bytes.length);
    out.writeUInt32LE(0x454e5353, 0);
    out.writeUInt32LE(options.format ?? 3, 4);
    out.writeUInt32LE(json.length, 8);
    json.copy(out, 20);
    out.set(bytes, at);
    const check = artifactCheck(out.subarray(20))!;
    out.writeUInt32LE((parseInt(check.slice(0, 8), 16) ^ (options.badCheck ? 1 : 0)) >>> 0, 12);
    out.writeUInt32LE(parseInt(check.slice(8), 16), 16);
    return out;
  }
  /** One BPF instruction, RET ALLOW, whose k (word 1) is the pid slot; then, for `tables`, 8 bytes of report tables whose word 3 is a slot too. */
  const RET_ALLOW = Buffer.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]);
  const TABLES = Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]);
  const plant = (file: Buffer, mode = 0o600): void => {
    const target = path.join(cache, keyed().name);
    fs.rmSync(target, { force: true });
    fs.writeFileSync(target, file, { mode });
    fs.chmodSync(target, mode);
  };
  const description = (extra: Record<string, unknown>, more: Record<string, unknown> = {}): unknown => ({ key: keyed().key, unit: 4, slots: [1], extra, ...more });

  beforeAll(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'first-call-native-'));
    fs.chmodSync(cache, 0o700);
  });
  afterAll(() => fs.rmSync(cache, { recursive: true, force: true }));

  it('refuses a malformed request with a TypeError EINVAL, before reading anything', () => {
    const call = firstCallLookup as unknown as (r?: unknown) => unknown;
    const good = request() as unknown as Record<string, unknown>;
    const bad: unknown[] = [
      undefined, null, 'x', 7,
      { ...good, dir: 'relative/cache' }, { ...good, dir: '' }, { ...good, dir: 1 },
      { ...good, prefix: undefined },
      { ...good, pid: 1.5 }, { ...good, pid: -1 }, { ...good, pid: '4242' }, { ...good, pid: 2 ** 32 },
      { ...good, format: '3' }, { ...good, littleEndian: 1 }, { ...good, readImpliesExec: -1 },
      { ...good, actions: 'kill' }, { ...good, actions: undefined }, { ...good, actions: [-1] }, { ...good, actions: [0.5] },
      { ...good, eventFds: undefined }, // rings without eventFds
      { ...good, rings: undefined }, // eventFds without rings
      { ...good, rings: ['3'] }, { ...good, eventFds: [-2] },
    ];
    for (const r of bad) expect(() => call(r), JSON.stringify(r)).toThrow(invalid);
  });

  it("answers 'absent' in an empty trusted directory, with the key and name firstCallKey gives for the descriptors (sorted)", () => {
    const got = firstCallLookup(request())!;
    expect(got).toEqual({ why: 'absent', ...keyed() });
    // With the actions pledge() needs (KILL_PROCESS, ERRNO, ALLOW), which this kernel offers: the same.
    expect(firstCallLookup(request({ actions: [0x80000000, 0x00050000, 0x7fff0000] }))).toEqual({ why: 'absent', ...keyed() });
  });

  it("answers 'unavailable' for an action the kernel does not offer, before anything else", () => {
    expect(firstCallLookup(request({ actions: [0x7fff0000, 0x12340000] }))).toEqual({ why: 'unavailable' });
  });

  it("answers 'personality' when the personality has the bit asked for (PER_LINUX's 0 has none: asked with bit 0 it looks up)", () => {
    const persona = parseInt(fs.readFileSync('/proc/self/personality', 'utf8'), 16);
    // A bit the runner's personality has, if any, else none can be tested here: PER_LINUX is 0 (then the case is READ_IMPLIES_EXEC's, in a child: first-call-fast.kernel.test.ts).
    if (persona !== 0) expect(firstCallLookup(request({ readImpliesExec: persona & -persona }))).toEqual({ why: 'personality' });
    expect(firstCallLookup(request({ readImpliesExec: 0x0400000 }))!.why).toBe(persona & 0x0400000 ? 'personality' : 'absent');
  });

  it("answers 'untrusted' for an entry writable by others, 'format', 'check', 'key', 'description' and 'pid' for entries that do not fit", () => {
    const extra = { filterBytes: 8, collide: [] };
    plant(entryFile(description(extra), RET_ALLOW), 0o666);
    expect(firstCallLookup(request())).toEqual({ why: 'untrusted', ...keyed() });
    plant(Buffer.from('not an entry'));
    expect(firstCallLookup(request())!.why).toBe('format');
    plant(entryFile(description(extra), RET_ALLOW, { format: 2 }));
    expect(firstCallLookup(request())!.why).toBe('format');
    plant(entryFile(description(extra), RET_ALLOW, { badCheck: true }));
    expect(firstCallLookup(request())!.why).toBe('check');
    plant(entryFile(description(extra, { key: `${keyed().key} ` }), RET_ALLOW));
    expect(firstCallLookup(request())!.why).toBe('key');
    // The key of other descriptors, in their file: another key.
    plant(entryFile(description(extra), RET_ALLOW));
    expect(firstCallLookup(request({ rings: [3], eventFds: [4, 9] }))!.why).toBe('absent');
    for (const bad of [
      { filterBytes: 16, collide: [] }, { filterBytes: 0, collide: [] }, { filterBytes: 4, collide: [] }, { filterBytes: 8 }, { collide: [] },
      { filterBytes: 8, collide: [], reporter: {} }, // a reporter without tables
    ]) {
      plant(entryFile(description(bad), RET_ALLOW));
      expect(firstCallLookup(request())!.why, JSON.stringify(bad)).toBe('description');
    }
    plant(entryFile(description(extra, { slots: [2] }), RET_ALLOW)); // past the bytes
    expect(firstCallLookup(request())!.why).toBe('description');
    plant(entryFile(description(extra, { unit: 8 }), RET_ALLOW));
    expect(firstCallLookup(request())!.why).toBe('description');
    plant(entryFile('{"key":', RET_ALLOW)); // a JSON string: not an object
    expect(firstCallLookup(request())!.why).toBe('description');
    plant(entryFile(description({ filterBytes: 8, collide: [7, 4242] }), RET_ALLOW));
    expect(firstCallLookup(request())!.why).toBe('pid');
    expect(firstCallLookup(request({ pid: 4243 }))!.filter).toBeDefined();
  });

  it('fills the pid into each slot in the byte order asked, and splits the filter from the tables where filterBytes says', () => {
    plant(entryFile(description({ filterBytes: 8, collide: [], marker: 'kept' }), RET_ALLOW));
    const hit = firstCallLookup(request({ pid: 0x01020304 }))!;
    expect(hit.why).toBeUndefined();
    expect(hit.key).toBe(keyed().key);
    expect(hit.name).toBe(keyed().name);
    expect([...hit.filter!]).toEqual([0x06, 0, 0, 0, 0x04, 0x03, 0x02, 0x01]);
    expect(hit.tables).toBeUndefined();
    expect(hit.extra).toEqual({ filterBytes: 8, collide: [], marker: 'kept' });
    expect(hit.rings).toBeUndefined(); // descriptors given: nothing scanned, nothing to adopt
    expect(hit.facts).toBeDefined();
    const big = firstCallLookup(request({ pid: 0x01020304, littleEndian: false }))!;
    expect([...big.filter!.subarray(4)]).toEqual([1, 2, 3, 4]);

    plant(entryFile(description({ filterBytes: 8, collide: [], reporter: {} }, { slots: [1, 3] }), Buffer.concat([RET_ALLOW, TABLES])));
    const withTables = firstCallLookup(request({ pid: 77 }))!;
    expect([...withTables.filter!]).toEqual([0x06, 0, 0, 0, 77, 0, 0, 0]);
    expect([...withTables.tables!]).toEqual([1, 0, 0, 0, 77, 0, 0, 0]);
    // The file is unchanged (the pid is filled into a copy).
    expect([...fs.readFileSync(path.join(cache, keyed().name)).subarray(-16)]).toEqual([...RET_ALLOW, ...TABLES]);
  });
});
