#!/usr/bin/env node
// The `pledge` command's supervisor costs (issue 18 item 4), next to their
// floor, one bare seccomp notification round trip answered by a minimal
// supervisor in C (tools/bench/supervisor-bench.c), all in the same runs,
// interleaved; each figure is the 10th percentile over rounds (the fastest
// of fewer than ten: the undisturbed cost, as the machine is shared):
//
// - a refused call under `pledge run --penalty errno -p stdio`: a program
//   makes N refused calls (getpriority) and times them itself; through the
//   Node supervisor (bin/pledge.js) and, when built, the native launcher
//   with its policy cached (no JavaScript per call);
// - an exec: a static program exec'ing itself N times, plain, under
//   `-p "stdio exec"` and under `-e "stdio exec"` (where the supervisor
//   judges every call the execpromises do not allow in the kernel);
// - an open in the start-up window: a dynamic program linked against K
//   small libraries, launched under the command and plain, against the same
//   program with none; (Δ under the command − Δ plain) / K is what one
//   library costs in the window (its open, performed by the supervisor and
//   handed over, and its executable mappings let through).
//
//   node tools/bench/supervisor.mjs [--quick] [--rounds 7]
//
// tools/bench/bench.mjs calls run() for its supervisor section.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const pledgeJs = path.join(root, 'packages/pledge-cli/bin/pledge.js');
const entry = path.join(root, 'packages/pledge-cli/bin/pledge');
const launcher = path.join(root, 'packages/native/build/Release/pledge-launch');

