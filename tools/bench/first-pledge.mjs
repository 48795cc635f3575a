#!/usr/bin/env node
// The first pledge() in a fresh Node process, side by side with libseccomp's
// end-to-end compile-and-load in a fresh C process (issue 18 item 2).
//
//   node tools/bench/first-pledge.mjs [--quick] [--runs 21] [--nodes 20,22,24,26]
//
// For each promise set ("stdio", "stdio rpath", "stdio inet dns") and each
// Node version (tools/node-matrix.mjs; a version that cannot be found is
// named and skipped), a fresh process imports @seccomp-scopes/pledge and
// times the pledge() call alone (performance.now() around it; the import is
// reported apart), in two states:
//
// - cached: pledge()'s cache of compiled output holds this process' filter
//   and report tables (an empty cache directory of our own, primed by one
//   run): the state of every process after the first with the same
//   promises, Node and user;
// - uncached: SECCOMP_SCOPES_NO_CACHE=1, everything computed in the call
//   (the report tables' fixed part from the arch package's build artifact).
//
// The C side: tools/bench/lsc-load.c built against libseccomp, timing
// seccomp_init .. seccomp_load with every syscall our filter for that set
// allows added as an unconditional rule (no argument checks: a lower bound
// for libseccomp). Runs of all sides are interleaved, round by round; each
// cell is the median over the rounds, the ratio is ours / libseccomp's.
// Nothing is asserted; tools/bench/bench.mjs prints this script's output in
// its start-up section.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' }, nodes: { type: 'string' } },
});
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 3 : 21));
const majors = (values.nodes ?? (quick ? String(process.versions.node.split('.')[0]) : '20,22,24,26')).split(',').map(Number);
const SETS = ['stdio', 'stdio rpath', 'stdio inet dns'];

const { compilePledge } = await import(pathToFileURL(path.join(root, 'packages/pledge/dist/index.js')).href);
const { nodeBinary } = await import(pathToFileURL(path.join(root, 'tools/node-matrix.mjs')).href);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'first-pledge-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const lsc = path.join(dir, 'lsc-load');
execFileSync('cc', ['-O2', '-Wall', '-o', lsc, path.join(here, 'lsc-load.c'), '-lseccomp']);

// libseccomp's rules: the syscalls our Node filter for the set allows (some rule of the number answers ALLOW).
const ALLOW = 0x7fff0000;
const rulesFiles = new Map(SETS.map((set, i) => {
  const f = compilePledge(set, { pid: 4242 });
  const nrs = [...f.decisions].filter(([, rules]) => rules.some((r) => r.ret === ALLOW)).map(([nr]) => nr);
  const file = path.join(dir, `set${i}.rules`);
  fs.writeFileSync(file, `${nrs.join('\n')}\n`);
  return [set, { file, count: nrs.length }];
}));

// The child: import, then one pledge() timed; prints {"import": ms, "pledge": ms}.
const child = path.join(dir, 'child.mjs');
fs.writeFileSync(child, `
const t0 = performance.now();
const { pledge } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'packages/pledge/dist/index.js')).href)});
const t1 = performance.now();
pledge(process.argv[2]);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ import: t1 - t0, pledge: t2 - t1 }) + '\\n');
`);

const nodes = [];
for (const major of majors) {
  try {
    nodes.push(nodeBinary(major));
  } catch (e) {
    console.log(`Node ${major}: not found (${e.message.split('\n')[0]}), skipped`);
  }
}

const cacheDir = path.join(dir, 'cache');
const baseEnv = { ...process.env, SECCOMP_SCOPES_CACHE_DIR: cacheDir };
delete baseEnv.SECCOMP_SCOPES_NO_CACHE;
const MODES = { cached: baseEnv, uncached: { ...baseEnv, SECCOMP_SCOPES_NO_CACHE: '1' } };

function runNode(node, set, env) {
  const r = spawnSync(node.path, [child, set], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`Node ${node.version} pledge(${JSON.stringify(set)}) failed (status ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// Prime the cache: one run per Node and set.
for (const node of nodes) for (const set of SETS) runNode(node, set, MODES.cached);

const samples = new Map();
const add = (key, v) => { if (!samples.has(key)) samples.set(key, []); samples.get(key).push(v); };
for (let round = 0; round < runs; round++) {
  for (const set of SETS) {
    add(`lsc|${set}`, Number(execFileSync(lsc, [rulesFiles.get(set).file], { encoding: 'utf8' })) / 1e6);
    for (const node of nodes) {
      for (const [mode, env] of Object.entries(MODES)) {
        const r = runNode(node, set, env);
        add(`${node.major}|${mode}|${set}`, r.pledge);
        add(`${node.major}|import`, r.import);
      }
    }
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const p10 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 10)]; };
const ms = (v) => v.toFixed(2);
console.log(`first pledge() in a fresh Node process vs libseccomp's compile-and-load in a fresh C process; ${runs} interleaved runs; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('each cell: median (10th percentile) ms; ratio = ours / libseccomp, medians (10th percentiles)');
console.log('');
console.log('| Node | promises | pledge() cached | ratio | pledge() uncached | ratio | libseccomp load (rules) |');
console.log('|---|---|---:|---:|---:|---:|---:|');
const cell = (xs) => `${ms(median(xs))} (${ms(p10(xs))})`;
const ratio = (xs, ls) => `${(median(xs) / median(ls)).toFixed(1)} (${(p10(xs) / p10(ls)).toFixed(1)})`;
for (const node of nodes) {
  for (const set of SETS) {
    const l = samples.get(`lsc|${set}`);
    const c = samples.get(`${node.major}|cached|${set}`);
    const u = samples.get(`${node.major}|uncached|${set}`);
    console.log(`| ${node.version} | "${set}" | ${cell(c)} | ${ratio(c, l)} | ${cell(u)} | ${ratio(u, l)} | ${cell(l)} (${rulesFiles.get(set).count}) |`);
  }
}
console.log('');
console.log(`import of @seccomp-scopes/pledge (not in the times above), median: ${nodes.map((n) => `Node ${n.major} ${ms(median(samples.get(`${n.major}|import`)))} ms`).join(', ')}`);
