/**
 * The architecture descriptor: everything the compiler needs to know about one
 * kernel ABI. Core never hard-codes a syscall number or an ABI constant; each
 * `@seccomp-scopes/arch-*` package exports one descriptor whose tables are
 * generated from the kernel's UAPI headers by `tools/gen-arch`.
 *
 * Semantics: `seccomp_data` layout and audit arch values from
 * include/uapi/linux/seccomp.h and include/uapi/linux/audit.h.
 */
import type { ConstantName } from './constants.js';

export interface ArchDescriptor {
  /** Our name for the architecture, as the kernel names it (`x86_64`, `aarch64`). */
  readonly name: string;
  /** Node's `process.arch` value for this architecture (`x64`, `arm64`). */
  readonly nodeArch: string;
  /** `AUDIT_ARCH_*` value found in `seccomp_data.arch` for native syscalls. */
  readonly auditArch: number;
  /**
   * `AUDIT_ARCH_*` of the 32-bit compat ABI a process of this arch can also
   * enter (i386 via `int 0x80` on x86_64, AArch32 on aarch64). The filter's
   * arch check refuses it; tests use it to prove that. Absent when none.
   */
  readonly compatAuditArch?: number;
  /** Byte order of the 64-bit `seccomp_data.args[]` words. */
  readonly endian: 'little' | 'big';
  /**
   * Syscall numbers by kernel name (`__NR_<name>` without the prefix), for the
   * native ABI only. A name missing here does not exist on this arch.
   */
  readonly syscalls: Readonly<Record<string, number>>;
  /**
   * Numbers at or above this value select another ABI multiplexed on the same
   * audit arch (x32 on x86_64: `__X32_SYSCALL_BIT`). The filter refuses them.
   * Absent when the arch has no such range.
   */
  readonly foreignAbiBit?: number;
  /**
   * ABI constants (open flags, mmap/prot bits, fcntl commands, ioctl requests,
   * errno values, …) by their C macro name. Only names listed in
   * {@link CONSTANT_NAMES} are generated; a name missing here is not defined on
   * this arch.
   */
  readonly constants: Readonly<Partial<Record<ConstantName, number>>>;
  /** Where the tables came from, e.g. `linux-libc-dev 6.1.187-1 (amd64)`. */
  readonly source: string;
  /**
   * The C library's dynamic loader on this arch, for the `pledge` command's
   * loader window (docs/cli.md): only a program whose `PT_INTERP` resolves
   * to this loader in a system library directory gets one. `name` is its
   * file name (glibc's `ld-linux-x86-64.so.2`); `multiarch` the triple of
   * the multiarch library directories (`/lib/<multiarch>`,
   * `/usr/lib/<multiarch>`, Debian's `x86_64-linux-gnu`). Absent: no loader
   * is known, and dynamic programs start without a window.
   */
  readonly dynamicLoader?: { readonly name: string; readonly multiarch: string };
}