/** Runs a command, returns its stdout's first number; throws with its stderr when it fails. */
function number(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' / ')}`);
  return Number(r.stdout.trim().split(/\s+/)[0]);
}

function wall(cmd, args, env) {
  const s = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return Number(process.hrtime.bigint() - s) / 1e3;
}

/**
 * Measures; returns { sections: [{ title, unit, rows: [{ label, value, note? }] }], rounds }.
 * Rows of one section are timed in the same rounds, interleaved.
 */
export function run({ quick = false, rounds = quick ? 1 : 7 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-supervisor-bench-'));
  const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') };
  delete env.SECCOMP_SCOPES_NO_CACHE;
  try {
    const sb = path.join(dir, 'sb');
    execFileSync('cc', ['-O2', '-Wall', '-static', '-o', sb, path.join(here, 'supervisor-bench.c')]);
    const native = fs.existsSync(launcher) && fs.existsSync(entry);
    const n = quick ? 2000 : 50000;
    const sections = [];

    // Refused calls, next to the floor.
    const refuse = [
      ['no filter', () => number(sb, ['rt', String(n), 'none', '0'])],
      ['in-kernel ERRNO (the filter answers; no supervisor)', () => number(sb, ['rt', String(n), 'errno', '0'])],
      ['bare round trip: C supervisor answers CONTINUE', () => number(sb, ['rt', String(n), 'notify-continue', '0'])],
      ['bare round trip: C supervisor answers EPERM', () => number(sb, ['rt', String(n), 'notify-errno', '0'])],
      ['bare round trip, EPERM, both on one CPU', () => number(sb, ['rt', String(n), 'notify-errno', '1'])],
      ['pledge run --penalty errno -p stdio (Node supervisor)', () => number(process.execPath, [pledgeJs, 'run', '--penalty', 'errno', '-p', 'stdio', '--', sb, 'refuse', String(n)], env)],
    ];
    if (native) {
      const args = ['run', '--penalty', 'errno', '-p', 'stdio', '--', sb, 'refuse', String(n)];
      number(entry, args, env); // fills the policy cache
      refuse.push(['the same, native launcher (policy cached, no JavaScript)', () => number(entry, args, env)]);
    }
    sections.push({ title: 'A refused call (getpriority under "stdio")', unit: 'µs per call', rows: measure(refuse, rounds, (ns) => ns / 1000) });

    // Exec.
    const execs = quick ? 5 : 200;
    const chain = [sb, 'exec', String(execs), '0', '0'];
    const exec = [
      ['plain (no pledge)', () => number(chain[0], chain.slice(1))],
      ['pledge -p "stdio exec" (Node supervisor)', () => number(process.execPath, [pledgeJs, '-q', '-p', 'stdio exec', '--', ...chain], env)],
      ['pledge -p "stdio exec" -e "stdio exec" (Node supervisor)', () => number(process.execPath, [pledgeJs, '-q', '-p', 'stdio exec', '-e', 'stdio exec', '--', ...chain], env)],
    ];
    if (native) {
      const args = ['-q', '-p', 'stdio exec', '--', ...chain];
      number(entry, args, env);
      exec.push(['pledge -p "stdio exec", native launcher (cached)', () => number(entry, args, env)]);
    }
    sections.push({ title: `An exec (a static program exec'ing itself ${execs} times)`, unit: 'µs per exec', rows: measure(exec, rounds, (ns) => ns / 1000) });

    // Opens in the start-up window: K libraries.
    const k = quick ? 5 : 100;
    const libs = path.join(dir, 'libs');
    fs.mkdirSync(libs);
    for (let i = 0; i < k; i++) {
      fs.writeFileSync(path.join(libs, `l${i}.c`), `int f${i}(void) { return ${i}; }\n`);
      execFileSync('cc', ['-O2', '-shared', '-fPIC', '-o', path.join(libs, `libl${i}.so`), path.join(libs, `l${i}.c`)]);
    }
    fs.writeFileSync(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    const prog0 = path.join(dir, 'prog0');
    const progK = path.join(dir, 'progK');
    execFileSync('cc', ['-O2', '-o', prog0, path.join(dir, 'main.c')]);
    execFileSync('cc', ['-O2', '-o', progK, path.join(dir, 'main.c'), `-L${libs}`, '-Wl,--no-as-needed', ...Array.from({ length: k }, (_, i) => `-ll${i}`)]);
    // The libraries' directory reaches the window the way a caller gives one (a program's own RUNPATH outside the system's is not honoured).
    const libEnv = { ...env, LD_LIBRARY_PATH: libs };
    // The window is the supervisor's own code (loader-window.cc) under either
    // launcher; the native one starts in milliseconds, so its launches are
    // steady enough to see a library's cost. Node's launch varies by more
    // than 100 libraries cost: it is used only when the native one is not built.
    const launchers = [['plain', (p) => [p, []]]];
    if (native) {
      for (const p of [prog0, progK]) wall(entry, ['-q', '-p', 'stdio', '--', p], libEnv);
      launchers.push(['pledge -p stdio (native launcher, cached)', (p) => [entry, ['-q', '-p', 'stdio', '--', p]]]);
    } else {
      launchers.push(['pledge -p stdio (Node; its launch varies by more than this)', (p) => [process.execPath, [pledgeJs, '-q', '-p', 'stdio', '--', p]]]);
    }
    const launchRounds = quick ? 1 : Math.max(rounds * 10, 40);
    const launchRows = [];
    for (const [label, cmd] of launchers) {
      launchRows.push([`${label}, no libraries`, () => wall(...cmd(prog0), libEnv)]);
      launchRows.push([`${label}, ${k} libraries`, () => wall(...cmd(progK), libEnv)]);
    }
    const launched = measure(launchRows, launchRounds, (us) => us);
    const plainPer = (launched[1].value - launched[0].value) / k;
    const rows = [];
    for (let i = 0; i < launchers.length; i++) {
      const per = (launched[2 * i + 1].value - launched[2 * i].value) / k;
      rows.push({ label: `${launchers[i][0]}: one library more`, value: per, note: i === 0 ? 'the loader\'s own cost' : `${(per - plainPer).toFixed(1)} µs over plain` });
    }
    sections.push({ title: `A library loaded in the start-up window (launch with ${k} libraries − with none, / ${k}; 10th percentile of ${launchRounds} launches each)`, unit: 'µs per library', rows });
    return { sections, rounds };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs each row once per round, the order reversed every other round; per
 * row the 10th percentile of its rounds (the fastest of fewer than ten: the
 * undisturbed cost; the machine is shared), through `scale`.
 */
function measure(rows, rounds, scale) {
  const times = rows.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...rows.keys()].reverse() : [...rows.keys()];
    for (const i of order) times[i].push(rows[i][1]());
  }
  return rows.map(([label], i) => ({ label, value: scale(p10(times[i])) }));
}

const p10 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)];

/** The result as Markdown tables; refused calls and execs also as multiples of the bare round trip. */
export function format(result) {
  const out = [];
  for (const s of result.sections) {
    out.push(`${s.title}:`, `| what | ${s.unit} | |`, '|---|---:|---|');
    const floor = s.rows.find((r) => r.label.startsWith('bare round trip: C supervisor answers EPERM'));
    const plain = s.rows.find((r) => r.label.startsWith('plain (no pledge)'));
    for (const r of s.rows) {
      const note = r.note ?? (floor && r.value > floor.value * 1.5 ? `${(r.value / floor.value).toFixed(1)}× the bare round trip`
        : plain && r !== plain ? `${r.value >= plain.value ? '+' : ''}${(r.value - plain.value).toFixed(1)} µs over plain` : '');
      out.push(`| ${r.label} | ${r.value.toFixed(1)} | ${note} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
  const result = run({ quick: values.quick, ...(values.rounds ? { rounds: Number(values.rounds) } : {}) });
  console.log(format(result));
}
