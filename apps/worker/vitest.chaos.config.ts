import { defineConfig } from 'vitest/config';

// Fault tests that stop and restart private Redis and Postgres servers mid-run; minutes long.
export default defineConfig({
  test: {
    include: ['src/**/*.chaos.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
