#!/usr/bin/env node
// Prints facts about compiled filters: size, worst-case path length in
// instructions, how many syscalls are allowed whatever their arguments and
// how many of those the kernel's action cache serves without running the
// filter (all of them, or the compiler has a defect: it names them and exits
// 1; README.md, "How it is built"); and how many need argument checks.
//
//   node tools/filter-stats.mjs ["PROMISES" ...] [--arch x64]
//
// Default promises: "stdio rpath wpath cpath". For each promise string two
// filters are shown: the promises alone (what a C program would get) and
// the filter pledge() installs in a Node process (promises + the Node
// runtime allowance).
import { cacheFacts, compilePromises } from '@seccomp-scopes/core';
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
  const c = cacheFacts(f);
  const names = new Map(Object.entries(arch.syscalls).map(([k, v]) => [v, k]));
  return {
    instructions: f.program.length, worstCasePath: f.worstCasePath, argumentFree: c.allowedArgumentFree.length, cached: c.cached.length,
    missed: c.missed.map((nr) => names.get(nr)), argChecked: c.argumentDependent.length,
  };
}

let missedAny = false;
for (const p of sets) {
  const plain = compilePromises(p, { arch, runtime: { pid: process.pid, uid: 0, gid: 0 } });
  const node = compilePledge(p, { arch: nodeArch });
  for (const [label, f] of [['promises only', plain], ['Node process', node]]) {
    const s = stats(f);
    console.log(`${arch.name} "${p}" (${label}): ${s.instructions} instructions, worst-case path ${s.worstCasePath} instructions; ` +
      `${s.argumentFree} syscalls allowed for any arguments, ${s.cached} of them served by the action cache` +
      (s.missed.length > 0 ? ` (NOT cached: ${s.missed.join(', ')})` : '') + `; ${s.argChecked} syscalls need argument checks`);
    if (s.missed.length > 0) missedAny = true;
  }
}
if (missedAny) process.exitCode = 1;
