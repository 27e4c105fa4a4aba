import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { QUEUES, type PreviewRequest } from '@studio/shared';
import { POST as previewRoute } from '@/app/api/versions/[id]/preview/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';
import { queue } from './queue';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

// A BullMQ worker on the real Redis stands in for the studio's: it answers previews only when
// the test lets it, so the queue's state can be read while a person is still waiting.
let studio: RouteFixture;
let redis: Redis;
let worker: Worker;
let versionId = '';
const seen: string[] = [];
let release: () => void = () => undefined;

beforeAll(async () => {
  studio = await createRouteFixture({ REDIS_URL: 'redis://127.0.0.1:6379' });
  versionId = await seedSignLanguageVersion(studio.database.db, {
    teamId: studio.teamId,
    classes: ['0', '1'],
    perClass: 2,
  });
  const prefix = process.env.STUDIO_PREFIX!;
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  await redis.set(
    `${prefix}:workers:fake`,
    JSON.stringify({
      id: 'fake',
      host: 'test',
      pid: process.pid,
      backend: null,
      startedAt: new Date().toISOString(),
      queues: [QUEUES.preview],
    }),
    'EX',
    120,
  );
  worker = new Worker(
    QUEUES.preview,
    async (job) => {
      seen.push((job.data as { config: { seed: number } }).config.seed.toString());
      await new Promise<void>((resolve) => (release = resolve));
      return { images: [], ms: 1 };
    },
    { connection: redis, prefix, concurrency: 1 },
  );
  await worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close(true);
  await redis?.quit();
  await studio?.close();
});

function ask(seed: number, signal?: AbortSignal) {
  const body: PreviewRequest = { kind: 'augment', n: 8, config: { size: 64, seed } };
  return previewRoute(
    studio.request(`/api/versions/${versionId}/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    }),
    { params: Promise.resolve({ id: versionId }) },
  );
}

describe('a preview whose asker has gone', () => {
  it('is taken off the queue, so the next preview is the next one drawn', async () => {
    const first = ask(1);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1);
    const left = new AbortController();
    const superseded = ask(2, left.signal);
    const waiting = () => queue(QUEUES.preview).getWaitingCount();
    await expect.poll(waiting, { timeout: 10_000 }).toBe(1);

    left.abort();
    expect((await superseded).status).toBe(499);
    expect(await waiting()).toBe(0);

    const latest = ask(3);
    await expect.poll(waiting, { timeout: 10_000 }).toBe(1);
    release();
    expect((await first).status).toBe(200);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(2);
    release();
    expect((await latest).status).toBe(200);
    // The worker drew 1 and then 3: the request that left never reached it.
    expect(seen).toEqual(['1', '3']);
  });
});
