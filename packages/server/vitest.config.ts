import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Each file runs its own embedded database or PostgreSQL database: plenty of room for slow starts.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
