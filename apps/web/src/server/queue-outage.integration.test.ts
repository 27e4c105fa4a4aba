import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestDatabase,
  seedSignLanguageVersion,
  SHARED,
  startPrivateRedis,
  type PrivateRedis,
  type TestDatabase,
} from '@studio/db/testing';
import { QUEUES } from '@studio/shared';
import { POST as uploadArchiveRoute } from '@/app/api/datasets/[id]/archive/route';
import { POST as createDatasetRoute } from '@/app/api/datasets/route';
import { GET as healthRoute } from '@/app/api/health/route';
import { POST as createRunRoute } from '@/app/api/runs/route';
import { GET as eventsRoute } from '@/app/api/runs/[id]/events/route';
import { POST as launchRoute } from '@/app/api/runs/[id]/launch/route';
import { POST as predictRoute } from '@/app/api/stages/[id]/predict/route';
import { POST as retryRoute } from '@/app/api/stages/[id]/retry/route';
import { db } from './db';
import { queue } from './queue';
import { setUpStudio } from './teams';
import { createApiToken } from './tokens';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

// The route handlers talk to a Redis of this test's own, stopped and started by the test: the
// shared one on 6379 stays untouched.
let redis: PrivateRedis;
let port = '';
let database: TestDatabase;
let token = '';
let versionId = '';
const prefix = `t${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  redis = await startPrivateRedis({ started: false });
  port = new URL(redis.url).port;
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = redis.url;
  process.env.STUDIO_PREFIX = prefix;
  process.env.STUDIO_SECRET ??= randomBytes(32).toString('base64');
  const { user, team } = await setUpStudio({
    name: 'Owner',
    email: 'owner@studio.test',
    password: 'owner-password-1',
    teamName: 'Outage',
  });
  ({ token } = await createApiToken(
    { teamId: team.id, role: 'owner', userId: user.id, tokenId: null },
    { name: 'outage test', scope: 'write' },
  ));
  versionId = await seedSignLanguageVersion(database.db, {
    classes: ['0', '1'],
    perClass: 4,
    teamId: team.id,
  });
});

afterAll(async () => {
  await redis?.close();
  await db().$disconnect();
  await database?.drop();
});

const post = (url: string, body: unknown) =>
  new Request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const createRun = async () => {
  const started = Date.now();
  const response = await createRunRoute(
    post('http://studio.test/api/runs', {
      versionId,
      name: 'outage run',
      arch: 'mobilenet_v2_0.35',
      config: { size: 32, bs: 2 },
      stages: [{ kind: 'fit_one_cycle', epochs: 1 }],
      launch: true,
    }),
  );
  return { response, seconds: (Date.now() - started) / 1000 };
};

const jobOf = (stageId: string) => queue(QUEUES.train).getJob(stageId);

describe('creating a run while Redis is down', () => {
  it('answers 503 naming Redis within seconds and creates nothing, even on the first request', async () => {
    const { response, seconds } = await createRun();
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(new RegExp(`Redis at 127\\.0\\.0\\.1:${port} does not answer`));
    expect(error).toMatch(/The run was not created\. Try again when Redis is back\./);
    expect(seconds).toBeLessThan(3);
    expect(await database.db.run.count()).toBe(0);
  });

  it('works again once Redis is back, and answers 503 when it goes away after being up', async () => {
    await redis.start();
    const { response, seconds } = await createRun();
    expect(response.status).toBe(201);
    console.log(`first run after Redis returned created in ${seconds.toFixed(1)} s`);
    const { id } = (await response.json()) as { id: string };
    const run = await database.db.run.findUniqueOrThrow({
      where: { id },
      include: { stages: true },
    });
    expect([run.status, run.stages[0]!.status]).toEqual(['queued', 'queued']);
    expect(await (await jobOf(run.stages[0]!.id))?.getState()).toBe('waiting');

    // A run saved without launching, launched while Redis is down: its stages stay pending.
    const saved = await database.db.run.create({
      data: {
        name: 'saved run',
        versionId,
        arch: 'mobilenet_v2_0.35',
        config: { size: 32, bs: 2 },
        teamId: run.teamId,
        stages: { create: { index: 0, kind: 'fit_one_cycle', params: { epochs: 1 } } },
      },
      include: { stages: true },
    });
    await redis.stop();
    const launch = () =>
      launchRoute(post(`http://studio.test/api/runs/${saved.id}/launch`, { mode: 'all' }), {
        params: Promise.resolve({ id: saved.id }),
      });
    const refused = await launch();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /Redis at .* does not answer .*its stages were not launched/,
    );
    const after = await database.db.run.findUniqueOrThrow({
      where: { id: saved.id },
      include: { stages: true },
    });
    expect([after.status, after.stages[0]!.status]).toEqual(['draft', 'pending']);
    expect((await createRun()).response.status).toBe(503);
    expect(await database.db.run.count()).toBe(2);

    await redis.start();
    expect((await launch()).status).toBe(200);
    expect(await (await jobOf(saved.stages[0]!.id))?.getState()).toBe('waiting');
  });
});

/**
 * Every kind of request that needs Redis, with the runs whose stages (one pending, one failed)
 * the launch and the retry must leave as they are while Redis is away.
 */
