// The learn protocol's constants (src/preload/protocol.h, their one source)
// as the addon exports them, and the marker without a learner: a plain
// getppid(). Safe in the test runner: learnMark installs nothing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { learnMark, learnProtocol } from './learn.js';

const header = readFileSync(new URL('./preload/protocol.h', import.meta.url), 'utf8');
const define = (name: string): string => header.match(new RegExp(`^#define ${name} (\\S+)`, 'm'))![1]!;

describe.runIf(process.platform === 'linux')('learn protocol', () => {
  it('exports the header\'s values, ACK above PID_MAX_LIMIT', () => {
    const p = learnProtocol();
    expect(p.markerA).toBe(BigInt(define('LEARN_MARKER_A').replace(/ULL$/, '')));
    expect(p.markerB).toBe(BigInt(define('LEARN_MARKER_B').replace(/ULL$/, '')));
    expect(p.ack).toBe(Number(define('LEARN_ACK')));
    expect(p.ack).toBe(0x5ea7ed0);
    expect(p.ack).toBeGreaterThan(4194304); // PID_MAX_LIMIT: no real getppid() answers it
    expect(p.recordMax).toBe(65536);
    expect(p.env).toBe('SECCOMP_SCOPES_LEARN');
  });

  it('the marker without a learner is getppid(): the parent pid', () => {
    expect(learnMark('{"v":1}')).toBe(process.ppid);
  });

  it('refuses a record that is not a string, or longer than the limit, before any call', () => {
    expect(() => learnMark(1 as unknown as string)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'EINVAL' }));
    expect(() => learnMark('é'.repeat(32769))).toThrow(expect.objectContaining({ name: 'RangeError', code: 'EINVAL', message: expect.stringContaining('65538 bytes') }));
    expect(learnMark('x'.repeat(65536))).toBe(process.ppid);
  });
});
