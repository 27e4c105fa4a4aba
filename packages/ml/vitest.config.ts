import { defineConfig } from 'vitest/config';
import { testLayers } from '../../vitest.layers.ts';

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    passWithNoTests: true,
    projects: testLayers(),
  },
});
