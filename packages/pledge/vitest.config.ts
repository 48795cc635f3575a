import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@seccomp-scopes/pledge', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30000 } });
