/**
 * `pledge gen c PROMISES... [--arch x86_64,aarch64] [-o pledge_filters.c]`:
 * the filters and report tables a C program's pledge() installs
 * (packages/libpledge), compiled now by the same compiler path as pledge()
 * in a Node process, minus the Node runtime allowance: planPledge() for a
 * first call, then compilePromises() with the reporter's rules first and the
 * penalty the plan says (SECCOMP_RET_TRAP, the handler reports then kills or
 * fails the call). No promise semantics are written in C: libpledge only
 * looks the promise set up, fills in the process' identity and installs.
 *
 * The values only known at run time (core's RuntimeValues: the pid of the
 * "signals to itself" rules, the uid and gid of fattr's "chown to itself")
 * are found by compiling twice with two sentinel identities and diffing:
 * only the k of some instructions may differ, and each must hold the
 * sentinel's pid, uid or gid. Their indices are emitted next to the
 * program; a third compilation per typical identity checks that filling
 * them in gives exactly the program compiled for that identity. The report
 * tables are diffed the same way (the pid/uid/gid words), and the process
 * name is a placeholder string of TASK_COMM_LEN-1 bytes, written at run time.
 *
 * For unveil() the file also holds core's Landlock tables (unveilTablesForC:
 * the rights of each letter, LANDLOCK_FILE_RIGHTS, landlockDowngrade for
 * every ABI, planUnveil's messages), so that libpledge has no copy of them.
 */
import {
  INITIAL_PLEDGE_STATE, PROMISES, PledgeError, REPORT_EXIT_MAGIC, UNSUPPORTED_PROMISES, compilePromises, constantOf,
  formatPromises, parsePromises, penaltyAction, planPledge, reporterRules, ringReplayRules,
  LANDLOCK_ACCESS_FS, LANDLOCK_FILE_RIGHTS, LANDLOCK_MAX_KNOWN_ABI, UNVEIL_ALL_RIGHTS, UNVEIL_LETTERS, UNVEIL_PERMISSIONS,
  landlockDowngrade, landlockMask, planUnveil,
  type ArchDescriptor, type CompiledFilter, type ConstantName, type Insn, type PenaltyOptions, type PledgeState, type Rule,
} from '@seccomp-scopes/core';
import { ARCHES } from '@seccomp-scopes/pledge';
import { Option, type Command } from 'commander';
import fs from 'node:fs';
import { CliError } from './exit.js';
import { writeText } from './output.js';

