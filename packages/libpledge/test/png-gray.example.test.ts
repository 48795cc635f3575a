/**
 * The media example (examples/png-gray): libpng decodes untrusted PNGs after
 * pledge("stdio"); an attacker's next steps are stopped with report lines.
 * Built as a user would, in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIBPLEDGE, compile, generate, run, workDir } from './build.js';

const EXAMPLE = path.join(LIBPLEDGE, 'examples', 'png-gray');
const SAMPLE = path.resolve(LIBPLEDGE, '..', 'pledge', 'examples', 'thumbnail', 'sample.png');

/** Width, height, bit depth and colour type from a PNG's IHDR. */
function ihdr(file: string): { width: number; height: number; depth: number; color: number } {
  const b = fs.readFileSync(file);
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), depth: b[24]!, color: b[25]! };
}

let dir: string;
let bin: string;

beforeAll(() => {
  dir = workDir('png-gray');
  const filters = generate(dir, ['stdio']);
  const libpng = (what: string): string[] => execFileSync('pkg-config', [what, 'libpng'], { encoding: 'utf8' }).trim().split(/\s+/).filter((f) => f);
  bin = compile(dir, 'png-gray', [path.join(EXAMPLE, 'png-gray.c')], filters, libpng('--libs'), libpng('--cflags'));
});

describe('png-gray (libpng after pledge("stdio"))', () => {
  it('converts the sample (RGBA) to an 8-bit grayscale PNG of the same size', () => {
    const out = path.join(dir, 'sample-gray.png');
    const r = run(bin, [SAMPLE, out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('converted 320x240 to grayscale\n');
    expect(ihdr(SAMPLE)).toMatchObject({ width: 320, height: 240, color: 6 });
    expect(ihdr(out)).toEqual({ width: 320, height: 240, depth: 8, color: 0 });
  });

  it('converts any PNG given to it: its own grayscale output, read back', () => {
    const first = path.join(dir, 'sample-gray.png');
    if (!fs.existsSync(first)) run(bin, [SAMPLE, first]);
    const again = path.join(dir, 'again.png');
    const r = run(bin, [first, again]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(again).equals(fs.readFileSync(first))).toBe(true);
  });

  it('a broken file is an ordinary error under the pledge, not a violation', () => {
    const broken = path.join(dir, 'broken.png');
    fs.writeFileSync(broken, fs.readFileSync(SAMPLE).subarray(0, 400));
    const r = run(bin, [broken, path.join(dir, 'broken-out.png')]);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('png-gray: not a PNG libpng can decode');
    expect(r.stderr).not.toContain('blocked');
  });

  const ATTACKS: Record<string, RegExp> = {
    read: /^png-gray\[\d+\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_RDONLY\); it needs "rpath" or "dns" or "getpw"\n$/,
    write: /^png-gray\[\d+\]: pledge "stdio" blocked openat\(AT_FDCWD, flags=O_WRONLY\|O_CREAT\|O_TRUNC\); it needs "wpath cpath"\n$/,
    spawn: /^png-gray\[\d+\]: pledge "stdio" blocked clone\(flags=SIGCHLD\|CLONE_CHILD_CLEARTID\|CLONE_CHILD_SETTID\); it needs "proc"\n$/,
    exec: /^png-gray\[\d+\]: pledge "stdio" blocked execve\(\); it needs "exec"\n$/,
    connect: /^png-gray\[\d+\]: pledge "stdio" blocked socket\(AF_INET, SOCK_STREAM\); it needs "inet" or "dns"\n$/,
  };
  for (const [attack, line] of Object.entries(ATTACKS)) {
    it(`--attack ${attack}: stopped by SIGSYS with its report line`, () => {
      const r = run(bin, [SAMPLE, path.join(dir, `attack-${attack}.png`), '--attack', attack]);
      expect(r.signal).toBe('SIGSYS');
      expect(r.stdout).toBe(`converted 320x240 to grayscale\nattack: ${attack}\n`);
      expect(r.stderr).toMatch(line);
      if (attack === 'write') expect(fs.existsSync('/tmp/seccomp-scopes-owned')).toBe(false);
    });
  }

  it("the example's own Makefile and demo.sh build and run it", () => {
    const out = execFileSync('make', ['-s', '-C', EXAMPLE, 'demo', `OUT=${path.join(dir, 'demo.png')}`], { encoding: 'utf8' });
    expect(out).toContain('wrote ');
    expect(out.match(/exit status 159/g)).toHaveLength(5);
    expect(out).toContain('blocked execve(); it needs "exec"');
  });
});
