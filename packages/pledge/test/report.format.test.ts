/**
 * Violation reports without a kernel: the native formatter (the C code the
 * SIGSYS handler runs) on tables from core's buildReportTables. Nothing is
 * installed in the test runner: formatViolation is pure.
 */
import { describe, expect, it } from 'vitest';
import {
  PROMISES, REPORT_DECODE, REPORT_EXIT_MAGIC, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP,
  attributionRules, buildReportTables, ruleMatches, run, violationNeeds,
  type ArchDescriptor, type ResolvedRule,
} from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';
import { aarch64 } from '@seccomp-scopes/arch-aarch64';
import { formatViolation } from '@seccomp-scopes/native';
import { compilePledge } from '../src/pledge.js';

const ALL = PROMISES.map((p) => p.name);
const PID = 4242;
const RUNTIME = { pid: PID, uid: 1000, gid: 1000 };

const tablesCache = new Map<string, Uint8Array>();
function tables(arch: ArchDescriptor, promises: readonly string[], extra: { penalty?: 'kill' | 'errno'; errno?: string } = {}): Uint8Array {
  const key = `${arch.name}|${promises.join(' ')}|${extra.penalty}|${extra.errno}`;
  let t = tablesCache.get(key);
  if (!t) {
    t = buildReportTables(arch, { promises: new Set(promises), comm: 'node', pid: PID, uid: RUNTIME.uid, gid: RUNTIME.gid, ...extra });
    tablesCache.set(key, t);
  }
  return t;
}

const x = x86_64.constants;
const nr = (name: string): number => x86_64.syscalls[name]!;
const text = (promises: string, syscall: string, args: readonly (number | bigint)[], extra: { path?: string; comm?: string } = {}): string =>
  formatViolation(tables(x86_64, promises ? promises.split(' ') : []), { nr: nr(syscall), args: args.map((a) => BigInt(a)), pid: PID, tid: PID + 1, ...extra }, 'text');

