/**
 * `pledge explain PROMISES`: what the promises allow, syscall by syscall,
 * with the argument rules, from the catalog (@seccomp-scopes/core
 * `rulesFor`, described with describe.ts). Which rules exist on the arch
 * is core's resolution (`resolveRules`: `absent` holds the rules naming a
 * syscall the arch lacks), as for docs/promises.md (tools/gen-docs.mjs).
 */
import {
  FALLBACK_RULES, describeAction, describeConditions, formatPromises, parsePromises, penaltyFor, resolveRules, rulesFor,
  type ArchDescriptor, type Rule, type RuntimeValues,
} from '@seccomp-scopes/core';
import { nodeRuntimeRules } from '@seccomp-scopes/pledge';

/**
 * Values for the "signals to itself" and chown rules while resolving: the
 * explanation shows the rules' conditions as written (describeConditions),
 * so only which rules resolve on the arch is read, never these values.
 */
const SOME_PROCESS: RuntimeValues = { pid: 1, uid: 0, gid: 0 };

/** Options of {@link explain}. */
export interface ExplainOptions {
  readonly arch: ArchDescriptor;
  readonly format: 'text' | 'json';
  /** Include the Node runtime allowance pledge() adds in a Node process. */
  readonly node?: boolean;
  /** With `node`: whether the JIT's executable memory is allowed. */
  readonly jit?: boolean;
}

interface Line {
  readonly syscall: string;
  readonly nr: number;
  readonly action: string;
  readonly arguments: string;
  readonly promises: string;
  readonly why: string;
  readonly source: string;
}

function line(rule: Rule, nr: number, extra: readonly Rule[]): Line {
  return {
    syscall: rule.syscall,
    nr,
    action: describeAction(rule.action),
    arguments: describeConditions(rule),
    promises: extra.includes(rule) ? 'node runtime' : rule.requires.length > 0 ? rule.requires.join(' ') : 'always',
    why: rule.why,
    source: rule.source,
  };
}

/** The explanation, as text or JSON. */
export function explain(promiseText: string, options: ExplainOptions): string {
  const set = parsePromises(promiseText);
  const { arch } = options;
  const extra = options.node ? nodeRuntimeRules({ jit: options.jit ?? true }) : [];
  const resolution = resolveRules(rulesFor(set, extra), arch, SOME_PROCESS);
  const absent = [...new Set(resolution.absent.map((r) => r.syscall))].sort();
  const lines = resolution.rules.map((r) => line(r.rule, r.nr, extra))
    .sort((a, b) => (a.syscall < b.syscall ? -1 : a.syscall > b.syscall ? 1 : 0));
  const penalty = penaltyFor(set);
  const canonical = formatPromises(set);
  const allowed = new Set(lines.filter((l) => l.action === 'ALLOW').map((l) => l.syscall));
  const conditional = new Set(lines.filter((l) => l.action === 'ALLOW' && l.arguments !== 'any arguments').map((l) => l.syscall));
  const fallback = resolveRules(FALLBACK_RULES, arch).rules.map((r) => r.rule.syscall);

  if (options.format === 'json') {
    return `${JSON.stringify({
      promises: canonical, arch: arch.name, node: options.node ?? false,
      penalty: describeAction(penalty), unknownSyscalls: 'ERRNO(ENOSYS)',
      rules: lines, absentOnArch: absent,
    }, null, 2)}\n`;
  }
  const out: string[] = [];
  out.push(`pledge ${JSON.stringify(canonical)} on ${arch.name}${options.node ? ' (with the Node runtime allowance)' : ''}:`);
  out.push(`  ${allowed.size} system calls allowed, ${conditional.size} of them only with the arguments shown;`);
  out.push(`  any other call: ${penalty.kind === 'kill-process' ? 'the process is killed by SIGSYS (`pledge run`: reported, then SIGSYS)' : 'fails with ENOSYS (the "error" promise)'};`);
  out.push(`  ${fallback.join(', ')} and numbers ${arch.name} does not know: fail with ENOSYS, so the C library falls back.`);
  out.push('');
  const width = Math.max(...lines.map((l) => l.syscall.length), 7);
  const actionWidth = Math.max(...lines.map((l) => l.action.length), 6);
  for (const l of lines) {
    out.push(`${l.syscall.padEnd(width)}  ${l.action.padEnd(actionWidth)}  ${l.arguments}`);
    out.push(`${''.padEnd(width)}  ${''.padEnd(actionWidth)}  [${l.promises}] ${l.why}`);
  }
  if (absent.length > 0) {
    out.push('');
    out.push(`not on ${arch.name} (no such syscall): ${absent.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}
