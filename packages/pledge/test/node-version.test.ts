/**
 * Which Node the Node-facing tests run on. The root vitest.config.ts runs
 * them once per tested Node version (tools/node-matrix.mjs): the plain
 * project on the runner's node (20), and one project each for 22, 24 and 26
 * with SECCOMP_SCOPES_TEST_NODE set to that binary and
 * SECCOMP_SCOPES_TEST_NODE_VERSION to the version it printed. This file
 * checks that the children really run on that binary (the `pledge`
 * command's twin, packages/pledge-cli/test/node-version.test.ts, checks the
 * command and a `--node` program under it); and it is where a version that
 * could not be had fails (SECCOMP_SCOPES_NODE_MATRIX_ERROR), instead of its
 * tests being skipped.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE, describeEnd, runChild } from './child.js';

const matrixError = process.env['SECCOMP_SCOPES_NODE_MATRIX_ERROR'];
const expected = process.env['SECCOMP_SCOPES_TEST_NODE_VERSION'] || process.version;

describe(matrixError ? 'the Node binary of this project' : `the Node binary of this project (${expected})`, () => {
  if (matrixError) {
    it('could be had', () => {
      throw new Error(matrixError);
    });
    return;
  }

  it('is the one the children run', () => {
    const r = runChild('console.log(process.version); console.log(process.execPath);');
    expect(r.stdout.trim().split('\n'), describeEnd(r)).toEqual([expected, fs.realpathSync(NODE)]);
  });
});
