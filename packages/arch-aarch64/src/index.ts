/**
 * @seccomp-scopes/arch-aarch64 — the aarch64 (arm64) architecture descriptor.
 *
 * All numbers come from `./generated/aarch64.ts`, which `tools/gen-arch`
 * generates from Debian's linux-libc-dev-arm64-cross UAPI headers (and, for
 * the few names only the C library defines, libc6-dev-arm64-cross; see
 * `source`); nothing here is typed in by hand.
 *
 * Quirks of this architecture that a seccomp filter has to know about:
 *
 * - **The asm-generic table: an openat-only world.** aarch64 numbers its
 *   syscalls from include/uapi/asm-generic/unistd.h, which has none of the
 *   legacy calls x86_64 keeps: no `open`, `creat`, `stat`, `lstat`,
 *   `access`, `mkdir`, `rmdir`, `unlink`, `rename`, `link`, `symlink`,
 *   `readlink`, `chmod`, `chown`, `lchown`, `mknod`, `utime`, `utimes`,
 *   `futimesat`, `fork`, `vfork`, `pipe`, `dup2`, `poll`, `select`,
 *   `epoll_create`, `epoll_wait`, `eventfd`, `signalfd`, `inotify_init`,
 *   `alarm`, `pause`, `time`, `getpgrp`, `getdents`, `uselib`, `ustat`,
 *   `sysfs`. The C library uses the `*at` and newer forms instead (`openat`,
 *   `mkdirat`, `unlinkat`, `renameat`/`renameat2`, `linkat`, `symlinkat`,
 *   `readlinkat`, `faccessat`, `fchmodat`, `fchownat`, `mknodat`, `newfstatat`,
 *   `clone` for fork, `pipe2`, `dup3`, `ppoll`, `pselect6`, `epoll_create1`,
 *   `epoll_pwait`, `eventfd2`, `signalfd4`, `inotify_init1`). Rules that name
 *   a legacy call resolve to nothing here (`Resolution.absent`) and the
 *   filter is the same as without them; the `*at` rules carry the promise.
 *   `renameat` (38) exists because arm64 asks for it (`__ARCH_WANT_RENAMEAT`),
 *   as do `newfstatat` (79) and `fstat` (80) (`__ARCH_WANT_NEW_STAT`).
 * - **Other open(2) flag values.** arm64's asm/fcntl.h moves four flags:
 *   `O_DIRECTORY` 040000, `O_NOFOLLOW` 0100000, `O_DIRECT` 0200000,
 *   `O_LARGEFILE` 0400000 (x86_64: 0200000, 0400000, 040000, 0100000), so
 *   `O_TMPFILE` is 020040000. Every flag mask must come from this table.
 * - **One native ABI, one compat ABI.** A 64-bit task enters with `svc #0`
 *   under `AUDIT_ARCH_AARCH64` (0xc00000b7). An AArch32 task (a 32-bit ARM
 *   binary, when the kernel has CONFIG_COMPAT and the CPU can run AArch32 at
 *   EL0, which recent cores often cannot) enters under `AUDIT_ARCH_ARM`
 *   (0x40000028) with the arm EABI numbering, which differs completely (arm
 *   `getpid` is 20, aarch64 20 is `epoll_create1`). The filter's arch check
 *   refuses it; `compatAuditArch` lets tests prove that. A filter is
 *   inherited across execve(), so an AArch32 program started from a pledged
 *   process meets it too (and dies on its first call).
 * - **No multiplexed foreign ABI.** arm64 ILP32 was never merged, so there is
 *   nothing like x32's number bit: `foreignAbiBit` is absent. Numbers 244 to
 *   259 (`__NR_arch_specific_syscall`) are reserved and empty on arm64.
 * - **No socketcall/ipc multiplexers**, no `arch_prctl`/`modify_ldt`/`iopl`.
 * - `clone` takes `(flags, stack, parent_tid, tls, child_tid)`
 *   (CLONE_BACKWARDS; x86_64 swaps the last two). Rules that look at
 *   `flags` (argument 0) work on both.
 * - Little-endian, LP64: `seccomp_data.args[i]` is a 64-bit little-endian
 *   word; 32-bit arguments (flags, `int` fds) live in its low half, and the
 *   upper half may hold junk the kernel ignores.
 */
import type { ArchDescriptor, ConstantName } from '@seccomp-scopes/core';
import { AUDIT_ARCH, COMPAT_AUDIT_ARCH, CONSTANTS, FOREIGN_ABI_BIT, SOURCE, SYSCALLS } from './generated/aarch64.js';

// Compile-time guard: every generated constant is a name core knows about.
// (It fails when core drops a name until the table is regenerated.)
type UnknownConstant = Exclude<keyof typeof CONSTANTS, ConstantName>;
const noUnknownConstants: [UnknownConstant] extends [never] ? true : UnknownConstant = true;
void noUnknownConstants;

export const aarch64: ArchDescriptor = Object.freeze({
  name: 'aarch64',
  nodeArch: 'arm64',
  auditArch: AUDIT_ARCH,
  compatAuditArch: COMPAT_AUDIT_ARCH,
  endian: 'little',
  syscalls: SYSCALLS,
  // Absent on aarch64 (the generator found no such macro); kept so the table stays the only source.
  ...(FOREIGN_ABI_BIT === undefined ? {} : { foreignAbiBit: FOREIGN_ABI_BIT }),
  constants: CONSTANTS,
  source: SOURCE,
  // glibc's dynamic loader (the `ld=` line of its shlib-versions for this ABI) and Debian's multiarch triple.
  dynamicLoader: { name: 'ld-linux-aarch64.so.1', multiarch: 'aarch64-linux-gnu' },
});

export default aarch64;

export { BUILD_ID } from './build-id.js';

/**
 * Where this package's build put its report tables artifact (core
 * encodeReportTablesArtifact, written by tools/report-artifact.mjs): the fixed
 * part of the report tables, keyed by core's and this package's
 * {@link BUILD_ID}. pledge() reads it (core useReportTablesArtifact) and
 * computes the tables itself when it is missing, stale or changed.
 */
export const REPORT_TABLES_ARTIFACT: URL = new URL('./report-tables.bin', import.meta.url);
