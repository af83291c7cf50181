import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`, issue 14): brokers, databases, links and the server
 * itself killed, cut and restarted, each scenario checking the invariants afterwards. Its own
 * config, so `npm test` stays what it was; CI runs both (.ci/run). One file at a time: the
 * scenarios start private PostgreSQL and Mosquitto processes and kill them.
 */
export default defineConfig({
  test: {
    name: 'faults',
    include: ['apps/server/test/faults/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
