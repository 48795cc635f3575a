/**
 * Honest pledge() failures (issue 17), in Node children:
 * - status asks seccomp() itself (SECCOMP_GET_ACTION_AVAIL): under a
 *   profile answering seccomp with EPERM it says `available: false` and why;
 * - the kernel's total filter size reached (ENOMEM) is a typed error that
 *   says how many filters pledge() stacked, that the promises in force are
 *   unchanged and what to do, and nothing changes.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runChild } from './child.js';

const resolve = createRequire(import.meta.url).resolve;
const NATIVE = JSON.stringify(resolve('@seccomp-scopes/native'));

/** Child code: a filter of n instructions that allows everything (n-1 loads, then RET ALLOW). */
const ALLOW_FILTER = `
  const allowFilter = (n) => {
    const b = Buffer.alloc(8 * n);
    for (let i = 0; i < n - 1; i++) b.writeUInt16LE(0x20, 8 * i);            // BPF_LD|BPF_W|BPF_ABS, k = 0 (nr)
    b.writeUInt16LE(0x06, 8 * (n - 1)); b.writeUInt32LE(0x7fff0000, 8 * (n - 1) + 4); // BPF_RET, SECCOMP_RET_ALLOW
    return new Uint8Array(b);
  };
`;

describe('honest pledge() failures', () => {
  it('status probes seccomp() itself: a profile refusing seccomp makes it unavailable, saying why', () => {
    const r = runChild(`
      const native = await import(${NATIVE});
      // seccomp (x86_64: 317, aarch64: 277) answered EPERM, everything else allowed.
      const nr = process.arch === 'arm64' ? 277 : 317;
      const b = Buffer.alloc(32);
      b.writeUInt16LE(0x20, 0);                                                   // ld nr
      b.writeUInt16LE(0x15, 8); b.writeUInt8(0, 10); b.writeUInt8(1, 11); b.writeUInt32LE(nr, 12); // jeq nr, 0, 1
      b.writeUInt16LE(0x06, 16); b.writeUInt32LE(0x00050001, 20);               // ret ERRNO(EPERM)
      b.writeUInt16LE(0x06, 24); b.writeUInt32LE(0x7fff0000, 28);               // ret ALLOW
      native.setNoNewPrivs();
      native.installFilter(new Uint8Array(b), 0);
      console.log(JSON.stringify(pledge()));
    `);
    const status = JSON.parse(r.stdout.trim()) as { available: boolean; reason: string };
    expect(status.available).toBe(false);
    expect(status.reason).toMatch(/^seccomp\(\) does not work here: .*EPERM/);
  });

  it('the filter-size limit (ENOMEM) is a typed error naming the stacked filters and what to do; nothing changes', () => {
    const c = runChild(`
      const native = await import(${NATIVE});
      ${ALLOW_FILTER}
      native.setNoNewPrivs();
      for (let i = 0; i < 7; i++) native.installFilter(allowFilter(4096), 0);  // 7 * (4096 + 4) = 28700
      native.installFilter(allowFilter(3900), 0);                              // 32604: 164 left
      try { pledge('stdio'); console.log('pledged'); } catch (e) {
        console.log(JSON.stringify({ name: e.name, code: e.code, reason: e.reason, message: e.message, details: e.details }));
      }
      console.log(JSON.stringify(pledge()));
    `);
    const [error, after] = c.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(error).toMatchObject({ name: 'PledgeError', code: 'ENOMEM', reason: 'KERNEL', details: { filters: 0, noNewPrivsSet: false } });
    expect(error!['message']).toMatch(/the kernel refused another filter: with the 0 filters pledge\(\) stacked .* would exceed the kernel's total of 32768 instructions .*The promises in force are unchanged \(none\); narrow in fewer steps/);
    expect(after).toMatchObject({ available: true, filters: 0 });
    expect(after!['promises']).toBeUndefined();
  });
});
