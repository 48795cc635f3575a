/**
 * @seccomp-scopes/core — promise semantics, the rule model, the
 * seccomp-bpf compiler and a BPF simulator. Pure TypeScript; numbers come
 * from an {@link ArchDescriptor} (one `@seccomp-scopes/arch-*` package per
 * architecture).
 */
export type { ArchDescriptor } from './arch.js';
export { BUILD_ID } from './build-id.js';
export { CONSTANT_NAMES } from './constants.js';
export type { ConstantName } from './constants.js';
export { LIBRARY_OPTION_SPELLING, PledgeError } from './errors.js';
export type { PledgeErrorHint, PledgeErrorReason, PledgeOption } from './errors.js';
export * from './bpf.js';
export * from './simulate.js';
export * from './cache.js';
export * from './rules.js';
export { SYSCALL_NAMES } from './vocabulary.js';
export * from './compile.js';
export * from './promises.js';
export { FLAGS_ARG, openRequires, readOnlyOpenRules } from './catalog/open.js';
export { FALLBACK_RULES } from './catalog/always.js';
export { STDIO_MADVISE } from './catalog/stdio.js';
export { METADATA_EXCEPTIONS, PATH_EXCEPTIONS, PATH_PROBES, canonicalPath, pathExceptionOf, pathExceptionsFor, pathProbeOf } from './catalog/path-exceptions.js';
export type { PathException, PathProbe } from './catalog/path-exceptions.js';
export * from './decide.js';
export * from './describe.js';
export { DENIED, NOT_IN_TABLES } from './catalog/denied.js';
export type { Denial, NotInTables } from './catalog/denied.js';
export * from './landlock.js';
export * from './unveil-plan.js';
export * from './report.js';
export * from './syscall-args.js';
export { TEMPLATE_PIDS, fillPidTemplate, pidTemplate, type PidTemplate } from './pid-template.js';
export * from './pledge-plan.js';
