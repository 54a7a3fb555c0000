import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '.azure-package/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // More than four positional parameters become one object with named fields.
      'max-params': ['error', 4],
    },
  },
  // The layers (docs/decisions/0002-composition-root.md): shared/domain imports only itself;
  // shared/app only the domain and its own ports; functions/ never local/; local/ never functions/;
  // nothing in shared/ reaches the host or the function files. test/layers.test.ts shows each rule
  // failing on a forbidden import.
  {
    files: ['shared/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@azure/*', 'durable-functions', 'better-sqlite3', 'node:*', 'fs', 'http', 'net'],
              message: 'shared/domain is pure: no I/O or infrastructure imports.',
            },
            { regex: '^\\.\\./', message: 'shared/domain depends on nothing outside itself.' },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/app/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@azure/*', 'better-sqlite3', 'durable-functions'],
              message: 'shared/app talks to infrastructure through ports only.',
            },
            {
              regex: '^\\.\\./(?!domain(/|$))',
              message: 'shared/app depends on the domain and its own ports only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/domain/**', 'shared/app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['better-sqlite3'], message: 'SQLite belongs to the local host.' },
            {
              regex: '^(\\.\\./)+(local|functions)(/|$)',
              message: 'shared/ never reaches the local host or the function files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['better-sqlite3'], message: 'SQLite belongs to the local host.' },
            {
              regex: '^(\\.\\./)+local(/|$)',
              message:
                'functions/ never imports local/: the local host injects its adapters (shared/injected-adapters.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['local/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+functions(/|$)',
              message: 'local/ never imports functions/: the host loads any app by path.',
            },
          ],
        },
      ],
    },
  },
);
