/**
 * `-v PERMS:PATH`: unveil for the program `pledge run` starts, as a
 * Landlock ruleset built here from the same plan as unveil()'s lock
 * (@seccomp-scopes/core `planUnveil`: letters → rights, the ABI downgrade,
 * the widening check, the warnings; the ABI probe and the opening of paths
 * from @seccomp-scopes/pledge); only entering the domain differs:
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
import path from 'node:path';
import { LANDLOCK_ACCESS_FS, PledgeError, TMPPATH_DIRECTORY, TMPPATH_RIGHTS, landlockDowngrade, parseUnveilPermissions, planUnveil } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { openUnveilPath, probeLandlockAbi, unveilDowngrade } from '@seccomp-scopes/pledge';
import { CliError, messageOf } from './exit.js';

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

/** A rule on the program's own /proc entries, added by the launcher (supervise()'s `selfRules`). */
export interface SelfRule {
  /** `/proc/self/...` or `/proc/thread-self/...`, absolute. */
  readonly path: string;
  /** LANDLOCK_ACCESS_FS_* rights. */
  readonly mask: number;
}

/** The ruleset, ready to be entered. */
export interface UnveilRuleset {
  /** The ruleset descriptor (close-on-exec); the caller closes it. Absent: nothing can be enforced (best effort without Landlock). */
  readonly fd?: number;
  /** With `startup`: the start-up domain's ruleset (close-on-exec); the caller closes it. */
  readonly startupFd?: number;
  /**
   * Rules naming /proc/self or /proc/thread-self: those are the program's
   * entries, which exist only once it is forked, so the launcher opens and
   * adds them (to both rulesets) itself; here they were only planned.
   */
  readonly selfRules: readonly SelfRule[];
  /** The plan's warnings (best effort, ABI gaps, "c" on a file): the caller prints them. */
  readonly warnings: readonly string[];
}

/** `/proc/self`, `/proc/thread-self` and what is beneath them, as the program will resolve them. */
const PROC_SELF = /^\/proc\/(self|thread-self)(\/|$)/;

/** Whether a resolved path is the pledge process' own /proc entry (or beneath it). */
function ownProcEntry(resolved: string): boolean {
  const own = `/proc/${process.pid}`;
  return resolved === own || resolved.startsWith(`${own}/`);
}

/** What the start-up domain adds to the rules (see the module's comment). */
export interface StartupAccess {
  /** Files the kernel opens to start the program (read and execute). */
  readonly exec: readonly string[];
  /** Files and directories the dynamic loader reads (read only). */
  readonly read: readonly string[];
}

/**
 * Files the command unveils itself, read-only, whatever the `-v` rules:
 * the preload object (@seccomp-scopes/native `pledge_preload.so`). The
 * command puts it in LD_PRELOAD for a dynamic program with a window, and
 * LD_PRELOAD is inherited: every dynamic program that program starts (a
 * shell's `ls | cat`) has its loader open it, under the rules alone, where
 * it would be refused ("cannot be preloaded") unless the user unveiled it.
 * `READ_FILE` on exactly this file: the loader reads and maps it (Landlock
 * does not check mmap's PROT_EXEC; it is never executed), and nothing
 * beside it in its directory. `pledge learn` leaves these out of its
 * proposals (./learn-unveil.ts).
 */
export function impliedReadFiles(): string[] {
  const preload = native.preloadLibraryPath();
  return preload ? [preload] : [];
}

/**
 * Builds the Landlock ruleset for `specs`.
 * @param startFiles files the kernel opens to start a static program (they get read and execute).
 * @param readFiles files read in both domains whatever the rules ({@link impliedReadFiles}):
 *   `READ_FILE` on exactly those files, not checked for widening (the user's
 *   own rules are; what such a file gets beyond reading comes from them).
 * @param startup for a dynamic program: also build the start-up domain's ruleset.
 * @returns without `fd` when nothing can be enforced (best effort without Landlock), with the warning that says so.
 * @throws CliError for a path that cannot be opened, a kernel that cannot
 *   enforce it (strict), or rules Landlock would widen (strict).
 */
