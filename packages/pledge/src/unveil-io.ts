/**
 * The kernel side of an unveil plan, shared by unveil() (./unveil.ts) and
 * the `pledge` command's `-v` (@seccomp-scopes/pledge-cli): asking the
 * kernel for its Landlock ABI, and opening a path to unveil. The plan
 * itself is pure: @seccomp-scopes/core `planUnveil`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UNVEIL_ALL_RIGHTS, landlockDowngrade, type LandlockDowngrade } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { fromNative } from './process-state.js';

/** The kernel's Landlock ABI, and why it is 0 when it is. */
export interface LandlockAbiProbe {
  readonly abi: number;
  readonly reason?: string;
}

/**
 * The kernel's Landlock ABI (`landlock_create_ruleset(NULL, 0,
 * LANDLOCK_CREATE_RULESET_VERSION)`): 0 when Landlock is missing (ENOSYS),
 * built in but not enabled (EOPNOTSUPP), or refused by a seccomp filter
 * (EPERM: the kernel itself never answers the version query so; container
 * profiles do), with the reason.
 * @throws PledgeError (reason `KERNEL`, the call's errno) for any other failure.
 */
export function probeLandlockAbi(): LandlockAbiProbe {
  try {
    return { abi: native.landlockAbi() };
  } catch (e) {
    const err = e as native.NativeError;
    if (err.code === 'ENOSYS') return { abi: 0, reason: 'landlock_create_ruleset: ENOSYS, the kernel has no Landlock (or a seccomp filter refuses it)' };
    if (err.code === 'EOPNOTSUPP' || err.code === 'ENOTSUP') return { abi: 0, reason: `landlock_create_ruleset: ${err.code}, Landlock is built in but not enabled at boot (lsm=)` };
    // The kernel never answers the version query with EPERM; a seccomp filter does (container profiles that refuse Landlock).
    if (err.code === 'EPERM') return { abi: 0, reason: 'landlock_create_ruleset: EPERM, a seccomp filter (a container\'s profile) refuses Landlock' };
    throw fromNative(e, undefined, 'KERNEL', (m) => `unveil: ${m}`);
  }
}

/**
 * What unveil can enforce on this kernel: the probed ABI, downgraded from
 * every right unveil maps a letter to (core `landlockDowngrade`).
 * @throws PledgeError `ENOTSUP` (strict: `LANDLOCK_UNAVAILABLE`,
 *   `LANDLOCK_ABI_TOO_OLD`, naming the `bestEffort` option in its hint), or
 *   as {@link probeLandlockAbi}.
 */
export function unveilDowngrade(bestEffort: boolean): LandlockDowngrade {
  const { abi, reason } = probeLandlockAbi();
  const downgrade = landlockDowngrade(UNVEIL_ALL_RIGHTS, abi, { bestEffort, ...(reason ? { unavailableReason: reason } : {}) });
  if (downgrade.error) throw downgrade.error;
  return downgrade;
}

/** A path opened for unveil: bound to what it names now. */
export interface OpenedUnveilPath {
  /** An O_PATH descriptor (close-on-exec); the caller closes it. */
  readonly fd: number;
  readonly directory: boolean;
  /** What it names: the descriptor's path in /proc/self/fd (else realpath, else absolute). */
  readonly resolved: string;
}

/**
 * Opens `given` (O_PATH, symlinks followed) and tells what it is.
 * @param label how the caller names the rule in the message (`unveil("/x", "r")`, `-v r:/x`).
 * @param note added to the message for an errno, e.g. why EACCES happened.
 * @throws PledgeError with the errno of the failed open (reason
 *   `BAD_ARGUMENT` for a path that does not resolve, else `KERNEL`).
 */
export function openUnveilPath(given: string, label: string, note: (code: string) => string = () => ''): OpenedUnveilPath {
  let fd: number;
  try {
    fd = native.openPath(given);
  } catch (e) {
    const err = e as native.NativeError;
    const reason = ['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'].includes(err.code) ? 'BAD_ARGUMENT' : 'KERNEL';
    throw fromNative(e, undefined, reason, (m) => `${label}: ${m}${note(err.code)}`, { path: given });
  }
  try {
    return { fd, directory: fs.fstatSync(fd).isDirectory(), resolved: canonicalPath(fd, given) };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

function canonicalPath(fd: number, given: string): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    try {
      return fs.realpathSync(given);
    } catch {
      return path.resolve(given);
    }
  }
}
