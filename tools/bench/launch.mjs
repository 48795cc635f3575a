#!/usr/bin/env node
// The command's launch (issue 18 item 3): wall time of one run of /bin/true
// under `pledge -p stdio` with its policy cached (the native launcher, no
// Node), next to `setpriv --no-new-privs /bin/true` (the floor for a
// wrapper that sets no_new_privs and execs) and plain /bin/true, in the same
// runs, interleaved (the order reversed every other round), reported as
// medians with the difference and ratio against each baseline. The uncached
// command (Node) is timed too, over fewer rounds.
//
//   node tools/bench/launch.mjs [--rounds 200] [--node-rounds 10] [--json]
//
// Before timing, the cache (a fresh XDG_CACHE_HOME) is filled by one run and
// every cached run is checked to have been served natively
// (SECCOMP_SCOPES_CACHE_TRACE says "hit"): a miss stops the benchmark.
// tools/bench/bench.mjs calls run() for its launch section.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(root, 'packages/pledge-cli/bin/pledge');
const pledgeJs = path.join(root, 'packages/pledge-cli/bin/pledge.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function time(cmd, args, env) {
  const s = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  const t = Number(process.hrtime.bigint() - s) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return t;
}

/**
 * Runs the benchmark; returns { rows: [{ label, ms }], cachedOverSetpriv, cachedToSetpriv, rounds }.
 * @throws when the cached command is not served natively (no launcher built, or a miss).
 */
export function run({ rounds = 200, nodeRounds = 10 } = {}) {
  const launcher = path.join(root, 'packages/native/build/Release/pledge-launch');
  if (!fs.existsSync(launcher)) throw new Error(`${launcher} is not built (npm run build -w @seccomp-scopes/native)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-launch-bench-'));
  const trace = path.join(dir, 'trace');
  const env = { ...process.env, XDG_CACHE_HOME: dir, SECCOMP_SCOPES_CACHE_TRACE: trace };
  delete env.SECCOMP_SCOPES_NO_CACHE;
  try {
    const cached = [entry, ['-p', 'stdio', '--', '/bin/true']];
    time(...cached, env);  // fills the cache
    fs.writeFileSync(trace, '');
    const commands = [
      ['/bin/true', ['/bin/true', []]],
      ['setpriv --no-new-privs /bin/true', ['setpriv', ['--no-new-privs', '/bin/true']]],
      ['pledge -p stdio -- /bin/true (cached: native launcher)', cached],
    ];
    const times = commands.map(() => []);
    for (let k = 0; k < rounds; k++) {
      const order = k % 2 ? [...commands.keys()].reverse() : [...commands.keys()];
      for (const i of order) times[i].push(time(...commands[i][1], env));
    }
    const lines = fs.readFileSync(trace, 'utf8').trim().split('\n');
    if (lines.length !== rounds || lines.some((l) => l !== 'hit')) throw new Error(`the cached runs were not all served natively: ${[...new Set(lines)].join('; ')}`);
    const nodeTimes = [];
    for (let k = 0; k < nodeRounds; k++) nodeTimes.push(time(process.execPath, [pledgeJs, '-p', 'stdio', '--', '/bin/true'], env));
    const rows = commands.map(([label], i) => ({ label, ms: median(times[i]) }));
    rows.push({ label: `node pledge.js -p stdio -- /bin/true (uncached, ${nodeRounds} rounds)`, ms: median(nodeTimes) });
    const [plain, setpriv, fast] = rows.map((r) => r.ms);
    return { rows, rounds, plain, setpriv, cachedOverSetpriv: fast - setpriv, cachedToSetpriv: fast / setpriv };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a Markdown table. */
export function format(result) {
  const out = [`| command | ms (median of ${result.rounds}) | over /bin/true | over setpriv | ratio to setpriv |`, '|---|---:|---:|---:|---:|'];
  for (const r of result.rows) {
    out.push(`| ${r.label} | ${r.ms.toFixed(2)} | ${(r.ms - result.plain).toFixed(2)} | ${(r.ms - result.setpriv).toFixed(2)} | ${(r.ms / result.setpriv).toFixed(2)} |`);
  }
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, 'node-rounds': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const result = run({ rounds: Number(values.rounds ?? 200), nodeRounds: Number(values['node-rounds'] ?? 10) });
  console.log(values.json ? JSON.stringify(result, null, 2) : format(result));
  if (!values.json) console.log(`\ncached launch: ${result.cachedOverSetpriv.toFixed(2)} ms over setpriv --no-new-privs (${result.cachedToSetpriv.toFixed(2)}x)`);
}
