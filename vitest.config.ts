import { defineConfig } from 'vitest/config';

/**
 * Three tiers, each a vitest project runnable alone (`npm run test:unit`, `test:db`, `test:system`):
 * - unit: no database, no service process, no network but loopback fakes in-process;
 * - database: a test database of each flavour (test/support/db.ts) or the whole runtime on PGlite;
 * - system: the service as child processes (crash, multi-instance, chaos, cluster) or a browser.
 * `npm test` runs unit + database together, then the system tier alone: its files are
 * timing-sensitive on a small machine, so nothing may run beside them.
 */
export default defineConfig({
  test: {
    // Database tests create their own database per file, so files may run in parallel.
    pool: 'forks',
    // Two files at a time even on two cores (vitest's default there is one): most test time is
    // spent waiting on PostgreSQL, timers and loopback fakes, so a second fork cuts the wall time
    // by about a third (unit + database on this 2-core machine: 249 s with one, 172 s with two).
    // The system tier still runs one file at a time (fileParallelism below).
    maxWorkers: 2,
    // Bounds for a hung test or setup, not speed claims (those are in the bench). On a loaded 2-core machine
    // (load average 20-37, issue 28) PGlite's setup of a whole runtime took over 60 s and a property test 43 s.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'] } },
      { extends: true, test: { name: 'database', include: ['test/database/**/*.test.ts'] } },
      // One file at a time: each starts service processes that must not compete for the cores.
      { extends: true, test: { name: 'system', include: ['test/system/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
