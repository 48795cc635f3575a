import { ALLOW, type ArgCondition, type Rule } from '../rules.js';

/** Rules allowing each of `syscalls` unconditionally under `requires`. */
export function allowEach(requires: readonly string[], syscalls: readonly string[], why: string, source: string): Rule[] {
  return syscalls.map((syscall) => ({ syscall, action: ALLOW, requires, why, source }));
}

/** One rule allowing `syscall` under `requires` when every condition holds. */
export function allowWhen(requires: readonly string[], syscall: string, when: readonly ArgCondition[], why: string, source: string): Rule {
  return { syscall, action: ALLOW, requires, when, why, source };
}
