/**
 * The SIGSYS reporter copies the path of a refused read-only open from its
 * own memory (docs/reports.md "Refused read-only opens") without any call
 * that names a process: a filter is inherited by every program the process
 * executes, so a rule allowing process_vm_readv on the pledged process' pid
 * let such a program read the pledged process' memory. The attack: a Node
 * process pledges `proc exec` and executes a program that reads its
 * parent's environment (a known marker) with process_vm_readv(2).
 */
import { describe, expect, it } from 'vitest';
import { buildFixture } from './build-fixture.js';
import { describeEnd, runChild } from './child.js';

const MARKER = 'own-memory-marker-5ec0de';

const attack = (bin: string): string => `
  import fs from 'node:fs';
  import { spawnSync } from 'node:child_process';
  // Where this process' environment (holding the marker) lies: /proc/self/stat env_start, env_end (proc(5)).
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = BigInt(f[47]), end = BigInt(f[48]);
  const run = () => spawnSync(${JSON.stringify(bin)}, [start.toString(16), String(end - start)], { encoding: 'utf8' });
  const before = run();
  console.log('before', before.stdout.includes(${JSON.stringify(MARKER)}));
  pledge('stdio rpath proc exec prot_exec');
  const after = run();
  console.log('after', JSON.stringify({ status: after.status, signal: after.signal, stdout: after.stdout }));
`;

describe("a program executed under pledge() cannot read the pledged process' memory", () => {
  it('process_vm_readv on the parent kills the executed child, which read it unpledged', () => {
    const bin = buildFixture('read-parent-memory');
    const r = runChild(attack(bin), { env: { OWN_MEMORY_SECRET: MARKER }, timeoutMs: 30_000 });
    expect(r.status, describeEnd(r)).toBe(0);
    // The fixture and the address work: unpledged, the child reads the marker.
    expect(r.stdout, describeEnd(r)).toContain('before true');
    const line = r.stdout.split('\n').find((l) => l.startsWith('after '));
    expect(line, describeEnd(r)).toBeDefined();
    const after = JSON.parse(line!.slice('after '.length)) as { status: number | null; signal: string | null; stdout: string };
    expect(after.stdout, describeEnd(r)).not.toContain(MARKER);
    // Past its loader ("started"), then killed by the inherited filter's trap (no handler after execve(2)).
    expect(after, describeEnd(r)).toEqual({ status: null, signal: 'SIGSYS', stdout: 'started\n' });
  });
});
