// ESLint for the whole repository: typescript-eslint's recommended rules, plus the type-aware
// ones that catch real bugs in a server like this (a promise nobody awaits or catches, a promise
// handed where a callback's result is ignored). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'test-artifacts/',
      'bench/.tmp/',
      'src/spec/*.gen.ts',
      'test/client/generated/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // == against null is the one loose comparison that says what it means. Prettier wraps code at 120
    // columns; max-len holds comments to the same width (a long string or URL stays whole, for grep).
    rules: {
      eqeqeq: ['error', 'smart'],
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests and benchmarks poke at shapes the spec leaves open; `any` there is a choice, not a slip.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/ui/static/**/*.js', 'src/ui/docs/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
);
