/**
 * `-v PERMS:PATH`: unveil for the program `pledge run` starts, as a
 * Landlock ruleset built here (with the same letters → rights mapping and
 * ABI downgrade as unveil(), @seccomp-scopes/core landlock.ts):
 *
 * - a static program (or one without a start-up window) enters it in the
 *   launcher, before execve; the files the kernel opens to start it then
 *   need read and execute, which is added for exactly those files;
 * - a dynamic program enters two domains: in the launcher, before execve,
 *   a start-up domain (the rules, plus read and execute on the files the
 *   kernel opens, plus read on the loader's files and library
 *   directories); then, from the preload's constructor once the loader
 *   has done its work, the rules alone, stacked on it (the descriptor is
 *   inherited; the constructor closes it). Domains only narrow: whatever
 *   happens to the preload, the program never gets more than the start-up
 *   domain.
 */
import fs from 'node:fs';
import {
  LANDLOCK_ACCESS_FS, PledgeError, UNVEIL_ALL_RIGHTS, landlockDowngrade, landlockRightNames, parseUnveilPermissions,
  unveilRuleRights, unveilWidenedRules,
} from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { CliError } from './exit.js';

/** One `-v` argument. */
export interface UnveilSpec {
  readonly permissions: string;
  readonly path: string;
}

/** Parses `PERMS:PATH` (`r:/etc`, `rwc:/tmp/out`, `:/secret` hides). */
export function parseUnveilSpec(spec: string): UnveilSpec {
  const colon = spec.indexOf(':');
  if (colon < 0 || colon === spec.length - 1) {
    throw new CliError(`pledge: -v ${JSON.stringify(spec)}: expected PERMS:PATH, e.g. r:/etc or rwc:/tmp/out (PERMS: any of r w x c, or empty to hide)`);
  }
  const permissions = spec.slice(0, colon);
  try {
    return { permissions: parseUnveilPermissions(permissions), path: spec.slice(colon + 1) };
  } catch (e) {
    throw new CliError(`pledge: -v ${JSON.stringify(spec)}: ${(e as Error).message}`);
  }
}

/** The ruleset, ready to be entered. */
export interface UnveilRuleset {
  /** The ruleset descriptor (close-on-exec); the caller closes it. */
  readonly fd: number;
  /** With `startup`: the start-up domain's ruleset (close-on-exec); the caller closes it. */
  readonly startupFd?: number;
  readonly warnings: readonly string[];
}

/** What the start-up domain adds to the rules (see the module's comment). */
export interface StartupAccess {
  /** Files the kernel opens to start the program (read and execute). */
  readonly exec: readonly string[];
  /** Files and directories the dynamic loader reads (read only). */
  readonly read: readonly string[];
}

function landlockAbi(): { abi: number; reason?: string } {
  try {
    return { abi: native.landlockAbi() };
  } catch (e) {
    const err = e as native.NativeError;
    if (err.code === 'ENOSYS' || err.code === 'EOPNOTSUPP' || err.code === 'ENOTSUP') return { abi: 0, reason: `landlock_create_ruleset: ${err.code}` };
    throw e;
  }
}

/**
 * Builds the Landlock ruleset for `specs`.
 * @param startFiles files the kernel opens to start a static program (they get read and execute).
 * @param startup for a dynamic program: also build the start-up domain's ruleset.
 * @returns undefined when nothing can be enforced (best effort without Landlock).
 * @throws CliError for a path that cannot be opened, a kernel that cannot
 *   enforce it (strict), or rules Landlock would widen (strict).
 */
