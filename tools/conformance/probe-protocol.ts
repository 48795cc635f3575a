/**
 * The probe's request and result lines (protocol in ./probe.c), for any
 * place the probe runs: here, or as a VM's /init child (./aarch64-vm.ts).
 *
 * Requests made here name each syscall, and the probe is built with its C
 * library's numbers for those names (see {@link syscallNamesHeader}), both
 * for the VM and for the local x86_64 run of ./run.ts: it makes every call
 * by the number a real program would use and reports a table that
 * disagrees. Without that, a wrong number in a generated table would go
 * unnoticed, because the filter and the call would both use it. Syscalls no
 * case makes are checked by ./syscall-numbers.test.ts (every catalog name
 * against the C library's SYS_<name>, on both arches).
 */
import type { ArchDescriptor } from '@seccomp-scopes/core';
import type { Case } from './cases.js';
import { caseData, expected, filterFor, kernelOutcome, type Outcome } from './run.js';

/**
 * Why a case cannot run on `arch`, or undefined when it can: the syscall does
 * not exist there (`open` on aarch64), or the arch has no foreign-ABI number
 * bit (x32) or no compat ABI. Matches `caseData()` returning undefined.
 */
export function notApplicable(c: Case, arch: ArchDescriptor): string | undefined {
  if (c.nr === undefined && arch.syscalls[c.syscall] === undefined) return `${arch.name} has no ${c.syscall} syscall`;
  if (c.foreignAbi && arch.foreignAbiBit === undefined) return `${arch.name} has no foreign-ABI number bit (x32)`;
  if (c.compat && arch.compatAuditArch === undefined) return `${arch.name} has no compat ABI`;
  return undefined;
}

/** Whether the probe should check the case's syscall number against its C library (named native calls only). */
function checksNumber(c: Case): boolean {
  return c.nr === undefined && !c.compat && !c.foreignAbi;
}

/**
 * The C table probe.c builds in (`-DPROBE_SYSCALL_NAMES="<file>"`): each
 * name with the number the compiler's C library headers give it, where they
 * define one.
 */
export function syscallNamesHeader(names: Iterable<string>): string {
  const sorted = [...new Set(names)].sort();
  for (const n of sorted) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`not a syscall name: ${JSON.stringify(n)}`);
  return sorted.map((n) => `#ifdef __NR_${n}\n{"${n}", __NR_${n}},\n#endif\n`).join('');
}

/** The syscall names whose numbers the probe checks, for `cases`. */
export function checkedSyscalls(cases: readonly Case[]): string[] {
  return [...new Set(cases.filter(checksNumber).map((c) => c.syscall))].sort();
}

/** A request line the caller adds itself (a control case): its own filter, an id that is not a case index. */
export interface ExtraRequest {
  readonly id: string;
  readonly filter: Uint8Array;
  readonly mode: 'n' | 'c';
  readonly nr: number;
  readonly args?: readonly bigint[];
  readonly name?: string;
}

/**
 * The probe's input for the applicable `cases` on `arch` (one F line per
 * filter change), then `extra` requests, then Q; and the indices of the
 * cases it holds.
 */
export function probeRequest(cases: readonly Case[], arch: ArchDescriptor, extra: readonly ExtraRequest[] = []): { text: string; index: number[] } {
  const lines: string[] = [];
  const index: number[] = [];
  let lastFilter = '';
  const push = (filter: Uint8Array, id: string, mode: 'n' | 'c', nr: number, args: readonly bigint[], name: string | undefined): void => {
    const hex = Buffer.from(filter).toString('hex');
    if (hex !== lastFilter) {
      lines.push(`F ${hex}`);
      lastFilter = hex;
    }
    const six = [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
    lines.push(`C ${id} ${mode} ${nr} ${six.map((a) => `0x${a.toString(16)}`).join(' ')}${name ? ` ${name}` : ''}`);
  };
  cases.forEach((c, i) => {
    const data = caseData(c, arch);
    if (!data) return;
    push(filterFor(c.promises, arch).bytes, String(i), c.compat ? 'c' : 'n', data.nr, (data.args ?? []).map((a) => BigInt(a)), checksNumber(c) ? c.syscall : undefined);
    index.push(i);
  });
  for (const x of extra) {
    if (/^\d+$/.test(x.id) || /\s/.test(x.id)) throw new Error(`extra request id ${JSON.stringify(x.id)} must not be a case index or contain spaces`);
    push(x.filter, x.id, x.mode, x.nr, x.args ?? [], x.name);
  }
  lines.push('Q');
  return { text: lines.join('\n') + '\n', index };
}

/** The probe's lines, sorted by id: the R line, and the number problem (M/U line) if any. */
export interface ProbeLines {
  readonly results: ReadonlyMap<string, string>;
  readonly numberProblems: ReadonlyMap<string, string>;
}

/** Reads probe output. `E` lines (a request it could not parse) throw. */
export function readProbeLines(output: readonly string[], archName: string): ProbeLines {
  const results = new Map<string, string>();
  const numberProblems = new Map<string, string>();
  for (const l of output) {
    if (l.startsWith('E ')) throw new Error(`probe: ${l}`);
    const [kind, id, name, ours, theirs] = l.trim().split(' ');
    if (id === undefined) continue;
    if (kind === 'R') results.set(id, l.trim());
    else if (kind === 'M') numberProblems.set(id, `the ${archName} table says ${name} = ${ours}, the probe's C library says ${theirs} (the call was made with ${theirs})`);
    else if (kind === 'U') numberProblems.set(id, `the probe's C library has no ${name} syscall (the call was made with the table's number)`);
  }
  return { results, numberProblems };
}

/**
 * Outcomes in case order (undefined for cases not in `index`). A number the
 * probe's C library disagrees with, or a name it does not know, makes the
 * case an error that says so and what the real call did.
 */
export function caseOutcomes(lines: ProbeLines, cases: readonly Case[], arch: ArchDescriptor, index: readonly number[]): (Outcome | undefined)[] {
  const wanted = new Set(index);
  return cases.map((c, i) => {
    if (!wanted.has(i)) return undefined;
    const line = lines.results.get(String(i));
    if (!line) return { error: 'no result from the probe' };
    const outcome = kernelOutcome(line, expected(c, arch));
    const problem = lines.numberProblems.get(String(i));
    return problem ? { error: `syscall number: ${problem}; the call ended as ${JSON.stringify(outcome)}` } : outcome;
  });
}
