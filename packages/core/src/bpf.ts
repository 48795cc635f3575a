/**
 * Classic BPF as seccomp uses it: instruction encoding, an assembler with
 * labels and automatic long jumps, and a disassembler.
 *
 * Semantics: include/uapi/linux/filter.h and bpf_common.h (opcodes),
 * include/uapi/linux/seccomp.h (return values), Documentation/networking/filter.rst
 * (classic BPF), kernel/seccomp.c (what seccomp accepts). These are the
 * kernel's ABI and identical on every architecture.
 */
import { PledgeError } from './errors.js';

/** One `struct sock_filter`: 16-bit opcode, 8-bit jump offsets, 32-bit constant. */
export interface Insn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

// Instruction classes, sizes, modes, operations and sources (bpf_common.h).
export const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03;
export const BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06, BPF_MISC = 0x07;
export const BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10;
export const BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60, BPF_LEN = 0x80, BPF_MSH = 0xa0;
export const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30, BPF_OR = 0x40, BPF_AND = 0x50;
export const BPF_LSH = 0x60, BPF_RSH = 0x70, BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0;
export const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;
export const BPF_K = 0x00, BPF_X = 0x08, BPF_A = 0x10;
export const BPF_TAX = 0x00, BPF_TXA = 0x80;

/** BPF_MAXINSNS: the kernel refuses longer programs. */
export const BPF_MAXINSNS = 4096;
/** BPF_MEMWORDS: scratch memory slots. */
export const BPF_MEMWORDS = 16;

// seccomp return values (include/uapi/linux/seccomp.h), most to least severe.
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** `struct seccomp_data` layout: nr, arch, instruction_pointer, args[6]. */
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;
export const SECCOMP_DATA_IP = 8;
export const SECCOMP_DATA_ARGS = 16;
export const SECCOMP_DATA_SIZE = 64;

