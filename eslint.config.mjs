import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain stays pure: no I/O, no Azure, no SQLite, no host.
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
            {
              group: ['**/local/**', '**/functions/**', '**/azure/**', '../app/**', '../app'],
              message: 'shared/domain depends on nothing outside itself.',
            },
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
              group: ['@azure/*', 'better-sqlite3'],
              message: 'shared/app talks to infrastructure through ports only.',
            },
            {
              group: ['**/local/**', '**/functions/**', '**/azure/**'],
              message: 'shared/app depends on the domain and its own ports only.',
            },
          ],
        },
      ],
    },
  },
);
