import { describe, expect, it } from 'vitest';
import * as byName from '@seccomp-scopes/core';
import * as bySource from '../src/index.js';

describe('the "source" export condition (vitest.config.ts, package.json exports)', () => {
  it("resolves core's own package name to src under vitest: one module instance, no build needed", () => {
    expect(byName.compileFilter).toBe(bySource.compileFilter);
    expect(byName.PledgeError).toBe(bySource.PledgeError);
  });
});
