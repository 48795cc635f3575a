/**
 * Which architecture descriptor applies to the running process.
 */
import { PledgeError, type ArchDescriptor } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';

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
  const arch = ARCHES[nodeArch];
  if (!arch) {
    const supported = Object.values(ARCHES).map((a) => `${a.nodeArch} (${a.name})`).join(', ');
    throw new PledgeError('ENOTSUP', 'UNSUPPORTED_ARCH', `architecture ${JSON.stringify(nodeArch)} is not supported; supported: ${supported}`, { arch: nodeArch });
  }
  return arch;
}
