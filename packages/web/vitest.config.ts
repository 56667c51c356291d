import { defineProject } from 'vitest/config';

/**
 * Browser tests: the real server and the built app in Debian's Chromium (see e2e/README.md), from the
 * `*.e2e.ts` files under e2e/. `npm test` builds the app first.
 */
export default defineProject({
  test: {
    name: 'web-e2e',
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    // A page waits for the server, the server for its database, and each wait has its own shorter limit.
    testTimeout: 60_000,
    // Starting a database, a server and Chromium.
    hookTimeout: 120_000,
    // One e2e file at a time, never beside the other projects: a project with file parallelism off runs its
    // files one by one in a group of its own, after every other project's files (Vitest's grouping of
    // specs), so Chromium's processes do not take the two cores from the server tests' databases.
    fileParallelism: false,
  },
});
