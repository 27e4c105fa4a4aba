import js from '@eslint/js';
import nextPlugin from '@next/eslint-plugin-next';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      '**/dist/**',
      '**/generated/**',
      '**/*.d.ts',
      '**/_*.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['apps/web/src/components/**', 'apps/web/src/lib/**', 'apps/web/src/app/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, '@next/next': nextPlugin },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs['core-web-vitals'].rules,
      // App Router only: there is no pages/ directory for this rule to read.
      '@next/next/no-html-link-for-pages': 'off',
    },
  },
  // Modules import downward only: no file reaches itself through its imports.
  {
    files: ['apps/*/src/**/*.{ts,tsx}', 'packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  // The engine's layers, lowest first: kernels, backend, training, parallel, then the learner.
  {
    files: ['packages/ml/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-fixtures.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: mlLayers(['kernels', 'backend', 'training', 'parallel', 'learner']),
        },
      ],
    },
  },
);

/** Each layer of packages/ml/src may import the ones before it, never those after. */
function mlLayers(layers) {
  return layers.slice(0, -1).map((layer, i) => ({
    target: `${import.meta.dirname}/packages/ml/src/${layer}`,
    from: layers.slice(i + 1).map((above) => `${import.meta.dirname}/packages/ml/src/${above}`),
    message: `${layer}/ sits below ${layers.slice(i + 1).join(', ')}: move the shared piece down instead.`,
  }));
}
