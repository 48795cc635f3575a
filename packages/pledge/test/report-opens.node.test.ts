/**
 * A read-only open the Node runtime allowance refuses (EACCES, no rpath) is
 * reported once per path, in the report line format (docs/reports.md
 * "Refused read-only opens"); Node's own start-up probes stay quiet. Runs on
 * every supported Node line (runChild uses SECCOMP_SCOPES_TEST_NODE).
 */
import { describe, expect, it } from 'vitest';
import { buildFixture } from './build-fixture.js';
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

// The handler copies the path through a pipe of its own (write(2) from the
// caller's pointer, read(2) back), never with a call naming a process
// (report-own-memory.kernel.test.ts has the attack that rule allowed).
describe("the refused open's path is copied without faulting and without a cross-process call", () => {
  const openRaw = (): string => buildFixture('open-raw', ['-shared', '-fPIC', '-I/usr/include/node']);
  const load = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify('@MODULE@')}); const raw = m.exports;`;
  const code = (body: string): string => `import fs from 'node:fs';\n${load.replace('@MODULE@', openRaw())}${body}`;

  it('a bad path pointer (1, NULL, an unmapped page): EACCES and a report without a path, no crash', () => {
    const r = runChild(code(`
      pledge('stdio');
      const out = [raw.openat(1), raw.openat(0), raw.openat(2 ** 47 - 4096)];
      try { fs.readFileSync(dir + '/data.txt'); } catch (e) { out.push(e.code); }
      console.log(out.join(' '));
    `), { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['-13 -13 -13 EACCES']);
    const reports = lines(r.stderr);
    expect(reports, r.stderr).toHaveLength(4);
    for (const line of reports.slice(0, 3)) expect(line).toMatch(/refused openat\(AT_FDCWD, flags=O_RDONLY\) with EACCES; it needs "rpath"/);
    // The copy still works after the faults.
    expect(reports[3]).toMatch(/refused openat\(AT_FDCWD, "[^"]*\/data\.txt", flags=O_RDONLY(\|O_CLOEXEC)?\) with EACCES/);
  });

  it('the pipe closed and its descriptors reused by the program: a report without a path, nothing written to the files', () => {
    const r = runChild(`
      import fs from 'node:fs';
      // The reporter's pipe: the one new pipe whose both ends this process holds.
      const pipes = () => fs.readdirSync('/proc/self/fd').map((f) => { try { return [Number(f), fs.readlinkSync('/proc/self/fd/' + f)]; } catch { return [Number(f), '']; } }).filter(([, l]) => l.startsWith('pipe:'));
      const before = new Set(pipes().map(([, l]) => l));
      pledge('stdio rpath wpath cpath');
      const fresh = pipes().filter(([, l]) => !before.has(l));
      const inode = fresh.map(([, l]) => l).find((l, _, all) => all.filter((x) => x === l).length === 2);
      const ours = fresh.filter(([, l]) => l === inode).map(([fd]) => fd);
      for (const fd of ours) fs.closeSync(fd);
      const files = ours.map((fd, i) => fs.openSync(dir + '/reused' + i, 'w'));
      pledge('stdio wpath cpath');
      try { fs.readFileSync(dir + '/secret-name.txt'); } catch (e) { console.log(e.code); }
      console.log(ours.length, JSON.stringify(files) === JSON.stringify(ours), ours.map((fd, i) => fs.fstatSync(files[i]).size).join(','));
    `, { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    expect(lines(r.stdout), describeEnd(r)).toEqual(['EACCES', '2 true 0,0']);
    // Every line without a path (Node 22 and 26 probe a file of their own then too, unrecognised without it).
    expect(lines(r.stderr).length, r.stderr).toBeGreaterThanOrEqual(1);
    for (const line of lines(r.stderr)) expect(line).toMatch(/refused openat\(AT_FDCWD, flags=O_RDONLY(\|O_CLOEXEC)?\) with EACCES/);
    expect(r.stderr).not.toContain('secret-name');
  });

  it('without "stdio" (pledge("")): EACCES, no line (no path can be copied to tell Node\'s own probes apart)', () => {
    const r = runChild(`
      import fs from 'node:fs';
      pledge('');
      try { fs.readFileSync(dir + '/data.txt'); fs.writeSync(2, 'read\\n'); } catch (e) { fs.writeSync(2, e.code + '\\n'); }
    `, { timeoutMs: 60_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    const out = lines(r.stderr);
    expect(out, describeEnd(r)).toEqual(['EACCES']);
  });
});
