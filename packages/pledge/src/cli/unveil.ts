/**
 * `-v PERMS:PATH`: unveil for the program `pledge run` starts, as one
 * Landlock ruleset built here (with the same letters → rights mapping and
 * ABI downgrade as unveil(), @seccomp-scopes/core landlock.ts) and entered
 * by the program:
 *
 * - a dynamic program enters it from the preload's constructor, once the
 *   dynamic loader has opened its libraries (the descriptor is inherited;
 *   the constructor closes it);
 * - a static program enters it in the launcher, before execve; the files
 *   the kernel opens to start it then need read and execute, which is added
 *   for exactly those files.
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
  readonly warnings: readonly string[];
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
 * @returns undefined when nothing can be enforced (best effort without Landlock).
 * @throws CliError for a path that cannot be opened, a kernel that cannot
 *   enforce it (strict), or rules Landlock would widen (strict).
 */
export function buildUnveilRuleset(specs: readonly UnveilSpec[], options: { bestEffort: boolean; startFiles: readonly string[] }): UnveilRuleset | undefined {
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
    let ruleset = -1;
    try {
      ruleset = native.landlockCreateRuleset(plan.handled);
      for (const o of opened) {
        if (o.mask !== 0) native.landlockAddPathRule(ruleset, o.fd, o.mask);
      }
    } catch (e) {
      if (ruleset >= 0) fs.closeSync(ruleset);
      throw new CliError(`pledge: unveil: ${(e as Error).message}`);
    }
    return { fd: ruleset, warnings };
  } catch (e) {
    if (e instanceof PledgeError) throw new CliError(`pledge: ${e.message}`);
    throw e;
  } finally {
    closeAll();
  }
}
