/**
 * How the supervisor judges a call the filter sent it: the same answer
 * pledge() would have given in the kernel, for the promises in force in
 * the calling process.
 *
 * Without execpromises every process runs under the promises, and the only
 * calls the filter sends that the promises allow are execve/execveat (with
 * `exec`) and a getppid shaped like the marker (with `stdio`). With
 * execpromises, the filter allows only the execpromises in the kernel; the
 * rest of the promises reach the supervisor, which lets them through for
 * processes that have not called execve since the start, and refuses them
 * in the others (their programs run under the execpromises, as on OpenBSD).
 */
import fs from 'node:fs';
import {
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, run,
  type ArchDescriptor, type CompiledFilter, type Rule, type RuntimeValues,
} from '@seccomp-scopes/core';
import type { SupervisedCall } from '@seccomp-scopes/native';
import { compileJudgeFilter } from './filter.js';

/** What to do with a call. */
export type Verdict = { readonly kind: 'allow' } | { readonly kind: 'errno'; readonly errno: number } | { readonly kind: 'violation' };

function parentOf(pid: number): number | undefined {
  try {
    const m = /\nPPid:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export class Policy {
  private readonly before: CompiledFilter;
  private readonly after: CompiledFilter | undefined;
  /** Per process: true once it (or an ancestor, before forking it) called execve. */
  private readonly execed = new Map<number, boolean>();
  private readonly execNrs: ReadonlySet<number>;

  constructor(
    private readonly arch: ArchDescriptor,
    readonly promises: ReadonlySet<string>,
    readonly execpromises: ReadonlySet<string> | undefined,
    readonly child: number,
    runtime: RuntimeValues,
    extra: (promises: ReadonlySet<string>) => readonly Rule[] = () => [],
  ) {
    this.before = compileJudgeFilter(promises, arch, runtime, extra(promises));
    this.after = execpromises ? compileJudgeFilter(execpromises, arch, runtime, extra(execpromises)) : undefined;
    this.execed.set(child, false);
    this.execNrs = new Set(['execve', 'execveat'].map((n) => arch.syscalls[n]).filter((n): n is number => n !== undefined));
  }

  /** Whether process `pid` runs a program started by execve after the launch. */
  private hasExeced(pid: number): boolean {
    const known = this.execed.get(pid);
    if (known !== undefined) return known;
    const chain: number[] = [];
    let p: number | undefined = pid;
    for (let depth = 0; depth < 64 && p !== undefined && p > 1; depth++) {
      const state = this.execed.get(p);
      if (state !== undefined) {
        for (const c of chain) this.execed.set(c, state);
        return state;
      }
      chain.push(p);
      p = parentOf(p);
    }
    // Not a descendant we can place (its parent is gone): the narrower promises.
    for (const c of chain) this.execed.set(c, true);
    return true;
  }

  /** The promises in force in process `pid`. */
  promisesOf(pid: number): ReadonlySet<string> {
    return this.execpromises && this.hasExeced(pid) ? this.execpromises : this.promises;
  }

  judge(call: SupervisedCall): Verdict {
    const after = this.after !== undefined && this.hasExeced(call.pid);
    const filter = after ? this.after! : this.before;
    const { ret } = run(filter.program, { nr: call.nr, arch: call.arch, instructionPointer: call.ip, args: call.args }, this.arch.endian);
    const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
    if (action === SECCOMP_RET_ALLOW) {
      if (this.after && this.execNrs.has(call.nr)) this.execed.set(call.pid, true);
      return { kind: 'allow' };
    }
    if (action === SECCOMP_RET_ERRNO) return { kind: 'errno', errno: ret & SECCOMP_RET_DATA };
    return { kind: 'violation' };
  }
}
