#!/usr/bin/env node
// The quick-start demo: runs job.mjs on an input (the shipped sample by
// default), then runs it four more times playing an attacker who, after
// taking over the PNG decoder, tries to read a file, write a file, start a
// process and connect to the network. Each must be stopped by the kernel.
//
//   node demo.mjs [INPUT.png] [OUTPUT.png]
//
// Exits 0 when the thumbnail was made and every attack was stopped.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const here = path.dirname(fileURLToPath(import.meta.url));
const input = process.argv[2] ?? path.join(here, 'sample.png');
const output = process.argv[3] ?? path.join(os.tmpdir(), 'seccomp-scopes-thumbnail.png');
const job = path.join(here, 'job.mjs');

const runJob = (extra) => spawnSync(process.execPath, [job, input, output, ...extra], { encoding: 'utf8' });
const status = (r) => (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`);

console.log(`input: ${input}`);
const main = runJob([]);
process.stdout.write(main.stdout);
process.stderr.write(main.stderr);
if (main.status !== 0) {
  // Exit 1 with a line on stderr: the job said what failed (a bad input or output).
  if (main.signal || main.status !== 1 || !main.stderr) console.log(`the job failed (${status(main)})`);
  process.exit(1);
}

const attacks = {
  read: 'read /etc/passwd',
  write: 'write /tmp/seccomp-scopes-owned',
  spawn: 'spawn /bin/sh -c id',
  connect: 'connect to 127.0.0.1:80',
};
let allStopped = true;
for (const [name, what] of Object.entries(attacks)) {
  const r = runJob(['--attack', name]);
  const refused = /attack: refused with (\w+)/.exec(r.stdout);
  let verdict;
  if (r.signal === 'SIGSYS') verdict = 'blocked, process killed by SIGSYS';
  else if (r.status === 3 && refused) verdict = `blocked, the call failed with ${refused[1]}`;
  else {
    verdict = `NOT blocked (${status(r)})`;
    allStopped = false;
  }
  console.log(`after pledge("stdio"), ${what}: ${verdict}`);
  // The line the process printed about the blocked call (stderr): "blocked" (killed), or "refused … with EACCES" (a read).
  const report = r.stderr.split('\n').find((l) => / blocked | refused /.test(l) && l.includes(': pledge "'));
  if (report) console.log(`    ${report}`);
}
process.exit(allStopped ? 0 : 1);
