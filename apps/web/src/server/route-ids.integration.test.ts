import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let studio: RouteFixture;

beforeAll(async () => {
  studio = await createRouteFixture();
});

afterAll(async () => {
  await studio?.close();
});

const apiDir = path.join(import.meta.dirname, '../app/api');

/** Every route folder under app/api whose path holds an id. */
function idRoutes(dir = apiDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return idRoutes(full);
    const route = path.relative(apiDir, dir);
    return entry.name === 'route.ts' && /\[(id|userId)\]/.test(route) ? [route] : [];
  });
}

/** A body each route accepts, so that only the id decides the answer. */
function bodyFor(route: string, method: string): { type: string; body?: BodyInit } {
  if (method === 'GET' || method === 'DELETE') return { type: 'application/json' };
  if (route.endsWith('/predict')) return { type: 'image/png', body: new Uint8Array([137, 80]) };
  if (route.endsWith('/archive')) return { type: 'application/octet-stream', body: 'PK' };
  const json: Record<string, unknown> = {
    'datasets/[id]/preview': { labelling: { scheme: 'folder' }, split: { validPct: 0.2, seed: 1 } },
    'datasets/[id]/versions': {
      labelling: { scheme: 'folder' },
      split: { validPct: 0.2, seed: 1 },
    },
    'datasets/[id]': { name: 'n' },
    'runs/[id]': { notes: 'n' },
    'runs/[id]/launch': { mode: 'all' },
    'runs/[id]/stages': { stages: [{ kind: 'fit_one_cycle', epochs: 1 }] },
    'stages/[id]/retry': { halveBatch: false },
    'stages/[id]/corrections': {
      corrections: [{ fileId: '00000000-0000-4000-8000-000000000000', action: 'exclude' }],
    },
    'runs/[id]/rerun': { versionId: '00000000-0000-4000-8000-000000000000' },
    'versions/[id]/preview': { kind: 'batch' },
    'members/[userId]': { role: 'viewer' },
  };
  return { type: 'application/json', body: JSON.stringify(json[route] ?? {}) };
}

type Handler = (request: Request, context: { params: Promise<unknown> }) => Promise<Response>;

describe('an id of 36 dashes (the length of a UUID, not one)', () => {
  it('answers 404 on every route that takes an id, never a database error', async () => {
    const id = '-'.repeat(36);
    const answers: string[] = [];
    for (const route of idRoutes()) {
      const routeModule = (await import(path.join(apiDir, route, 'route.ts'))) as Partial<
        Record<string, Handler>
      >;
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        const handler = routeModule[method];
        if (!handler) continue;
        const { type, body } = bodyFor(route, method);
        const url = `/api/${route.replace(/\[(id|userId)\]/, id)}?filename=a.zip`;
        const response = await handler(
          await studio.browserRequest(url, { method, headers: { 'content-type': type }, body }),
          { params: Promise.resolve({ id, userId: id }) },
        );
        const { error } = (await response.json()) as { error: string };
        answers.push(`${method} ${route}: ${response.status} ${error}`);
      }
    }
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) expect(answer).toMatch(/: 404 /);
    expect(answers.join('\n')).not.toMatch(/P2007|uuid|Prisma/i);
  });
});
