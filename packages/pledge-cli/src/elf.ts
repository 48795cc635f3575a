/**
 * What the kernel will run for a file: an ELF executable with or without a
 * program interpreter (PT_INTERP: the dynamic loader), or a `#!` script
 * whose interpreter is looked at in turn (the kernel follows at most 4
 * levels, BINPRM_MAX_RECURSION). Source: elf(5), the kernel's
 * fs/binfmt_elf.c and fs/binfmt_script.c.
 */
import fs from 'node:fs';

/** The outcome of {@link inspectExecutable}. */
export interface ExecutableInfo {
  /**
   * `dynamic`: the kernel starts a dynamic loader first; `static`: the
   * program's own code runs first (static and static-pie executables);
   * `unknown`: the file could not be read or understood.
   */
  readonly kind: 'dynamic' | 'static' | 'unknown';
  /** Every file the kernel opens to start it: scripts, then the ELF file. */
  readonly chain: readonly string[];
  /** The dynamic loader named by PT_INTERP. */
  readonly interpreter?: string;
  /** The ELF file's DT_RUNPATH (or DT_RPATH) entries, as written (`$ORIGIN` unexpanded). */
  readonly runpath?: readonly string[];
  /** `ELFCLASS32` or `ELFCLASS64` as 32 or 64. */
  readonly elfClass?: 32 | 64;
  /** Why `unknown`. */
  readonly reason?: string;
  /** `unknown` because a file could not be read. */
  readonly unreadable?: boolean;
  /**
   * Per file of `chain` read: its identity, from fstat(2) of the very
   * descriptor its header was read through (so a file renamed over the
   * path after the inspection is told apart). The last is the ELF file:
   * what /proc/PID/exe of the started program must be for the analysis to
   * describe it.
   */
  readonly identities?: readonly FileIdentity[];
}

/** A file's identity as fstat(2) gives it (nanosecond times). */
export interface FileIdentity {
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_STRTAB = 5;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** Up to `length` bytes at `position` of the open file `fd`. */
function readAt(fd: number, length: number, position = 0): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

function inspectElf(fd: number, head: Buffer, chain: string[]): Omit<ExecutableInfo, 'identities'> {
  const cls = head[4];
  const le = head[5] === 1;
  if ((cls !== 1 && cls !== 2) || (head[5] !== 1 && head[5] !== 2)) return { kind: 'unknown', chain, reason: 'unknown ELF class or byte order' };
  const is64 = cls === 2;
  const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number): number => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const phoff = is64 ? u64(head, 0x20) : u32(head, 0x1c);
  const phentsize = u16(head, is64 ? 0x36 : 0x2a);
  const phnum = u16(head, is64 ? 0x38 : 0x2c);
  if (phnum === 0 || phentsize < (is64 ? 56 : 32) || phnum > 4096) return { kind: 'static', chain, elfClass: is64 ? 64 : 32 };
  const table = readAt(fd, phentsize * phnum, phoff);
  let interp: string | undefined;
  let dynamic: { offset: number; size: number } | undefined;
  const loads: { vaddr: number; offset: number; filesz: number }[] = [];
  for (let i = 0; i < phnum && (i + 1) * phentsize <= table.length; i++) {
    const ph = table.subarray(i * phentsize);
    const type = u32(ph, 0);
    const offset = is64 ? u64(ph, 8) : u32(ph, 4);
    const size = is64 ? u64(ph, 0x20) : u32(ph, 0x10);
    if (type === PT_INTERP && interp === undefined) {
      interp = readAt(fd, Math.min(size, 4096), offset).toString('latin1').replace(/\0.*$/s, '');
    } else if (type === PT_DYNAMIC) {
      dynamic = { offset, size };
    } else if (type === PT_LOAD) {
      loads.push({ vaddr: is64 ? u64(ph, 0x10) : u32(ph, 8), offset, filesz: size });
    }
  }
  if (interp === undefined) return { kind: 'static', chain, elfClass: is64 ? 64 : 32 };
  let runpath: string[] | undefined;
  try {
    runpath = dynamic ? readRunpath(fd, dynamic, loads, is64, le) : undefined;
  } catch {
    runpath = undefined;
  }
  return { kind: 'dynamic', chain, interpreter: interp, elfClass: is64 ? 64 : 32, ...(runpath ? { runpath } : {}) };
}

/** DT_RUNPATH (else DT_RPATH) of the dynamic section, split at ':'. */
function readRunpath(fd: number, dynamic: { offset: number; size: number }, loads: readonly { vaddr: number; offset: number; filesz: number }[], is64: boolean, le: boolean): string[] | undefined {
  const dyn = readAt(fd, Math.min(dynamic.size, 65536), dynamic.offset);
  const entry = is64 ? 16 : 8;
  const word = (o: number): number => (is64 ? Number(le ? dyn.readBigUInt64LE(o) : dyn.readBigUInt64BE(o)) : le ? dyn.readUInt32LE(o) : dyn.readUInt32BE(o));
  let strtab: number | undefined;
  let runpath: number | undefined;
  let rpath: number | undefined;
  for (let o = 0; o + entry <= dyn.length; o += entry) {
    const tag = word(o);
    const value = word(o + entry / 2);
    if (tag === DT_NULL) break;
    if (tag === DT_STRTAB) strtab = value;
    else if (tag === DT_RUNPATH) runpath = value;
    else if (tag === DT_RPATH) rpath = value;
  }
  const at = runpath ?? rpath;
  if (strtab === undefined || at === undefined) return undefined;
  const seg = loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.filesz);
  if (!seg) return undefined;
  const text = readAt(fd, 4096, seg.offset + (strtab - seg.vaddr) + at).toString('latin1').replace(/\0.*$/s, '');
  return text.split(':').filter((p) => p.length > 0);
}

/**
 * Looks at `file` as execve(2) would. Each file of the chain is opened
 * once: its header, program headers and strings are read through that
 * descriptor, and its identity is that descriptor's fstat(2)
 * ({@link ExecutableInfo.identities}).
 * @param file a path to an executable file.
 */
export function inspectExecutable(file: string): ExecutableInfo {
  const chain: string[] = [];
  const identities: FileIdentity[] = [];
  let current = file;
  for (let depth = 0; depth < 5; depth++) {
    chain.push(current);
    let fd: number;
    let head: Buffer;
    try {
      fd = fs.openSync(current, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { kind: 'unknown', chain, reason: `${current}: ${(e as Error).message}`, unreadable: code === 'EACCES' || code === 'EPERM', identities };
    }
    try {
      try {
        head = readAt(fd, 256);
        const st = fs.fstatSync(fd, { bigint: true });
        identities.push({ path: current, dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return { kind: 'unknown', chain, reason: `${current}: ${(e as Error).message}`, unreadable: code === 'EACCES' || code === 'EPERM', identities };
      }
      if (head.length >= 52 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') {
        try {
          return { ...inspectElf(fd, head, chain), identities };
        } catch (e) {
          return { kind: 'unknown', chain, reason: `${current}: ${(e as Error).message}`, identities };
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    if (head[0] === 0x23 && head[1] === 0x21) { // "#!"
      const line = head.toString('latin1', 2).split('\n')[0]!.trim();
      const interp = line.split(/[ \t]+/)[0];
      if (!interp) return { kind: 'unknown', chain, reason: `${current}: empty #! line`, identities };
      current = interp;
      continue;
    }
    return { kind: 'unknown', chain, reason: `${current}: neither an ELF file nor a #! script`, identities };
  }
  return { kind: 'unknown', chain, reason: 'more than 4 levels of #! interpreters', identities };
}
