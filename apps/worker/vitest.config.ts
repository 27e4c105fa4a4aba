import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Long fault tests (services stopped for tens of seconds) run with `npm run test:chaos`.
    exclude: ['**/node_modules/**', 'src/**/*.chaos.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
