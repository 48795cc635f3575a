/**
 * OpenBSD pledge(2)'s calling rules, table-tested on core's pure planner
 * (planPledge) without a kernel: monotonicity, `error`, execpromises, the
 * penalty across calls, the reporter, rings, and when nothing is installed.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_PLEDGE_STATE, PledgeError, planPledge, type PledgePlan, type PledgeRequest, type PledgeState } from '@seccomp-scopes/core';
import { x86_64 } from '@seccomp-scopes/arch-x86_64';

const FACTS = { pid: 4242, uid: 1000, gid: 1000, comm: 'node' };

/** Plans a sequence of calls from a fresh process; returns each plan, or the error code of the call that threw. */
function sequence(calls: readonly PledgeRequest[], facts = FACTS): (PledgePlan | string)[] {
  let state: PledgeState = INITIAL_PLEDGE_STATE;
  return calls.map((call) => {
    try {
      const plan = planPledge(state, call, x86_64, facts);
      state = plan.next;
      return plan;
    } catch (e) {
      if (!(e instanceof PledgeError)) throw e;
      return `${e.code} ${e.reason}`;
    }
  });
}
const planOf = (p: PledgePlan | string): PledgePlan => {
  if (typeof p === 'string') throw new Error(`expected a plan, got ${p}`);
  return p;
};

describe('planPledge: promises only narrow', () => {
  const cases: { name: string; calls: PledgeRequest[]; last: string | { promises: string; filters: number; installs: boolean } }[] = [
    { name: 'first call installs', calls: [{ promises: 'stdio rpath' }], last: { promises: 'stdio rpath', filters: 1, installs: true } },
    { name: 'dropping a promise installs one more filter', calls: [{ promises: 'stdio rpath' }, { promises: 'stdio' }], last: { promises: 'stdio', filters: 2, installs: true } },
    { name: 'the same promises install nothing', calls: [{ promises: 'stdio rpath' }, { promises: 'rpath  stdio' }], last: { promises: 'stdio rpath', filters: 1, installs: false } },
    { name: 'asking for more is EPERM', calls: [{ promises: 'stdio' }, { promises: 'stdio rpath' }], last: 'EPERM PRIVILEGE_INCREASE' },
    { name: 'under error, more is dropped silently', calls: [{ promises: 'stdio error' }, { promises: 'stdio rpath error' }], last: { promises: 'stdio error', filters: 1, installs: false } },
    { name: 'an unknown promise is EINVAL', calls: [{ promises: 'stdio bogus' }], last: 'EINVAL UNKNOWN_PROMISE' },
    { name: 'a device promise is ENOTSUP', calls: [{ promises: 'stdio audio' }], last: 'ENOTSUP UNSUPPORTED_PROMISE' },
    { name: 'execpromises alone before any promises is EINVAL', calls: [{ execpromises: 'stdio' }], last: 'EINVAL BAD_ARGUMENT' },
    { name: 'execpromises beyond the promises is EINVAL', calls: [{ promises: 'stdio', execpromises: 'stdio rpath' }], last: 'EINVAL BAD_ARGUMENT' },
    { name: 'wider execpromises later is EPERM', calls: [{ promises: 'stdio rpath', execpromises: 'stdio' }, { execpromises: 'stdio rpath' }], last: 'EPERM PRIVILEGE_INCREASE' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plans = sequence(c.calls);
      const last = plans[plans.length - 1]!;
      if (typeof c.last === 'string') {
        expect(last).toBe(c.last);
        return;
      }
      const plan = planOf(last);
      expect((plan.next.promises ?? []).join(' ')).toBe(c.last.promises);
      expect(plan.next.filters).toBe(c.last.filters);
      expect(plan.filter !== undefined).toBe(c.last.installs);
    });
  }
  it('a refused call leaves the state as it was (the caller keeps the old one)', () => {
    const first = planOf(sequence([{ promises: 'stdio' }])[0]!);
    expect(() => planPledge(first.next, { promises: 'stdio inet' }, x86_64, FACTS)).toThrow(PledgeError);
    expect(first.next.promises).toEqual(['stdio']);
  });
});

