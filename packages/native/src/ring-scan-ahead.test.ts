/**
 * ringScanAhead/ringScanDrop (ring-replay.cc ScanRingsAhead): the /proc walk
 * made on a thread of its own and taken by the next ringScan(), and dropped
 * so that no later caller takes a stale walk. Runs in the test process:
 * nothing is installed. An eventfd opened after a walk began (a Worker's
 * event loop has one) is what tells a stale walk from a fresh one.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ringScan, ringScanAhead, ringScanDrop } from './index.js';

const eventFds = (): number[] => (ringScan()?.fds ?? []).filter((f) => f.target === 'anon_inode:[eventfd]').map((f) => f.fd).sort((a, b) => a - b);

/** Blocks this thread for `ms` milliseconds. */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

async function withWorker<T>(fn: () => T): Promise<T> {
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(1); setInterval(() => {}, 1000);', { eval: true });
  await new Promise((res) => w.once('message', res));
  try {
    return fn();
  } finally {
    await w.terminate();
  }
}

describe('the /proc walk made ahead', () => {
  it('is what ringScan() takes next: a walk begun before a Worker started does not show its eventfd; dropped, the next walk does', async () => {
    const before = eventFds();
    // Begun (and given 100 ms to finish: its thread may be scheduled late), then a Worker starts (a new event loop, a
    // new eventfd): the walk taken is the one made before.
    ringScanAhead();
    pause(100);
    const stale = await withWorker(() => eventFds());
    expect(stale).toEqual(before);
    // Begun, then dropped: the walk after it is made then and sees the Worker's eventfd.
    const fresh = await withWorker(() => {
      ringScanAhead();
      ringScanDrop();
      return eventFds();
    });
    expect(fresh.length).toBeGreaterThan(before.length);
    // Taken once only: the next walk is a fresh one again.
    ringScanAhead();
    pause(100);
    expect(eventFds()).toEqual(before);
    const again = await withWorker(() => eventFds());
    expect(again.length).toBeGreaterThan(before.length);
    ringScanDrop(); // nothing pending: harmless
  });
});
