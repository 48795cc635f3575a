import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@seccomp-scopes/tools', include: ['**/*.test.ts'], exclude: ['node_modules/**'], testTimeout: 60000 } });
