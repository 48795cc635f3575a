/**
 * The compiled addon (`seccomp_scopes_native.node`, built from the C++ of
 * src/ by binding.gyp): its loader, and the ONE interface of everything it
 * exports.
 *
 * `Addon` is declared empty here and filled by the module of each C++
 * adapter, next to the functions that call it (module augmentation:
 * `declare module './addon.js' { interface Addon { ... } }`):
 *
 * | module | its slice of `Addon` | registered by |
 * |---|---|---|
 * | seccomp.ts | setNoNewPrivs, getNoNewPrivs, getSeccompMode, installFilter, gettid, exitGroup | seccomp.cc |
 * | landlock.ts | landlockAbi, landlockCreateRuleset, landlockAddPathRule, landlockRestrictSelf, landlockRestrictThreads, openPath | landlock/landlock-js.cc |
 * | unveil-state.ts | unveilClaim, unveilRelease, unveilCommit, unveilState | landlock/unveil-state.cc |
 * | supervise.ts | supervise, preloadProtocol | supervise/supervise-js.cc |
 * | reporter.ts | formatViolation, installReporter, uninstallReporter, rollbackReporter, reporterState, reportTablesLayout | report/reporter-js.cc |
 * | ring.ts | ringAdopt, ringState | ring-replay.cc |
 * | process-state.ts | processLock, processUnlock, sharedGet, sharedSet | process-state.cc |
 *
 * So every export is typed once, where it is used, and no caller needs a
 * cast. The addon is loaded lazily on the first call, so importing this
 * package on a non-Linux platform is harmless; calling any function there
 * throws a {@link NativeError} with code `'ENOTSUP'`.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Error thrown by this package.
 *
 * - Failed syscall: `code` is the errno name (`'EINVAL'`, `'EACCES'`,
 *   `'EFAULT'`, `'ENOMEM'`, ...), `errno` its positive number, `syscall` names
 *   the call (`'prctl(PR_SET_NO_NEW_PRIVS)'`,
 *   `'seccomp(SECCOMP_SET_MODE_FILTER)'`), and the message reads e.g.
 *   `seccomp(SECCOMP_SET_MODE_FILTER) failed: EINVAL (Invalid argument)`.
 * - Invalid argument rejected before any syscall: a `TypeError` or
 *   `RangeError` with `code: 'EINVAL'` and no `errno`/`syscall`.
 * - TSYNC failure: `code: 'TSYNC_FAILED'`, `syscall`, and `tid` = the thread
 *   the kernel could not synchronise; no `errno`.
 * - Unsupported platform: `code: 'ENOTSUP'`.
 */
export interface NativeError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  tid?: number;
}

/** What the addon exports: one slice per module (see the table above). */
export interface Addon {}

let addon: Addon | undefined;

/** The addon, loaded on first use. @throws {NativeError} `ENOTSUP` off Linux. */
export function binding(): Addon {
  if (addon) return addon;
  if (process.platform !== 'linux') {
    const error = new Error(
      `@seccomp-scopes/native: seccomp is only available on Linux, not on process.platform '${process.platform}'`,
    ) as NativeError;
    error.code = 'ENOTSUP';
    throw error;
  }
  const require = createRequire(import.meta.url);
  const load = require('node-gyp-build') as (dir: string) => unknown;
  addon = load(fileURLToPath(new URL('..', import.meta.url))) as Addon;
  return addon;
}
