// The pure Landlock semantics in @seccomp-scopes/core: the ABI table, the
// unveil letter mapping, the downgrade per kernel ABI, and where Landlock
// widens rules. No kernel involved.
import { describe, expect, it } from 'vitest';
import {
  LANDLOCK_ABIS, LANDLOCK_ACCESS_FS, LANDLOCK_FILE_RIGHTS, LANDLOCK_MAX_KNOWN_ABI, LANDLOCK_RESTRICT_SELF_TSYNC,
  PledgeError, UNVEIL_ALL_RIGHTS, UNVEIL_PERMISSIONS, isPathBeneath, landlockDowngrade, landlockFsRightsForAbi,
  landlockMask, landlockRightNames, parseUnveilPermissions, unveilLettersOf, unveilRuleRights, unveilWidenedRules,
  type LandlockFsRight,
} from '@seccomp-scopes/core';

const names = (mask: number): LandlockFsRight[] => landlockRightNames(mask);
const ABI1: LandlockFsRight[] = ['EXECUTE', 'WRITE_FILE', 'READ_FILE', 'READ_DIR', 'REMOVE_DIR', 'REMOVE_FILE', 'MAKE_CHAR', 'MAKE_DIR', 'MAKE_REG', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_BLOCK', 'MAKE_SYM'];

describe('Landlock ABI table', () => {
  it('matches the UAPI bit values and introduces each right once', () => {
    expect(LANDLOCK_ACCESS_FS.REFER).toBe(0x2000);
    expect(LANDLOCK_ACCESS_FS.TRUNCATE).toBe(0x4000);
    expect(LANDLOCK_ACCESS_FS.IOCTL_DEV).toBe(0x8000);
    expect(LANDLOCK_RESTRICT_SELF_TSYNC).toBe(8);
    const introduced = LANDLOCK_ABIS.flatMap((v) => v.fs);
    expect(new Set(introduced).size).toBe(introduced.length);
    expect(introduced.sort()).toEqual(Object.keys(LANDLOCK_ACCESS_FS).sort());
    expect(LANDLOCK_ABIS.map((v) => v.abi)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(LANDLOCK_MAX_KNOWN_ABI).toBe(8);
  });

  it('unveil maps its letters onto every known right, and "c" holds REFER', () => {
    expect(UNVEIL_ALL_RIGHTS).toBe(landlockFsRightsForAbi(LANDLOCK_MAX_KNOWN_ABI));
    const byLetter = Object.fromEntries(UNVEIL_PERMISSIONS.map((p) => [p.letter, [...p.rights].sort()]));
    expect(byLetter).toEqual({
      r: ['READ_DIR', 'READ_FILE'],
      w: ['IOCTL_DEV', 'TRUNCATE', 'WRITE_FILE'],
      x: ['EXECUTE'],
      c: ['MAKE_BLOCK', 'MAKE_CHAR', 'MAKE_DIR', 'MAKE_FIFO', 'MAKE_REG', 'MAKE_SOCK', 'MAKE_SYM', 'REFER', 'REMOVE_DIR', 'REMOVE_FILE'],
    });
    // No right belongs to two letters.
    const all = UNVEIL_PERMISSIONS.flatMap((p) => p.rights);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('landlockDowngrade over kernel ABIs 0..8', () => {
  // ABI → [handled rights beyond ABI 1, dropped, thread sync]
  const table: [number, LandlockFsRight[], LandlockFsRight[], string][] = [
    [1, [], ['REFER', 'TRUNCATE', 'IOCTL_DEV'], 'signal'],
    [2, ['REFER'], ['TRUNCATE', 'IOCTL_DEV'], 'signal'],
    [3, ['REFER', 'TRUNCATE'], ['IOCTL_DEV'], 'signal'],
    [4, ['REFER', 'TRUNCATE'], ['IOCTL_DEV'], 'signal'],
    [5, ['REFER', 'TRUNCATE', 'IOCTL_DEV'], [], 'signal'],
    [6, ['REFER', 'TRUNCATE', 'IOCTL_DEV'], [], 'signal'],
    [7, ['REFER', 'TRUNCATE', 'IOCTL_DEV'], [], 'signal'],
    [8, ['REFER', 'TRUNCATE', 'IOCTL_DEV'], [], 'tsync'],
  ];

  it.each(table)('ABI %i handles ABI 1 + %j, drops %j, reaches threads by %s', (abi, extra, dropped, sync) => {
    for (const bestEffort of [false, true]) {
      const d = landlockDowngrade(UNVEIL_ALL_RIGHTS, abi, { bestEffort });
      expect(names(d.handled).sort()).toEqual([...ABI1, ...extra].sort());
      expect(names(d.dropped)).toEqual(dropped);
      expect(d.gaps.map((g) => g.right)).toEqual(dropped);
      expect(d.threadSync).toBe(sync);
      expect(d.restrictFlags).toBe(sync === 'tsync' ? LANDLOCK_RESTRICT_SELF_TSYNC : 0);
      expect(d.enforced).toBe(true);
      const security = d.gaps.filter((g) => g.kind === 'security').map((g) => g.right);
      const functional = d.gaps.filter((g) => g.kind === 'function').map((g) => g.right);
      expect(security).toEqual(dropped.filter((r) => r !== 'REFER'));
      expect(functional).toEqual(dropped.filter((r) => r === 'REFER'));
      if (bestEffort) {
        expect(d.error).toBeUndefined();
        expect(d.warnings).toHaveLength(dropped.length);
      } else {
        // Strict: an unrestricted access is an error; losing REFER only refuses more, so it is a warning.
        expect(d.error?.code).toBe(security.length > 0 ? 'ENOTSUP' : undefined);
        expect(d.error?.reason).toBe(security.length > 0 ? 'LANDLOCK_ABI_TOO_OLD' : undefined);
        if (d.error) for (const r of security) expect(d.error.message).toContain(r);
        expect(d.warnings).toHaveLength(functional.length);
      }
    }
  });

  it('ABI 0: nothing enforced; strict is ENOTSUP, best effort warns that nothing is enforced', () => {
    const strict = landlockDowngrade(UNVEIL_ALL_RIGHTS, 0, { unavailableReason: 'landlock_create_ruleset: ENOSYS' });
    expect(strict).toMatchObject({ enforced: false, handled: 0, dropped: UNVEIL_ALL_RIGHTS, threadSync: 'none', warnings: [] });
    expect(strict.error).toBeInstanceOf(PledgeError);
    expect(strict.error).toMatchObject({ code: 'ENOTSUP', reason: 'LANDLOCK_UNAVAILABLE' });
    expect(strict.error!.message).toContain('ENOSYS');
    const lax = landlockDowngrade(UNVEIL_ALL_RIGHTS, 0, { bestEffort: true });
    expect(lax.error).toBeUndefined();
    expect(lax.warnings).toEqual([expect.stringContaining('enforces nothing')]);
  });

  it('newer ABIs behave as the newest known one; requested rights narrow what is handled', () => {
    expect(landlockDowngrade(UNVEIL_ALL_RIGHTS, 12).handled).toBe(UNVEIL_ALL_RIGHTS);
    expect(landlockDowngrade(UNVEIL_ALL_RIGHTS, 12).threadSync).toBe('tsync');
    const onlyRead = landlockMask(['READ_FILE', 'READ_DIR']);
    expect(landlockDowngrade(onlyRead, 1)).toMatchObject({ handled: onlyRead, dropped: 0, gaps: [], warnings: [] });
    expect(landlockDowngrade(onlyRead, 1).error).toBeUndefined();
  });

  it('refuses a bad ABI or unknown rights with EINVAL', () => {
    expect(() => landlockDowngrade(UNVEIL_ALL_RIGHTS, -1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => landlockDowngrade(UNVEIL_ALL_RIGHTS, 1.5)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => landlockDowngrade(1 << 20, 8)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('unveil permission letters', () => {
  it('accepts any subset of rwxc in any order, repeats and "" included', () => {
    expect(parseUnveilPermissions('')).toBe('');
    expect(parseUnveilPermissions('cxwr')).toBe('rwxc');
    expect(parseUnveilPermissions('rr')).toBe('r');
  });

  it('names the bad letter and lists the valid ones', () => {
    for (const [perms, letter] of [['rwz', 'z'], ['R', 'R'], ['r w', ' '], ['rwxcd', 'd']] as const) {
      let error: unknown;
      try { parseUnveilPermissions(perms); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(PledgeError);
      expect(error).toMatchObject({ code: 'EINVAL', reason: 'BAD_ARGUMENT', details: { letter } });
      expect((error as Error).message).toContain(`${JSON.stringify(letter)} in ${JSON.stringify(perms)}`);
      expect((error as Error).message).toContain('r w x c');
    }
    expect(() => parseUnveilPermissions(7 as unknown as string)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('a directory gets every right of its letters; anything else only file rights', () => {
    const dir = unveilRuleRights('rwxc', true);
    expect(dir).toEqual({ permissions: 'rwxc', rights: UNVEIL_ALL_RIGHTS, inapplicable: 0 });
    const file = unveilRuleRights('rwxc', false);
    expect(file.rights).toBe(LANDLOCK_FILE_RIGHTS);
    expect(names(file.inapplicable)).toEqual(['READ_DIR', 'REMOVE_DIR', 'REMOVE_FILE', 'MAKE_CHAR', 'MAKE_DIR', 'MAKE_REG', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_BLOCK', 'MAKE_SYM', 'REFER']);
    expect(unveilRuleRights('c', false).rights).toBe(0);
    expect(unveilRuleRights('', true).rights).toBe(0);
    expect(unveilLettersOf(unveilRuleRights('rc', true).rights)).toBe('rc');
  });
});

describe('where Landlock widens rules', () => {
  const r = unveilRuleRights('r', true).rights;
  const rw = unveilRuleRights('rw', true).rights;
  it('finds a narrower or "" rule beneath a wider one, not the reverse, not siblings', () => {
    expect(isPathBeneath('/a/b', '/a')).toBe(true);
    expect(isPathBeneath('/ab', '/a')).toBe(false);
    expect(isPathBeneath('/a', '/a')).toBe(false);
    expect(isPathBeneath('/a', '/')).toBe(true);
    expect(unveilWidenedRules([
      { path: '/home', directory: true, rights: rw },
      { path: '/home/me/.ssh', directory: true, rights: 0 },
      { path: '/home/me/pub', directory: true, rights: r },
      { path: '/homework', directory: true, rights: 0 },
      { path: '/home/me/big', directory: true, rights: unveilRuleRights('rwc', true).rights },
    ]).map((w) => [w.path, w.ancestor, names(w.extra)])).toEqual([
      ['/home/me/.ssh', '/home', ['WRITE_FILE', 'READ_FILE', 'READ_DIR', 'TRUNCATE', 'IOCTL_DEV']],
      ['/home/me/pub', '/home', ['WRITE_FILE', 'TRUNCATE', 'IOCTL_DEV']],
    ]);
  });
  it('for a file beneath a directory only file rights count', () => {
    const w = unveilWidenedRules([
      { path: '/d', directory: true, rights: unveilRuleRights('rc', true).rights },
      { path: '/d/f', directory: false, rights: unveilRuleRights('r', false).rights },
    ]);
    expect(w).toEqual([]);
  });
});
