#!/usr/bin/env node
// The main job: make a grayscale half-size thumbnail of an untrusted PNG.
//
//   node job.mjs INPUT.png OUTPUT.png [--attack read|write|spawn|connect]
//
// Everything that needs the file system happens first: both files are
// opened. Then the process pledges "stdio": from here on it can only read
// and write the two descriptors it holds, allocate memory and exit. Only
// then does it look at the input, with pngjs, a PNG decoder from npm. If a
// crafted file took over the decoder, the attacker would be trapped; the
// --attack option plays what such an attacker would try next.
import fs from 'node:fs';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { pledge } from '@seccomp-scopes/pledge';

const [input, output, flag, attack] = process.argv.slice(2);
if (!input || !output || (flag !== undefined && (flag !== '--attack' || !['read', 'write', 'spawn', 'connect'].includes(attack ?? '')))) {
  process.stderr.write('usage: job.mjs INPUT.png OUTPUT.png [--attack read|write|spawn|connect]\n');
  process.exit(2);
}

// A bad input or output is one line on stderr and exit 1, not a stack trace.
const fail = (message) => {
  process.stderr.write(`job.mjs: ${message}\n`);
  process.exit(1);
};
// Node's "ENOENT: no such file or directory, open '/x'" as "no such file or directory (ENOENT)".
const why = (e) => (e.code ? `${e.message.replace(/^\w+: /, '').replace(/, \w+( '.*')?$/, '')} (${e.code})` : e.message);
const open = (file, flags, what) => {
  try {
    return fs.openSync(file, flags);
  } catch (e) {
    fail(`cannot open the ${what} ${file}: ${why(e)}`);
  }
};

const inFd = open(input, 'r', 'input');
const outFd = open(output, 'w', 'output');

pledge('stdio');

// Untrusted data from here on.
const size = fs.fstatSync(inFd).size;
const bytes = Buffer.alloc(size);
try {
  for (let off = 0; off < size;) {
    const n = fs.readSync(inFd, bytes, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
} catch (e) {
  fail(`cannot read the input ${input}: ${why(e)}`);
}
let src;
try {
  src = PNG.sync.read(bytes);
} catch (e) {
  fail(`the input ${input} is not a PNG image, or a damaged one (pngjs: ${e.message})`);
}
const w = Math.max(1, src.width >> 1);
const h = Math.max(1, src.height >> 1);
const dst = new PNG({ width: w, height: h });
let sum = 0;
for (let y = 0; y < h; y++) {
  for (let x = 0; x < w; x++) {
    // Average a 2x2 block, then ITU-R BT.601 luma.
    let r = 0, g = 0, b = 0, a = 0, n = 0;
    for (let dy = 0; dy < 2; dy++) {
      for (let dx = 0; dx < 2; dx++) {
        const sx = Math.min(src.width - 1, 2 * x + dx);
        const sy = Math.min(src.height - 1, 2 * y + dy);
        const i = (sy * src.width + sx) * 4;
        r += src.data[i]; g += src.data[i + 1]; b += src.data[i + 2]; a += src.data[i + 3]; n++;
      }
    }
    const luma = Math.round((0.299 * r + 0.587 * g + 0.114 * b) / n);
    const o = (y * w + x) * 4;
    dst.data[o] = dst.data[o + 1] = dst.data[o + 2] = luma;
    dst.data[o + 3] = Math.round(a / n);
    sum += luma;
  }
}
const encoded = PNG.sync.write(dst);
fs.writeSync(outFd, encoded);
fs.closeSync(outFd);
console.log(`thumbnail: ${src.width}x${src.height} -> ${w}x${h} grayscale, ${encoded.length} bytes, mean luma ${(sum / (w * h)).toFixed(1)}, written to ${output}`);

if (attack) {
  // What an attacker who owns the process would try next. Under
  // pledge("stdio") a read-only open fails with EACCES (Node itself probes
  // files that way and copes); anything else kills the process at once.
  console.log(`attack: ${attack}`);
  try {
    if (attack === 'read') fs.readFileSync('/etc/passwd');
    if (attack === 'write') fs.writeFileSync('/tmp/seccomp-scopes-owned', 'owned');
    if (attack === 'spawn') spawnSync('/bin/sh', ['-c', 'id']);
    if (attack === 'connect') net.connect(80, '127.0.0.1');
  } catch (e) {
    console.log(`attack: refused with ${e.code}`);
    process.exit(3);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log('attack: not stopped');
  process.exit(1);
}