/** The identity a C program's filter is compiled for (core's RuntimeValues, all given). */
export interface CIdentity {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The process name placeholder in the tables: TASK_COMM_LEN - 1 bytes, overwritten (with its NUL) at run time. */
export const COMM_PLACEHOLDER = '@pledge-comm@@@';

const SENTINEL_A: CIdentity = { pid: 0x2a5a5a01, uid: 0x2a5a5a02, gid: 0x2a5a5a03 };
const SENTINEL_B: CIdentity = { pid: 0x15a5a511, uid: 0x15a5a512, gid: 0x15a5a513 };
/** Identities the filled-in program is checked against at generation time (root, a user, a pid 1). */
const CHECK_IDENTITIES: readonly CIdentity[] = [{ pid: 4242, uid: 0, gid: 0 }, { pid: 1, uid: 1000, gid: 1000 }, { pid: 0x7ffffffe, uid: 65534, gid: 65534 }];

/** The state after a first kill pledge of every promise: what a later call with an `error` set gets (once kill, always kill). */
function killInForce(): PledgeState {
  return { filters: 1, promises: PROMISES.map((p) => p.name), penalty: { kind: 'kill' }, trap: true, handler: true, reportFd: 2, format: 'text', quiet: false, comm: COMM_PLACEHOLDER };
}

/**
 * What a C program's pledge(promises) installs as its first call (or a later
 * one: with the handler in place the filter is the same), for `ids`:
 * planPledge, then compilePromises with the reporter's rules first and no
 * runtime allowance. `penalty` as pledge_penalty() sets it.
 */
export function planForC(promises: string, arch: ArchDescriptor, ids: CIdentity, penalty?: PenaltyOptions['penalty'], state: PledgeState = INITIAL_PLEDGE_STATE, extra: readonly Rule[] = []) {
  const facts = { ...ids, comm: COMM_PLACEHOLDER };
  const plan = planPledge(state, { promises, options: { ...(penalty ? { penalty } : {}), quiet: false, reportFd: 2 } }, arch, facts);
  if (!plan.filter || !plan.reporter) throw new PledgeError('EINVAL', 'BAD_ARGUMENT', `pledge gen c: no filter planned for ${JSON.stringify(promises)}`);
  return { plan, filter: compileForC(plan.filter.promises, arch, ids, plan.filter, extra) };
}

/**
 * The filter libpledge installs: core's compilePromises composed as
 * pledge()'s compileSpec (packages/pledge/src/pledge.ts) composes it: the
 * reporter's rules first, the planned penalty, a foreign ABI trapped into the
 * handler when it reports; `extra` empty (a C program gets the promises
 * only). The tests hold this equal to `pledge dump` with `extra` set to the
 * Node runtime allowance, so the two cannot drift apart.
 */
export function compileForC(promises: ReadonlySet<string>, arch: ArchDescriptor, ids: CIdentity, spec: { trap: boolean; reporterRules: boolean; reportFd: number; ringFds: readonly number[]; penalty: { kind: 'kill' | 'errno'; errno?: string } }, extra: readonly Rule[] = []): CompiledFilter {
  return compilePromises(promises, {
    arch,
    prefix: [...(spec.reporterRules ? reporterRules({ reportFd: spec.reportFd }) : []), ...ringReplayRules(spec.ringFds)],
    extra,
    penalty: spec.trap ? { kind: 'trap' } : penaltyAction(spec.penalty),
    ...(spec.trap ? { foreignAbi: { kind: 'trap' } as const } : {}),
    runtime: ids,
  });
}

/** Where the identity goes: instruction indices (programs) or byte offsets of u32 words (tables). */
export interface Patches { readonly pid: number[]; readonly uid: number[]; readonly gid: number[] }

const KEYS = ['pid', 'uid', 'gid'] as const;

/** Diffs two programs compiled for the two sentinels; throws unless only the identity's k differ. */
export function programPatches(a: readonly Insn[], b: readonly Insn[], what: string): Patches {
  if (a.length !== b.length) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: the program's length depends on the identity (${a.length} vs ${b.length})`);
  const out: Patches = { pid: [], uid: [], gid: [] };
  a.forEach((x, i) => {
    const y = b[i]!;
    if (x.code !== y.code || x.jt !== y.jt || x.jf !== y.jf) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: instruction ${i} depends on the identity beyond its k`);
    if (x.k === y.k) return;
    const key = KEYS.find((n) => (x.k >>> 0) === SENTINEL_A[n] && (y.k >>> 0) === SENTINEL_B[n]);
    if (!key) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: instruction ${i}'s k differs but is not the pid, uid or gid`);
    out[key].push(i);
  });
  return out;
}

/** Fills the identity into a program at its patches (what libpledge does at run time). */
export function fillProgram(program: readonly Insn[], patches: Patches, ids: CIdentity): Insn[] {
  const out = program.map((i) => ({ ...i }));
  for (const key of KEYS) for (const i of patches[key]) out[i]!.k = ids[key] >>> 0;
  return out;
}

/** Diffs two report tables built for the two sentinels: the u32 words holding the pid, uid, gid. */
export function tablesPatches(a: Uint8Array, b: Uint8Array, what: string): Patches & { comm: number } {
  if (a.length !== b.length || a.length % 4 !== 0) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: the tables' size depends on the identity`);
  const da = new DataView(a.buffer, a.byteOffset, a.length);
  const db = new DataView(b.buffer, b.byteOffset, b.length);
  const out = { pid: [] as number[], uid: [] as number[], gid: [] as number[], comm: -1 };
  for (let off = 0; off < a.length; off += 4) {
    const x = da.getUint32(off, true);
    const y = db.getUint32(off, true);
    if (x === y) continue;
    const key = KEYS.find((n) => x === SENTINEL_A[n] && y === SENTINEL_B[n]);
    if (!key) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: tables word at ${off} differs but is not the pid, uid or gid`);
    out[key].push(off);
  }
  const needle = Buffer.from(`${COMM_PLACEHOLDER}\0`, 'latin1');
  const at = Buffer.from(a).indexOf(needle);
  if (at < 0 || Buffer.from(a).indexOf(needle, at + 1) >= 0) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: the process name placeholder is not in the tables exactly once`);
  out.comm = at;
  return out;
}

