import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { workerHeartbeatKey } from '@studio/shared';
import { GET as healthRoute } from '@/app/api/health/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let studio: RouteFixture;
let redis: Redis;
const heartbeat = {
  id: 'worker-a',
  host: 'gpu-box-7.internal',
  pid: 424242,
  backend: 'wasm',
  threads: 1,
  startedAt: new Date().toISOString(),
  queues: ['train', 'predict'],
};

beforeAll(async () => {
  studio = await createRouteFixture();
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await redis.set(
    workerHeartbeatKey(process.env.STUDIO_PREFIX!, heartbeat.id),
    JSON.stringify(heartbeat),
    'EX',
    60,
  );
});

afterAll(async () => {
  await redis?.del(workerHeartbeatKey(process.env.STUDIO_PREFIX!, heartbeat.id));
  redis?.disconnect();
  await studio?.close();
});

const health = async (request: Request) => {
  const response = await healthRoute(request);
  return { status: response.status, text: await response.text() };
};
const anonymous = () => new Request('http://studio.test/api/health');

describe('GET /api/health', () => {
  it('tells anonymous callers which parts are up and how many workers, nothing more', async () => {
    const { status, text } = await health(anonymous());
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      ok: true,
      down: [],
      database: { ok: true },
      queue: { ok: true },
      workers: { ok: true, count: 1 },
    });
    expect(text).not.toContain(heartbeat.host);
    expect(text).not.toContain(String(heartbeat.pid));
  });

  it('gives the same to credentials that are not valid (no 401 either)', async () => {
    const request = new Request('http://studio.test/api/health', {
      headers: {
        authorization: 'Bearer studio_not-a-token',
        cookie: 'better-auth.session_token=x',
      },
    });
    const { status, text } = await health(request);
    expect(status).toBe(200);
    expect(text).not.toContain(heartbeat.host);
  });

  it('gives signed-in people and API tokens the workers’ details', async () => {
    for (const request of [
      studio.request('/api/health'),
      await studio.browserRequest('/api/health'),
    ]) {
      const { status, text } = await health(request);
      expect(status).toBe(200);
      const body = JSON.parse(text) as { workers: { list: (typeof heartbeat)[] } };
      expect(body.workers.list).toEqual([heartbeat]);
    }
  });
});
