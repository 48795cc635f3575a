import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@seccomp-scopes/pledge-cli', include: ['test/**/*.test.ts'], testTimeout: 30000 } });
