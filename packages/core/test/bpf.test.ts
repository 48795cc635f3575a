import { describe, expect, it } from 'vitest';
import {
  BPF_ABS, BPF_JEQ, BPF_K, BPF_LD, BPF_RET, BPF_W, ProgramBuilder, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO,
  decode, disassemble, encode, run, stmt, verify, worstCasePathLength,
} from '../src/index.js';

describe('assembler', () => {
  it('relaxes conditional jumps farther than 255 instructions into ja trampolines', () => {
    for (const distance of [10, 254, 255, 256, 300, 1000]) {
      const b = new ProgramBuilder();
      const far = b.label('far');
      b.emit(stmt(BPF_LD | BPF_W | BPF_ABS, 0));
      b.cond(BPF_JEQ, 7, far, 'next');
      for (let i = 0; i < distance; i++) b.emit(stmt(BPF_LD | BPF_W | BPF_ABS, 4));
      b.emit(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1));
      b.bind(far);
      b.emit(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
      const prog = b.assemble();
      expect(verify(prog)).toEqual([]);
      for (const ins of prog) {
        expect(ins.jt).toBeLessThanOrEqual(255);
        expect(ins.jf).toBeLessThanOrEqual(255);
      }
      expect(run(prog, { nr: 7, arch: 0 }).ret).toBe(SECCOMP_RET_ALLOW);
      expect(run(prog, { nr: 8, arch: 0 }).ret).toBe(SECCOMP_RET_ERRNO | 1);
      // Trampolines only when needed.
      expect(prog.length).toBe(distance + 4 + (distance + 1 > 255 ? 1 : 0));
    }
  });

  it('refuses a jump to an unbound label', () => {
    const b = new ProgramBuilder();
    b.cond(BPF_JEQ, 1, b.label('nowhere'), 'next');
    b.emit(stmt(BPF_RET | BPF_K, 0));
    expect(() => b.assemble()).toThrow(/never bound/);
  });

  it('encodes struct sock_filter in both byte orders and decodes it back', () => {
    const prog = [stmt(BPF_LD | BPF_W | BPF_ABS, 4), { code: 0x15, jt: 1, jf: 2, k: 0xc000003e }, stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)];
    const le = encode(prog, 'little');
    expect([...le.slice(8, 16)]).toEqual([0x15, 0x00, 1, 2, 0x3e, 0x00, 0x00, 0xc0]);
    expect(decode(le, 'little')).toEqual(prog);
    const be = encode(prog, 'big');
    expect([...be.slice(8, 16)]).toEqual([0x00, 0x15, 1, 2, 0xc0, 0x00, 0x00, 0x3e]);
    expect(decode(be, 'big')).toEqual(prog);
    expect(() => decode(new Uint8Array(7))).toThrow(/multiple of 8/);
  });

  it('disassembles with absolute jump targets', () => {
    const text = disassemble([stmt(BPF_LD | BPF_W | BPF_ABS, 0), { code: 0x15, jt: 0, jf: 1, k: 3 }, stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 38)]);
    expect(text).toBe('   0: ld nr\n   1: jeq #0x3, 2, 3\n   2: ret ALLOW\n   3: ret ERRNO(38)\n');
  });
});

describe('verifier', () => {
  it('accepts what the kernel accepts and names what it would refuse', () => {
    expect(verify([stmt(BPF_RET | BPF_K, 0)])).toEqual([]);
    expect(verify([])).toContain('empty program');
    expect(verify([stmt(BPF_LD | BPF_W | BPF_ABS, 64), stmt(BPF_RET | BPF_K, 0)]).join()).toMatch(/outside seccomp_data/);
    expect(verify([stmt(BPF_LD | BPF_W | BPF_ABS, 2), stmt(BPF_RET | BPF_K, 0)]).join()).toMatch(/unaligned/);
    expect(verify([stmt(BPF_LD | BPF_W | BPF_ABS, 0)]).join()).toMatch(/not a ret/);
    expect(verify([{ code: 0x15, jt: 5, jf: 0, k: 0 }, stmt(BPF_RET | BPF_K, 0)]).join()).toMatch(/beyond the end/);
    expect(verify(Array.from({ length: 4097 }, () => stmt(BPF_RET | BPF_K, 0))).join()).toMatch(/BPF_MAXINSNS/);
  });

  it('measures the longest path', () => {
    // 0: jeq -> 1 or 3; 1,2: two loads; 3: ret.
    const prog = [{ code: 0x15, jt: 0, jf: 2, k: 0 }, stmt(BPF_LD | BPF_W | BPF_ABS, 0), stmt(BPF_LD | BPF_W | BPF_ABS, 0), stmt(BPF_RET | BPF_K, 0)];
    expect(worstCasePathLength(prog)).toBe(4);
  });
});
