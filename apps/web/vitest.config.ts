import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { testLayers } from '../../vitest.layers.ts';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname, 'src') } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    passWithNoTests: true,
    projects: testLayers(),
  },
});
