import { defaultServerConditions } from 'vite';
import { defineProject } from 'vitest/config';

// The "source" condition of package.json `exports` resolves @seccomp-scopes/core
// to src/index.ts, so core's tests run on its sources, without a build (see test/README.md).
export default defineProject({
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: { name: '@seccomp-scopes/core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30000 },
});
