import { defineConfig } from 'vitest/config';
import { testLayers } from '../../vitest.layers.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    passWithNoTests: true,
    projects: testLayers(),
  },
});
