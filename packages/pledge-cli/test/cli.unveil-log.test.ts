/**
 * Landlock's audit log for the program (docs/unveil.md, "What is
 * reported"): on Landlock ABI 7 (Linux 6.15) a domain's denials are logged
 * to the audit subsystem, but after an execve only when the domain was
 * entered with LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON. The launcher enters
 * the -v (or tmppath) ruleset and then executes the program, and the
 * preload enters the rules-only domain before the program executes
 * others: both must pass the flag on ABI 7 and up, and nothing on older
 * ABIs (which refuse it).
 *
 * The flags are observed with strace(1) on the command (the call's
 * arguments as the kernel got them). The audit log itself is not read:
 * Landlock logs only while audit is enabled (auditd running, or audit=1 at
 * boot), which this machine's kernel has not; there a denial shows in
 * `ausearch -m LANDLOCK_ACCESS` or dmesg as `audit: type=1423`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as native from '@seccomp-scopes/native';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, NODE, tempDir, which } from './cli-harness.js';

const LOG_NEW_EXEC_ON = 2; // LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1), include/uapi/linux/landlock.h

let expected: number;
let dir: string;

beforeAll(() => {
  expected = native.landlockAbi() >= 7 ? LOG_NEW_EXEC_ON : 0;
  dir = tempDir();
});

/** The flags of each landlock_restrict_self the command (and everything it starts) made, in order, with its result. */
function restrictFlags(args: readonly string[]): { flags: number[]; status: number | null; stderr: string } {
  const strace = which('strace');
  if (!strace) throw new Error('strace(1) is needed (.ci/install-system-deps.sh installs it)');
  const out = path.join(dir, `strace-${Math.random().toString(16).slice(2)}.txt`);
  const r = spawnSync(strace, ['-f', '-qq', '-e', 'trace=landlock_restrict_self', '-e', 'signal=none', '-o', out, NODE, CLI, ...args], {
    encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', SECCOMP_SCOPES_NO_CACHE: '1' }, timeout: 30_000,
  });
  const flags: number[] = [];
  for (const m of fs.readFileSync(out, 'utf8').matchAll(/landlock_restrict_self\(\d+, ([^)]*)\)\s*= 0/g)) {
    const v = m[1]!.trim();
    flags.push(v === 'LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON' ? LOG_NEW_EXEC_ON : Number(v));
  }
  return { flags, status: r.status, stderr: r.stderr };
}

describe('the rulesets entered for the program log its denials after execve (Landlock ABI 7)', () => {
  it('-v on a dynamic program: the launcher\'s start-up domain and the preload\'s rules-only domain', () => {
    const r = restrictFlags(['-p', 'stdio rpath', '-v', 'r:/etc', '--', 'cat', '/etc/hostname']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.flags).toEqual([expected, expected]);
  });

  it('tmppath\'s ruleset, entered by the launcher', () => {
    const r = restrictFlags(['-p', 'stdio tmppath', '--', 'true']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.flags).toEqual([expected]);
  });
});
