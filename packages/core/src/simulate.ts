/**
 * A classic-BPF interpreter for seccomp programs, plus static analyses the
 * compiler's guarantees are checked with: a verifier with the kernel's rules,
 * the worst-case path length, and a port of the kernel's action-cache
 * analysis.
 *
 * Semantics: kernel/bpf/core.c and net/core/filter.c (classic BPF execution
 * and `bpf_check_classic`), kernel/seccomp.c (`seccomp_check_filter`,
 * `seccomp_is_const_allow`, `populate_seccomp_data`).
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MAXINSNS, BPF_MEM, BPF_MEMWORDS,
  BPF_MISC, BPF_MOD, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB,
  BPF_TXA, BPF_W, BPF_X, BPF_XOR, SECCOMP_DATA_ARCH, SECCOMP_DATA_NR, SECCOMP_DATA_SIZE,
  SECCOMP_RET_ALLOW, type Insn,
} from './bpf.js';
import { PledgeError } from './errors.js';

/**
 * The input of a filter run: `struct seccomp_data`. Arguments are 64-bit
 * values (bigint); a negative bigint is taken as two's complement.
 */
export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  args?: readonly (bigint | number)[];
}

/** What a run returned and how many instructions it executed. */
export interface RunResult {
  /** The 32-bit seccomp return value (`SECCOMP_RET_*` | data). */
  ret: number;
  /** Instructions executed, including the final `ret`. */
  steps: number;
}

const MASK64 = (1n << 64n) - 1n;

/** Serialises `seccomp_data` to its 64 bytes as the kernel lays it out. */
export function seccompDataBytes(data: SeccompData, endian: 'little' | 'big' = 'little'): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  const le = endian === 'little';
  view.setInt32(0, data.nr | 0, le);
  view.setUint32(4, data.arch >>> 0, le);
  view.setBigUint64(8, BigInt.asUintN(64, data.instructionPointer ?? 0n), le);
  for (let i = 0; i < 6; i++) {
    const v = data.args?.[i] ?? 0n;
    view.setBigUint64(16 + i * 8, BigInt.asUintN(64, BigInt(v)) & MASK64, le);
  }
  return view;
}

/**
 * Runs a seccomp program on one `seccomp_data`, as the kernel would.
 * Loads read 32-bit words of `seccomp_data` in native byte order.
 * Throws `PledgeError` (`BAD_PROGRAM`) on anything the kernel's verifier would
 * have refused, so run {@link verify} first when the program is untrusted.
 */
export function simulate(program: readonly Insn[], data: SeccompData, endian: 'little' | 'big' = 'little'): RunResult {
  const mem = seccompDataBytes(data, endian);
  const le = endian === 'little';
  const scratch = new Uint32Array(BPF_MEMWORDS);
  let A = 0;
  let X = 0;
  let pc = 0;
  let steps = 0;
  for (;;) {
    const ins = program[pc];
    if (!ins) throw new PledgeError('EINVAL', 'BAD_PROGRAM', `BPF program ran off its end at ${pc}`);
    steps++;
    const k = ins.k >>> 0;
    const cls = ins.code & 0x07;
    switch (cls) {
      case BPF_LD: {
        const mode = ins.code & 0xe0;
        if (mode === BPF_ABS) A = mem.getUint32(k, le);
        else if (mode === BPF_IMM) A = k;
        else if (mode === BPF_MEM) A = scratch[k]!;
        else if (mode === BPF_LEN) A = SECCOMP_DATA_SIZE;
        else throw bad(pc, 'load mode');
        pc++;
        break;
      }
      case BPF_LDX: {
        const mode = ins.code & 0xe0;
        if (mode === BPF_IMM) X = k;
        else if (mode === BPF_MEM) X = scratch[k]!;
        else if (mode === BPF_LEN) X = SECCOMP_DATA_SIZE;
        else throw bad(pc, 'ldx mode');
        pc++;
        break;
      }
      case BPF_ST: scratch[k] = A; pc++; break;
      case BPF_STX: scratch[k] = X; pc++; break;
      case BPF_ALU: {
        const src = (ins.code & BPF_X) ? X : k;
        A = alu(ins.code & 0xf0, A, src, pc);
        pc++;
        break;
      }
      case BPF_JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF_JA) { pc += 1 + k; break; }
        const src = (ins.code & BPF_X) ? X : k;
        let taken: boolean;
        if (op === BPF_JEQ) taken = A === src;
        else if (op === BPF_JGT) taken = A > src;
        else if (op === BPF_JGE) taken = A >= src;
        else if (op === BPF_JSET) taken = (A & src) !== 0;
        else throw bad(pc, 'jump op');
        pc += 1 + (taken ? ins.jt : ins.jf);
        break;
      }
      case BPF_RET:
        return { ret: ((ins.code & 0x18) === BPF_A ? A : k) >>> 0, steps };
      case BPF_MISC:
        if ((ins.code & 0xf8) === BPF_TXA) A = X; else X = A;
        pc++;
        break;
      default:
        throw bad(pc, 'class');
    }
    A >>>= 0;
    X >>>= 0;
  }
}

