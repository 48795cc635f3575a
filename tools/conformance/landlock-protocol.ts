/**
 * Requests for ./landlock-probe.c and what a kernel must answer, both
 * computed from the Landlock ABI table and the downgrade of
 * packages/core/src/landlock.ts (`LANDLOCK_ABIS`, `landlockFsRightsForAbi`,
 * `landlockDowngrade`, `unveilRuleRights`). A wrong row in that table makes
 * some expectation here disagree with a real kernel
 * (./landlock-vm.test.ts).
 */
import {
  LANDLOCK_ABIS, LANDLOCK_ACCESS_FS, LANDLOCK_MAX_KNOWN_ABI, LANDLOCK_RESTRICT_SELF_TSYNC, LANDLOCK_TSYNC_ABI, UNVEIL_ALL_RIGHTS,
  landlockAbiOf, landlockDowngrade, landlockFsRightsForAbi, landlockRightNames, unveilRuleRights,
  type LandlockDowngrade, type LandlockFsRight,
} from '@seccomp-scopes/core';

const E2BIG = 7;
const EACCES = 13;
const EXDEV = 18;
const EINVAL = 22;
const ENOTTY = 25;

/** `ok`, or `errno <n>`: one probe answer. */
export type Answer = string;
const errno = (n: number): Answer => `errno ${n}`;

/** The first ABI whose table row (its `other` phrase) matches `what`; throws if no row does. */
export function abiOfFeature(what: RegExp): number {
  const row = LANDLOCK_ABIS.find((r) => r.other.some((o) => what.test(o)));
  if (!row) throw new Error(`no row of LANDLOCK_ABIS mentions ${what}`);
  return row.abi;
}

/**
 * What the table says Linux `release` (`uname -r`, e.g. 6.1.0-57-cloud-arm64)
 * offers: the newest row whose `linux` is not newer. Kernels backporting
 * Landlock features would differ; Debian's do not.
 */
export function tableAbiForRelease(release: string): number {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw new Error(`cannot read a version from ${JSON.stringify(release)}`);
  const v = Number(m[1]) * 1000 + Number(m[2]);
  let abi = 0;
  for (const row of LANDLOCK_ABIS) {
    const [maj, min] = row.linux.split('.').map(Number);
    if (maj! * 1000 + min! <= v) abi = row.abi;
  }
  return abi;
}

/** Whether every right in `mask` is one the table says a kernel of ABI `abi` knows. */
function knownAt(mask: number, abi: number): boolean {
  return landlockRightNames(mask).every((r) => landlockAbiOf(r).abi <= abi);
}

/** A non-file-system feature of a table row, probed by the struct size or a flag. */
interface FeatureProbe {
  readonly id: string;
  readonly what: string;
  /** The ABI the table gives it. */
  readonly abi: number;
  readonly request: string;
}

/**
 * ABI 4's TCP rules and ABI 6's scopes (`handled_access_net`, `scoped`:
 * a kernel with a shorter struct refuses them), ABI 7's audit flag and
 * ABI 8's TSYNC (`landlock_restrict_self` refuses unknown flags).
 * Bit values from include/uapi/linux/landlock.h.
 */
export const FEATURES: readonly FeatureProbe[] = [
  { id: 'net', what: 'handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP', abi: abiOfFeature(/TCP/), request: 'S net 0x0 0x1 0x0' },
  { id: 'scoped', what: 'scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET', abi: abiOfFeature(/scopes/), request: 'S scoped 0x0 0x0 0x1' },
  { id: 'log', what: 'landlock_restrict_self(LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF)', abi: abiOfFeature(/audit/), request: 'T log 0x1' },
  { id: 'tsync', what: 'landlock_restrict_self(LANDLOCK_RESTRICT_SELF_TSYNC)', abi: LANDLOCK_TSYNC_ABI, request: `T tsync 0x${LANDLOCK_RESTRICT_SELF_TSYNC.toString(16)}` },
];

/** Where a check's access happens: beneath the `rwxc` directory rule, outside every rule, or on the `r` device-file rule. */
type Where = 'data' | 'out' | 'file';

/** One check of landlock-probe.c's `run_checks`, with the rights it needs and its outcome when Landlock allows it. */
export interface Check {
  readonly name: string;
  readonly needs: readonly (readonly [LandlockFsRight, Where])[];
  /** A rename/link into another directory: needs REFER on both ends too (else EXDEV). */
  readonly refer?: boolean;
  /** The answer when Landlock allows it (as root in the VM). */
  readonly allowed: Answer;
}

