import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { dirname, relative } from 'node:path';

/**
 * What the workflow bundle may load at run time. @temporalio/workflow and the root of
 * @temporalio/common are what the SDK itself bundles into every workflow (the subpaths of common are
 * not: `lib/internal-non-workflow` uses Node). Not zod: a workflow run evaluates its modules afresh,
 * and zod there cost 23 ms of worker CPU per conversion (bench/README.md); the workflow checks what
 * reaches it with ./src/workflows/json-checks.ts. Outside src/workflows, the bundle loads only the
 * modules below: pure and deterministic, and held to this same rule.
 */
const SANDBOX_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];
const WORKFLOW_FOLDER = 'src/workflows';
const SHARED_WITH_WORKFLOWS = ['src/failures/index.ts', 'src/failures/failures.ts', 'src/failures/failure-table.ts', 'src/provider/types.ts'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The import specifier of `module` (a path under the project) as written in a file of `folder`; a folder's index is imported as the folder. */
const specifier = (folder, module) => {
  const path = relative(folder, module.replace(/\.ts$/, '').replace(/\/index$/, ''));
  return path.startsWith('.') ? path : `./${path}`;
};

/** A rule that refuses every value import but `allowed` (exact specifiers or regex sources). */
function allowOnly(files, allowed) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!(${allowed.join('|')})$)`,
              allowTypeImports: true,
              message: `Code in Temporal's workflow sandbox imports values only from ${SANDBOX_PACKAGES.join(', ')}, its own folder and ${SHARED_WITH_WORKFLOWS.join(', ')}; anything else as \`import type\`.`,
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'No dynamic imports in workflow code.' }],
    },
  };
}

function workflowSandboxRules() {
  const packages = SANDBOX_PACKAGES.map(escape);
  const shared = (folder) => SHARED_WITH_WORKFLOWS.map((module) => escape(specifier(folder, module)));
  return [
    allowOnly([`${WORKFLOW_FOLDER}/**/*.ts`], [...packages, '\\./[\\w.-]+', ...shared(WORKFLOW_FOLDER)]),
    ...SHARED_WITH_WORKFLOWS.map((module) => allowOnly([module], [...packages, ...shared(dirname(module))])),
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.temporal/**', '.data/**', 'coverage/**', '.stryker-tmp/**', 'reports/**', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Workflow code runs in Temporal's deterministic sandbox: it may import only what is known to be
  // safe there (an allow-list), and anything else as types only, which leave no code behind.
  ...workflowSandboxRules(),
  {
    // Plain CommonJS scripts that run before anything is built (npm test's pretest), or on a build's output.
    files: ['test/support/*.js', 'scripts/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-undef': 'off' },
  },
  {
    files: ['eslint.config.mjs', 'stryker.config.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
