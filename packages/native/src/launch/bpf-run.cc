// Classic BPF over seccomp_data (see bpf-run.h).

#include "bpf-run.h"

#include <cstring>

namespace seccomp_scopes {

uint32_t RunFilter(const struct sock_filter* program, size_t length, const struct seccomp_data& data) {
  constexpr uint32_t kKill = SECCOMP_RET_KILL_PROCESS;
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&data);
  for (size_t pc = 0; pc < length; pc++) {
    const struct sock_filter& in = program[pc];
    const uint32_t k = in.k;
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (k % 4 != 0 || k + 4 > sizeof data) return kKill;
        std::memcpy(&a, bytes + k, 4);
        break;
      case BPF_LD | BPF_W | BPF_LEN: a = sizeof data; break;
      case BPF_LDX | BPF_W | BPF_LEN: x = sizeof data; break;
      case BPF_LD | BPF_IMM: a = k; break;
      case BPF_LDX | BPF_IMM: x = k; break;
      case BPF_LD | BPF_MEM: if (k >= BPF_MEMWORDS) return kKill; a = mem[k]; break;
      case BPF_LDX | BPF_MEM: if (k >= BPF_MEMWORDS) return kKill; x = mem[k]; break;
      case BPF_ST: if (k >= BPF_MEMWORDS) return kKill; mem[k] = a; break;
      case BPF_STX: if (k >= BPF_MEMWORDS) return kKill; mem[k] = x; break;
      case BPF_MISC | BPF_TAX: x = a; break;
      case BPF_MISC | BPF_TXA: a = x; break;
      case BPF_ALU | BPF_ADD | BPF_K: a += k; break;
      case BPF_ALU | BPF_ADD | BPF_X: a += x; break;
      case BPF_ALU | BPF_SUB | BPF_K: a -= k; break;
      case BPF_ALU | BPF_SUB | BPF_X: a -= x; break;
      case BPF_ALU | BPF_MUL | BPF_K: a *= k; break;
      case BPF_ALU | BPF_MUL | BPF_X: a *= x; break;
      case BPF_ALU | BPF_DIV | BPF_K: if (k == 0) return kKill; a /= k; break;
      case BPF_ALU | BPF_DIV | BPF_X: if (x == 0) return kKill; a /= x; break;
      case BPF_ALU | BPF_MOD | BPF_K: if (k == 0) return kKill; a %= k; break;
      case BPF_ALU | BPF_MOD | BPF_X: if (x == 0) return kKill; a %= x; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= k; break;
      case BPF_ALU | BPF_AND | BPF_X: a &= x; break;
      case BPF_ALU | BPF_OR | BPF_K: a |= k; break;
      case BPF_ALU | BPF_OR | BPF_X: a |= x; break;
      case BPF_ALU | BPF_XOR | BPF_K: a ^= k; break;
      case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
      case BPF_ALU | BPF_LSH | BPF_K: a = k < 32 ? a << k : 0; break;
      case BPF_ALU | BPF_LSH | BPF_X: a = x < 32 ? a << x : 0; break;
      case BPF_ALU | BPF_RSH | BPF_K: a = k < 32 ? a >> k : 0; break;
      case BPF_ALU | BPF_RSH | BPF_X: a = x < 32 ? a >> x : 0; break;
      case BPF_ALU | BPF_NEG: a = 0 - a; break;
      case BPF_JMP | BPF_JA: pc += k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += a > k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += a >= k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += (a & k) ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JSET | BPF_X: pc += (a & x) ? in.jt : in.jf; break;
      case BPF_RET | BPF_K: return k;
      case BPF_RET | BPF_A: return a;
      default: return kKill;
    }
  }
  return kKill;  // ran off the end (the kernel refuses such a program)
}

}  // namespace seccomp_scopes