export const CHECKS: readonly Check[] = [
  { name: 'read-in', needs: [['READ_FILE', 'data']], allowed: 'ok' },
  { name: 'read-out', needs: [['READ_FILE', 'out']], allowed: 'ok' },
  { name: 'list-in', needs: [['READ_DIR', 'data']], allowed: 'ok' },
  { name: 'list-out', needs: [['READ_DIR', 'out']], allowed: 'ok' },
  { name: 'write-in', needs: [['WRITE_FILE', 'data']], allowed: 'ok' },
  { name: 'write-out', needs: [['WRITE_FILE', 'out']], allowed: 'ok' },
  { name: 'create-in', needs: [['MAKE_REG', 'data'], ['WRITE_FILE', 'data']], allowed: 'ok' },
  { name: 'create-out', needs: [['MAKE_REG', 'out']], allowed: 'ok' },
  { name: 'mkdir-in', needs: [['MAKE_DIR', 'data']], allowed: 'ok' },
  { name: 'mkdir-out', needs: [['MAKE_DIR', 'out']], allowed: 'ok' },
  { name: 'unlink-in', needs: [['REMOVE_FILE', 'data']], allowed: 'ok' },
  { name: 'unlink-out', needs: [['REMOVE_FILE', 'out']], allowed: 'ok' },
  { name: 'rename-same-dir-in', needs: [['REMOVE_FILE', 'data'], ['MAKE_REG', 'data']], allowed: 'ok' },
  { name: 'rename-across-in', needs: [['REMOVE_FILE', 'data'], ['MAKE_REG', 'data']], refer: true, allowed: 'ok' },
  { name: 'link-across-in', needs: [['MAKE_REG', 'data']], refer: true, allowed: 'ok' },
  { name: 'truncate-in', needs: [['TRUNCATE', 'data']], allowed: 'ok' },
  { name: 'truncate-out', needs: [['TRUNCATE', 'out']], allowed: 'ok' },
  { name: 'open-dev', needs: [['READ_FILE', 'file']], allowed: 'ok' },
  // /dev/null has no ioctls: ENOTTY when Landlock lets the call through.
  { name: 'ioctl-dev', needs: [['IOCTL_DEV', 'file']], allowed: errno(ENOTTY) },
];

/** One behaviour scenario: the unveil() ruleset for a kernel of ABI `abi` (best effort), run on the real kernel. */
export interface Scenario {
  readonly id: string;
  readonly abi: number;
  readonly downgrade: LandlockDowngrade;
  /** Rights of `unveil(dir, 'rwxc')` and `unveil(devfile, 'r')`, masked to what is handled. */
  readonly grants: Readonly<Record<Where, number>>;
}

/** The scenario for ABI `abi`: what unveil() would hand a kernel of that ABI. */
export function scenario(abi: number): Scenario {
  const downgrade = landlockDowngrade(UNVEIL_ALL_RIGHTS, abi, { bestEffort: true });
  const h = downgrade.handled;
  return {
    id: `abi${abi}`, abi, downgrade,
    grants: { data: unveilRuleRights('rwxc', true).rights & h, out: 0, file: unveilRuleRights('r', false).rights & h },
  };
}

/**
 * What a check gives under a domain handling `handled` with `grants`: EACCES
 * when a handled right is not granted where it is needed (Landlock prefers
 * EACCES to EXDEV), EXDEV for a move into another directory without REFER
 * granted on both ends (unhandled REFER is denied too: since ABI 2 the
 * kernel treats it as always handled), else the unrestricted answer.
 */
export function expectedCheck(check: Check, handled: number, grants: Readonly<Record<Where, number>>): Answer {
  for (const [right, where] of check.needs) {
    const bit = LANDLOCK_ACCESS_FS[right];
    if ((handled & bit) !== 0 && (grants[where] & bit) === 0) return errno(EACCES);
  }
  if (check.refer && (grants.data & handled & LANDLOCK_ACCESS_FS.REFER) === 0) return errno(EXDEV);
  return check.allowed;
}

/** The scenario's expected probe lines on a kernel of ABI `kernelAbi`: a refused ruleset, or every check. */
export function expectedScenario(s: Scenario, kernelAbi: number): { step?: string; checks?: Record<string, Answer> } {
  if (!knownAt(s.downgrade.handled, kernelAbi)) return { step: `ruleset errno ${EINVAL}` };
  return { checks: Object.fromEntries(CHECKS.map((c) => [c.name, expectedCheck(c, s.downgrade.handled, s.grants)])) };
}

/** Single bits of `handled_access_fs` the probe tries one by one. */
export const FS_BITS = 64;

