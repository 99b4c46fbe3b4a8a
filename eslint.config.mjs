// Lint: type-aware TypeScript rules everywhere, plus the determinism fence around workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '.tools/**', 'coverage/**', 'data/**', 'scripts/*.js', 'jest.config.js', 'jest.postgres.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it may import only the workflow SDK and the shared definitions.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|@temporalio/common(/.*)?$|\\./|\\.\\./activities(/.*)?$).*',
              message: 'Workflow files import only @temporalio/workflow and shared definitions.',
            },
            {
              regex: '^\\.\\./activities',
              allowTypeImports: true,
              message: 'Workflow files may import activities only with `import type`.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process in workflow code.' },
        { name: 'setTimeout', message: 'Use sleep() or condition() in workflow code.' },
        { name: 'Temporal', message: 'The Temporal global is not deterministic in the sandbox.' },
      ],
    },
  },
  {
    // The lifecycle is pure: no Temporal at all, only its own modules and the plain contract.
    files: ['workflows/lifecycle/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            {
              regex: '^(?!\\./|\\.\\./contract$).*',
              message: 'The lifecycle imports only its own modules and ../contract (no Temporal, no activities).',
            },
          ],
        },
      ],
    },
  },
);
