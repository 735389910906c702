// @ts-check
/**
 * `npm run test:mutation`: how strong the unit tests of the pure decision code are. StrykerJS
 * changes the code one small way at a time (a mutant) and runs the unit tests that cover it; a
 * mutant no test notices "survives". The score is the share of mutants killed; under 90 % the run
 * fails. Version 9 (version 10 needs Node 22).
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: [
    // The failure table and everything derived from it.
    'src/failures/failures.ts',
    'src/failures/failure-table.ts',
    'src/activities/provider-failure.ts',
    'src/workflows/activity-errors.ts',
    // The provider: wire schemas, errors, signatures.
    'src/provider/schemas.ts',
    'src/provider/errors.ts',
    'src/provider/signature.ts',
    // The conversion's decisions: answers, state machine, and its pure helpers.
    'src/workflows/answers.ts',
    'src/workflows/conversion-state.ts',
    'src/workflows/input.ts',
    'src/workflows/signals.ts',
    'src/workflows/carried-status.ts',
    'src/workflows/json-checks.ts',
    'src/workflows/callback-body.ts',
    'src/workflows/phase-query.ts',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    // The unit tests of that code only: jest.config.js's integration project starts a Temporal server.
    configFile: 'jest.mutation.config.js',
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  // The machine is shared: two test processes at most.
  concurrency: 2,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
  // Not copied into Stryker's sandbox: large, and not read by the unit tests.
  ignorePatterns: ['.temporal', '.data', 'dist', 'reports', 'bench', 'test/fixtures', 'test/integration'],
  timeoutMS: 10_000,
};