describe('the text line', () => {
  it('has the exact format of the examples', () => {
    expect(text('stdio', 'openat', [x.AT_FDCWD!, 0, x.O_WRONLY! | x.O_CREAT!, 0o644]))
      .toBe('node[4242]: pledge "stdio" blocked openat(AT_FDCWD, flags=O_WRONLY|O_CREAT); it needs "wpath cpath"');
    expect(text('stdio', 'socket', [x.AF_INET!, x.SOCK_STREAM!, 0]))
      .toBe('node[4242]: pledge "stdio" blocked socket(AF_INET, SOCK_STREAM); it needs "inet" or "dns"');
    expect(text('stdio', 'socket', [x.AF_INET!, x.SOCK_STREAM! | x.SOCK_CLOEXEC!, 0]))
      .toBe('node[4242]: pledge "stdio" blocked socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC); it needs "inet" or "dns"');
    expect(text('stdio', 'connect', [5, 0, 16])).toBe('node[4242]: pledge "stdio" blocked connect(5); it needs "inet" or "unix" or "dns"');
    expect(text('stdio', 'ioctl', [1, x.TIOCSTI!])).toBe('node[4242]: pledge "stdio" blocked ioctl(1, TIOCSTI); no promise allows this');
    expect(text('stdio', 'execve', [0x1000, 0x2000, 0x3000])).toBe('node[4242]: pledge "stdio" blocked execve(); it needs "exec"');
    expect(text('stdio', 'kill', [1234, x.SIGKILL!])).toBe('node[4242]: pledge "stdio" blocked kill(1234, SIGKILL); it needs "proc"');
    expect(text('stdio', 'mprotect', [0x7f0000000000n, 4096, x.PROT_READ! | x.PROT_EXEC!]))
      .toBe('node[4242]: pledge "stdio" blocked mprotect(prot=PROT_READ|PROT_EXEC); it needs "prot_exec"');
    expect(text('', 'getpid', [])).toBe('node[4242]: pledge "" blocked getpid(); it needs "stdio"');
  });

  it('shows the path when the caller has it, quoted and escaped', () => {
    expect(text('stdio', 'openat', [x.AT_FDCWD!, 0, x.O_RDONLY!], { path: '/etc/passwd' }))
      .toBe('node[4242]: pledge "stdio" blocked openat(AT_FDCWD, "/etc/passwd", flags=O_RDONLY); it needs "rpath" or "dns" or "getpw"');
    expect(text('stdio', 'execve', [0], { path: '/bin/sh' })).toBe('node[4242]: pledge "stdio" blocked execve("/bin/sh"); it needs "exec"');
    expect(text('stdio', 'unlink', [0], { path: 'a"b\\c\nd\x01' })).toBe('node[4242]: pledge "stdio" blocked unlink("a\\"b\\\\c\\nd\\x01"); it needs "cpath" or "tmppath"');
  });

  it('names only the promises that are missing, and the nscd probe needs getpw or dns, not unix', () => {
    expect(text('stdio rpath', 'openat', [x.AT_FDCWD!, 0, x.O_WRONLY! | x.O_CREAT! | x.O_TRUNC!, 0o644]))
      .toContain('; it needs "wpath cpath"');
    expect(text('stdio rpath', 'openat', [x.AT_FDCWD!, 0, x.O_RDWR! | x.O_CREAT!, 0o644])).toMatch(/; it needs "wpath cpath"$/);
    // A call a promise in force allows (a stricter filter refused it) keeps the full sets: nothing is missing.
    expect(text('stdio', 'mprotect', [0, 0, 0])).toMatch(/; it needs "stdio"$/);
    expect(text('stdio wpath', 'openat', [x.AT_FDCWD!, 0, x.O_RDWR!])).toMatch(/; it needs "rpath"$/);
    const nscd = [x.AF_UNIX!, x.SOCK_STREAM! | x.SOCK_CLOEXEC! | x.SOCK_NONBLOCK!, 0];
    expect(text('stdio rpath', 'socket', nscd)).toMatch(/blocked socket\(AF_UNIX, SOCK_STREAM\|SOCK_NONBLOCK\|SOCK_CLOEXEC\); it needs "getpw" or "dns"$/);
    expect(text('stdio', 'socket', [x.AF_UNIX!, x.SOCK_STREAM!, 0])).toMatch(/; it needs "unix"$/);
    for (const promises of ['stdio rpath', 'stdio inet']) {
      const t = tables(x86_64, promises.split(' '));
      const json = JSON.parse(formatViolation(t, { nr: x86_64.syscalls.socket!, args: nscd.map(BigInt), pid: PID, tid: PID }, 'json')) as { needs: string[][] };
      expect(json.needs).toEqual(violationNeeds(x86_64, x86_64.syscalls.socket!, nscd.map(BigInt), RUNTIME, promises.split(' ')));
    }
  });

  it('decodes flags, enums, signals and descriptors', () => {
    expect(text('stdio', 'openat', [7, 0, x.O_RDWR! | x.O_CREAT! | x.O_EXCL!, 0o600])).toContain('openat(7, flags=O_RDWR|O_CREAT|O_EXCL); it needs "rpath wpath cpath" or "tmppath"');
    expect(text('stdio', 'openat', [x.AT_FDCWD!, 0, x.O_WRONLY! | x.O_TMPFILE!, 0o600])).toContain('flags=O_WRONLY|O_TMPFILE)');
    expect(text('stdio', 'openat', [x.AT_FDCWD!, 0, x.O_WRONLY! | x.O_CREAT!, 0o4755])).toContain('openat(AT_FDCWD, flags=O_WRONLY|O_CREAT, mode=04755); no promise allows this');
    expect(text('stdio', 'socket', [x.AF_NETLINK!, x.SOCK_RAW! | x.SOCK_CLOEXEC!, x.NETLINK_ROUTE!])).toContain('socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE); it needs "inet" or "dns" or "route"');
    // An ioctl request the kernel headers name in the file (FI*) family (FICLONE itself now answers EOPNOTSUPP, no report).
    expect(text('stdio', 'ioctl', [4, x.FIFREEZE!, 0])).toContain('ioctl(4, FIFREEZE); no promise allows this');
    expect(text('stdio', 'socket', [x.AF_INET6!, x.SOCK_DGRAM! | x.SOCK_NONBLOCK!, x.IPPROTO_UDP!])).toContain('socket(AF_INET6, SOCK_DGRAM|SOCK_NONBLOCK, IPPROTO_UDP); it needs "inet" or "dns"');
    expect(text('stdio', 'socket', [x.AF_PACKET!, x.SOCK_RAW!, 768])).toContain('socket(AF_PACKET, SOCK_RAW, 768); no promise allows this');
    expect(text('stdio', 'setsockopt', [3, x.IPPROTO_TCP!, x.TCP_NODELAY!])).toContain('setsockopt(3, IPPROTO_TCP, TCP_NODELAY); it needs "inet"');
    expect(text('stdio', 'setsockopt', [3, x.SOL_SOCKET!, x.SO_PASSCRED!])).toContain('setsockopt(3, SOL_SOCKET, SO_PASSCRED); it needs "unix"');
    expect(text('stdio', 'setsockopt', [3, x.IPPROTO_IP!, x.IP_ADD_MEMBERSHIP!])).toContain('setsockopt(3, IPPROTO_IP, IP_ADD_MEMBERSHIP); it needs "inet mcast"');
    expect(text('stdio', 'ioctl', [0, x.TCSETSW!])).toContain('ioctl(0, TCSETSW); it needs "tty"');
    expect(text('stdio', 'ioctl', [0, x.TIOCSPGRP!])).toContain('ioctl(0, TIOCSPGRP); it needs "tty proc"');
    expect(text('stdio', 'ioctl', [0, 0x12345678])).toContain('ioctl(0, 0x12345678); no promise allows this');
    expect(text('stdio', 'fcntl', [4, x.F_SETLK!])).toContain('fcntl(4, F_SETLK); it needs "flock"');
    expect(text('stdio', 'clone', [x.SIGCHLD! | x.CLONE_CHILD_SETTID! | x.CLONE_CHILD_CLEARTID!])).toContain('clone(flags=SIGCHLD|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID); it needs "proc"');
    expect(text('stdio', 'clone', [x.CLONE_NEWUSER! | x.SIGCHLD!])).toContain('clone(flags=SIGCHLD|CLONE_NEWUSER); no promise allows this');
    expect(text('stdio', 'kill', [-1, 0])).toContain('kill(-1, 0); it needs "proc"');
    expect(text('stdio', 'tgkill', [99, 100, x.SIGTERM!])).toContain('tgkill(99, 100, SIGTERM); it needs "proc"');
    expect(text('stdio', 'mmap', [0, 4096, x.PROT_READ! | x.PROT_WRITE! | x.PROT_EXEC!, x.MAP_PRIVATE! | x.MAP_ANONYMOUS!, -1, 0]))
      .toContain('mmap(prot=PROT_READ|PROT_WRITE|PROT_EXEC, flags=MAP_PRIVATE|MAP_ANONYMOUS); it needs "prot_exec"');
    expect(text('stdio', 'mprotect', [0, 0, 0])).toContain('mprotect(prot=PROT_NONE); it needs "stdio"');
    expect(text('stdio', 'prctl', [x.PR_SET_SECCOMP!])).toContain('prctl(PR_SET_SECCOMP); no promise allows this');
    expect(text('stdio', 'chmod', [0, 0o4755])).toContain('chmod(mode=04755); it needs "fattr chown"');
    expect(text('stdio', 'chmod', [0, 0o644])).toContain('chmod(mode=0644); it needs "fattr"');
    expect(text('stdio', 'sendto', [3, 0, 10, 0, 0x7ffd0000n, 16])).toContain('sendto(3, dest_addr=0x7ffd0000); it needs "inet" or "unix" or "dns"');
    expect(text('stdio', 'newfstatat', [x.AT_FDCWD!, 0, 0, 0])).toContain('newfstatat(AT_FDCWD, flags=0); it needs "rpath" or "wpath" or "tmppath" or "dns" or "getpw"');
    expect(text('stdio', 'ptrace', [16, 1])).toContain('ptrace(request=16, pid=1); no promise allows this');
    expect(text('stdio', 'setuid', [0])).toContain('setuid(0); it needs "id"');
    expect(text('stdio', 'unshare', [x.CLONE_NEWNS!])).toContain('unshare(flags=CLONE_NEWNS); no promise allows this');
  });

  it('prints numbers the table does not know, and syscalls without a decode entry, plainly', () => {
    expect(formatViolation(tables(x86_64, ['stdio']), { nr: 4000, args: [], pid: 1, tid: 2 }, 'text'))
      .toBe('node[1]: pledge "stdio" blocked nr_4000(); no promise allows this');
    expect(text('stdio', 'bpf', [5])).toBe('node[4242]: pledge "stdio" blocked bpf(cmd=5); no promise allows this');
    expect(text('stdio', 'perf_event_open', [0])).toBe('node[4242]: pledge "stdio" blocked perf_event_open(); no promise allows this');
  });

  it('uses the comm given, and replaces control characters in the text form', () => {
    expect(text('stdio', 'vhangup', [], { comm: 'my\ntool' })).toBe('my?tool[4242]: pledge "stdio" blocked vhangup(); no promise allows this');
  });

  it('decodes aarch64 calls with that arch\'s numbers and constants', () => {
    const a = aarch64.constants;
    const line = formatViolation(tables(aarch64, ['stdio']), {
      nr: aarch64.syscalls['openat']!, args: [BigInt(a.AT_FDCWD!), 0n, BigInt(a.O_WRONLY! | a.O_CREAT! | a.O_CLOEXEC!), 0o644n], pid: 7, tid: 8,
    }, 'text');
    expect(line).toBe('node[7]: pledge "stdio" blocked openat(AT_FDCWD, flags=O_WRONLY|O_CREAT|O_CLOEXEC); it needs "wpath cpath"');
  });
});

