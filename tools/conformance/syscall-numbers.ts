/**
 * The C library's own syscall numbers (`SYS_<name>` from <sys/syscall.h>),
 * read with a C compiler's preprocessor, for the check that every syscall
 * the catalog names has, in our generated table, the number real programs
 * use (issue 13: a swap of two numbers in a table went unnoticed by the
 * kernel run, whose probe called each syscall by the table's own number).
 * The host's `cc` gives x86_64's; the aarch64 cross compiler the VM's probe
 * is built with (aarch64-vm.ts) gives aarch64's, from the same headers that
 * probe's `PROBE_SYSCALL_NAMES` table compiles in.
 */
import { execFileSync } from 'node:child_process';
import { CATALOG, DENIED, reporterRules } from '@seccomp-scopes/core';

/** Every syscall name a catalog rule, a DENIED entry or the reporter's rules name, sorted. */
export function catalogSyscallNames(): string[] {
  return [...new Set<string>([
    ...CATALOG.map((r) => r.syscall),
    ...DENIED.flatMap((d) => d.syscalls),
    ...reporterRules({ reportFd: 2 }).map((r) => r.syscall),
  ])].sort();
}

/** The C library's `SYS_<name>` for each name it defines, read with `cc -E` (no program is run). */
export function libcSyscallNumbers(cc: string, names: readonly string[]): Map<string, number> {
  for (const n of names) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`not a syscall name: ${JSON.stringify(n)}`);
  const source = ['#include <sys/syscall.h>', ...names.map((n) => `#ifdef SYS_${n}\nSYSNR ${n} SYS_${n}\n#endif`)].join('\n') + '\n';
  let out: string;
  try {
    out = execFileSync(cc, ['-E', '-P', '-x', 'c', '-'], { input: source, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${cc} not found (bash .ci/install-system-deps.sh installs it)`);
    throw err;
  }
  const numbers = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^SYSNR ([a-z0-9_]+) \(?\s*(\d+)\s*\)?$/.exec(line.trim());
    if (m) numbers.set(m[1]!, Number(m[2]));
    else if (line.startsWith('SYSNR ')) throw new Error(`${cc}: cannot read ${JSON.stringify(line)}`);
  }
  return numbers;
}
