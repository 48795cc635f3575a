/**
 * The attack on an inherited filter, in C: a program that pledged
 * "stdio rpath proc exec prot_exec" with libpledge executes another, which tries to
 * read the pledged program's memory with process_vm_readv(2) on its
 * parent's pid. The reporter's rules (core reporterRules) allow no call
 * that names a process, so the reader is killed by the inherited filter.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture } from '../../pledge/test/build-fixture.js';
import { FIXTURES, compile, generate, run, workDir } from './build.js';

let program: string;
let reader: string;

beforeAll(() => {
  const dir = workDir('inherited');
  program = compile(dir, 'exec-read-parent', [path.join(FIXTURES, 'exec-read-parent.c')], generate(dir, ['stdio rpath proc exec prot_exec']));
  reader = buildFixture('read-parent-memory');
});

describe("a program executed after pledge() cannot read the pledged program's memory", () => {
  it('process_vm_readv on the parent: read unpledged; pledged, the reader is killed by SIGSYS without reading', () => {
    const r = run(program, [reader]);
    expect(r.status, r.stderr).toBe(0);
    const [before, after] = r.stdout.split(/^pledge 0\n/m);
    expect(after, r.stdout).toBeDefined();
    expect(before).toBe('unpledged\nstarted\nread 27 libpledge-own-memory-marker\nreader exited 0\n');
    // No report: the handler is gone after execve(2); the inherited filter's trap kills the reader.
    expect(after).toBe('pledged\nstarted\nreader signal 31\n');
  });
});
