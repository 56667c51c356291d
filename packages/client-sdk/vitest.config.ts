import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'sdk',
    include: ['test/**/*.test.ts'],
    // Packing and installing into a fresh project goes through npm: give it time.
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