interface GenTables { readonly bytes: Uint8Array; readonly patches: Patches & { comm: number }; readonly penalty: 'kill' | 'errno'; readonly errnoName?: string; readonly errnoValue?: number }
interface GenSet { readonly promises: ReadonlySet<string>; readonly program: readonly Insn[]; readonly patches: Patches; readonly kill: GenTables; readonly errno?: GenTables }

/** Everything generated for one promise set on one arch; checked as the file header says. */
export function generateSet(promises: string, arch: ArchDescriptor): GenSet {
  const set = parsePromises(promises);
  const what = `${JSON.stringify(formatPromises(set))} on ${arch.name}`;
  const hasError = set.has('error');
  // The first call's filter (kill, or errno/ENOSYS under "error").
  const a = planForC(promises, arch, SENTINEL_A);
  const b = planForC(promises, arch, SENTINEL_B);
  const patches = programPatches(a.filter.program, b.filter.program, what);
  for (const ids of CHECK_IDENTITIES) {
    const direct = planForC(promises, arch, ids).filter.program;
    const filled = fillProgram(a.filter.program, patches, ids);
    if (JSON.stringify(direct) !== JSON.stringify(filled)) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: the program filled in for pid ${ids.pid} uid ${ids.uid} differs from the one compiled for them`);
  }
  const tablesOf = (pa: ReturnType<typeof planForC>, pb: ReturnType<typeof planForC>): GenTables => {
    if (JSON.stringify(pa.filter.program) !== JSON.stringify(a.filter.program)) throw new PledgeError('EINVAL', 'INTERNAL', `${what}: the filter depends on the penalty`);
    const o = pa.plan.reporter!.options;
    return {
      bytes: pa.plan.reporter!.tables, patches: tablesPatches(pa.plan.reporter!.tables, pb.plan.reporter!.tables, what), penalty: o.penalty,
      ...(o.errnoName ? { errnoName: o.errnoName, errnoValue: o.errno! } : {}),
    };
  };
  // kill: a first call's, or (under "error", which cannot start with kill) a later call's after a kill pledge.
  const kill = hasError
    ? tablesOf(planForC(promises, arch, SENTINEL_A, undefined, killInForce()), planForC(promises, arch, SENTINEL_B, undefined, killInForce()))
    : tablesOf(a, b);
  const errno = tablesOf(planForC(promises, arch, SENTINEL_A, 'errno'), planForC(promises, arch, SENTINEL_B, 'errno'));
  return { promises: set, program: a.filter.program, patches, kill, errno };
}

const hex32 = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const cString = (s: string): string => JSON.stringify(s);
const list = (xs: readonly number[], per = 12): string => xs.reduce((acc, x, i) => acc + (i % per === 0 ? '\n  ' : ' ') + `${x},`, '');

function emitTables(name: string, t: GenTables): string[] {
  const padded = new Uint8Array(Math.ceil(t.bytes.length / 8) * 8);
  padded.set(t.bytes);
  const dv = new DataView(padded.buffer);
  const words: string[] = [];
  for (let i = 0; i < padded.length; i += 8) words.push(`0x${dv.getBigUint64(i, true).toString(16)}ULL`);
  const lines = [`static const uint64_t ${name}[] = {`];
  for (let i = 0; i < words.length; i += 6) lines.push(`  ${words.slice(i, i + 6).join(', ')},`);
  lines.push('};');
  for (const k of KEYS) lines.push(`static const uint32_t ${name}_${k}[] = {${list(t.patches[k].length ? t.patches[k] : [0])}\n};`);
  return lines;
}

function tablesInit(name: string, t: GenTables | undefined): string {
  if (!t) return '{ 0 }';
  const patch = (k: typeof KEYS[number]): string => `{ ${name}_${k}, ${t.patches[k].length} }`;
  return `{ ${name}, ${t.bytes.length}, ${cString(t.penalty)}, ${t.errnoValue ?? 0}, ${t.errnoName ? cString(t.errnoName) : 'NULL'}, ${t.patches.comm}, ${COMM_PLACEHOLDER.length}, ${patch('pid')}, ${patch('uid')}, ${patch('gid')} }`;
}

/** How libpledge's messages name the `bestEffort` option: its unveil() is strict only. */
export const C_OPTION_SPELLING = { penalty: 'pledge_penalty()', errno: 'pledge_penalty("errno")', bestEffort: '{ bestEffort: true } (Node\'s unveil(); libpledge\'s unveil() is strict only)' } as const;

const REASON_PLACEHOLDER = '@pledge-reason@';
const LABEL_PLACEHOLDER = '@pledge-label@';

/** Splits `text` at the one occurrence of `needle`. */
function splitAt(text: string, needle: string, what: string): [string, string] {
  const at = text.indexOf(needle);
  if (at < 0 || text.indexOf(needle, at + 1) >= 0) throw new PledgeError('EINVAL', 'INTERNAL', `pledge gen c: ${what}: the placeholder is not in core's message exactly once`);
  return [text.slice(0, at), text.slice(at + needle.length)];
}

/** What unveil() in C needs from core's Landlock tables (landlock.ts, unveil-plan.ts), computed here so that C has no copy of them. */
export interface UnveilTablesForC {
  readonly letters: string;
  readonly letterRights: readonly number[];
  readonly fileRights: number;
  readonly allRights: number;
  readonly rightNames: readonly string[];
  /** Per ABI 0..max: core's landlockDowngrade(UNVEIL_ALL_RIGHTS, abi) (strict), its error split around the reason (ABI 0). */
  readonly abis: readonly { handled: number; restrictFlags: number; tsync: boolean; error?: [string, string]; warnings: readonly string[] }[];
  /** core planUnveil's UNVEIL_WIDENED message around the list of widened rules. */
  readonly widened: [string, string];
  /** core planUnveil's warning for "c" on a non-directory, around the rule's label. */
  readonly cOnFile: [string, string];
}

export function unveilTablesForC(): UnveilTablesForC {
  const names = Object.keys(LANDLOCK_ACCESS_FS) as (keyof typeof LANDLOCK_ACCESS_FS)[];
  names.forEach((n, i) => { if (LANDLOCK_ACCESS_FS[n] !== 1 << i) throw new PledgeError('EINVAL', 'INTERNAL', `pledge gen c: LANDLOCK_ACCESS_FS.${n} is not bit ${i}`); });
  const abis = [];
  for (let abi = 0; abi <= LANDLOCK_MAX_KNOWN_ABI; abi++) {
    const d = landlockDowngrade(UNVEIL_ALL_RIGHTS, abi, { unavailableReason: REASON_PLACEHOLDER });
    const message = d.error?.messageWith(C_OPTION_SPELLING);
    const error: [string, string] | undefined = message === undefined ? undefined : abi === 0 ? splitAt(message, REASON_PLACEHOLDER, 'LANDLOCK_UNAVAILABLE') : [message, ''];
    abis.push({ handled: d.handled, restrictFlags: d.restrictFlags, tsync: d.threadSync === 'tsync', ...(error ? { error } : {}), warnings: d.warnings });
  }
  const enforced = landlockDowngrade(UNVEIL_ALL_RIGHTS, LANDLOCK_MAX_KNOWN_ABI);
  // A rule beneath a wider one: the message core writes, around the one widened rule of this sample.
  let widened: [string, string] | undefined;
  try {
    planUnveil(enforced, [
      { label: 'outer', resolved: '/outer', directory: true, permissions: 'r' },
      { label: 'inner', resolved: '/outer/inner', directory: true, permissions: '' },
    ], { bestEffort: false, what: 'unveil()' });
  } catch (e) {
    if (!(e instanceof PledgeError) || e.reason !== 'UNVEIL_WIDENED') throw e;
    widened = splitAt(e.messageWith(C_OPTION_SPELLING), '/outer/inner also gets READ_FILE|READ_DIR from /outer', 'UNVEIL_WIDENED');
  }
  if (!widened) throw new PledgeError('EINVAL', 'INTERNAL', 'pledge gen c: core planUnveil did not refuse a widened rule');
  const cWarning = planUnveil(enforced, [{ label: LABEL_PLACEHOLDER, resolved: '/file', directory: false, permissions: 'c' }], { bestEffort: false, what: 'unveil()' }).warnings;
  if (cWarning.length !== 1) throw new PledgeError('EINVAL', 'INTERNAL', 'pledge gen c: core planUnveil gave no one warning for "c" on a file');
  return {
    letters: UNVEIL_LETTERS,
    letterRights: [...UNVEIL_LETTERS].map((l) => landlockMask(UNVEIL_PERMISSIONS.find((p) => p.letter === l)!.rights)),
    fileRights: LANDLOCK_FILE_RIGHTS,
    allRights: UNVEIL_ALL_RIGHTS,
    rightNames: names,
    abis,
    widened,
    cOnFile: splitAt(cWarning[0]!, LABEL_PLACEHOLDER, '"c" on a file'),
  };
}

function emitUnveilTables(): string[] {
  const t = unveilTablesForC();
  const u64 = (n: number): string => `0x${n.toString(16)}ULL`;
  const out = [
    '/* unveil(): core\'s Landlock tables (landlock.ts: UNVEIL_PERMISSIONS, LANDLOCK_FILE_RIGHTS, landlockDowngrade per ABI; unveil-plan.ts: messages). */',
    `static const uint64_t unveil_letter_rights[] = { ${t.letterRights.map(u64).join(', ')} };`,
    `static const char *const unveil_right_names[] = { ${t.rightNames.map(cString).join(', ')} };`,
    'static const struct pledge_unveil_abi unveil_abis[] = {',
  ];
  t.abis.forEach((a, abi) => {
    out.push(`  /* ABI ${abi} */ { ${u64(a.handled)}, ${hex32(a.restrictFlags)}, ${a.tsync ? 1 : 0}, ${a.error ? cString(a.error[0]) : 'NULL'}, ${a.error ? cString(a.error[1]) : 'NULL'}, ${cString(a.warnings.map((w) => `${w}\n`).join(''))} },`);
  });
  out.push('};');
  out.push('static const struct pledge_unveil_tables unveil_tables = {');
  out.push(`  ${cString(t.letters)}, unveil_letter_rights, ${u64(t.fileRights)}, ${u64(t.allRights)}, unveil_right_names, ${t.rightNames.length},`);
  out.push(`  unveil_abis, ${t.abis.length - 1},`);
  out.push(`  ${cString(t.widened[0])}, ${cString(t.widened[1])},`);
  out.push(`  ${cString(t.cOnFile[0])}, ${cString(t.cOnFile[1])},`);
  out.push('};', '');
  return out;
}

/** The C file for `sets` on `arches` (each arch's data behind its #if). */
export function generateC(sets: readonly string[], arches: readonly ArchDescriptor[], command: string): string {
  if (sets.length === 0) throw new CliError('pledge gen c: name at least one promise set');
  const out: string[] = [
    `/* Generated by \`${command}\` (@seccomp-scopes/pledge-cli, gen-c.ts): do not edit.`,
    ' * The seccomp filters and report tables libpledge\'s pledge() installs, compiled by',
    ' * @seccomp-scopes/core for these promise sets. To add a set, add it to the command and rerun. */',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '#include "pledge-filters.h"',
    '',
  ];
  const bits = PROMISES.map((p) => p.name);
  if (bits.length > 64) throw new PledgeError('EINVAL', 'INTERNAL', 'more than 64 promises do not fit a uint64_t');
  out.push(`static const char *const promise_names[] = { ${bits.map(cString).join(', ')} };`);
  out.push(`static const char *const unsupported_names[] = { ${Object.keys(UNSUPPORTED_PROMISES).map(cString).join(', ')} };`);
  out.push('');
  out.push(...emitUnveilTables());
  arches.forEach((arch, ai) => {
    const macro = arch.name === 'x86_64' ? '__x86_64__' : arch.name === 'aarch64' ? '__aarch64__' : undefined;
    if (!macro) throw new CliError(`pledge gen c: no C predefined macro is known for ${arch.name}`);
    out.push(`${ai === 0 ? '#if' : '#elif'} defined(${macro})`);
    const inits: string[] = [];
    const seen = new Set<string>();
    sets.forEach((text, si) => {
      const g = generateSet(text, arch);
      const canonical = formatPromises(g.promises);
      if (seen.has(canonical)) return;
      seen.add(canonical);
      const p = `s${si}`;
      out.push(`/* ${JSON.stringify(canonical)}: ${g.program.length} instructions */`);
      out.push(`static const struct pledge_insn ${p}_program[] = {`);
      for (const i of g.program) out.push(`  { ${hex32(i.code)}, ${i.jt}, ${i.jf}, ${hex32(i.k)} },`);
      out.push('};');
      for (const k of KEYS) out.push(`static const uint32_t ${p}_${k}[] = {${list(g.patches[k].length ? g.patches[k] : [0])}\n};`);
      out.push(...emitTables(`${p}_kill`, g.kill));
      if (g.errno) out.push(...emitTables(`${p}_errno`, g.errno));
      const mask = bits.reduce((acc, n, i) => (g.promises.has(n) ? acc | (1n << BigInt(i)) : acc), 0n);
      const patch = (k: typeof KEYS[number]): string => `{ ${p}_${k}, ${g.patches[k].length} }`;
      inits.push(`  { 0x${mask.toString(16)}ULL, ${cString(canonical)}, ${p}_program, ${g.program.length}, ${patch('pid')}, ${patch('uid')}, ${patch('gid')},\n    ${tablesInit(`${p}_kill`, g.kill)},\n    ${tablesInit(`${p}_errno`, g.errno)} },`);
    });
    out.push('static const struct pledge_filter_set sets[] = {', ...inits, '};');
    out.push('const struct pledge_generated pledge_generated_filters = {');
    out.push(`  PLEDGE_FILTERS_VERSION, ${hex32(arch.auditArch)}, ${cString(arch.name)}, ${hex32(REPORT_EXIT_MAGIC)},`);
    out.push(`  promise_names, ${bits.length}, unsupported_names, ${Object.keys(UNSUPPORTED_PROMISES).length},`);
    out.push(`  sets, ${seen.size}, ${cString(command)},`);
    out.push(`  ${constantOf(arch, 'EPERM' as ConstantName)}, ${constantOf(arch, 'ENOSYS' as ConstantName)},`);
    out.push('  &unveil_tables,');
    out.push('};');
  });
  out.push('#else');
  out.push(`#error "pledge_filters.c has filters for ${arches.map((a) => a.name).join(', ')} only: add this machine's arch to the generator's --arch"`);
  out.push('#endif', '');
  return out.join('\n');
}

/** `--arch x86_64,aarch64` (kernel or Node names) to descriptors. */
function archList(value: string): ArchDescriptor[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v).map((v) => {
    const a = Object.values(ARCHES).find((d) => d.name === v || d.nodeArch === v);
    if (!a) throw new CliError(`pledge: --arch ${JSON.stringify(v)}: supported architectures: ${Object.values(ARCHES).map((d) => d.name).join(', ')}`);
    return a;
  });
}

/** Registers `pledge gen c` on the command (main.ts). */
export function registerGenC(program: Command, setExit: (code: number) => void): void {
  const gen = program.command('gen').description('generate code for other languages from the compiler');
  gen.command('c')
    .description('the seccomp filters and report tables of C programs\' pledge() (libpledge), one per promise set and arch')
    .argument('<promises...>', "the promise sets the program passes to pledge(), e.g. 'stdio' 'stdio rpath'")
    .addOption(new Option('--arch <arches>', 'comma-separated: x86_64, aarch64 (default: this machine\'s)'))
    .option('-o, --output <file>', 'write to FILE (default: standard output)')
    .addHelpText('after', `
Example:
  pledge gen c 'stdio' 'stdio rpath' --arch x86_64,aarch64 -o pledge_filters.c
  cc prog.c pledge_filters.c $(pkg-config --cflags --libs pledge)`)
    .action((sets: string[], opts: Record<string, unknown>) => {
      const arches = archList((opts['arch'] as string | undefined) ?? process.arch);
      const shown = sets.map((s) => `'${s.replace(/'/g, "'\\''")}'`).join(' ');
      const archText = arches.map((a) => a.name).join(',');
      const command = `pledge gen c ${shown} --arch ${archText}${opts['output'] ? ` -o ${String(opts['output'])}` : ''}`;
      const text = generateC(sets, arches, command);
      if (opts['output']) fs.writeFileSync(opts['output'] as string, text);
      else writeText(1, text);
      setExit(0);
    });
}
