import type { TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The test suite's layers, one Vitest project each, named by file: `*.test.ts` unit (no
 * services, no shared data), `*.integration.test.ts` (Postgres, Redis, real photos and
 * backbones), `e2e/*.test.ts` browser (built web app, worker, Chromium), `*.acceptance.test.ts`
 * (long learning runs on the shared datasets). `npm test -- unit` runs one layer everywhere.
 */
export const TEST_LAYERS = ['unit', 'integration', 'browser', 'acceptance'] as const;

const INTEGRATION = 'src/**/*.integration.test.ts';
const ACCEPTANCE = 'src/**/*.acceptance.test.ts';
const CHAOS = 'src/**/*.chaos.test.ts';

export function testLayers(): TestProjectInlineConfiguration[] {
  const layer = (name: string, include: string[], exclude: string[] = []) => ({
    extends: true as const,
    test: { name, include, exclude: ['**/node_modules/**', CHAOS, ...exclude] },
  });
  return [
    layer('unit', ['src/**/*.test.ts'], [INTEGRATION, ACCEPTANCE]),
    layer('integration', [INTEGRATION]),
    layer('browser', ['e2e/**/*.test.ts']),
    layer('acceptance', [ACCEPTANCE]),
  ];
}
