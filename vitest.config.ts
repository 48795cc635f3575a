import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import nativeProject from './packages/native/vitest.config.ts';
import pledgeProject from './packages/pledge/vitest.config.ts';
import pledgeCliProject from './packages/pledge-cli/vitest.config.ts';
import { nodeBinary, selectedMajors } from './tools/node-matrix.mjs';

/**
 * Every project runs once on the runner's node (20). The Node-facing tests
 * run again on every other tested Node version (22, 24, 26; see
 * tools/node-matrix.mjs, SECCOMP_SCOPES_NODE_VERSIONS=20,24 narrows the list
 * for a quick local run), in projects named "@seccomp-scopes/pledge · node 24":
 * the runner stays on 20, the children the tests start run on that version's
 * binary (SECCOMP_SCOPES_TEST_NODE, read by packages/pledge/test/child.ts,
 * which packages/pledge-cli/test/cli-harness.ts shares, and
 * packages/native/src/index.test.ts).
 */

/** packages/pledge/test: the files that run on every Node version. */
const PLEDGE_NODE_FACING = [
  // In-process pledge() and unveil() in Node children: the runtime allowance
  // (event loop, Workers, zlib, JIT memory), each promise, unveil on Landlock.
  'test/pledge.kernel.test.ts',
  'test/promises.kernel.test.ts',
  'test/unveil.kernel.test.ts',
  // Penalties and violation reports printed by a pledged Node process.
  'test/report.kernel.test.ts',
  // An executed child cannot read its pledged parent's memory (the reporter's copy needs no rule naming a process).
  'test/report-own-memory.kernel.test.ts',
  // Any Node-facing file named so is picked up by its name (runtime.node.test.ts:
  // the whole runtime under pledge("stdio"), io_uring rings on Node 22+).
  'test/**/*.node.test.ts',
  'test/**/node-*.test.ts',
];
// Not repeated, as they do not depend on the Node version: pure functions
// (report.format, unveil.semantics).

/** packages/pledge-cli/test: the files that run on every Node version. */
const PLEDGE_CLI_NODE_FACING = [
  // The `pledge` command with Node programs under it (`--node`, `explain
  // --node`), and its dump compared with the filter a pledged Node process holds.
  'test/cli.programs.test.ts',
  'test/cli.commands.test.ts',
  // The command and a `--node` program under it run on that version (node-version.test.ts).
  'test/**/*.node.test.ts',
  'test/**/node-*.test.ts',
];
// Not repeated, as they do not depend on the Node version: the command on C
// fixtures and system programs (cli.exit, cli.security, cli.tables,
// cli.unveil, cli.window).

/** packages/native: the addon's kernel tests run in Node children. */
const NATIVE_NODE_FACING = ['src/index.test.ts'];

function versionProjects(): TestProjectInlineConfiguration[] {
  const projects: TestProjectInlineConfiguration[] = [];
  for (const major of selectedMajors()) {
    if (major === Number(process.versions.node.split('.')[0])) continue;  // the plain projects
    const suffix = ` · node ${major}`;
    let env: Record<string, string>;
    try {
      const node = nodeBinary(major);
      env = { SECCOMP_SCOPES_TEST_NODE: node.path, SECCOMP_SCOPES_TEST_NODE_VERSION: node.version };
    } catch (e) {
      // A version that cannot be had fails one test (in node-version.test.ts) instead of going unnoticed.
      const error = { SECCOMP_SCOPES_NODE_MATRIX_ERROR: e instanceof Error ? e.message : String(e) };
      projects.push(
        { root: './packages/pledge', test: { ...pledgeProject.test, name: pledgeProject.test!.name + suffix, include: ['test/node-version.test.ts'], env: error } },
        { root: './packages/pledge-cli', test: { ...pledgeCliProject.test, name: pledgeCliProject.test!.name + suffix, include: ['test/node-version.test.ts'], env: error } },
      );
      continue;
    }
    projects.push(
      { root: './packages/pledge', test: { ...pledgeProject.test, name: pledgeProject.test!.name + suffix, include: PLEDGE_NODE_FACING, env } },
      { root: './packages/pledge-cli', test: { ...pledgeCliProject.test, name: pledgeCliProject.test!.name + suffix, include: PLEDGE_CLI_NODE_FACING, env } },
      { root: './packages/native', test: { ...nativeProject.test, name: nativeProject.test!.name + suffix, include: NATIVE_NODE_FACING, env } },
    );
  }
  return projects;
}

export default defineConfig({
  test: {
    projects: ['packages/*', 'tools', ...versionProjects()],
    reporters: ['default', './vitest.summary-reporter.ts'],
  },
});
