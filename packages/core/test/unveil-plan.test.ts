/**
 * The unveil plan unveil()'s lock and the `pledge` command's -v share
 * (planUnveil), as a table over kernels, without one; and the option hint
 * of PledgeError, with which each caller names the options its own way.
 */
import { describe, expect, it } from 'vitest';
import {
  LANDLOCK_ACCESS_FS, LIBRARY_OPTION_SPELLING, PledgeError, TMPPATH_DIRECTORY, TMPPATH_RIGHTS, UNVEIL_ALL_RIGHTS, landlockDowngrade, planUnveil, resolvePenalty,
  tmppathConfined, type UnveilPlanRule,
} from '../src/index.js';
import { FAKE } from './fake-arch.js';

const CLI_SPELLING = { penalty: '--penalty', errno: '--errno', bestEffort: '--unveil-best-effort' } as const;

const rule = (resolved: string, permissions: string, directory = true): UnveilPlanRule =>
  ({ label: `unveil(${JSON.stringify(resolved)}, ${JSON.stringify(permissions)})`, resolved, directory, permissions });

function thrown(f: () => unknown): PledgeError {
  try {
    f();
  } catch (e) {
    if (e instanceof PledgeError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('planUnveil', () => {
  const abi6 = landlockDowngrade(UNVEIL_ALL_RIGHTS, 6, {});

  it('gives each rule the rights of its letters that the ABI handles, in order', () => {
    const plan = planUnveil(abi6, [rule('/srv', 'r'), rule('/srv/f', 'rw', false), rule('/tmp', '')], { bestEffort: false, what: 'unveil()' });
    expect(plan.rules.map((r) => r.resolved)).toEqual(['/srv', '/srv/f', '/tmp']);
    expect(plan.rules[0]!.mask).toBe(LANDLOCK_ACCESS_FS.READ_FILE | LANDLOCK_ACCESS_FS.READ_DIR);
    expect(plan.rules[2]!.mask).toBe(0);
    expect(plan.warnings).toEqual([]);
    // ABI 1 has no TRUNCATE: "w" on a file is WRITE_FILE only there.
    const abi1 = landlockDowngrade(UNVEIL_ALL_RIGHTS, 1, { bestEffort: true });
    const old = planUnveil(abi1, [rule('/srv/f', 'w', false)], { bestEffort: true, what: 'unveil()' });
    expect(old.rules[0]!.mask).toBe(LANDLOCK_ACCESS_FS.WRITE_FILE);
    expect(old.warnings).toEqual(abi1.warnings);
  });

  it('strict: a rule beneath a wider one is refused (UNVEIL_WIDENED), naming the option each caller spells its own way', () => {
    const e = thrown(() => planUnveil(abi6, [rule('/home', 'rw'), rule('/home/.ssh', '')], { bestEffort: false, what: 'unveil()' }));
    expect(e).toMatchObject({ code: 'ENOTSUP', reason: 'UNVEIL_WIDENED', hint: { option: 'bestEffort' } });
    expect(e.message).toMatch(/^unveil\(\): Landlock grants the union of the rules on the way from \/, .*\/home\/\.ssh also gets .* from \/home; unveil the paths without overlap, or pass \{ bestEffort: true \}$/);
    expect(e.messageWith(CLI_SPELLING)).toBe(e.message.replace('{ bestEffort: true }', '--unveil-best-effort'));
    expect((e.details['widened'] as unknown[]).length).toBe(1);
  });

  it('best effort: the widening is a warning', () => {
    const plan = planUnveil(abi6, [rule('/home', 'rw'), rule('/home/.ssh', '')], { bestEffort: true, what: '-v' });
    expect(plan.warnings).toEqual([expect.stringMatching(/^unveil \(best effort\): Landlock grants the union .*cannot take rights away/)]);
  });

  it('"c" on a non-directory is a warning naming the rule as the caller does', () => {
    const plan = planUnveil(abi6, [{ ...rule('/srv/f', 'rc', false), label: '-v rc:/srv/f' }], { bestEffort: false, what: '-v' });
    expect(plan.warnings).toEqual(['-v rc:/srv/f: "c" cannot apply to a non-directory under Landlock; creating or removing it needs "c" on its directory']);
  });

  it('without Landlock (best effort) nothing is checked and nothing granted', () => {
    const none = landlockDowngrade(UNVEIL_ALL_RIGHTS, 0, { bestEffort: true });
    const plan = planUnveil(none, [rule('/home', 'rw'), rule('/home/.ssh', ''), rule('/f', 'c', false)], { bestEffort: true, what: 'unveil()' });
    expect(plan.rules.map((r) => r.mask)).toEqual([0, 0, 0]);
    expect(plan.warnings).toEqual(none.warnings);
  });
});

describe('PledgeError hint', () => {
  it("resolvePenalty's and landlockDowngrade's messages name the option in the library's spelling, and in another on request", () => {
    const errno = thrown(() => resolvePenalty(new Set(['stdio']), { penalty: 'errno', errno: 'NOPE' }, FAKE));
    expect(errno.hint).toEqual({ option: 'errno' });
    expect(errno.message).toMatch(/^errno "NOPE" is not an errno name/);
    expect(errno.messageWith(CLI_SPELLING)).toMatch(/^--errno "NOPE" is not an errno name/);
    const onlyErrno = thrown(() => resolvePenalty(new Set(['stdio']), { errno: 'EPERM' }, FAKE));
    expect([onlyErrno.message, onlyErrno.messageWith(CLI_SPELLING)]).toEqual(["errno \"EPERM\" only applies to penalty 'errno'", "--errno \"EPERM\" only applies to penalty 'errno'"]);
    const penalty = thrown(() => resolvePenalty(new Set(['stdio']), { penalty: 'maybe' }, FAKE));
    expect([penalty.hint, penalty.messageWith(CLI_SPELLING)]).toEqual([{ option: 'penalty' }, `--penalty must be 'kill' or 'errno', got "maybe"`]);
    const unavailable = landlockDowngrade(UNVEIL_ALL_RIGHTS, 0, {}).error!;
    expect(unavailable.message).toContain(`pass ${LIBRARY_OPTION_SPELLING.bestEffort} to run unprotected`);
    expect(unavailable.messageWith(CLI_SPELLING)).toContain('pass --unveil-best-effort to run unprotected');
  });

  it('an error without a hint has its message whatever the spelling', () => {
    const e = new PledgeError('EINVAL', 'BAD_ARGUMENT', 'errno here is no option');
    expect(e.hint).toBeUndefined();
    expect(e.messageWith(CLI_SPELLING)).toBe('errno here is no option');
  });
});

describe('tmppath confined to /tmp (the command\'s Landlock ruleset)', () => {
  it('handles only creating a regular file and removing a name, both in ABI 1, beneath /tmp', () => {
    expect(TMPPATH_DIRECTORY).toBe('/tmp');
    expect(TMPPATH_RIGHTS).toBe(LANDLOCK_ACCESS_FS.MAKE_REG | LANDLOCK_ACCESS_FS.REMOVE_FILE);
    expect(landlockDowngrade(TMPPATH_RIGHTS, 1).handled).toBe(TMPPATH_RIGHTS);
    // Reads, writes, truncation, sockets, FIFOs, directories: not handled, so not affected.
    for (const r of ['READ_FILE', 'READ_DIR', 'WRITE_FILE', 'TRUNCATE', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_DIR', 'REMOVE_DIR', 'EXECUTE', 'REFER'] as const) {
      expect(TMPPATH_RIGHTS & LANDLOCK_ACCESS_FS[r]).toBe(0);
    }
  });

  it('applies with tmppath, not beside cpath nor with unveil rules; wpath and dpath do not prevent it', () => {
    const set = (s: string): ReadonlySet<string> => new Set(s.split(' '));
    expect(tmppathConfined(set('stdio tmppath'), false)).toBe(true);
    expect(tmppathConfined(set('stdio rpath wpath dpath tmppath'), false)).toBe(true);
    expect(tmppathConfined(set('stdio wpath cpath tmppath'), false)).toBe(false);
    expect(tmppathConfined(set('stdio tmppath'), true)).toBe(false);
    expect(tmppathConfined(set('stdio rpath wpath cpath'), false)).toBe(false);
  });
});