describe('the JSON line', () => {
  it('has every field, decoded args and the penalty', () => {
    const t = tables(x86_64, ['stdio', 'rpath'], { penalty: 'errno', errno: 'EPERM' });
    const line = formatViolation(t, { nr: nr('socket'), args: [BigInt(x.AF_INET!), BigInt(x.SOCK_STREAM! | x.SOCK_CLOEXEC!), 0n], pid: 10, tid: 11, path: 'ignored "x"' }, 'json');
    expect(JSON.parse(line)).toEqual({
      process: 'node', pid: 10, tid: 11, syscall: 'socket', nr: 41, arch: 'x86_64',
      args: ['AF_INET', 'SOCK_STREAM|SOCK_CLOEXEC'],
      raw: ['0x2', '0x80001', '0x0', '0x0', '0x0', '0x0'],
      call: 'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC)',
      promises: 'stdio rpath', needs: [['inet'], ['dns']], penalty: 'errno', errno: 'EPERM',
    });
    const withPath = JSON.parse(formatViolation(t, { nr: nr('openat'), args: [-100n, 0n, 1n], pid: 1, tid: 1, path: 'a"\n' }, 'json'));
    expect(withPath.args).toEqual(['AT_FDCWD', '"a\\"\\n"', 'flags=O_WRONLY']);
    expect(withPath.needs).toEqual([['wpath']]);
    expect(withPath.penalty).toBe('errno');
    const none = JSON.parse(formatViolation(tables(x86_64, ['stdio']), { nr: nr('ptrace'), args: [], pid: 1, tid: 1, comm: 'q"\u0001' }, 'json'));
    expect(none).toMatchObject({ process: 'q"\u0001', needs: [], penalty: 'kill', syscall: 'ptrace' });
    expect(none.errno).toBeUndefined();
  });
});

