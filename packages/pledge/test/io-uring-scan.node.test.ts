/**
 * The addon's reading of a ring's /proc/self/fdinfo (native ringScan's
 * `fields`, used by pledge() instead of parsing the text in a fresh
 * process) gives exactly what parseRingFdinfo gives for the same text, on
 * the rings of the Node version under test (libuv's three on Node 22 and
 * later; none on 20).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChild } from './child.js';

const NATIVE = JSON.stringify(createRequire(import.meta.url).resolve('@seccomp-scopes/native'));
const IO_URING = JSON.stringify(pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/io-uring.js')).href);

describe('io_uring scan', () => {
  it('ringScan\'s fields of each ring equal parseRingFdinfo of its fdinfo text; scanIoUring gives the same rings', () => {
    const r = runChild(`
      const native = await import(${NATIVE});
      const io = await import(${IO_URING});
      const rings = native.ringScan().fds.filter((f) => f.target === 'anon_inode:[io_uring]');
      const parsed = rings.map((f) => io.parseRingFdinfo(f.fd, f.fdinfo));
      const fromFields = rings.map((f) => f.fields && { fd: f.fd, sqEntries: f.fields.sqMask + 1, cqEntries: f.fields.cqMask + 1, sqThread: f.fields.sqThread, ...(f.fields.ino !== undefined ? { ino: f.fields.ino } : {}) });
      console.log(JSON.stringify({ major: Number(process.versions.node.split('.')[0]), parsed, fromFields, scan: io.scanIoUring().rings }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim()) as { major: number; parsed: unknown[]; fromFields: unknown[]; scan: unknown[] };
    if (got.major >= 22) expect(got.parsed.length).toBeGreaterThanOrEqual(3); // libuv >= 1.49: a ring per event loop
    expect(got.parsed.every((p) => p !== null && p !== undefined)).toBe(true);
    expect(got.fromFields).toEqual(got.parsed);
    expect(got.scan).toEqual(got.parsed);
  });
});
