import { defineConfig } from 'vitest/config';
import { testLayers } from '../../vitest.layers.ts';

export default defineConfig({
  test: {
    // Long fault tests (services stopped for tens of seconds) run with `npm run test:chaos`.
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    passWithNoTests: true,
    projects: testLayers(),
  },
});
