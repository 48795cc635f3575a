#!/usr/bin/env node
// The side-by-side benchmark (issue 18): our filters next to the same rules
// built by libseccomp (its binary tree, SCMP_FLTATR_CTL_OPTIMIZE=2, and its
// default sorted chain), the same decisions as a linear chain of our own
// (core's chainProgram), and a one-instruction `ret ALLOW` filter (the floor
// any filter pays: seccomp itself plus the action cache), all in the same
// runs, interleaved, each as a ratio against no filter.
//
//   node tools/bench/bench.mjs [--quick] [--rounds 7] [--calls 1000000]
//                              [--launches 200] [--no-launch] [--no-traces]
//                              [--no-supervisor] [--no-learn]
//
// Before anything is timed, every variant must give every timed call the
// same verdict: the call vectors (tools/bench/bench.c `vectors`) are run
// through each program with core's simulator, and every measuring child
// reports what each call returned in the kernel; any difference stops the
// run with the call, the variant and both verdicts. Then:
//
// 1. per promise set, the ratio of each call (getppid, fstat, read/write,
//    fcntl, mprotect, mmap, ioctl, openat, …) against no filter; "C" marks a
//    call whose syscalls the kernel's action cache serves in that variant
//    (core's isConstAllow, a port of seccomp_is_const_allow);
// 2. the action-cache share: how many syscalls each variant makes
//    const-allow, and for real programs (find, tar, sqlite3, counted with
//    strace -c -f) the share of their calls the cache serves;
// 3. start-up: libseccomp's compile-and-load of the same rules in a fresh C
//    process, and tools/bench/first-pledge.mjs if present (our first
//    pledge() in a fresh Node process);
// 4. the command's launch: `pledge -p stdio -- /bin/true` (the native
//    launcher with its policy cached, and Node) against
//    `setpriv --no-new-privs /bin/true` and plain /bin/true, interleaved
//    (tools/bench/launch.mjs);
// 5. the supervisor's costs: a refused call, an exec, a library loaded in
//    the start-up window, next to one bare notification round trip
//    (tools/bench/supervisor.mjs);
// 6. the learner's overhead: a syscall-heavy program plain, under `pledge
//    learn` and under `pledge run` with the proposal (tools/bench/learn.mjs).
//
// --quick (CI, tools/bench/bench.test.ts): one round, few calls, small
// traces; the numbers are not meaningful, the agreement step and the report
// format are the same. No timing is asserted anywhere.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BPF_K, BPF_RET, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, actionName, cacheFacts, chainProgram,
  compilePromises, decode, encode, isConstAllow, simulate, stmt,
} from '@seccomp-scopes/core';
import { archFor, compilePledge } from '@seccomp-scopes/pledge';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    calls: { type: 'string' },
    launches: { type: 'string' },
    'no-launch': { type: 'boolean', default: false },
    'no-traces': { type: 'boolean', default: false },
    'no-supervisor': { type: 'boolean', default: false },
    'no-learn': { type: 'boolean', default: false },
    // For the test of the agreement step: libseccomp's tree replaced by `ret ALLOW`, which must be caught.
    'inject-disagreement': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const rounds = Number(values.rounds ?? (quick ? 1 : 7));
const calls = Number(values.calls ?? (quick ? 20000 : 1000000));
const launches = Number(values.launches ?? (quick ? 3 : 200));
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-bench-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** Stops the run with a message (no stack: a disagreement is an expected outcome of a broken variant). */
function fail(msg) {
  console.error(`bench: ${msg}`);
  process.exit(1);
}

const bin = path.join(dir, 'bench');
const lsc = path.join(dir, 'lsc-rules');
execFileSync('cc', ['-O2', '-Wall', '-o', bin, path.join(here, 'bench.c')]);
execFileSync('cc', ['-O2', '-Wall', '-o', lsc, path.join(here, 'lsc-rules.c'), '-lseccomp']);

const arch = archFor();
const names = new Map(Object.entries(arch.syscalls).map(([k, v]) => [v, k]));
const known = [...new Set(Object.values(arch.syscalls))].sort((a, b) => a - b);
const hex = (n) => (typeof n === 'bigint' ? n : BigInt(n >>> 0)).toString(16);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- the timed calls and the syscalls each makes ---------------------------------------------