async function requestsNeedingRedis() {
  const run = await database.db.run.findFirstOrThrow({ where: { name: 'saved run' } });
  const stage = await database.db.stage.findFirstOrThrow({ where: { runId: run.id } });
  await database.db.stageExport.upsert({
    where: { stageId: stage.id },
    create: { stageId: stage.id, files: [], bytes: 0n },
    update: {},
  });
  const dataset = await database.db.dataset.create({
    data: { name: 'archive', sourceKind: 'archive', teamId: run.teamId },
  });
  const draft = (status: 'pending' | 'failed') =>
    database.db.run.create({
      data: {
        name: `${status} stage`,
        versionId,
        arch: 'mobilenet_v2_0.35',
        config: { size: 32, bs: 2 },
        teamId: run.teamId,
        stages: { create: { index: 0, kind: 'fit_one_cycle', params: { epochs: 1 }, status } },
      },
      include: { stages: true },
    });
  const [unlaunched, failed] = [await draft('pending'), await draft('failed')];
  const photo = await readFile(path.join(SHARED, 'datasets/sign-language-digits/0/IMG_1118.JPG'));
  const authorised = (url: string, init: RequestInit = {}) =>
    new Request(url, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const requests = {
    'creating a run': () => createRun().then((r) => r.response),
    'launching a run': () =>
      launchRoute(
        post(`http://studio.test/api/runs/${unlaunched.id}/launch`, { mode: 'all' }),
        params(unlaunched.id),
      ),
    'retrying a stage': () =>
      retryRoute(
        post(`http://studio.test/api/stages/${failed.stages[0]!.id}/retry`, {}),
        params(failed.stages[0]!.id),
      ),
    'importing from a URL': () =>
      createDatasetRoute(
        post('http://studio.test/api/datasets', {
          sourceKind: 'url',
          name: 'by url',
          url: 'https://example.com/photos.zip',
        }),
      ),
    'uploading an archive': () =>
      uploadArchiveRoute(
        authorised(`http://studio.test/api/datasets/${dataset.id}/archive?filename=a.zip`, {
          method: 'POST',
          body: new Uint8Array(64),
        }),
        params(dataset.id),
      ),
    "a run's event stream": () =>
      eventsRoute(authorised(`http://studio.test/api/runs/${run.id}/events`), params(run.id)),
    predicting: () =>
      predictRoute(
        authorised(`http://studio.test/api/stages/${stage.id}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg' },
          body: photo,
        }),
        params(stage.id),
      ),
    'the health check': () => healthRoute(new Request('http://studio.test/api/health')),
  };
  return { requests, stagedRunIds: [unlaunched.id, failed.id] };
}

/** The answer to `request` and how long it took; status 0 when none came within 10 s. */
async function timedAnswer(request: () => Promise<Response>) {
  const started = Date.now();
  const none = new Response(null, { status: 599 });
  const response = await Promise.race([
    request(),
    new Promise<Response>((r) => setTimeout(() => r(none), 10_000)),
  ]);
  const status = response === none ? 0 : response.status;
  return { status, seconds: (Date.now() - started) / 1000, response };
}

describe('every request that needs Redis', () => {
  it.each(['down', 'hung'] as const)(
    'answers 503 within 3 s while Redis is %s, then works again',
    async (fault) => {
      const { requests, stagedRunIds } = await requestsNeedingRedis();
      // Connections in use (the queue's, the event streams'), as in a studio that has been up.
      await expect
        .poll(async () => (await createRun()).response.status, { timeout: 15_000, interval: 500 })
        .toBe(201);
      const warm = await timedAnswer(requests["a run's event stream"]);
      expect(warm.status).toBe(200);
      await warm.response.body?.cancel();
      const runsBefore = await database.db.run.count();
      if (fault === 'down') await redis.stop();
      else redis.freeze();
      try {
        for (const [name, request] of Object.entries(requests)) {
          const { status, seconds, response } = await timedAnswer(request);
          console.log(`Redis ${fault}: ${name} answered ${status} in ${seconds.toFixed(1)} s`);
          expect([name, status]).toEqual([name, 503]);
          expect(seconds, name).toBeLessThan(3);
          const body = (await response.json()) as { error?: string; down?: string[] };
          if (name === 'the health check') expect(body.down).toContain('queue');
          else
            expect(body.error).toMatch(
              /^The job queue is unavailable: Redis at .* does not answer/,
            );
        }
        expect(await database.db.run.count()).toBe(runsBefore);
        expect(await database.db.importTask.count()).toBe(0);
        const stages = await database.db.stage.findMany({
          where: { runId: { in: stagedRunIds } },
        });
        expect(stages.map((stage) => stage.status).sort()).toEqual(['failed', 'pending']);
        expect(await database.db.blob.count({ where: { key: { startsWith: 'upload:' } } })).toBe(0);
      } finally {
        if (fault === 'down') await redis.start();
        else redis.thaw();
      }
      await expect
        .poll(async () => (await createRun()).response.status, { timeout: 15_000, interval: 500 })
        .toBe(201);
      const events = await timedAnswer(requests["a run's event stream"]);
      expect(events.status).toBe(200);
      await events.response.body?.cancel();
    },
  );
});
