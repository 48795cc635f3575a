#!/usr/bin/env node
// Writes dist/build-id.js of the package in the current directory: BUILD_ID,
// the SHA-256 of every emitted JavaScript file of its dist (path and bytes,
// in sorted order; dist/cjs and build-id.js itself left out). It names the
// code exactly: compiled output cached across processes (the report tables
// artifact of an arch package, pledge()'s compiled-filter cache) is keyed by
// the build ids of the code that computes it, so a rebuilt package never
// reads output of the old code. src/build-id.ts holds the placeholder `dev`,
// which no cached output is ever keyed by. Run by the package's build after tsc.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
const files = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' })
  .filter((rel) => rel.endsWith('.js') && rel !== 'build-id.js' && !rel.startsWith(`cjs${path.sep}`))
  .map((rel) => rel.split(path.sep).join('/'))
  .sort();
const hash = crypto.createHash('sha256');
for (const rel of files) {
  hash.update(`${rel}\0`);
  hash.update(fs.readFileSync(path.join(dist, rel)));
  hash.update('\0');
}
const id = hash.digest('hex');
fs.writeFileSync(path.join(dist, 'build-id.js'),
  `/** The SHA-256 of this package's emitted code (tools/build-id.mjs), written by its build. */\nexport const BUILD_ID = ${JSON.stringify(id)};\n`);
