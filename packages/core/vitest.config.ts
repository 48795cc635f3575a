import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@seccomp-scopes/core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30000 } });