describe('planPledge: the penalty and the reporter', () => {
  it('once kill, always kill: a later errno request keeps kill', () => {
    const [, second] = sequence([{ promises: 'stdio rpath' }, { promises: 'stdio', options: { penalty: 'errno' } }]);
    expect(planOf(second!).next.penalty).toEqual({ kind: 'kill' });
  });
  it('errno then kill tightens', () => {
    const [, second] = sequence([{ promises: 'stdio rpath', options: { penalty: 'errno', errno: 'EACCES' } }, { promises: 'stdio rpath' }]);
    expect(planOf(second!).next.penalty).toEqual({ kind: 'kill' });
    expect(planOf(second!).filter).toBeDefined();
  });
  it('the error promise means errno ENOSYS', () => {
    const [p] = sequence([{ promises: 'stdio error' }]);
    expect(planOf(p!).filter!.penalty).toEqual({ kind: 'errno', errno: 'ENOSYS' });
  });
  it('the first reporting call installs the handler; quiet does not, unless rings must be replayed', () => {
    expect(planOf(sequence([{ promises: 'stdio' }])[0]!).reporter).toBeDefined();
    expect(planOf(sequence([{ promises: 'stdio', options: { quiet: true } }])[0]!).reporter).toBeUndefined();
    const withRings = planOf(sequence([{ promises: 'stdio', options: { quiet: true } }], { ...FACTS, rings: [4, 11], eventFds: [9] } as typeof FACTS)[0]!);
    expect(withRings.reporter?.options.quiet).toBe(true);
    expect(withRings.filter).toMatchObject({ trap: false, reporterRules: true, ringFds: [4, 11], eventFds: [9] });
  });
  it('rings are taken from the first call only', () => {
    let state = planOf(sequence([{ promises: 'stdio rpath' }], { ...FACTS, rings: [4] } as typeof FACTS)[0]!).next;
    state = planPledge(state, { promises: 'stdio' }, x86_64, { ...FACTS, rings: [99] }).next;
    expect(state.rings).toEqual([4]);
  });
  it('the report descriptor is fixed by the first call that reports', () => {
    expect(sequence([{ promises: 'stdio rpath', options: { reportFd: 5 } }, { promises: 'stdio', options: { reportFd: 2 } }])[1]).toBe('EINVAL BAD_ARGUMENT');
  });
  it('a handler cannot be installed by a later call once stdio is gone', () => {
    const [, second] = sequence([{ promises: 'rpath', options: { quiet: true } }, { promises: 'rpath' }]);
    expect(planOf(second!).reporter).toBeUndefined();
  });
  it('bad options are EINVAL', () => {
    expect(sequence([{ promises: 'stdio', options: { format: 'xml' as 'json' } }])[0]).toBe('EINVAL BAD_ARGUMENT');
    expect(sequence([{ promises: 'stdio', options: { reportFd: -1 } }])[0]).toBe('EINVAL BAD_ARGUMENT');
    expect(sequence([{ promises: 'stdio', options: { penalty: 'errno', errno: 'ENOTANERRNO' } }])[0]).toMatch(/^EINVAL /);
  });
});

describe('planPledge: what the call must do besides the filter', () => {
  it('a pledge locks the paths unveiled before it, with or without the unveil promise; one that installs nothing does not', () => {
    expect(planOf(sequence([{ promises: 'stdio rpath' }])[0]!).lockUnveil).toBe(true);
    expect(planOf(sequence([{ promises: 'stdio rpath unveil' }])[0]!).lockUnveil).toBe(true);
    expect(planOf(sequence([{ promises: 'stdio rpath unveil' }, { promises: 'stdio rpath unveil' }])[1]!).lockUnveil).toBe(false);
  });
  it('promises without stdio end the process directly', () => {
    expect(planOf(sequence([{ promises: '' }])[0]!).directExit).toBe(true);
    expect(planOf(sequence([{ promises: 'stdio' }])[0]!).directExit).toBe(false);
  });
});