/**
 * The old name of {@link simulate}.
 * @deprecated Use `simulate`; `run` stays for the callers that still use it.
 */
export const run = simulate;

function alu(op: number, a: number, b: number, pc: number): number {
  switch (op) {
    case BPF_ADD: return (a + b) >>> 0;
    case BPF_SUB: return (a - b) >>> 0;
    case BPF_MUL: return Math.imul(a, b) >>> 0;
    case BPF_DIV: return b === 0 ? 0 : Math.floor(a / b) >>> 0;
    case BPF_MOD: return b === 0 ? 0 : (a % b) >>> 0;
    case BPF_OR: return (a | b) >>> 0;
    case BPF_AND: return (a & b) >>> 0;
    case BPF_XOR: return (a ^ b) >>> 0;
    case BPF_LSH: return b >= 32 ? 0 : (a << b) >>> 0;
    case BPF_RSH: return b >= 32 ? 0 : a >>> b;
    case BPF_NEG: return (-a) >>> 0;
    default: throw bad(pc, 'alu op');
  }
}

function bad(pc: number, what: string): PledgeError {
  return new PledgeError('EINVAL', 'BAD_PROGRAM', `BPF instruction ${pc}: unsupported ${what}`);
}

/**
 * Checks a program against the rules the kernel applies when a seccomp
 * filter is attached (`bpf_check_classic` + `seccomp_check_filter`): 1 to
 * BPF_MAXINSNS instructions, known opcodes only, jumps inside the program,
 * `seccomp_data` loads 32-bit, aligned and in bounds, scratch slots < 16, no
 * division by a zero constant, and a `ret` as the last instruction.
 * Returns the list of problems (empty when the kernel would accept it).
 */
export function verify(program: readonly Insn[]): string[] {
  const errs: string[] = [];
  if (program.length === 0) errs.push('empty program');
  if (program.length > BPF_MAXINSNS) errs.push(`${program.length} instructions, more than BPF_MAXINSNS (${BPF_MAXINSNS})`);
  program.forEach((ins, pc) => {
    const cls = ins.code & 0x07;
    const k = ins.k >>> 0;
    const at = `insn ${pc}`;
    switch (cls) {
      case BPF_LD: {
        const mode = ins.code & 0xe0;
        if (mode === BPF_ABS) {
          if ((ins.code & 0x18) !== BPF_W) errs.push(`${at}: seccomp loads must be 32-bit`);
          if (k % 4 !== 0 || k >= SECCOMP_DATA_SIZE) errs.push(`${at}: load offset ${k} outside seccomp_data or unaligned`);
        } else if (mode === BPF_MEM) {
          if (k >= BPF_MEMWORDS) errs.push(`${at}: scratch slot ${k} out of range`);
        } else if (mode !== BPF_IMM && mode !== BPF_LEN) errs.push(`${at}: load mode ${mode} not allowed in seccomp`);
        break;
      }
      case BPF_LDX: {
        const mode = ins.code & 0xe0;
        if (mode === BPF_MEM && k >= BPF_MEMWORDS) errs.push(`${at}: scratch slot ${k} out of range`);
        else if (mode !== BPF_IMM && mode !== BPF_MEM && mode !== BPF_LEN) errs.push(`${at}: ldx mode ${mode} not allowed in seccomp`);
        break;
      }
      case BPF_ST: case BPF_STX:
        if (k >= BPF_MEMWORDS) errs.push(`${at}: scratch slot ${k} out of range`);
        break;
      case BPF_ALU: {
        const op = ins.code & 0xf0;
        if (![BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR].includes(op)) errs.push(`${at}: unknown ALU op`);
        if ((op === BPF_DIV || op === BPF_MOD) && !(ins.code & BPF_X) && k === 0) errs.push(`${at}: division by zero`);
        break;
      }
      case BPF_JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF_JA) {
          if (pc + 1 + k >= program.length) errs.push(`${at}: ja beyond the end`);
        } else if ([BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].includes(op)) {
          if (pc + 1 + ins.jt >= program.length || pc + 1 + ins.jf >= program.length) errs.push(`${at}: jump beyond the end`);
        } else errs.push(`${at}: unknown jump op`);
        break;
      }
      case BPF_RET: break;
      case BPF_MISC: break;
      default: errs.push(`${at}: unknown class`);
    }
  });
  const last = program[program.length - 1];
  if (last && (last.code & 0x07) !== BPF_RET) errs.push('last instruction is not a ret');
  return errs;
}

