#!/usr/bin/env node
// Prints facts about compiled filters: size, worst-case path length in
// instructions, and how many syscalls the kernel's action cache can serve
// without running the filter (README.md, "How it is built").
//
//   node tools/filter-stats.mjs ["PROMISES" ...] [--arch x64]
//
// Default promises: "stdio rpath wpath cpath". For each promise string two
// filters are shown: the promises alone (what a C program would get) and
// the filter pledge() installs in a Node process (promises + the Node
// runtime allowance).
import { isConstAllow, compilePromises, SECCOMP_RET_ALLOW } from '@seccomp-scopes/core';
import { archFor, compilePledge } from '@seccomp-scopes/pledge';

const argv = process.argv.slice(2);
const archIdx = argv.indexOf('--arch');
if (archIdx >= 0 && (archIdx + 1 >= argv.length || argv[archIdx + 1].startsWith('--'))) {
  console.error('filter-stats: --arch needs a value: a Node arch name (x64, arm64)');
  process.exit(2);
}
const nodeArch = archIdx >= 0 ? argv[archIdx + 1] : process.arch;
const promiseArgs = archIdx < 0 ? argv : argv.filter((_, i) => i !== archIdx && i !== archIdx + 1);
const sets = promiseArgs.length > 0 ? promiseArgs : ['stdio rpath wpath cpath'];
const arch = archFor(nodeArch);

/** @param {import('@seccomp-scopes/core').CompiledFilter} f */
function stats(f) {
  let cached = 0;
  let argChecked = 0;
  let allowedByNr = 0;
  for (const [nr, rules] of f.decisions) {
    const byNumber = rules.length === 1 && rules[0].when.length === 0;
    if (byNumber && rules[0].ret === SECCOMP_RET_ALLOW) allowedByNr++;
    if (!byNumber) argChecked++;
    if (isConstAllow(f.program, nr, arch.auditArch)) cached++;
  }
  return { instructions: f.program.length, worstCasePath: f.worstCasePath, allowedByNr, cached, argChecked };
}

for (const p of sets) {
  const plain = compilePromises(p, { arch, runtime: { pid: process.pid, uid: 0, gid: 0 } });
  const node = compilePledge(p, { arch: nodeArch });
  for (const [label, f] of [['promises only', plain], ['Node process', node]]) {
    const s = stats(f);
    console.log(`${arch.name} "${p}" (${label}): ${s.instructions} instructions, worst-case path ${s.worstCasePath} instructions; ` +
      `${s.allowedByNr} syscalls allowed by number, ${s.cached} of them served by the action cache; ${s.argChecked} syscalls need argument checks`);
  }
}
