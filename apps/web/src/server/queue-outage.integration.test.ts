import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestDatabase,
  seedSignLanguageVersion,
  startPrivateRedis,
  type PrivateRedis,
  type TestDatabase,
} from '@studio/db/testing';
import { QUEUES } from '@studio/shared';
import { POST as createRunRoute } from '@/app/api/runs/route';
import { POST as launchRoute } from '@/app/api/runs/[id]/launch/route';
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
    expect(seconds).toBeLessThan(10);
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
