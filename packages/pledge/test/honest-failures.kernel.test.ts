/**
 * Honest pledge() failures (issue 17), in Node children:
 * - status asks seccomp() itself (SECCOMP_GET_ACTION_AVAIL): under a
 *   profile answering seccomp with EPERM it says `available: false` and why;
 * - the kernel's total filter size reached (ENOMEM) is a typed error that
 *   says how many filters pledge() stacked, that the promises in force are
 *   unchanged and what to do, and nothing changes;
 * - a filter the kernel refuses after pledge() set no_new_privs (TSYNC: a
 *   thread with a filter of its own) says so, puts the reporter back and
 *   records nothing, on the computed path and on a hit of the first call's
 *   cache entry alike.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
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
  it('a first pledge() under a filter that kills personality(2) does not call it (the facts are read without a filter only)', () => {
    const r = runChild(`
      const native = await import(${NATIVE});
      // personality (x86_64 135, aarch64 92) answered KILL_PROCESS, everything else allowed.
      const b = Buffer.alloc(32);
      b.writeUInt16LE(0x20, 0);                                                                            // ld nr
      b.writeUInt16LE(0x15, 8); b.writeUInt8(0, 10); b.writeUInt8(1, 11); b.writeUInt32LE(process.arch === 'arm64' ? 92 : 135, 12); // jeq personality
      b.writeUInt16LE(0x06, 16); b.writeUInt32LE(0x80000000, 20);                                         // ret KILL_PROCESS
      b.writeUInt16LE(0x06, 24); b.writeUInt32LE(0x7fff0000, 28);                                         // ret ALLOW
      native.setNoNewPrivs();
      native.installFilter(new Uint8Array(b), 0);
      pledge('stdio rpath');
      console.log(JSON.stringify(pledge()));
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ promises: 'stdio rpath', filters: 1 });
  });

  it('a refused TSYNC after no_new_privs was set: EBUSY saying that no_new_privs stays set, the reporter put back, nothing recorded (computed and cached)', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tsync-'));
    try {
      // A Worker thread (its own seccomp state: no_new_privs and a filter of its own, no TSYNC) makes the kernel refuse
      // pledge()'s TSYNC; the main thread still has no filter, so the first call's cache entry is read.
      const child = (diverge: boolean): string => `
        const native = await import(${NATIVE});
        const { Worker } = await import('node:worker_threads');
        const w = new Worker(\`
          const { parentPort } = require('node:worker_threads');
          const native = require(${JSON.stringify(resolve('@seccomp-scopes/native'))});
          if (${diverge}) {
            const allow = Buffer.alloc(8); allow.writeUInt16LE(0x06, 0); allow.writeUInt32LE(0x7fff0000, 4); // ret ALLOW
            native.setNoNewPrivs();
            native.installFilter(new Uint8Array(allow), 0);
          }
          parentPort.postMessage('ready');
          setInterval(() => {}, 1000);
        \`, { eval: true });
        await new Promise((ok) => w.once('message', ok));
        try { pledge('stdio'); console.log(JSON.stringify({ pledged: true })); } catch (e) {
          console.log(JSON.stringify({ name: e.name, code: e.code, reason: e.reason, message: e.message, details: e.details }));
        }
        console.log(JSON.stringify({ status: pledge(), reporter: native.reporterState().installed, noNewPrivs: native.getNoNewPrivs() }));
        process.exit(0);
      `;
      const inodes = (): string => fs.readdirSync(path.join(cache, 'node-pledge')).sort().map((f) => `${f}:${fs.statSync(path.join(cache, 'node-pledge', f)).ino}`).join(',');
      for (const mode of ['computed', 'cached'] as const) {
        const env: Record<string, string> = mode === 'computed' ? { SECCOMP_SCOPES_NO_CACHE: '1' } : { SECCOMP_SCOPES_CACHE_DIR: cache };
        if (mode === 'cached') {
          const primed = runChild(child(false), { env });
          expect(primed.stdout, primed.stderr).toContain('"pledged":true');
        }
        const before = mode === 'cached' ? inodes() : '';
        const r = runChild(child(true), { env });
        const [error, after] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(error, `${mode}: ${r.stderr}`).toMatchObject({ name: 'PledgeError', code: 'EBUSY', reason: 'KERNEL', details: { nativeCode: 'TSYNC_FAILED', noNewPrivsSet: true, unveilLocked: false } });
        expect(error!['message'], mode).toMatch(/^pledge\("stdio"\): seccomp\(SECCOMP_SET_MODE_FILTER\) failed: thread \d+ could not be synchronized .*; no filter was installed\. no_new_privs was set for the filter and stays set \(it cannot be cleared\)/);
        expect(after, mode).toMatchObject({ status: { available: true, filters: 0 }, reporter: false, noNewPrivs: true });
        expect((after!['status'] as Record<string, unknown>)['promises'], mode).toBeUndefined();
        // The cached run read the entry (a miss would have planned the call and written it again: a new file).
        if (mode === 'cached') expect(inodes()).toBe(before);
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
