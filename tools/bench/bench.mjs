#!/usr/bin/env node
// Benchmark: syscall cost under our filters as ratios against no filter,
// measured side by side in the same run (tools/bench/bench.c), next to a
// one-instruction `ret ALLOW` filter (the floor any filter pays: the cost of
// seccomp itself). Prints the median over rounds of each variant's ratio.
//
//   node tools/bench/bench.mjs [--rounds 7] [--calls 2000000]
//
// Targets (perf anchors measured on this machine kind): getppid ≈ 1.26–1.29
// (served by the action cache), fcntl/mprotect ≈ 1.34–1.36 (one filter run
// with a tree), pipe 4 KiB ≈ 1.12.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BPF_K, BPF_RET, SECCOMP_RET_ALLOW, compilePromises, encode, stmt } from '@seccomp-scopes/core';
import { archFor, compilePledge } from '@seccomp-scopes/pledge';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '2000000' } } });
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-bench-'));
const bin = path.join(dir, 'bench');
execFileSync('cc', ['-O2', '-Wall', '-o', bin, path.join(here, 'bench.c')]);

const arch = archFor();
const variants = [
  ['ret ALLOW (1 insn)', encode([stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)], arch.endian)],
  ['"stdio" (C program)', compilePromises('stdio', { arch, runtime: { pid: 1, uid: 0, gid: 0 } }).bytes],
  ['"stdio rpath wpath cpath inet unix proc"', compilePromises('stdio rpath wpath cpath inet unix proc', { arch, runtime: { pid: 1, uid: 0, gid: 0 } }).bytes],
  ['"stdio" (Node process)', compilePledge('stdio', { pid: 1 }).bytes],
];
const files = variants.map(([, bytes], i) => {
  const f = path.join(dir, `v${i}.bin`);
  fs.writeFileSync(f, bytes);
  return f;
});
const out = execFileSync(bin, [values.rounds, values.calls, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
// rows[round][variant] = [getppid, fcntl, mprotect, pipe]
const rows = new Map();
for (const line of out.split('\n')) {
  const m = line.split(' ');
  if (m[0] !== 'R') continue;
  const round = Number(m[1]);
  if (!rows.has(round)) rows.set(round, []);
  rows.get(round)[Number(m[2])] = m.slice(3).map(Number);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cols = ['getppid', 'fcntl F_GETFD', 'mprotect R', 'pipe 4K w+r'];
const base = [0, 1, 2, 3].map((c) => median([...rows.values()].map((r) => r[0][c])));
console.log(`baseline (no filter), ns per call: ${cols.map((c, i) => `${c} ${base[i].toFixed(1)}`).join(', ')}`);
console.log(`ratio against no filter (median of ${rows.size} rounds, paired per round):`);
console.log(`  ${'variant'.padEnd(42)} ${cols.map((c) => c.padStart(14)).join('')}`);
variants.forEach(([name], i) => {
  const ratios = cols.map((_, c) => median([...rows.values()].map((r) => r[i + 1][c] / r[0][c])));
  console.log(`  ${name.padEnd(42)} ${ratios.map((x) => x.toFixed(2).padStart(14)).join('')}`);
});
