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
 * | seccomp.ts | setNoNewPrivs, getNoNewPrivs, getSeccompMode, getPersonality, fdType, installFilter, pledgeInstall, processFacts, gettid, exitGroup | seccomp.cc |
 * | landlock.ts | landlockAbi, landlockCreateRuleset, landlockAddPathRule, landlockRestrictSelf, landlockRestrictThreads, openPath | landlock/landlock-js.cc |
 * | unveil-state.ts | unveilClaim, unveilRelease, unveilCommit, unveilState | landlock/unveil-state.cc |
 * | supervise.ts | supervise, preloadProtocol | supervise/supervise-js.cc |
 * | reporter.ts | formatViolation, installReporter, uninstallReporter, rollbackReporter, reporterState, reportTablesLayout, artifactCheck, readArtifactFile, dirTrustFacts, readOwnedFile | report/reporter-js.cc |
 * | ring.ts | ringAdopt, ringState, ringScan, ringScanAhead, ringScanDrop | ring-replay.cc |
 * | process-state.ts | processLock, processUnlock, sharedGet, sharedSet | process-state.cc |
 * | learn.ts | learnProtocol, learnMark | learn.cc |
 * | first-call.ts | firstCallLookup, firstCallKey | first-call.cc |
 *
 * So every export is typed once, where it is used, and no caller needs a
 * cast. The addon is loaded lazily on the first call, so importing this
 * package on a non-Linux platform is harmless; calling any function there
 * throws a {@link NativeError} with code `'ENOTSUP'`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
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
 * - No binary fits, or it does not load: `ERR_SECCOMP_SCOPES_NO_BINARY`,
 *   `ERR_SECCOMP_SCOPES_BAD_BINARY` (see {@link binding}).
 */
export interface NativeError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  tid?: number;
  /** pledgeInstall's failures of no_new_privs or the filter: whether it set no_new_privs (which stays set). */
  noNewPrivsSet?: boolean;
}

/** What the addon exports: one slice per module (see the table above). */
export interface Addon {}

let addon: Addon | undefined;
let addonDir: string | undefined;

/** The package's directory (the one with package.json, prebuilds/, build/). */
const packageDir = (): string => fileURLToPath(new URL('..', import.meta.url));

function nativeError(code: string, message: string): NativeError {
  const error = new Error(message) as NativeError;
  error.code = code;
  return error;
}

/**
 * The addon, loaded on first use, through node-gyp-build: a workspace or
 * source build (build/Release) first, else the prebuilt binary of this
 * platform-arch (prebuilds/linux-x64, prebuilds/linux-arm64; glibc).
 * @throws {NativeError} `ENOTSUP` off Linux; `ERR_SECCOMP_SCOPES_NO_BINARY`
 *   when no binary fits (another arch or libc, with install scripts
 *   skipped); `ERR_SECCOMP_SCOPES_BAD_BINARY` when the binary found does not
 *   load (its dlopen error is the `cause`).
 */
export function binding(): Addon {
  if (addon) return addon;
  if (process.platform !== 'linux') {
    throw nativeError('ENOTSUP',
      `@seccomp-scopes/native: pledge needs Linux (seccomp-bpf, Landlock); this is process.platform '${process.platform}'. ` +
      'Installing works everywhere, so cross-platform projects can depend on it; call pledge() only on Linux (pledge() with no arguments says whether it is available).');
  }
  const require = createRequire(import.meta.url);
  const load = require('node-gyp-build') as { resolve(dir: string): string };
  let file: string;
  try {
    file = load.resolve(packageDir());
  } catch (e) {
    // Only "nothing fits" is explained here; anything else is a bug and is rethrown as it is.
    if (!/No native build was found/.test((e as Error).message)) throw e;
    const libc = fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
    const error = nativeError('ERR_SECCOMP_SCOPES_NO_BINARY',
      `@seccomp-scopes/native: no native binary for linux-${process.arch} (${libc}) in ${packageDir()}. ` +
      'Prebuilt binaries ship for linux-x64 and linux-arm64 with glibc; anything else is compiled by the install script, ' +
      'which did not run (installed with --ignore-scripts?) or failed. Reinstall with scripts enabled and a C++ compiler, make and python3 ' +
      `(or run \`npm rebuild @seccomp-scopes/native\`).`);
    error.cause = e;
    throw error;
  }
  try {
    addon = require(file) as Addon;
  } catch (e) {
    const error = nativeError('ERR_SECCOMP_SCOPES_BAD_BINARY',
      `@seccomp-scopes/native: ${file} does not load here: ${(e as Error).message}. ` +
      'The prebuilt binaries need glibc 2.28 or later; elsewhere reinstall with scripts enabled so it is compiled from source.');
    error.cause = e;
    throw error;
  }
  addonDir = path.dirname(file);
  return addon;
}

/**
 * The directory of the addon that {@link binding} loads (build/Release, or
 * prebuilds/<platform>-<arch>): the `pledge` command's preload object
 * (pledge_preload.so) is taken from the same build. Undefined when no
 * addon fits.
 */
export function nativeBuildDir(): string | undefined {
  if (addonDir) return addonDir;
  try {
    binding();
  } catch {
    return undefined;
  }
  return addonDir;
}