/** The probe's request: V; S per table ABI and per bit; the feature probes; one B per ABI; Q. */
export function landlockRequest(): string {
  const lines = ['V'];
  for (let a = 1; a <= LANDLOCK_MAX_KNOWN_ABI; a++) lines.push(`S abi${a} 0x${landlockFsRightsForAbi(a).toString(16)}`);
  for (let i = 0; i < FS_BITS; i++) lines.push(`S bit${i} 0x${(1n << BigInt(i)).toString(16)}`);
  lines.push('T none 0x0');
  for (const f of FEATURES) lines.push(f.request);
  for (let a = 1; a <= LANDLOCK_MAX_KNOWN_ABI; a++) {
    const s = scenario(a);
    lines.push(`B ${s.id} 0x${s.downgrade.handled.toString(16)} 0x${s.grants.data.toString(16)} 0x${s.grants.file.toString(16)}`);
  }
  lines.push('Q');
  return lines.join('\n') + '\n';
}

/** The probe's answers, by request id. */
export interface LandlockAnswers {
  abi: number | undefined;
  readonly rulesets: Map<string, Answer>;
  readonly restricts: Map<string, Answer>;
  readonly scenarios: Map<string, { step?: string; checks: Map<string, Answer>; end?: string }>;
  readonly errors: string[];
}

/** Reads the probe's output lines. */
export function readLandlockLines(lines: readonly string[]): LandlockAnswers {
  const out: LandlockAnswers = { abi: undefined, rulesets: new Map(), restricts: new Map(), scenarios: new Map(), errors: [] };
  const sc = (id: string): { step?: string; checks: Map<string, Answer>; end?: string } => {
    let s = out.scenarios.get(id);
    if (!s) out.scenarios.set(id, (s = { checks: new Map() }));
    return s;
  };
  for (const raw of lines) {
    const l = raw.trim();
    const [kind, id, ...rest] = l.split(' ');
    if (kind === 'V') out.abi = Number(id);
    else if (kind === 'E') out.errors.push(l);
    else if (kind === 'S' && id) out.rulesets.set(id, rest.join(' '));
    else if (kind === 'T' && id) out.restricts.set(id, rest.join(' '));
    else if (kind === 'B' && id) {
      const [what, name, ...answer] = rest;
      if (what === 'check' && name) sc(id).checks.set(name, answer.join(' '));
      else if (what === 'step' && name) sc(id).step = `${name} ${answer.join(' ')}`;
      else if (what === 'end') sc(id).end = name;
    }
  }
  return out;
}

/** The kernel's `handled_access_fs` mask: the bits it accepted one by one (as a bigint, all 64 bits). */
export function kernelFsMask(a: LandlockAnswers): bigint {
  let m = 0n;
  for (let i = 0; i < FS_BITS; i++) if (a.rulesets.get(`bit${i}`) === 'ok') m |= 1n << BigInt(i);
  return m;
}

/** Names of the rights in a mask, with unknown bits as `bit<n>`. */
export function maskNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let i = 0; i < FS_BITS; i++) {
    if ((mask & (1n << BigInt(i))) === 0n) continue;
    names.push(i < 31 ? (landlockRightNames(1 << i)[0] ?? `bit${i}`) : `bit${i}`);
  }
  return names;
}

/**
 * The kernel's answer to `landlock_create_ruleset` with the set the table
 * gives ABI `setAbi`: accepted when the table says a kernel of ABI
 * `kernelAbi` knows every right in it, else EINVAL (unknown access bits).
 */
export function expectedRulesetAnswer(setAbi: number, kernelAbi: number): Answer {
  return knownAt(landlockFsRightsForAbi(setAbi), kernelAbi) ? 'ok' : errno(EINVAL);
}

/** The answer to one bit of `handled_access_fs` alone: accepted when the table has a right there known at `kernelAbi`. */
export function expectedBitAnswer(bit: number, kernelAbi: number): Answer {
  const right = bit < 31 ? landlockRightNames(1 << bit)[0] : undefined;
  return right !== undefined && landlockAbiOf(right).abi <= kernelAbi ? 'ok' : errno(EINVAL);
}

/** A feature probe's answer: accepted from the table's ABI on; before, E2BIG (a longer struct with non-zero tail) or EINVAL (an unknown flag). */
export function expectedFeatureAnswer(f: FeatureProbe, kernelAbi: number): Answer {
  if (f.abi <= kernelAbi) return 'ok';
  return f.request.startsWith('S ') ? errno(E2BIG) : errno(EINVAL);
}
