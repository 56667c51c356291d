import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts'],
    // Two cores: one test file per core; each file owns an embedded database (PGlite) or a PostgreSQL database.
    maxWorkers: 2,
  },
});
