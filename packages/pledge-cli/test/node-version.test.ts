/**
 * Which Node the Node-facing tests run on. The root vitest.config.ts runs
 * them once per tested Node version (tools/node-matrix.mjs): the plain
 * project on the runner's node (20), and one project each for 22, 24 and 26
 * with SECCOMP_SCOPES_TEST_NODE set to that binary and
 * SECCOMP_SCOPES_TEST_NODE_VERSION to the version it printed. This file
 * checks that the `pledge` command and a `--node` program under it really
 * run on that binary (packages/pledge/test/node-version.test.ts checks the
 * library's children); and a version that could not be had fails here too
 * (SECCOMP_SCOPES_NODE_MATRIX_ERROR), instead of its tests being skipped.
 */
import { describe, expect, it } from 'vitest';
import { NODE, describeRun, pledgeCli } from './cli-harness.js';

const matrixError = process.env['SECCOMP_SCOPES_NODE_MATRIX_ERROR'];
const expected = process.env['SECCOMP_SCOPES_TEST_NODE_VERSION'] || process.version;

describe(matrixError ? 'the Node binary of this project' : `the Node binary of this project (${expected})`, () => {
  if (matrixError) {
    it('could be had', () => {
      throw new Error(matrixError);
    });
    return;
  }

  it('runs the pledge command', () => {
    // The supervisor (the command's node process) is the program's parent.
    const r = pledgeCli(['-p', 'stdio rpath proc exec prot_exec', '--', '/bin/sh', '-c', 'tr "\\000" "\\n" < /proc/$PPID/cmdline']);
    expect(r.status, describeRun(r)).toBe(0);
    expect(r.stdout.split('\n')[0], describeRun(r)).toBe(NODE);
  });

  it('runs as the program under `pledge --node`', () => {
    // Only which binary ran is checked here; whether it ran cleanly is cli.programs.test.ts's job.
    const r = pledgeCli(['-p', 'stdio rpath prot_exec', '--node', '--', NODE, '-e', 'console.log(process.version)']);
    expect(r.stdout.trim(), describeRun(r)).toBe(expected);
  });
});
