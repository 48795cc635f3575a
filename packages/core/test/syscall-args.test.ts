/**
 * The argument schema (src/syscall-args.ts) is where an argument's index and
 * width are written. Every argument condition of the catalog and of the
 * reporter's rule groups must use the index and width the schema gives for
 * its syscall and argument name, and the report decode table takes both
 * from it; so a width written in a rule can no longer disagree with the
 * report, or with another rule on the same argument. (The Node runtime
 * allowance, which lives in @seccomp-scopes/pledge, is checked there:
 * pledge test/report.schema.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  ALLOW, CATALOG, REPORT_DECODE, SYSCALL_ARGS, SYSCALL_NAMES, argSchemaMismatches, arg, reporterRules, ringReplayRules, syscallArg,
  type Rule,
} from '../src/index.js';

const REPORTER_GROUPS: readonly Rule[] = [...reporterRules({ reportFd: 2 }), ...ringReplayRules([3, 7])];

describe('the argument schema', () => {
  it('has one row per syscall on an arch table, arguments indexed 0.. in order, names unique, widths 32 or 64', () => {
    const onTable = new Set<string>(SYSCALL_NAMES);
    for (const [syscall, args] of Object.entries(SYSCALL_ARGS)) {
      expect(onTable.has(syscall), syscall).toBe(true);
      expect(args.length, syscall).toBeLessThanOrEqual(6);
      expect(args.map((a) => a.index), syscall).toEqual(args.map((_, i) => i));
      expect(new Set(args.map((a) => a.name)).size, syscall).toBe(args.length);
      for (const a of args) expect([32, 64], `${syscall}(${a.name})`).toContain(a.width);
    }
  });

  it('notes only arguments narrowed to their low 32 bits', () => {
    // The notes mark the long/unsigned long parameters compared on their low word; a note elsewhere would be stale.
    for (const [syscall, args] of Object.entries(SYSCALL_ARGS)) {
      for (const a of args) if (a.note !== undefined) expect(a.width, `${syscall}(${a.name})`).toBe(32);
    }
    expect(syscallArg('mmap', 'prot').note).toMatch(/low word/);
  });

  it('answers by name, and refuses an unknown syscall or argument', () => {
    expect(syscallArg('fcntl', 'cmd')).toMatchObject({ index: 1, width: 32 });
    expect(syscallArg('clone', 'flags')).toMatchObject({ index: 0, width: 64 });
    expect(syscallArg('sendto', 'dest_addr')).toMatchObject({ index: 4, width: 64 });
    expect(() => syscallArg('fcntl', 'command')).toThrow(/fcntl has no argument "command" \(it has fd, cmd, arg\)/);
    expect(() => syscallArg('nosuchcall', 'x')).toThrow(/no row for nosuchcall/);
  });
});

describe('rule conditions use the schema\'s index and width', () => {
  it('every condition of the catalog (ENOSYS fallbacks, always-allowed rules and every promise)', () => {
    expect(CATALOG.some((r) => (r.when ?? []).length > 0)).toBe(true);
    expect(argSchemaMismatches(CATALOG)).toEqual([]);
  });

  it("every condition of the reporter's rules and the io_uring replay trap", () => {
    expect(REPORTER_GROUPS.every((r) => (r.when ?? []).length > 0 || ['getpid', 'gettid'].includes(r.syscall))).toBe(true);
    expect(argSchemaMismatches(REPORTER_GROUPS)).toEqual([]);
  });

  it('a condition with the wrong width, index or name is reported', () => {
    const bad: Rule[] = [
      { syscall: 'fcntl', action: ALLOW, requires: [], why: 't', source: 't', when: [arg.in(1, 64, 'cmd', ['F_GETFD'])] },
      { syscall: 'madvise', action: ALLOW, requires: [], why: 't', source: 't', when: [arg.in(1, 32, 'advice', ['MADV_NORMAL'])] },
      { syscall: 'ioctl', action: ALLOW, requires: [], why: 't', source: 't', when: [arg.in(1, 32, 'cmd', ['FIONREAD'])] },
      { syscall: 'getpid', action: ALLOW, requires: [], why: 't', source: 't', when: [arg.in(0, 32, 'x', [0])] },
    ];
    expect(argSchemaMismatches(bad)).toEqual([
      'fcntl(cmd): rule says index 1 width 64, schema says index 1 width 32',
      'madvise(advice): rule says index 1 width 32, schema says index 2 width 32',
      'ioctl(cmd): no such argument (it has fd, request, arg)',
      'getpid: no row in SYSCALL_ARGS (condition on x)',
    ]);
  });
});

describe('the report decode table reads the schema', () => {
  it('every entry is an argument of its syscall, with the schema\'s index and width; a label is the argument\'s name', () => {
    for (const [syscall, decode] of Object.entries(REPORT_DECODE)) {
      const row = SYSCALL_ARGS[syscall];
      expect(row, syscall).toBeDefined();
      for (const d of decode) {
        expect(row![d.arg], `${syscall} ${d.name}`).toMatchObject({ name: d.name, width: d.width });
        if (d.label !== undefined) expect(d.label, syscall).toBe(d.name);
        if (d.when) expect(row![d.when.arg], `${syscall} guard`).toBeDefined();
      }
    }
  });

  it('shows an argument a rule compares on the width the rule compares it', () => {
    // Both read the schema; this pins the consequence the schema exists for.
    for (const r of [...CATALOG, ...REPORTER_GROUPS]) {
      for (const c of r.when ?? []) {
        for (const d of REPORT_DECODE[r.syscall] ?? []) if (d.arg === c.arg) expect(d.width, `${r.syscall}(${c.name})`).toBe(c.width);
      }
    }
  });
});
