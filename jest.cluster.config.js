/**
 * `npm run test:cluster`: the integration tests that matter, run against the project's Temporal
 * cluster harness (PostgreSQL, separate services, two history nodes) instead of the dev server,
 * and the tests only a cluster can have (setup on a bare cluster, TLS and mTLS, API keys, the
 * compose file's environment). The chaos run on the cluster follows (package.json).
 */
const shared = require('./jest.config.js');

const onBoth = ['pipeline', 'outcomes', 'downloads', 'download-committed', 'receiver-fuzz', 'receiver-log', 'webhook', 'batch', 'metrics', 'conversions-api', 'temporal-ui'];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120_000,
  maxWorkers: shared.maxWorkers,
  projects: [
    {
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': ['@swc/jest'] },
      displayName: 'cluster',
      testMatch: [...onBoth.map((name) => `<rootDir>/test/integration/${name}.test.ts`), '<rootDir>/test/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/cluster-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/cluster-global-teardown.ts',
    },
  ],
};