/**
 * The longest number of instructions any run can execute (a `ret` included).
 * Classic BPF only jumps forward, so this is the longest path in a DAG.
 */
export function worstCasePathLength(program: readonly Insn[]): number {
  const longest = new Array<number>(program.length + 1).fill(0);
  for (let pc = program.length - 1; pc >= 0; pc--) {
    const ins = program[pc]!;
    const cls = ins.code & 0x07;
    let next = 0;
    if (cls === BPF_RET) next = 0;
    else if (cls === BPF_JMP) {
      const op = ins.code & 0xf0;
      if (op === BPF_JA) next = longest[pc + 1 + ins.k] ?? 0;
      else next = Math.max(longest[pc + 1 + ins.jt] ?? 0, longest[pc + 1 + ins.jf] ?? 0);
    } else next = longest[pc + 1] ?? 0;
    longest[pc] = 1 + next;
  }
  return longest[0] ?? 0;
}

/**
 * Port of the kernel's `seccomp_is_const_allow()` (kernel/seccomp.c, 5.11+):
 * emulates the program knowing only `nr` and `arch`. Returns true when every
 * path for this syscall number reaches `ret ALLOW` using only loads of nr or
 * arch, constant compares, `and #k` and `ja`: then the kernel's action cache
 * serves the syscall without running the filter at all.
 */
export function isConstAllow(program: readonly Insn[], nr: number, arch: number): boolean {
  let A = 0;
  let pc = 0;
  for (let guard = 0; guard <= program.length; guard++) {
    const ins = program[pc];
    if (!ins) return false;
    const code = ins.code;
    const k = ins.k >>> 0;
    if (code === (BPF_LD | BPF_W | BPF_ABS)) {
      if (k === SECCOMP_DATA_NR) A = nr >>> 0;
      else if (k === SECCOMP_DATA_ARCH) A = arch >>> 0;
      else return false; // an argument or the instruction pointer
      pc++;
    } else if (code === (BPF_RET | 0x00)) {
      return k === SECCOMP_RET_ALLOW;
    } else if (code === (BPF_JMP | BPF_JA)) {
      pc += 1 + k;
    } else if (code === (BPF_JMP | BPF_JEQ | 0) || code === (BPF_JMP | BPF_JGE | 0) || code === (BPF_JMP | BPF_JGT | 0) || code === (BPF_JMP | BPF_JSET | 0)) {
      const op = code & 0xf0;
      const taken = op === BPF_JEQ ? A === k : op === BPF_JGE ? A >= k : op === BPF_JGT ? A > k : (A & k) !== 0;
      pc += 1 + (taken ? ins.jt : ins.jf);
    } else if (code === (BPF_ALU | BPF_AND | 0)) {
      A = (A & k) >>> 0;
      pc++;
    } else {
      return false;
    }
  }
  return false;
}
