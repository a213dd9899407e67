// Lint rules: ESLint with type-aware typescript-eslint. Formatting is Prettier's job (npm run format).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import * as espree from 'espree';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import testFunctionLength from './scripts/eslint/testFunctionLength.cjs';

// No function over ~50 lines (blank lines and comments not counted): in src/ as ESLint counts it; in test/
// every test, hook and helper alike, with only suite bodies (describe) exempt.
const maxFunctionLines = 50;

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.local-s3/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': [
        'error',
        { max: maxFunctionLines, skipBlankLines: true, skipComments: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { local: testFunctionLength },
    rules: {
      // Jest's asymmetric matchers (expect.any, expect.objectContaining) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      'local/max-lines-per-test-function': ['error', { max: maxFunctionLines }],
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The gallery page's scripts run in the browser, as ES modules, untyped; Node's globals (set for
    // every file above, and merged, not replaced) are switched off so that `process` and the like are errors.
    files: ['src/tools/local/gallery/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        ...Object.fromEntries(Object.keys(globals.node).map((name) => [name, 'off'])),
        ...globals.browser,
      },
      sourceType: 'module',
    },
  },
  {
    // The CloudFront Function: ES 5.1 (its runtime's base), a classic script, no globals of Node's or a
    // browser's; its handler is called by CloudFront, so it is exported by name only.
    files: ['terraform/delivery/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      // ESLint's own parser, which holds a file to its ecmaVersion (typescript-eslint's parses anything).
      parser: espree,
      ecmaVersion: 5,
      sourceType: 'script',
      globals: Object.fromEntries(Object.keys(globals.node).map((name) => [name, 'off'])),
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      'no-var': 'off',
      'prefer-const': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
