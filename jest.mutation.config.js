/**
 * The unit tests `npm run test:mutation` runs (see stryker.config.mjs): those of the pure decision
 * code only, without the integration project's Temporal server.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/src', '<rootDir>/test/unit'],
  testMatch: [
    '<rootDir>/test/unit/{failures,provider-failure,activity-errors,provider-errors,provider-schemas,signature,answers,conversion-state,conversion-input,workflow-checks,signals,phase-query}.test.ts',
  ],
};
