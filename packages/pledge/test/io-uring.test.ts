/** The io_uring scan's pure parts: fdinfo parsing and the keep-or-refuse decision. */
import { describe, expect, it } from 'vitest';
import { parseRingFdinfo, planRings } from '../src/io-uring.js';

const FDINFO = `pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t8193\nSqMask:\t0xff\nSqHead:\t2\nSqTail:\t2\nCachedSqHead:\t2\nCqMask:\t0x1ff\nCqHead:\t2\nCqTail:\t2\nCachedCqTail:\t2\nSQEs:\t0\nCQEs:\t0\nSqThread:\t-1\nSqThreadCpu:\t-1\n`;

describe('parseRingFdinfo', () => {
  it('reads the sizes, the SQPOLL thread and the inode of libuv\'s ring (Linux 6.18)', () => {
    expect(parseRingFdinfo(11, FDINFO)).toEqual({ fd: 11, sqEntries: 256, cqEntries: 512, sqThread: -1, ino: 8193 });
  });
  it('sees a submission thread', () => {
    expect(parseRingFdinfo(5, FDINFO.replace('SqThread:\t-1', 'SqThread:\t4242'))?.sqThread).toBe(4242);
  });
  it('gives up on a missing or malformed field', () => {
    expect(parseRingFdinfo(5, FDINFO.replace(/SqThread:.*\n/, ''))).toBeUndefined();
    expect(parseRingFdinfo(5, FDINFO.replace('SqMask:\t0xff', 'SqMask:\tzz'))).toBeUndefined();
    expect(parseRingFdinfo(5, FDINFO.replace('SqMask:\t0xff', 'SqMask:\t'))).toBeUndefined(); // an empty value is not 0
    expect(parseRingFdinfo(5, `SqMask:\t0x3\n${FDINFO}`)?.sqEntries).toBe(4); // the first line of a name
  });
});

describe('planRings', () => {
  const ring = { fd: 11, sqEntries: 256, cqEntries: 512, sqThread: -1 };
  it('adopts rings without a submission thread', () => {
    expect(planRings({ rings: [ring], sqpollThreads: [], eventFds: [] })).toEqual({ ok: true, adopt: [ring] });
  });
  it('refuses a ring with SQPOLL, naming its fd and thread', () => {
    const plan = planRings({ rings: [ring, { ...ring, fd: 12, sqThread: 99 }], sqpollThreads: [{ tid: 99, name: 'iou-sqp-98' }], eventFds: [] });
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.message).toContain('fd 12, thread 99');
  });
  it('refuses a submission thread whose ring has no descriptor', () => {
    const plan = planRings({ rings: [ring], sqpollThreads: [{ tid: 77, name: 'iou-sqp-70' }], eventFds: [] });
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.message).toContain('iou-sqp-70 (tid 77)');
  });
});
