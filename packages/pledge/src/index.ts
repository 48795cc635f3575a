/**
 * @seccomp-scopes/pledge — OpenBSD's pledge() for Node.js on Linux.
 *
 *     import { pledge } from '@seccomp-scopes/pledge';
 *     const input = fs.openSync(path, 'r');
 *     pledge('stdio');   // from here on: I/O on open descriptors only
 */
export { pledge, compilePledge, currentPromises, currentExecPromises, isJitless } from './pledge.js';
export type { CompilePledgeOptions, PledgeOptions, PledgeStatus } from './pledge.js';
export { archFor, ARCHES } from './arch.js';
/** For the `pledge` command's policy cache: makes a cache directory without Node's recursive mkdir (see filter-cache.ts). */
export { makeCacheDir, trustedCacheDir } from './filter-cache.js';
export { nodeQuietOpenPaths, nodeRuntimeRules } from './node-runtime.js';
export { PledgeError, PROMISES, parsePromises } from '@seccomp-scopes/core';
export { unveil, unveilStatus } from './unveil.js';
export type { UnveilOptions, UnveilStatus, UnveilRuleStatus, UnveilThreadResult, UnveilThreadStatus } from './unveil.js';
// The kernel side of an unveil plan (core planUnveil), shared with the `pledge` command's -v.
export { openUnveilPath, probeLandlockAbi, unveilDowngrade } from './unveil-io.js';
export type { LandlockAbiProbe, OpenedUnveilPath } from './unveil-io.js';