export function buildUnveilRuleset(specs: readonly UnveilSpec[], options: { bestEffort: boolean; startFiles: readonly string[]; startup?: StartupAccess }): UnveilRuleset | undefined {
  const { abi, reason } = landlockAbi();
  const plan = landlockDowngrade(UNVEIL_ALL_RIGHTS, abi, { bestEffort: options.bestEffort, ...(reason ? { unavailableReason: reason } : {}) });
  if (plan.error) throw new CliError(`pledge: ${plan.error.message.replace('pass { bestEffort: true }', 'pass --unveil-best-effort')}`);
  const warnings = [...plan.warnings];
  if (!plan.enforced) return undefined;

  const opened: { spec: UnveilSpec; fd: number; directory: boolean; resolved: string; mask: number }[] = [];
  const closeAll = (): void => { for (const o of opened) fs.closeSync(o.fd); };
  try {
    for (const spec of specs) {
      let fd: number;
      try {
        fd = native.openPath(spec.path);
      } catch (e) {
        throw new CliError(`pledge: -v ${spec.permissions}:${spec.path}: ${(e as Error).message}`);
      }
      const directory = fs.fstatSync(fd).isDirectory();
      let resolved = spec.path;
      try { resolved = fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { /* keep the given path */ }
      const { rights, inapplicable } = unveilRuleRights(spec.permissions, directory);
      if (inapplicable !== 0 && spec.permissions.includes('c') && !directory) {
        warnings.push(`pledge: -v ${spec.permissions}:${spec.path}: "c" cannot apply to a non-directory under Landlock; creating or removing it needs "c" on its directory`);
      }
      opened.push({ spec, fd, directory, resolved, mask: rights & plan.handled });
    }
    for (const file of options.startFiles) {
      const fd = native.openPath(file);
      let resolved = file;
      try { resolved = fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { /* keep */ }
      opened.push({ spec: { permissions: 'rx', path: file }, fd, directory: false, resolved, mask: (LANDLOCK_ACCESS_FS.READ_FILE | LANDLOCK_ACCESS_FS.EXECUTE) & plan.handled });
    }
    const widened = unveilWidenedRules(opened.map((o) => ({ path: o.resolved, directory: o.directory, rights: o.mask })));
    if (widened.length > 0) {
      const text = widened.map((w) => `${w.path} also gets ${landlockRightNames(w.extra).join('|')} from ${w.ancestor}`).join('; ');
      const message = `Landlock grants the union of the rules on the way from /, so a rule beneath another cannot take rights away: ${text}`;
      if (!options.bestEffort) throw new CliError(`pledge: ${message}; unveil paths that do not nest, or pass --unveil-best-effort`);
      warnings.push(`pledge (best effort): ${message}`);
    }
    // The start-up domain's additions are not checked for widening: they
    // are meant to be wider, and the rules alone are stacked on top.
    const extra: { fd: number; mask: number }[] = [];
    const closeExtra = (): void => { for (const o of extra) fs.closeSync(o.fd); };
    let ruleset = -1;
    let startup = -1;
    try {
      for (const [files, rights] of [[options.startup?.exec ?? [], LANDLOCK_ACCESS_FS.READ_FILE | LANDLOCK_ACCESS_FS.EXECUTE], [options.startup?.read ?? [], LANDLOCK_ACCESS_FS.READ_FILE]] as const) {
        for (const file of files) {
          let fd: number;
          try {
            fd = native.openPath(file);
          } catch {
            continue; // not there: nothing to read
          }
          extra.push({ fd, mask: rights & plan.handled });
        }
      }
      ruleset = native.landlockCreateRuleset(plan.handled);
      for (const o of opened) {
        if (o.mask !== 0) native.landlockAddPathRule(ruleset, o.fd, o.mask);
      }
      if (options.startup) {
        startup = native.landlockCreateRuleset(plan.handled);
        for (const o of [...opened, ...extra]) {
          if (o.mask !== 0) native.landlockAddPathRule(startup, o.fd, o.mask);
        }
      }
    } catch (e) {
      if (ruleset >= 0) fs.closeSync(ruleset);
      if (startup >= 0) fs.closeSync(startup);
      throw new CliError(`pledge: unveil: ${(e as Error).message}`);
    } finally {
      closeExtra();
    }
    return { fd: ruleset, ...(startup >= 0 ? { startupFd: startup } : {}), warnings };
  } catch (e) {
    if (e instanceof PledgeError) throw new CliError(`pledge: ${e.message}`);
    throw e;
  } finally {
    closeAll();
  }
}