/** call name → [{ nr, args }], from the C program itself. */
const vectors = new Map();
for (const line of execFileSync(bin, ['vectors'], { encoding: 'utf8' }).trim().split('\n')) {
  const [, call, , nr, ...args] = line.split(' ');
  if (!vectors.has(call)) vectors.set(call, []);
  vectors.get(call).push({ nr: Number.parseInt(nr, 16), args: args.slice(0, 6).map((a) => BigInt(`0x${a}`)) });
}
const callLabel = {
  getppid: 'getppid', fstat: 'fstat', fstatat: 'newfstatat(fd, "", EMPTY_PATH)', rw4k: 'write+read 4 KiB pipe', fcntl: 'fcntl F_GETFD',
  mprotect: 'mprotect PROT_READ', mmap: 'mmap+munmap 4 KiB', ioctl: 'ioctl FIONREAD', ioctl_tty: 'ioctl TIOCGWINSZ', openat: 'openat+close /dev/null',
};

// ---- the same rules through libseccomp -----------------------------------------------------

const SCMP_CMP_NE = 1;
const SCMP_CMP_EQ = 4;
const SCMP_CMP_MASKED_EQ = 7;

function bitsOf(mask) {
  const out = [];
  for (let i = 0n; i < 64n; i++) if ((mask >> i) & 1n) out.push(1n << i);
  return out;
}

/**
 * One condition as alternatives (OR), each a list of libseccomp comparisons
 * (AND). A negated condition over a small mask becomes the values it allows;
 * over a full mask, one SCMP_CMP_NE per value.
 */
function alternatives(c) {
  const full = c.mask === (c.width === 32 ? 0xffffffffn : (1n << 64n) - 1n);
  const cmpOf = (v) => (full ? [c.arg, SCMP_CMP_EQ, v, 0n] : [c.arg, SCMP_CMP_MASKED_EQ, c.mask, v]);
  if (!c.negate) return c.oneOf.map((v) => [cmpOf(v)]);
  if (full) return [c.oneOf.map((v) => [c.arg, SCMP_CMP_NE, v, 0n])];
  const bits = bitsOf(c.mask);
  if (bits.length > 8) fail(`cannot express "${c.name}" (negated, mask 0x${hex(c.mask)}) with libseccomp`);
  const vals = [];
  for (let i = 0; i < 1 << bits.length; i++) {
    const v = bits.reduce((acc, b, j) => ((i >> j) & 1 ? acc | b : acc), 0n);
    if (!c.oneOf.includes(v)) vals.push(v);
  }
  return vals.map((v) => [[c.arg, SCMP_CMP_MASKED_EQ, c.mask, v]]);
}

/**
 * libseccomp 2.5 takes one comparison per argument in a rule (EINVAL
 * otherwise): equality tests of one argument are joined into one masked
 * test, `(a & m1) == v1 && (a & m2) == v2` ⇔ `(a & (m1|m2)) == v1|v2` where
 * they agree on the shared bits.
 */
class Contradiction extends Error {}
function mergeSameArg(cmps, what) {
  const ALL = (1n << 64n) - 1n;
  const out = [];
  for (const arg of new Set(cmps.map((c) => c[0]))) {
    const mine = cmps.filter((c) => c[0] === arg);
    const eqs = mine.filter((c) => c[1] !== SCMP_CMP_NE).map((x) => (x[1] === SCMP_CMP_EQ ? [arg, SCMP_CMP_MASKED_EQ, ALL, x[2]] : x));
    let nes = mine.filter((c) => c[1] === SCMP_CMP_NE);
    let eq;
    for (const b of eqs) {
      if (!eq) { eq = b; continue; }
      const shared = eq[2] & b[2];
      if ((eq[3] & shared) !== (b[3] & shared)) throw new Contradiction(`${what}: contradictory tests of argument ${arg}`);
      eq = [arg, SCMP_CMP_MASKED_EQ, eq[2] | b[2], eq[3] | b[3]];
    }
    if (eq) {
      // a & m == v already rules out every w with w & m != v; a w with w & m == v under a full mask is a contradiction.
      nes = nes.filter((ne) => {
        if ((ne[2] & eq[2]) !== eq[3]) return false;
        if (eq[2] === ALL) throw new Contradiction(`${what}: argument ${arg} both equal and not equal to 0x${hex(ne[2])}`);
        return true;
      });
    }
    const tests = [...(eq ? [eq[2] === ALL ? [arg, SCMP_CMP_EQ, eq[3], 0n] : eq] : []), ...nes];
    if (tests.length > 1) throw new Error(`${what}: ${tests.length} tests of argument ${arg} that libseccomp cannot take in one rule`);
    out.push(...tests);
  }
  return out;
}

