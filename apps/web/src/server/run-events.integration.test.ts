import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '@studio/db/testing';
import { runEventsChannel } from '@studio/shared';
import { GET as eventsRoute } from '@/app/api/runs/[id]/events/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

// A Redis of the test's own, so its client list holds only this test's connections.
let redis: PrivateRedis;
let admin: Redis;
let studio: RouteFixture;
const runIds: string[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  studio = await createRouteFixture({ REDIS_URL: redis.url });
  admin = new Redis(redis.url);
  const dataset = await studio.database.db.dataset.create({
    data: { name: 'events', sourceKind: 'folder', teamId: studio.teamId },
  });
  const version = await studio.database.db.datasetVersion.create({
    data: { datasetId: dataset.id, number: 1, labelling: {}, split: {}, classes: [], counts: {} },
  });
  for (const name of ['a', 'b']) {
    const run = await studio.database.db.run.create({
      data: {
        name,
        versionId: version.id,
        arch: 'mobilenet_v2_0.35',
        config: {},
        teamId: studio.teamId,
      },
    });
    runIds.push(run.id);
  }
});

afterAll(async () => {
  admin?.disconnect();
  await studio?.close();
  await redis?.close();
});

const clientCount = async () =>
  ((await admin.client('LIST')) as string).split('\n').filter(Boolean).length;

async function openStream(runId: string) {
  const abort = new AbortController();
  const response = await eventsRoute(
    studio.request(`/api/runs/${runId}/events`, { signal: abort.signal }),
    { params: Promise.resolve({ id: runId }) },
  );
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const next = async () => decoder.decode((await reader.read()).value);
  expect(await next()).toBe(': connected\n\n');
  return { next, abort: () => abort.abort(), cancel: () => reader.cancel() };
}

describe("runs' event streams", () => {
  it('share one Redis subscriber per web process, and deliver each event to its run’s streams', async () => {
    const before = await clientCount();
    const [a, b] = runIds as [string, string];
    const streams = [
      ...(await Promise.all(Array.from({ length: 20 }, () => openStream(a)))),
      ...(await Promise.all(Array.from({ length: 10 }, () => openStream(b)))),
    ];
    // The queue's connection (it checks Redis answers) and the one subscriber.
    expect(await clientCount()).toBeLessThanOrEqual(before + 2);

    const prefix = process.env.STUDIO_PREFIX!;
    await admin.publish(runEventsChannel(prefix, a), '{"type":"batch","iteration":1}');
    for (const stream of streams.slice(0, 20))
      expect(await stream.next()).toBe('data: {"type":"batch","iteration":1}\n\n');
    await admin.publish(runEventsChannel(prefix, b), '{"type":"batch","iteration":2}');
    for (const stream of streams.slice(20))
      expect(await stream.next()).toBe('data: {"type":"batch","iteration":2}\n\n');

    // Pages closing (the request aborted) or the body cancelled: the channels are let go.
    for (const [i, stream] of streams.entries()) await (i % 2 ? stream.abort() : stream.cancel());
    await expect
      .poll(async () =>
        admin.pubsub('NUMSUB', runEventsChannel(prefix, a), runEventsChannel(prefix, b)),
      )
      .toEqual([runEventsChannel(prefix, a), 0, runEventsChannel(prefix, b), 0]);
  });
});
