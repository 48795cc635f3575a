/**
 * Which architecture descriptor applies to the running process.
 */
import fs from 'node:fs';
import { PledgeError, useReportTablesArtifact, type ArchDescriptor } from '@seccomp-scopes/core';
import * as native from '@seccomp-scopes/native';
import { BUILD_ID as X86_64_BUILD_ID, REPORT_TABLES_ARTIFACT as X86_64_TABLES, x86_64 } from '@seccomp-scopes/arch-x86_64';
import { BUILD_ID as AARCH64_BUILD_ID, REPORT_TABLES_ARTIFACT as AARCH64_TABLES, aarch64 } from '@seccomp-scopes/arch-aarch64';

/** Descriptors by Node's `process.arch` name. One line per supported architecture. */
export const ARCHES: Readonly<Record<string, ArchDescriptor>> = {
  [x86_64.nodeArch]: x86_64,
  [aarch64.nodeArch]: aarch64,
};

/**
 * The descriptor for `nodeArch` (default: this process' `process.arch`).
 * @throws PledgeError `ENOTSUP`/`UNSUPPORTED_ARCH` naming the arch and the supported ones.
 */
export function archFor(nodeArch: string = process.arch): ArchDescriptor {
  // Own keys only: "constructor" or "__proto__" are not arches.
  return Object.hasOwn(ARCHES, nodeArch) ? ARCHES[nodeArch]! : unsupportedArch(nodeArch);
}

/** {@link archFor}'s error, apart from it (a fresh process compiles a function whole on its first call). */
function unsupportedArch(nodeArch: string): never {
  const supported = Object.values(ARCHES).map((a) => `${a.nodeArch} (${a.name})`).join(', ');
  throw new PledgeError('ENOTSUP', 'UNSUPPORTED_ARCH', `architecture ${JSON.stringify(nodeArch)} is not supported; supported: ${supported}`, { arch: nodeArch });
}

/** Each arch package's build id and report tables artifact (tools/build-id.mjs, tools/report-artifact.mjs). */
const BUILDS = new Map<ArchDescriptor, { readonly buildId: string; readonly reportTables: URL }>([
  [x86_64, { buildId: X86_64_BUILD_ID, reportTables: X86_64_TABLES }],
  [aarch64, { buildId: AARCH64_BUILD_ID, reportTables: AARCH64_TABLES }],
]);

/** The build id of `arch`'s package (`dev` unbuilt), undefined for a descriptor not of ours. */
export function archBuildId(arch: ArchDescriptor): string | undefined {
  return BUILDS.get(arch)?.buildId;
}

/** No seccomp filter binds this process yet (PR_GET_SECCOMP, which every promise set allows): file reads are not refused by one. */
export function unfiltered(): boolean {
  try {
    return native.getSeccompMode() === 0;
  } catch {
    return false;
  }
}

const artifactTried = new Map<ArchDescriptor, string | undefined>();

/**
 * Uses `arch`'s report tables artifact (core useReportTablesArtifact: keyed
 * by the running code's build ids, checked) for the report tables from now
 * on, once per process; without it they are computed. Read only while no
 * filter is in force (a filter may refuse the read). The file must be a
 * regular file owned by root or the effective user and writable by no one
 * else, like the package's code beside it.
 * @returns undefined when the artifact is in use, else why not.
 */
export function useArchArtifacts(arch: ArchDescriptor): string | undefined {
  if (artifactTried.has(arch)) return artifactTried.get(arch);
  let reason: string | undefined;
  const build = BUILDS.get(arch);
  if (!build) reason = 'not an arch of this package';
  else if (!unfiltered()) reason = 'a seccomp filter is in force (it may refuse the read)';
  else {
    let fd: number | undefined;
    try {
      fd = fs.openSync(build.reportTables, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const st = fs.fstatSync(fd);
      const euid = process.geteuid?.();
      if (!st.isFile() || (st.uid !== 0 && st.uid !== euid) || (st.mode & 0o022) !== 0) reason = 'the artifact may be written by another user';
      else reason = useReportTablesArtifact(arch, fs.readFileSync(fd), build.buildId);
    } catch (e) {
      reason = `no artifact: ${(e as Error).message}`;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  artifactTried.set(arch, reason);
  return reason;
}