/**
 * libseccomp's RULES file (tools/bench/lsc-rules.c) for a compiled filter:
 * its per-syscall decisions (after our simplifier, the rules our program
 * is emitted from), each rule's conditions as comparisons, value lists
 * spread over several rules. libseccomp has no rule order; the verdicts
 * are checked against ours before anything is timed.
 */
function lscRulesFile(f, file) {
  const lines = [`D ${hex(f.defaultRet)}`, `B ${hex(f.foreignAbiRet)}`];
  const not = (c) => ({ ...c, negate: !c.negate });
  for (const [nr, rules] of [...f.decisions].sort((a, b) => a[0] - b[0])) {
    // First match decides: a rule holds only where no earlier rule with another action does.
    rules.forEach((r, i) => {
      if (r.ret === f.defaultRet) return;
      let conj = [[]];
      const and = (alts) => { conj = conj.flatMap((prefix) => alts.map((alt) => [...prefix, ...alt])); };
      for (const c of r.when) and(alternatives(c));
      for (const earlier of rules.slice(0, i)) {
        if (earlier.ret === r.ret) continue;
        if (earlier.when.length === 0) return; // never reached
        and(earlier.when.flatMap((c) => alternatives(not(c)))); // ¬(c1 ∧ c2) = ¬c1 ∨ ¬c2
      }
      for (const cmps of conj) {
        let merged;
        try { merged = mergeSameArg(cmps, names.get(nr)); } catch (e) {
          if (e instanceof Contradiction) continue; // holds for no value
          fail(e.message);
        }
        lines.push(`R ${hex(nr)} ${hex(r.ret)} ${hex(merged.length)}${merged.map((x) => ` ${x.map(hex).join(' ')}`).join('')}`);
      }
    });
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

function lscProgram(rulesFile, opt, out) {
  const r = spawnSync(lsc, [rulesFile, 'export', String(opt), out], { encoding: 'utf8' });
  if (r.status !== 0) fail(`libseccomp could not build the rules (${rulesFile}, OPTIMIZE=${opt}): ${r.stderr.trim()}`);
  return decode(new Uint8Array(fs.readFileSync(out)), arch.endian);
}

// ---- variants per promise set ----------------------------------------------------------------

const runtime = { pid: 1, uid: 0, gid: 0 };
const sets = [
  ['"stdio" (C program)', compilePromises('stdio', { arch, runtime })],
  ['"stdio rpath" (C program)', compilePromises('stdio rpath', { arch, runtime })],
  ['"stdio rpath wpath cpath inet unix proc" (C program)', compilePromises('stdio rpath wpath cpath inet unix proc', { arch, runtime })],
  ['"stdio" (Node pledge())', compilePledge('stdio', { arch: process.arch, pid: 1, uid: 0, gid: 0 })],
];
const allow1 = [stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)];

function variantsOf(label, f, i) {
  const rules = path.join(dir, `set${i}.rules`);
  lscRulesFile(f, rules);
  const tree = values['inject-disagreement'] ? allow1 : lscProgram(rules, 2, path.join(dir, `set${i}-tree.bin`));
  return {
    label, f, rules,
    variants: [
      { name: 'ours', program: f.program },
      { name: 'lsc tree', program: tree },
      { name: 'lsc default', program: lscProgram(rules, 0, path.join(dir, `set${i}-chain.bin`)) },
      { name: 'linear chain', program: chainProgram(f) },
      { name: '1-insn', program: allow1, floor: true },
    ],
  };
}

const verdictOf = (program, v) => simulate(program, { nr: v.nr, arch: arch.auditArch, args: v.args }, arch.endian).ret >>> 0;
const timeable = (ret) => ret === SECCOMP_RET_ALLOW || ((ret & SECCOMP_RET_ACTION_FULL) >>> 0) === SECCOMP_RET_ERRNO;

/**
 * The simulator's side of the agreement check: the calls our filter lets
 * run (ALLOW or an errno), each syscall's verdict equal in every variant;
 * throws on the first difference. Also counts differences over every known
 * syscall with zero arguments (reported, not timed).
 */
function agree(set) {
  const ours = set.variants[0];
  const timed = [];
  const skipped = [];
  for (const [call, vs] of vectors) {
    const verdicts = vs.map((v) => verdictOf(ours.program, v));
    if (!verdicts.every(timeable)) { skipped.push(`${call} (${verdicts.map(actionName).join('/')})`); continue; }
    for (const variant of set.variants) {
      if (variant.floor) continue;
      vs.forEach((v, k) => {
        const got = verdictOf(variant.program, v);
        if (got !== verdicts[k]) {
          fail(`DISAGREEMENT under ${set.label}: ${call} (${names.get(v.nr)} args ${v.args.map((a) => `0x${hex(a)}`).join(',')}) is ${actionName(verdicts[k])} in ours but ${actionName(got)} in ${variant.name}`);
        }
      });
    }
    timed.push(call);
  }
  let others = 0;
  for (const nr of known) {
    const want = verdictOf(ours.program, { nr, args: [0n, 0n, 0n, 0n, 0n, 0n] });
    for (const variant of set.variants.slice(1, 4)) if (verdictOf(variant.program, { nr, args: [0n, 0n, 0n, 0n, 0n, 0n] }) !== want) others++;
  }
  return { timed, skipped, others };
}

// ---- the header ------------------------------------------------------------------------------

const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown CPU';
let lscVersion = 'unknown';
try { lscVersion = execFileSync('pkg-config', ['--modversion', 'libseccomp'], { encoding: 'utf8' }).trim(); } catch { /* no pkg-config */ }
console.log(`seccomp-scopes benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (quick: numbers not meaningful)' : ''}`);
console.log(`machine: ${cpu}, ${os.cpus().length} CPUs, Linux ${os.release()}, ${arch.name}; libseccomp ${lscVersion}; Node ${process.version}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`method: a fresh child per variant and round, pinned to one CPU; 10th-percentile block of ${calls} calls per call; ${rounds} rounds, variant order reversed every other round; ratio = variant ns / no-filter ns of the same round, median over rounds`);

// ---- 1. filter overhead ------------------------------------------------------------------------

const prepared = sets.map(([label, f], i) => variantsOf(label, f, i));
const cacheable = (program, call) => vectors.get(call).every((v) => isConstAllow(program, v.nr, arch.auditArch));
console.log('\n## 1. Filter overhead: ratio against no filter, same runs');
for (const set of prepared) {
  const { timed, skipped, others } = agree(set);
  const files = set.variants.map((v, i) => {
    const file = `${set.rules}.${i}.bin`;
    fs.writeFileSync(file, encode(v.program, arch.endian));
    return file;
  });
  const run = spawnSync(bin, ['run', String(rounds), String(calls), timed.join(','), ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) fail(`the measuring program failed under ${set.label}: ${run.stderr.trim()}`);
  const K = new Map();
  const R = new Map();
  for (const line of run.stdout.trim().split('\n')) {
    const [kind, round, variant, ...rest] = line.split(' ');
    const m = kind === 'K' ? K : R;
    if (!m.has(round)) m.set(round, []);
    m.get(round)[Number(variant)] = rest.map(Number);
  }
  // The kernel's side: every variant's call returned what ours did.
  for (const [round, byVariant] of K) {
    set.variants.forEach((variant, i) => {
      if (variant.floor) return;
      timed.forEach((call, c) => {
        if (byVariant[i + 1][c] !== byVariant[1][c]) {
          fail(`DISAGREEMENT in the kernel under ${set.label}, round ${round}: ${call} returned ${byVariant[1][c]} under ours, ${byVariant[i + 1][c]} under ${variant.name}`);
        }
      });
    });
  }
  console.log(`\n### ${set.label}`);
  console.log(`instructions: ${set.variants.map((v) => `${v.name} ${v.program.length}`).join(', ')}`);
  console.log(`agreement: ${timed.length} timed calls, ${set.variants.length - 1} variants of the same rules: the same verdict in the simulator and the same result in the kernel for every one` +
    (skipped.length ? `; not timed (our filter does not let them run): ${skipped.join(', ')}` : '') +
    `; over all ${known.length} syscalls with zero arguments, ${others} verdicts of the other variants differ from ours`);
  const cols = set.variants.map((v) => v.name);
  console.log(`| call | no filter ns | ${cols.join(' | ')} | ours / lsc tree | ours − lsc tree ns |`);
  console.log(`|---|---:|${cols.map(() => '---:').join('|')}|---:|---:|`);
  timed.forEach((call, c) => {
    const rows = [...R.values()];
    const base = median(rows.map((r) => r[0][c]));
    const ratio = (i) => median(rows.map((r) => r[i + 1][c] / r[0][c]));
    const cells = set.variants.map((v, i) => `${ratio(i).toFixed(2)}${cacheable(v.program, call) ? ' C' : ''}`);
    const vsTree = median(rows.map((r) => r[1][c] / r[2][c]));
    const dns = median(rows.map((r) => r[1][c] - r[2][c]));
    console.log(`| ${callLabel[call] ?? call} | ${base.toFixed(1)} | ${cells.join(' | ')} | ${vsTree.toFixed(2)} | ${dns >= 0 ? '+' : ''}${dns.toFixed(1)} |`);
  });
}
console.log('\nC: the kernel\'s action cache serves every syscall of the call in that variant (the filter does not run).');

// ---- 2. action-cache share ---------------------------------------------------------------------

console.log('\n## 2. Action-cache share');
const constAllow = (program) => new Set(known.filter((nr) => isConstAllow(program, nr, arch.auditArch)));
for (const set of prepared) {
  const facts = cacheFacts(set.f);
  const ours = constAllow(set.variants[0].program);
  const parts = set.variants.slice(1, 4).map((v) => {
    const theirs = constAllow(v.program);
    const lost = [...ours].filter((nr) => !theirs.has(nr)).map((nr) => names.get(nr));
    const extra = [...theirs].filter((nr) => !ours.has(nr)).map((nr) => names.get(nr));
    return `${v.name} ${theirs.size}${lost.length ? ` (not: ${lost.slice(0, 8).join(', ')}${lost.length > 8 ? ', …' : ''})` : ''}${extra.length ? ` (more: ${extra.join(', ')})` : ''}`;
  });
  console.log(`${set.label}: const-allow syscalls: ours ${ours.size} (of ${facts.allowedArgumentFree.length} allowed for any arguments; missed: ${facts.missed.length}), ${parts.join(', ')}`);
}

/** strace -c -f counts: syscall name → calls. */
function straceCounts(cmd, args, opts = {}) {
  const out = path.join(dir, 'strace.txt');
  const r = spawnSync('strace', ['-f', '-c', '-o', out, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`strace ${cmd} failed: ${r.stderr?.slice(0, 200)}`);
  const counts = new Map();
  for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
    const m = line.trim().split(/\s+/);
    if (m.length < 5 || !/^\d/.test(m[0]) || m[m.length - 1] === 'total') continue;
    const name = m[m.length - 1];
    const n = Number(m[3]);
    if (Number.isFinite(n)) counts.set(name, n);
  }
  return counts;
}

if (!values['no-traces']) {
  const work = path.join(dir, 'work');
  fs.mkdirSync(work);
  const tree = quick ? '/usr/share/doc/bash' : '/usr/share/doc';
  const rows = quick ? 200 : 20000;
  const sql = `create table t(a integer, b text); ${Array.from({ length: 20 }, () => `insert into t select value, hex(randomblob(16)) from generate_series(1, ${rows / 20});`).join(' ')} create index i on t(b); select count(*) from t where b like 'A%'; delete from t where a % 2 = 0; vacuum;`;
  const programs = [
    ['find', 'stdio rpath', 'find', [tree, '-name', '*.gz']],
    ['tar', 'stdio rpath', 'tar', ['-cf', '-', '-C', path.dirname(tree), path.basename(tree)]],
    ['sqlite3', 'stdio rpath wpath cpath flock', 'sqlite3', [path.join(work, 'db.sqlite'), sql]],
  ];
  console.log('\nReal programs: share of their syscalls (strace -c -f, all processes) served by the action cache under each variant; the promises are what each needs:');
  console.log('| program | promises | calls | ours | lsc tree | lsc default | linear chain |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const [label, promises, cmd, args] of programs) {
    let counts;
    try {
      counts = straceCounts(cmd, args, { cwd: work });
    } catch (e) {
      console.log(`| ${label} | "${promises}" | not measured: ${e.message} | | | | |`);
      continue;
    }
    const f = compilePromises(promises, { arch, runtime });
    const i = prepared.length + programs.findIndex((p) => p[0] === label);
    const set = variantsOf(label, f, i);
    let total = 0;
    for (const n of counts.values()) total += n;
    const share = (program) => {
      const cached = constAllow(program);
      let n = 0;
      for (const [name, k] of counts) if (cached.has(arch.syscalls[name])) n += k;
      return `${((100 * n) / total).toFixed(0)} %`;
    };
    console.log(`| ${label} | "${promises}" | ${total} | ${set.variants.slice(0, 4).map((v) => share(v.program)).join(' | ')} |`);
  }
}

// ---- 3. start-up -------------------------------------------------------------------------------

console.log('\n## 3. Start-up: building and loading the filter');
const loads = quick ? 3 : 31;
for (const [opt, name] of [[0, 'default'], [2, 'tree']]) {
  const ns = [];
  for (let k = 0; k < loads; k++) ns.push(Number(execFileSync(lsc, [prepared[0].rules, 'load', String(opt)], { encoding: 'utf8' })));
  console.log(`libseccomp ${name}, "stdio" rules, seccomp_init .. seccomp_load in a fresh C process: ${(median(ns) / 1e6).toFixed(3)} ms (median of ${loads})`);
}
const firstPledge = path.join(here, 'first-pledge.mjs');
if (fs.existsSync(firstPledge)) {
  const r = spawnSync(process.execPath, [firstPledge, ...(quick ? ['--quick', '--runs', '1'] : [])], { encoding: 'utf8', cwd: root });
  console.log(`first pledge() in a fresh Node process (tools/bench/first-pledge.mjs${quick ? ' --quick' : ''}):`);
  console.log(r.status === 0 ? r.stdout.trim() : `  failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
} else {
  console.log('first pledge() in a fresh Node process: tools/bench/first-pledge.mjs is not there yet, not measured');
}

// ---- 4. the command's launch ---------------------------------------------------------------------

if (!values['no-launch']) {
  console.log('\n## 4. The command\'s launch: wall time of one run of /bin/true, interleaved (tools/bench/launch.mjs)');
  const launch = path.join(here, 'launch.mjs');
  if (fs.existsSync(launch)) {
    const { run, format } = await import(launch);
    try {
      const result = run({ rounds: launches, nodeRounds: quick ? 1 : 10 });
      console.log(format(result));
      console.log(`cached launch: ${result.cachedOverSetpriv.toFixed(2)} ms over setpriv --no-new-privs (${result.cachedToSetpriv.toFixed(2)}x)`);
    } catch (e) {
      console.log(`not measured: ${e.message}`);
    }
  } else {
    console.log('not measured: tools/bench/launch.mjs is not there');
  }
}

// ---- 5. the supervisor's costs ----------------------------------------------------------------

if (!values['no-supervisor']) {
  console.log('\n## 5. The command\'s supervisor: costs per call, next to one bare notification round trip (tools/bench/supervisor.mjs)');
  const { run, format } = await import(path.join(here, 'supervisor.mjs'));
  try {
    console.log(format(run({ quick })));
  } catch (e) {
    console.log(`not measured: ${e.message}`);
  }
}

// ---- 6. the learner's overhead ------------------------------------------------------------------

if (!values['no-learn']) {
  console.log('\n## 6. `pledge learn`: a syscall-heavy program plain, learned, and run under the proposal, interleaved (tools/bench/learn.mjs)');
  const { run, format } = await import(path.join(here, 'learn.mjs'));
  try {
    console.log(format(run({ quick, rounds: quick ? 1 : 5 })));
  } catch (e) {
    console.log(`not measured: ${e.message}`);
  }
}
