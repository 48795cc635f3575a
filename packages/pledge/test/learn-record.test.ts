/**
 * The learn marker's record (src/learn.ts learnRecord): the JSON shape of
 * src/preload/protocol.h, and never more bytes than the learner reads.
 */
import { describe, expect, it } from 'vitest';
import { learnRecord } from '../src/learn.js';

const call = { call: 'pledge', promises: 'stdio rpath', execpromises: null, path: null, permissions: null } as const;

describe('learnRecord', () => {
  it('is the protocol\'s JSON, fields in order', () => {
    expect(learnRecord(call, '/app/main.js:3:1', 65536)).toBe(
      '{"v":1,"call":"pledge","promises":"stdio rpath","execpromises":null,"path":null,"permissions":null,"site":"/app/main.js:3:1"}');
  });

  it('over the limit: promises in canonical form, then the site cut from its start, never over', () => {
    const long = { ...call, promises: Array(20000).fill('rpath stdio').join(' ') };
    const canonical = JSON.parse(learnRecord(long, '/a.js:1:1', 65536)) as { promises: string; site: string };
    expect(canonical).toMatchObject({ promises: 'stdio rpath', site: '/a.js:1:1' });
    for (const letter of ['a', 'é']) {
      const cut = learnRecord(call, `/${letter.repeat(70000)}/app.js:7:3`, 65536);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(65536);
      expect((JSON.parse(cut) as { site: string }).site).toMatch(/^….*\/app\.js:7:3$/);
    }
  });
});