/** Makes a non-jump instruction (BPF_STMT). */
export function stmt(code: number, k: number): Insn {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** Makes a jump instruction with numeric offsets (BPF_JUMP). */
export function jump(code: number, k: number, jt: number, jf: number): Insn {
  return { code, jt, jf, k: k >>> 0 };
}

/** A position in a program being built; bound once with {@link ProgramBuilder.bind}. */
export class Label {
  /** Instruction index after assembly; -1 until bound. */
  index = -1;
  constructor(readonly name: string) {}
}

/** `'next'` means "the instruction right after this one". */
export type Target = Label | 'next';

type Item =
  | { kind: 'insn'; insn: Insn }
  | { kind: 'cond'; code: number; k: number; jt: Target; jf: Target }
  | { kind: 'ja'; target: Label }
  | { kind: 'bind'; label: Label };

/**
 * Builds a program from instructions and labelled jumps, then lays it out.
 * Jumps only go forward (classic BPF has no backward jumps). A conditional
 * jump whose target is more than 255 instructions away is relaxed into a
 * conditional jump to a nearby `ja` (32-bit offset) trampoline; relaxation
 * repeats until every offset fits.
 */
export class ProgramBuilder {
  private readonly items: Item[] = [];
  private labelCount = 0;

  /** A fresh, unbound label. */
  label(name = 'L'): Label {
    return new Label(`${name}${this.labelCount++}`);
  }

  /** Binds `label` to the next instruction emitted. */
  bind(label: Label): void {
    this.items.push({ kind: 'bind', label });
  }

  /** Emits a straight-line instruction (load, ALU, return, …). */
  emit(insn: Insn): void {
    this.items.push({ kind: 'insn', insn });
  }

  /** Emits `if (A <op> k) goto jt else goto jf` (op is BPF_JEQ/JGT/JGE/JSET with BPF_K). */
  cond(op: number, k: number, jt: Target, jf: Target): void {
    this.items.push({ kind: 'cond', code: BPF_JMP | op | BPF_K, k: k >>> 0, jt, jf });
  }

  /** Emits an unconditional jump. */
  ja(target: Label): void {
    this.items.push({ kind: 'ja', target });
  }

  /** Lays out the program and resolves every label. */
  assemble(): Insn[] {
    // far[i] = [jt needs trampoline, jf needs trampoline] for cond item i.
    const far = new Map<number, [boolean, boolean]>();
    for (let round = 0; round < 64; round++) {
      const { insns, changed } = this.layout(far);
      if (!changed) return insns;
    }
    throw new PledgeError('E2BIG', 'PROGRAM_TOO_LARGE', 'BPF jump relaxation did not converge');
  }

  private layout(far: Map<number, [boolean, boolean]>): { insns: Insn[]; changed: boolean } {
    // Pass 1: positions.
    const pos: number[] = [];
    let pc = 0;
    this.items.forEach((it, i) => {
      pos[i] = pc;
      if (it.kind === 'bind') it.label.index = pc;
      else if (it.kind === 'cond') {
        const f = far.get(i) ?? [false, false];
        pc += 1 + (f[0] ? 1 : 0) + (f[1] ? 1 : 0);
      } else pc += 1;
    });
    // Pass 2: encode; detect offsets that do not fit.
    const out: Insn[] = [];
    let changed = false;
    this.items.forEach((it, i) => {
      const here = pos[i]!;
      if (it.kind === 'insn') out.push(it.insn);
      else if (it.kind === 'ja') {
        const off = resolve(it.target, here);
        out.push(stmt(BPF_JMP | BPF_JA, off));
      } else if (it.kind === 'cond') {
        const f = far.get(i) ?? [false, false];
        const tramp = (f[0] ? 1 : 0) + (f[1] ? 1 : 0);
        // Offsets are relative to the instruction after the conditional jump.
        const tIdx = targetIndex(it.jt, here + 1 + tramp);
        const fIdx = targetIndex(it.jf, here + 1 + tramp);
        let jt = f[0] ? 0 : tIdx - (here + 1);
        let jf = f[1] ? (f[0] ? 1 : 0) : fIdx - (here + 1);
        const nf: [boolean, boolean] = [f[0] || jt > 255, f[1] || jf > 255];
        if (nf[0] !== f[0] || nf[1] !== f[1]) {
          far.set(i, nf);
          changed = true;
          jt = 0;
          jf = 0;
        }
        out.push(jump(it.code, it.k, jt, jf));
        if (f[0]) out.push(stmt(BPF_JMP | BPF_JA, tIdx - (here + 2)));
        if (f[1]) out.push(stmt(BPF_JMP | BPF_JA, fIdx - (here + 1 + tramp)));
      }
    });
    return { insns: out, changed };

    function targetIndex(t: Target, next: number): number {
      if (t === 'next') return next;
      if (t.index < 0) throw new PledgeError('EINVAL', 'BAD_PROGRAM', `BPF label ${t.name} was never bound`);
      return t.index;
    }
    function resolve(t: Label, here: number): number {
      const off = targetIndex(t, here + 1) - (here + 1);
      if (off < 0) throw new PledgeError('EINVAL', 'BAD_PROGRAM', `BPF label ${t.name} is behind its jump`);
      return off;
    }
  }
}

/** Encodes instructions as the kernel's `struct sock_filter[]` (8 bytes each, native = little or big endian). */
export function encode(program: readonly Insn[], endian: 'little' | 'big' = 'little'): Uint8Array {
  const buf = new Uint8Array(program.length * 8);
  const view = new DataView(buf.buffer);
  const le = endian === 'little';
  program.forEach((ins, i) => {
    view.setUint16(i * 8, ins.code, le);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k >>> 0, le);
  });
  return buf;
}