describe('bad input', () => {
  it('refuses tables that are not report tables, and bad violations, with EINVAL', () => {
    const t = tables(x86_64, ['stdio']);
    expect(() => formatViolation(new Uint8Array(16), { nr: 1, args: [], pid: 1, tid: 1 }, 'text')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const broken = t.slice();
    new DataView(broken.buffer).setUint32(8 * 4, 0xfffffff0, true);
    expect(() => formatViolation(broken, { nr: 1, args: [], pid: 1, tid: 1 }, 'text')).toThrow(/outside the tables/);
    expect(() => formatViolation(t.subarray(0, t.length - 4), { nr: 1, args: [], pid: 1, tid: 1 }, 'text')).toThrow(/size/);
    expect(() => formatViolation(t, { nr: 1, args: [1n, 2n, 3n, 4n, 5n, 6n, 7n], pid: 1, tid: 1 }, 'text')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => formatViolation(t, { nr: 1, args: [], pid: 1, tid: 1 }, 'xml' as 'text')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => formatViolation(t, { nr: 1, args: [1n << 70n], pid: 1, tid: 1 }, 'text')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
  it('takes negative arguments as their two\'s complement', () => {
    expect(text('stdio', 'openat', [-100n, 0, 1])).toContain('openat(AT_FDCWD, flags=O_WRONLY)');
    expect(text('stdio', 'openat', [(1n << 64n) - 100n, 0, 1])).toContain('openat(AT_FDCWD, flags=O_WRONLY)');
  });
  it('keeps the line intact for every syscall of the decode table with all-ones arguments', () => {
    const t = tables(x86_64, ['stdio']);
    for (const syscall of Object.keys(REPORT_DECODE)) {
      if (x86_64.syscalls[syscall] === undefined) continue;
      const line = formatViolation(t, { nr: nr(syscall), args: Array(6).fill((1n << 64n) - 1n), pid: 1, tid: 1, path: '/p' }, 'text');
      expect(line).toMatch(new RegExp(`^node\\[1\\]: pledge "stdio" blocked ${syscall}\\(.*\\)(; it needs "[a-z_ ]+"( or "[a-z_ ]+")*|; no promise allows this)$`));
      JSON.parse(formatViolation(t, { nr: nr(syscall), args: Array(6).fill((1n << 64n) - 1n), pid: 1, tid: 1, path: '/p' }, 'json'));
    }
  });
});

/**
 * Arguments satisfying `rule` for which its promise set is one of the
 * minimal ones that allow the call (no other matching rule needs a strict
 * subset of it), found among values the rules of that syscall name.
 */
function argsFor(rule: ResolvedRule, all: readonly ResolvedRule[], arch: ArchDescriptor): bigint[] | undefined {
  const siblings = all.filter((r) => r.nr === rule.nr);
  const pool: bigint[][] = [0, 1, 2, 3, 4, 5].map((i) => {
    const vals = new Set<bigint>([0n]);
    for (const r of siblings) {
      for (const c of r.when) {
        if (c.arg !== i) continue;
        vals.add(c.mask);
        for (const v of c.oneOf) { vals.add(v); vals.add(v | (c.mask & ~v & 0x0f0fn)); }
      }
    }
    // A value no rule names, for negated conditions.
    vals.add(0x3ffffff1n);
    return [...vals];
  });
  const data = (args: bigint[]) => ({ nr: rule.nr, arch: arch.auditArch, args });
  const good = (args: bigint[]): boolean => {
    if (!ruleMatches(rule, data(args))) return false;
    const needs = violationNeeds(arch, rule.nr, args, RUNTIME);
    return needs.some((s) => s.join(' ') === canonical(rule.rule.requires).join(' '));
  };
  // Start from the values the rule's own conditions need (ANDed per argument), then vary one or two arguments.
  const base = [0n, 0n, 0n, 0n, 0n, 0n];
  for (const c of rule.when) {
    if (!c.negate) base[c.arg] = base[c.arg]! | c.oneOf[0]!;
    else if (c.oneOf.includes(base[c.arg]! & c.mask)) base[c.arg] = 0x3ffffff1n & (c.width === 32 ? 0xffffffffn : -1n);
  }
  if (good(base)) return base;
  const argsUsed = [...new Set(siblings.flatMap((r) => r.when.map((c) => c.arg)))];
  for (const i of argsUsed) {
    for (const v of pool[i]!) {
      const a = [...base]; a[i] = v;
      if (good(a)) return a;
      for (const j of argsUsed) {
        if (j <= i) continue;
        for (const w of pool[j]!) {
          const b = [...a]; b[j] = w;
          if (good(b)) return b;
        }
      }
    }
  }
  return undefined;
}

const canonical = (names: readonly string[]): string[] => ALL.filter((p) => names.includes(p));

describe('the report names the missing promise for every rule of the catalog', () => {
  for (const arch of [x86_64, aarch64]) {
    it(`${arch.name}: for each ALLOW rule, with every promise but its own pledged, the report says it needs them`, () => {
      const rules = attributionRules(arch, RUNTIME);
      expect(rules.length).toBeGreaterThan(250);
      const failures: string[] = [];
      let checked = 0;
      for (const rule of rules) {
        const args = argsFor(rule, rules, arch);
        const requires = canonical(rule.rule.requires);
        if (!args) { failures.push(`${rule.rule.syscall} [${requires.join(' ')}]: no arguments found`); continue; }
        const inForce = ALL.filter((p) => !requires.includes(p));
        const t = tables(arch, inForce);
        const violation = { nr: rule.nr, args, pid: PID, tid: PID, comm: 'node' };
        const json = JSON.parse(formatViolation(t, violation, 'json')) as { needs: string[][]; promises: string; syscall: string };
        // The native attribution names the rule's promises, and agrees with the TypeScript twin.
        if (!json.needs.some((s) => s.join(' ') === requires.join(' '))) failures.push(`${rule.rule.syscall} [${requires.join(' ')}]: needs ${JSON.stringify(json.needs)}`);
        expect(json.needs).toEqual(violationNeeds(arch, rule.nr, args, RUNTIME, inForce));
        expect(json.promises).toBe(inForce.join(' '));
        expect(json.syscall).toBe(rule.rule.syscall);
        const line = formatViolation(t, violation, 'text');
        expect(line).toContain(`"${requires.join(' ')}"`);
        expect(line.startsWith(`node[${PID}]: pledge "${inForce.join(' ')}" blocked ${rule.rule.syscall}(`)).toBe(true);
        checked++;
      }
      expect(failures).toEqual([]);
      expect(checked).toBe(rules.length);
    });
  }
});

describe('the filter pledge() compiles (simulated)', () => {
  const sim = (promises: string, syscall: string, args: (number | bigint)[], options: Parameters<typeof compilePledge>[1] = {}): number => {
    const f = compilePledge(promises, { arch: 'x64', pid: PID, jit: true, ...options });
    return run(f.program, { nr: nr(syscall), arch: x86_64.auditArch, args }).ret >>> 0;
  };
  it('traps violations when reporting, kills or fails them itself when quiet', () => {
    expect(sim('stdio', 'socket', [2, 1, 0])).toBe(SECCOMP_RET_TRAP);
    expect(sim('stdio', 'socket', [2, 1, 0], { quiet: true })).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(sim('stdio', 'socket', [2, 1, 0], { quiet: true, penalty: 'errno', errno: 'EACCES' })).toBe((0x00050000 | x.EACCES!) >>> 0);
    expect(sim('stdio error', 'socket', [2, 1, 0], { quiet: true })).toBe((0x00050000 | x.ENOSYS!) >>> 0);
    expect(sim('stdio', 'getpid', [])).toBe(SECCOMP_RET_ALLOW);
  });
  it('lets the handler do exactly what it needs, also without stdio', () => {
    expect(sim('rpath', 'write', [2, 0, 10])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('rpath', 'write', [3, 0, 10])).toBe(SECCOMP_RET_TRAP);
    expect(sim('rpath', 'write', [5, 0, 10], { reportFd: 5 })).toBe(SECCOMP_RET_ALLOW);
    expect(sim('rpath', 'getpid', [])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('rpath', 'gettid', [])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('rpath', 'write', [2, 0, 10], { quiet: true })).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(sim('rpath', 'write', [2, 0, 10], { quiet: true, reporterRules: true })).toBe(SECCOMP_RET_ALLOW);
  });
  it('turns exit_group(magic) into KILL_PROCESS, other statuses exit', () => {
    expect(sim('stdio', 'exit_group', [REPORT_EXIT_MAGIC])).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(sim('stdio', 'exit_group', [0xffffffff00000000n | BigInt(REPORT_EXIT_MAGIC)])).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(sim('stdio', 'exit_group', [0])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('stdio', 'exit_group', [159])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('', 'exit_group', [REPORT_EXIT_MAGIC])).toBe(SECCOMP_RET_KILL_PROCESS);
  });
  it('traps rt_sigaction(SIGSYS, act) (the handler keeps itself) but not a query or another signal', () => {
    expect(sim('stdio', 'rt_sigaction', [x.SIGSYS!, 0x1000, 0, 8])).toBe(SECCOMP_RET_TRAP);
    expect(sim('stdio', 'rt_sigaction', [x.SIGSYS!, 0, 0x1000, 8])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('stdio', 'rt_sigaction', [x.SIGINT!, 0x1000, 0, 8])).toBe(SECCOMP_RET_ALLOW);
    expect(sim('stdio', 'rt_sigaction', [x.SIGSYS!, 0x1000, 0, 8], { quiet: true })).toBe(SECCOMP_RET_ALLOW);
    expect((sim('stdio', 'rt_sigaction', [x.SIGSYS!, 0x1000n << 32n, 0, 8]) & SECCOMP_RET_ACTION_FULL) >>> 0).toBe(SECCOMP_RET_TRAP);
  });
  it('refuses bad options with EINVAL', () => {
    expect(() => compilePledge('stdio', { penalty: 'errno', errno: 'EFOO' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => compilePledge('stdio', { penalty: 'explode' as 'kill' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => compilePledge('stdio error', { penalty: 'kill' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => compilePledge('stdio', { errno: 'EPERM' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => compilePledge('stdio', { reportFd: -1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('the foreign-ABI line (docs/reports.md "Foreign ABIs")', () => {
  const I386 = 0x40000003;
  const ARM = 0x40000028;
  const foreign = (arch: ArchDescriptor, v: { nr: number; auditArch?: number }, format: 'text' | 'json' = 'text'): string =>
    formatViolation(tables(arch, ['stdio'], { penalty: 'errno' }), { ...v, args: [1n, 2n], pid: PID, tid: PID + 1 }, format);

  it('names the ABI, the number and its name, whatever the penalty', () => {
    expect(foreign(x86_64, { nr: 20, auditArch: I386 })).toBe('node[4242]: pledge "stdio" blocked i386 syscall 20 (getpid); no promise allows a foreign ABI');
    expect(foreign(x86_64, { nr: 11, auditArch: I386 })).toBe('node[4242]: pledge "stdio" blocked i386 syscall 11 (execve); no promise allows a foreign ABI');
    expect(foreign(x86_64, { nr: 0x40000000 | 39 })).toBe('node[4242]: pledge "stdio" blocked x32 syscall 0x40000027 (getpid); no promise allows a foreign ABI');
    expect(foreign(x86_64, { nr: 0x40000000 | 520 })).toBe('node[4242]: pledge "stdio" blocked x32 syscall 0x40000208 (execve); no promise allows a foreign ABI');
    expect(foreign(x86_64, { nr: 9999, auditArch: I386 })).toBe('node[4242]: pledge "stdio" blocked i386 syscall 9999; no promise allows a foreign ABI');
    expect(foreign(aarch64, { nr: 20, auditArch: ARM })).toBe('node[4242]: pledge "stdio" blocked AArch32 syscall 20 (getpid); no promise allows a foreign ABI');
    expect(foreign(aarch64, { nr: 5, auditArch: 0x1234 })).toBe('node[4242]: pledge "stdio" blocked foreign syscall 5 (audit arch 0x1234); no promise allows a foreign ABI');
  });

  it('the native ABI is unchanged: auditArch equal to the tables\' is an ordinary report', () => {
    expect(foreign(x86_64, { nr: nr('getpid'), auditArch: x86_64.auditArch })).toBe(foreign(x86_64, { nr: nr('getpid') }));
    expect(foreign(aarch64, { nr: 0x40000000 | 20 })).not.toContain('foreign ABI'); // aarch64 has no x32-like bit
  });

  it('JSON: abi, syscall, nr, empty args and needs, penalty kill, no errno', () => {
    expect(JSON.parse(foreign(x86_64, { nr: 20, auditArch: I386 }, 'json'))).toEqual({
      process: 'node', pid: PID, tid: PID + 1, syscall: 'getpid', nr: 20, arch: 'x86_64', abi: 'i386', args: [],
      raw: ['0x1', '0x2', '0x0', '0x0', '0x0', '0x0'], call: 'i386 syscall 20 (getpid)', promises: 'stdio', needs: [], penalty: 'kill',
    });
    expect(JSON.parse(foreign(x86_64, { nr: 0x40000000 | 4000 }, 'json'))).toMatchObject({ syscall: null, nr: 0x40000000 + 4000, abi: 'x32' });
  });

  it('compilePledge traps a foreign ABI when it reports, and kills it when quiet', () => {
    const getpid32 = { nr: 20, arch: I386 };
    const x32 = { nr: 0x40000000 | nr('getpid'), arch: x86_64.auditArch };
    for (const d of [getpid32, x32]) {
      expect(run(compilePledge('stdio', { arch: 'x64', pid: PID }).program, d).ret).toBe(SECCOMP_RET_TRAP);
      expect(run(compilePledge('stdio', { arch: 'x64', pid: PID, penalty: 'errno' }).program, d).ret).toBe(SECCOMP_RET_TRAP);
      expect(run(compilePledge('stdio', { arch: 'x64', pid: PID, quiet: true }).program, d).ret).toBe(SECCOMP_RET_KILL_PROCESS);
    }
  });
});
