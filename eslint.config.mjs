// Lint rules that keep the Temporal code honest: workflows stay deterministic and no promise is
// left floating anywhere (a dropped promise in an activity loses errors; in a workflow it breaks replay).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const ioPackages = [
  'mongodb',
  'express',
  'ssh2',
  'ssh2-sftp-client',
  'basic-ftp',
  'nodemailer',
  'pino',
  'prom-client',
  '@aws-sdk/*',
  '@google-cloud/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

export default tseslint.config(
  {
    ignores: [
      '*.js',
      '*.mjs',
      '**/*.cjs',
      'dist/**',
      'node_modules/**',
      '.data/**',
      'test-output/**',
      'bin/**',
      'src/web/static/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          patterns: [
            {
              group: ioPackages,
              message: 'Workflows must be deterministic: I/O belongs in activities/ and src/.',
            },
            {
              group: ['../src/*', '../src/**', '../activities/*', '../activities/**'],
              allowTypeImports: true,
              message:
                'Workflows may import only types from src/ and activities/ (and src/**/pure modules marked workflow-safe).',
            },
          ],
        },
      ],
    },
  },
  {
    // The Jobs page's browser script: plain JavaScript, no type information.
    files: ['public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false, project: null },
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'sessionStorage',
          'fetch',
          'btoa',
          'location',
          'URL',
          'URLSearchParams',
          'confirm',
          'setTimeout',
          'clearTimeout',
          'FormData',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
