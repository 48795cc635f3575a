/**
 * The Node runtime allowance: what a Node.js process needs beyond its
 * promises to keep running (event loop, GC, JIT, Worker threads, libuv
 * threadpool). Measured with strace on Node 20 (see docs/node-runtime.md);
 * every rule says why. These rules are in force under every promise set
 * when pledging a Node process, and nowhere else.
 */
import { ALLOW, arg, type Rule } from '@seccomp-scopes/core';

const MEASURED = 'strace of Node 20.20 (libuv 1.46) after pledge; docs/node-runtime.md';

/** Options of {@link nodeRuntimeRules}. */
export interface NodeRuntimeOptions {
  /** Allow executable memory for V8's JIT (false under `node --jitless`). */
  readonly jit: boolean;
}

/**
 * The allowance for a Node process.
 * @returns rules with `requires: []` (in force under every promise set).
 */
export function nodeRuntimeRules(options: NodeRuntimeOptions): Rule[] {
  const rules: Rule[] = [];
  if (options.jit) {
    for (const syscall of ['mmap', 'mprotect']) {
      rules.push({
        syscall,
        action: ALLOW,
        requires: [],
        when: [arg.bitsSet(2, 32, 'prot', 'PROT_EXEC')],
        why: "V8's JIT writes machine code and maps it executable (W^X flips with mprotect); only `node --jitless` avoids it",
        source: MEASURED,
      });
    }
  }
  return rules;
}
