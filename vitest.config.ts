import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure, fake clocks, no ports), `integration` (real database and broker,
 * embedded by default; PostgreSQL and Mosquitto too when TEST_DATABASE_URL / TEST_MQTT_URL are set)
 * and `e2e` (the whole stack driven by Chromium through Playwright).
 */
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/unit/**/*.test.ts'],
          exclude: ['packages/*/test/integration/**'],
          setupFiles: ['test-support/frenchBrowser.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['apps/*/test/integration/**/*.test.ts', 'packages/*/test/integration/**/*.test.ts'],
          // Groups run one after the other: unit first, the browser last.
          sequence: { groupOrder: 1 },
          // Generous: a test that spawns the CLI or runs a dozen scrypt checks takes seconds on a
          // quiet machine and much longer on a busy one; a test that hangs still fails.
          testTimeout: 90_000,
          hookTimeout: 60_000,
          // Each file gets its own databases and brokers on ephemeral ports; keep the 2 cores calm.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          globalSetup: ['e2e/buildWeb.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