/** Decodes a `struct sock_filter[]` byte array. */
export function decode(bytes: Uint8Array, endian: 'little' | 'big' = 'little'): Insn[] {
  if (bytes.length % 8 !== 0) {
    throw new PledgeError('EINVAL', 'BAD_PROGRAM', `a BPF program is a multiple of 8 bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = endian === 'little';
  const out: Insn[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    out.push({ code: view.getUint16(i, le), jt: view.getUint8(i + 2), jf: view.getUint8(i + 3), k: view.getUint32(i + 4, le) });
  }
  return out;
}

/** Names a seccomp return value: `ALLOW`, `ERRNO(38)`, `KILL_PROCESS`, `TRAP(5)`, … */
export function actionName(ret: number): string {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & SECCOMP_RET_DATA;
  switch (action) {
    case SECCOMP_RET_KILL_PROCESS: return 'KILL_PROCESS';
    case SECCOMP_RET_KILL_THREAD: return 'KILL_THREAD';
    case SECCOMP_RET_TRAP: return `TRAP(${data})`;
    case SECCOMP_RET_ERRNO: return `ERRNO(${data})`;
    case SECCOMP_RET_USER_NOTIF: return 'USER_NOTIF';
    case SECCOMP_RET_TRACE: return `TRACE(${data})`;
    case SECCOMP_RET_LOG: return 'LOG';
    case SECCOMP_RET_ALLOW: return 'ALLOW';
    default: return `0x${(ret >>> 0).toString(16)}`;
  }
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** Readable one-line-per-instruction listing, with absolute jump targets. */
export function disassemble(program: readonly Insn[]): string {
  const lines = program.map((ins, pc) => `${String(pc).padStart(4, ' ')}: ${describe(ins, pc)}`);
  return lines.join('\n') + '\n';
}

function describe(ins: Insn, pc: number): string {
  const cls = ins.code & 0x07;
  const k = ins.k >>> 0;
  switch (cls) {
    case BPF_LD: {
      const mode = ins.code & 0xe0;
      if (mode === BPF_ABS) return `ld ${fieldName(k)}`;
      if (mode === BPF_IMM) return `ld #${hex(k)}`;
      if (mode === BPF_MEM) return `ld M[${k}]`;
      if (mode === BPF_LEN) return 'ld #len';
      return `ld? code=${hex(ins.code)} k=${hex(k)}`;
    }
    case BPF_LDX: {
      const mode = ins.code & 0xe0;
      if (mode === BPF_IMM) return `ldx #${hex(k)}`;
      if (mode === BPF_MEM) return `ldx M[${k}]`;
      if (mode === BPF_LEN) return 'ldx #len';
      return `ldx? code=${hex(ins.code)}`;
    }
    case BPF_ST: return `st M[${k}]`;
    case BPF_STX: return `stx M[${k}]`;
    case BPF_ALU: {
      const op = ins.code & 0xf0;
      const names: Record<number, string> = { [BPF_ADD]: 'add', [BPF_SUB]: 'sub', [BPF_MUL]: 'mul', [BPF_DIV]: 'div', [BPF_OR]: 'or', [BPF_AND]: 'and', [BPF_LSH]: 'lsh', [BPF_RSH]: 'rsh', [BPF_NEG]: 'neg', [BPF_MOD]: 'mod', [BPF_XOR]: 'xor' };
      if (op === BPF_NEG) return 'neg';
      return `${names[op] ?? '?'} ${(ins.code & BPF_X) ? 'x' : `#${hex(k)}`}`;
    }
    case BPF_JMP: {
      const op = ins.code & 0xf0;
      if (op === BPF_JA) return `ja ${pc + 1 + k}`;
      const names: Record<number, string> = { [BPF_JEQ]: 'jeq', [BPF_JGT]: 'jgt', [BPF_JGE]: 'jge', [BPF_JSET]: 'jset' };
      const src = (ins.code & BPF_X) ? 'x' : `#${hex(k)}`;
      return `${names[op] ?? 'j?'} ${src}, ${pc + 1 + ins.jt}, ${pc + 1 + ins.jf}`;
    }
    case BPF_RET:
      return (ins.code & 0x18) === BPF_A ? 'ret a' : `ret ${actionName(k)}`;
    case BPF_MISC:
      return (ins.code & 0xf8) === BPF_TXA ? 'txa' : 'tax';
    default:
      return `? ${hex(ins.code)}`;
  }
}

function fieldName(off: number): string {
  if (off === SECCOMP_DATA_NR) return 'nr';
  if (off === SECCOMP_DATA_ARCH) return 'arch';
  if (off === SECCOMP_DATA_IP) return 'ip.lo';
  if (off === SECCOMP_DATA_IP + 4) return 'ip.hi';
  if (off >= SECCOMP_DATA_ARGS && off < SECCOMP_DATA_SIZE) {
    const i = Math.floor((off - SECCOMP_DATA_ARGS) / 8);
    return `args[${i}]${(off - SECCOMP_DATA_ARGS) % 8 === 0 ? '@0' : '@4'}`;
  }
  return `[${off}]`;
}
