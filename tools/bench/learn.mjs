#!/usr/bin/env node
// The learner's overhead (issue 14): wall time of a syscall-heavy program
// run plain, under `pledge learn` (every call outside pledge("")'s is a
// notification: recorded, or, when equal to one recorded in the same
// process image, let through by the supervisor without calling into
// JavaScript) and under `pledge run` with the proposal the learner made
// (the kernel decides most calls), in the same runs, interleaved (the
// order reversed every other round), reported as medians with the ratio
// against the plain run.
//
//   node tools/bench/learn.mjs [--rounds 5] [--quick] [--json]
//
// Programs: dd with one-byte blocks (400,000 reads and writes, the same
// call again and again: the supervisor's round trip), and find over
// /usr/share (tens of thousands of distinct paths: each is recorded in
// JavaScript). Every run must exit 0 and print what the plain run prints.
// tools/bench/bench.mjs may call run() for its section.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pledgeJs = path.join(root, 'packages/pledge-cli/bin/pledge.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function time(cmd, args, want) {
  const s = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
  const t = Number(process.hrtime.bigint() - s) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  if (want !== undefined && r.stdout !== want) throw new Error(`${cmd} ${args.join(' ')} printed something else than the plain run`);
  return { t, stdout: r.stdout };
}

/** The programs timed: [label, argv]; --quick (CI): smaller ones, whose numbers mean nothing. */
export function programs(quick = false) {
  return quick
    ? [['dd bs=1 count=2000', ['dd', 'if=/dev/zero', 'bs=1', 'count=2000', 'status=none']], ['find /usr/share/doc -maxdepth 1', ['find', '/usr/share/doc', '-maxdepth', '1']]]
    : [
      ['dd bs=1 count=200000 (one call again and again)', ['dd', 'if=/dev/zero', 'bs=1', 'count=200000', 'status=none']],
      ['find /usr/share -type f (distinct paths)', ['find', '/usr/share', '-type', 'f']],
    ];
}

/**
 * Runs the benchmark; returns { rounds, programs: [{ label, plain, learn, run, learnRatio, runRatio, promises }] } (ms, medians).
 */
export function run({ rounds = 5, quick = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-learn-bench-'));
  try {
    return {
      rounds,
      programs: programs(quick).map(([label, argv]) => {
        const want = time(argv[0], argv.slice(1)).stdout;
        // The proposal, learned once (and checked to run the program unchanged).
        const out = path.join(dir, 'profile.json');
        time(process.execPath, [pledgeJs, 'learn', '--json', '-o', out, '--', ...argv], want);
        const profile = JSON.parse(fs.readFileSync(out, 'utf8'));
        const variants = [
          ['plain', argv[0], argv.slice(1)],
          ['learn', process.execPath, [pledgeJs, 'learn', '-o', path.join(dir, 'text'), '--', ...argv]],
          ['run', process.execPath, [pledgeJs, 'run', ...profile.argv]],
        ];
        const times = variants.map(() => []);
        for (let k = 0; k < rounds; k++) {
          const order = k % 2 ? [...variants.keys()].reverse() : [...variants.keys()];
          for (const i of order) times[i].push(time(variants[i][1], variants[i][2], want).t);
        }
        const [plain, learn, enforced] = times.map(median);
        return { label, plain, learn, run: enforced, learnRatio: learn / plain, runRatio: enforced / plain, promises: profile.promises };
      }),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a Markdown table. */
export function format(result) {
  const out = [`| program | plain ms | pledge learn ms | ratio | pledge run (the proposal) ms | ratio |`, '|---|---:|---:|---:|---:|---:|'];
  for (const p of result.programs) {
    out.push(`| ${p.label} | ${p.plain.toFixed(0)} | ${p.learn.toFixed(0)} | ${p.learnRatio.toFixed(2)} | ${p.run.toFixed(0)} (${p.promises}) | ${p.runRatio.toFixed(2)} |`);
  }
  out.push('', `medians of ${result.rounds} interleaved rounds; the Node start-up of the command (~50 ms) is in both pledge columns`);
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
  const result = run({ rounds: Number(values.rounds ?? (values.quick ? 1 : 5)), quick: values.quick });
  console.log(values.json ? JSON.stringify(result, null, 2) : format(result));
}
