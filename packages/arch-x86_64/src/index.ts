/**
 * @seccomp-scopes/arch-x86_64 — the x86_64 (amd64) architecture descriptor.
 *
 * All numbers come from `./generated/x86_64.ts`, which `tools/gen-arch`
 * generates from Debian's linux-libc-dev UAPI headers (see `source`); nothing
 * here is typed in by hand.
 *
 * Quirks of this architecture that a seccomp filter has to know about:
 *
 * - **Three ABIs, two audit arches.** A 64-bit process can enter the kernel as
 *   native x86_64 (`syscall`, `seccomp_data.arch` = `AUDIT_ARCH_X86_64`
 *   0xc000003e), as i386 (`int 0x80`, `AUDIT_ARCH_I386` 0x40000003, with a
 *   completely different numbering), or as **x32**. x32 shares
 *   `AUDIT_ARCH_X86_64`; it is told apart only by bit 30 of the syscall number
 *   (`__X32_SYSCALL_BIT`, exported as `foreignAbiBit`). A filter that checks
 *   the arch but not that bit lets x32 calls through under numbers it never
 *   meant to allow (x32 `execve` is 0x40000000 + 520, for instance), so the
 *   filter must refuse every number at or above `foreignAbiBit`. Numbers 512
 *   to 547 are x32-only entry points; the native table has none of them.
 * - **Legacy syscalls.** Unlike the asm-generic table (aarch64, riscv64),
 *   x86_64 still has the pre-`*at` calls, and libcs or static binaries may use
 *   them: `open`, `creat`, `stat`, `lstat`, `access`, `mkdir`, `rmdir`,
 *   `unlink`, `rename`, `link`, `symlink`, `readlink`, `chmod`, `chown`,
 *   `lchown`, `mknod`, `utime`, `utimes`, `futimesat`, `fork`, `vfork`,
 *   `pipe`, `dup2`, `poll`, `select`, `epoll_create`, `epoll_wait`,
 *   `eventfd`, `signalfd`, `inotify_init`, `alarm`, `pause`, `time`,
 *   `getpgrp`, `uselib`, `ustat`, `sysfs`, `getdents`, … A promise expressed
 *   in terms of `openat` must also cover `open` and `creat` here.
 * - **No socketcall/ipc multiplexers.** Sockets and SysV IPC are separate
 *   syscalls (`socket`, `connect`, `shmget`, …), so their arguments can be
 *   inspected directly, unlike i386.
 * - **`arch_prctl`, `modify_ldt`, `iopl`, `ioperm`** are x86-only.
 * - Little-endian, LP64: `seccomp_data.args[i]` is a 64-bit little-endian
 *   word; 32-bit arguments (flags, `int` fds) live in its low half.
 */
import type { ArchDescriptor, ConstantName } from '@seccomp-scopes/core';
import { AUDIT_ARCH, COMPAT_AUDIT_ARCH, CONSTANTS, FOREIGN_ABI_BIT, SOURCE, SYSCALLS } from './generated/x86_64.js';

// Compile-time guard: every generated constant is a name core knows about.
// (It fails when core drops a name until the table is regenerated.)
type UnknownConstant = Exclude<keyof typeof CONSTANTS, ConstantName>;
const noUnknownConstants: [UnknownConstant] extends [never] ? true : UnknownConstant = true;
void noUnknownConstants;

export const x86_64: ArchDescriptor = Object.freeze({
  name: 'x86_64',
  nodeArch: 'x64',
  auditArch: AUDIT_ARCH,
  compatAuditArch: COMPAT_AUDIT_ARCH,
  endian: 'little',
  syscalls: SYSCALLS,
  foreignAbiBit: FOREIGN_ABI_BIT,
  constants: CONSTANTS,
  source: SOURCE,
  // glibc's dynamic loader (the `ld=` line of its shlib-versions for this ABI) and Debian's multiarch triple.
  dynamicLoader: { name: 'ld-linux-x86-64.so.2', multiarch: 'x86_64-linux-gnu' },
});

export default x86_64;

export { BUILD_ID } from './build-id.js';

/**
 * Where this package's build put its report tables artifact (core
 * encodeReportTablesArtifact, written by tools/report-artifact.mjs): the fixed
 * part of the report tables, keyed by core's and this package's
 * {@link BUILD_ID}. pledge() reads it (core useReportTablesArtifact) and
 * computes the tables itself when it is missing, stale or changed.
 */
export const REPORT_TABLES_ARTIFACT: URL = new URL('./report-tables.bin', import.meta.url);
