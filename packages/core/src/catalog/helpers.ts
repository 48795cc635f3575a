import { ALLOW, type ArgCondition, type PromiseName, type Rule, type SyscallName } from '../rules.js';

/** Rules allowing each of `syscalls` unconditionally under `requires`. */
export function allowEach(requires: readonly PromiseName[], syscalls: readonly SyscallName[], why: string, source: string): Rule[] {
  return syscalls.map((syscall) => ({ syscall, action: ALLOW, requires, why, source }));
}

/** One rule allowing `syscall` under `requires` when every condition holds. */
export function allowWhen(requires: readonly PromiseName[], syscall: SyscallName, when: readonly ArgCondition[], why: string, source: string): Rule {
  return { syscall, action: ALLOW, requires, when, why, source };
}