export function buildUnveilRuleset(specs: readonly UnveilSpec[], options: { bestEffort: boolean; startFiles: readonly string[]; readFiles?: readonly string[]; startup?: StartupAccess }): UnveilRuleset {
  const opened: { readonly fd: number }[] = [];
  const closeAll = (): void => { for (const o of opened) fs.closeSync(o.fd); };
  try {
    const downgrade = unveilDowngrade(options.bestEffort);
    // Nothing enforced (best effort without Landlock): the warnings say so.
    if (!downgrade.enforced) return { selfRules: [], warnings: downgrade.warnings };
    const rules: { fd: number; directory: boolean; resolved: string; label: string; permissions: string; self?: string }[] = [];
    for (const spec of specs) {
      const label = `-v ${spec.permissions}:${spec.path}`;
      // Opened here, /proc/self would be this process' entry: planned here,
      // opened by the launcher, whose entries are the program's.
      const absolute = path.resolve(spec.path);
      const self = PROC_SELF.test(absolute) ? absolute : undefined;
      const target = openUnveilPath(spec.path, label);
      opened.push(target);
      if (!self && ownProcEntry(target.resolved)) {
        throw new CliError(`pledge: ${label}: names the pledge command's own /proc entry (${target.resolved}), which the program must not reach; the program's own is /proc/self`);
      }
      rules.push({ ...target, label, permissions: spec.permissions, ...(self ? { self } : {}) });
    }
    // The files the kernel opens to start the program: read and execute
    // (`rx` on a file), checked for widening with the rules.
    for (const file of options.startFiles) {
      const target = openUnveilPath(file, file);
      opened.push(target);
      rules.push({ ...target, label: file, permissions: 'rx' });
    }
    const plan = planUnveil(downgrade, rules, { bestEffort: options.bestEffort, what: '-v' });

    // The start-up domain's additions are not checked for widening: they
    // are meant to be wider, and the rules alone are stacked on top.
    const extra: { fd: number; mask: number }[] = [];
    // Both domains: the implied files (read only).
    const implied: { fd: number; mask: number }[] = [];
    const closeExtra = (): void => { for (const o of [...extra, ...implied]) fs.closeSync(o.fd); };
    let ruleset = -1;
    let startup = -1;
    try {
      for (const file of options.readFiles ?? []) {
        let fd: number;
        try {
          fd = native.openPath(file);
        } catch {
          continue; // not there: nothing to read
        }
        implied.push({ fd, mask: LANDLOCK_ACCESS_FS.READ_FILE & downgrade.handled });
      }
      for (const [files, rights] of [[options.startup?.exec ?? [], LANDLOCK_ACCESS_FS.READ_FILE | LANDLOCK_ACCESS_FS.EXECUTE], [options.startup?.read ?? [], LANDLOCK_ACCESS_FS.READ_FILE]] as const) {
        for (const file of files) {
          let fd: number;
          try {
            fd = native.openPath(file);
          } catch {
            continue; // not there: nothing to read
          }
          extra.push({ fd, mask: rights & downgrade.handled });
        }
      }
      const here = [...plan.rules.filter((o) => o.self === undefined), ...implied];
      ruleset = native.landlockCreateRuleset(downgrade.handled);
      for (const o of here) {
        if (o.mask !== 0) native.landlockAddPathRule(ruleset, o.fd, o.mask);
      }
      if (options.startup) {
        startup = native.landlockCreateRuleset(downgrade.handled);
        for (const o of [...here, ...extra]) {
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
    const selfRules = plan.rules.flatMap((o) => (o.self !== undefined && o.mask !== 0 ? [{ path: o.self, mask: o.mask }] : []));
    return { fd: ruleset, ...(startup >= 0 ? { startupFd: startup } : {}), selfRules, warnings: plan.warnings };
  } catch (e) {
    if (e instanceof PledgeError) throw new CliError(`pledge: ${messageOf(e)}`);
    throw e;
  } finally {
    closeAll();
  }
}

/**
 * The ruleset that makes `tmppath` mean /tmp (OpenBSD pledge(2)
 * "tmppath": mkstemp-style creation and unlink only for paths under
 * `/tmp/`), for a program run without `-v` (core `tmppathConfined`
 * decides when). It handles only core's `TMPPATH_RIGHTS` (creating a
 * regular file, removing a non-directory) and grants them beneath
 * `TMPPATH_DIRECTORY`: elsewhere those fail with EACCES inside the kernel;
 * everything else (reads, writes, sockets, executing) is not handled and so
 * not affected. No start-up domain is needed: the loader only reads.
 * Entered as a `-v` ruleset is, by the launcher before execve
 * (`SuperviseOptions.rulesetFd`).
 * @param bestEffort `--unveil-best-effort`: without Landlock, run with a
 *   warning (tmppath then reaches the whole file system) instead of failing.
 * @returns without `fd` when nothing can be enforced (best effort without Landlock), with the warning that says so.
 * @throws CliError (exit 125, as a `-v` that cannot be enforced) when
 *   Landlock is unavailable and `bestEffort` is false, or /tmp cannot be opened.
 */
export function buildTmppathRuleset(options: { bestEffort: boolean }): UnveilRuleset {
  let probe;
  try {
    probe = probeLandlockAbi();
  } catch (e) {
    throw new CliError(`pledge: tmppath: ${messageOf(e)}`);
  }
  const downgrade = landlockDowngrade(TMPPATH_RIGHTS, probe.abi, { bestEffort: true });
  if (!downgrade.enforced) {
    const why = probe.reason ? ` (${probe.reason})` : '';
    if (!options.bestEffort) {
      throw new CliError(`pledge: tmppath: Landlock is not available on this kernel${why}; the command confines tmppath's file creation and removal to ${TMPPATH_DIRECTORY} with it. Pass --unveil-best-effort to run with tmppath reaching the whole file system`);
    }
    return { selfRules: [], warnings: [`pledge: warning: tmppath (best effort): Landlock is not available on this kernel${why}: seccomp cannot see paths, so tmppath creates and removes files anywhere (as far as file permissions allow), not only in ${TMPPATH_DIRECTORY}`] };
  }
  let target;
  try {
    target = openUnveilPath(TMPPATH_DIRECTORY, `tmppath (${TMPPATH_DIRECTORY})`);
  } catch (e) {
    throw new CliError(`pledge: ${messageOf(e)}`);
  }
  let ruleset = -1;
  try {
    ruleset = native.landlockCreateRuleset(downgrade.handled);
    native.landlockAddPathRule(ruleset, target.fd, downgrade.handled);
  } catch (e) {
    if (ruleset >= 0) fs.closeSync(ruleset);
    throw new CliError(`pledge: tmppath: ${(e as Error).message}`);
  } finally {
    fs.closeSync(target.fd);
  }
  return { fd: ruleset, selfRules: [], warnings: [] };
}
