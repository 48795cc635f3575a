/**
 * A read-only open the Node runtime allowance refuses (EACCES, no rpath) is
 * reported once per path, in the report line format (docs/reports.md
 * "Refused read-only opens"); Node's own start-up probes stay quiet. Runs on
 * every supported Node line (runChild uses SECCOMP_SCOPES_TEST_NODE).
 */
import { describe, expect, it } from 'vitest';
import { describeEnd, runChild } from './child.js';

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter(Boolean);

const script = (options: string): string => `
  import fs from 'node:fs';
  import { Worker } from 'node:worker_threads';
  fs.writeFileSync(dir + '/data.txt', 'data');
  pledge('stdio', null, ${options});
  const out = [];
  for (let i = 0; i < 2; i++) {
    try { fs.readFileSync(dir + '/data.txt'); out.push('read'); } catch (e) { out.push(e.code); }
  }
  await new Promise((res) => setTimeout(res, 20));
  out.push('timer');
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
  out.push('worker ' + await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); }));
  await w.terminate();
  console.log(out.join('\\n'));
`;

describe('read-only opens refused by the Node runtime allowance', () => {
  it('report the path once, fail with EACCES, and Node keeps working', () => {
    const r = runChild(script('{}'), { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['EACCES', 'EACCES', 'timer', 'worker 42']);
    const reports = lines(r.stderr);
    expect(reports, r.stderr).toHaveLength(1);
    expect(reports[0]).toMatch(/^node\[\d+\]: pledge "stdio" refused openat\(AT_FDCWD, "[^"]*\/data\.txt", flags=O_RDONLY(\|O_CLOEXEC)?\) with EACCES; it needs "rpath"/);
  });

  it('with quiet: no line, still EACCES', () => {
    const r = runChild(script('{ quiet: true }'), { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['EACCES', 'EACCES', 'timer', 'worker 42']);
    expect(r.stderr).toBe('');
  });

  it('JSON reports carry the path and errno EACCES', () => {
    const r = runChild(script("{ format: 'json' }"), { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    const reports = lines(r.stderr).map((l) => JSON.parse(l) as { syscall: string; call: string; penalty: string; errno: string; needs: string[][] });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ syscall: 'openat', penalty: 'errno', errno: 'EACCES' });
    expect(reports[0]!.call).toContain('/data.txt"');
    expect(reports[0]!.needs[0]).toEqual(['rpath']);
  });
});
