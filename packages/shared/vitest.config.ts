import { defineConfig } from 'vitest/config';
import { testLayers } from '../../vitest.layers.ts';

export default defineConfig({
  test: { passWithNoTests: true, projects: testLayers() },
});
