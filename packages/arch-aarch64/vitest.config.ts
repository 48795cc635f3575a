import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@seccomp-scopes/arch-aarch64', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30000 } });
