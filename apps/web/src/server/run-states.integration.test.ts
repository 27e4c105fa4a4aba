// What Cancel, Launch and Retry leave behind: statuses and clocks that agree with each other.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedSignLanguageVersion } from '@studio/db/testing';
import { QUEUES } from '@studio/shared';
import { GET as listRunsRoute, POST as createRunRoute } from '@/app/api/runs/route';
import { POST as cancelRoute } from '@/app/api/runs/[id]/cancel/route';
import { POST as launchRoute } from '@/app/api/runs/[id]/launch/route';
import { POST as retryRoute } from '@/app/api/stages/[id]/retry/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';
import { queue } from './queue';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let f: RouteFixture;
let versionId = '';

beforeAll(async () => {
  f = await createRouteFixture();
  versionId = await seedSignLanguageVersion(f.database.db, {
    classes: ['0', '1'],
    perClass: 4,
    teamId: f.teamId,
  });
});

afterAll(async () => {
  await queue(QUEUES.train)
    .obliterate({ force: true })
    .catch(() => undefined);
  await f?.close();
});

const post = (path: string, body: unknown = {}) =>
  f.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const params = (id: string) => ({ params: Promise.resolve({ id }) });

async function createRun(launch: boolean) {
  const response = await createRunRoute(
    post('/api/runs', {
      versionId,
      name: 'plan',
      arch: 'mobilenet_v2_0.35',
      config: { size: 32, bs: 2 },
      stages: [
        { kind: 'fit_one_cycle', epochs: 1 },
        { kind: 'save', name: 'stage-1' },
        { kind: 'fit_one_cycle', epochs: 1 },
      ],
      launch,
    }),
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const runOf = (id: string) =>
  f.database.db.run.findUniqueOrThrow({
    where: { id },
    include: { stages: { orderBy: { index: 'asc' } } },
  });

describe('run states', () => {
  it('a cancelled plan says cancelled on the run and every stage, and launches again', async () => {
    const id = await createRun(true);
    expect((await cancelRoute(post(`/api/runs/${id}/cancel`), params(id))).status).toBe(200);
    const cancelled = await runOf(id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).not.toBeNull();
    expect(cancelled.stages.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);

    const launch = await launchRoute(post(`/api/runs/${id}/launch`, { mode: 'all' }), params(id));
    expect(launch.status).toBe(200);
    const relaunched = await runOf(id);
    expect(relaunched.status).toBe('queued');
    expect(relaunched.finishedAt).toBeNull();
    expect(relaunched.stages.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);
  });

  it('a retry continues the plan and counts only the attempts, not the wait before it', async () => {
    const id = await createRun(false);
    const [first] = (await runOf(id)).stages;
    // What the worker leaves after an out-of-memory failure of a 60-second attempt, 4 min ago.
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    await f.database.db.stage.update({
      where: { id: first!.id },
      data: {
        status: 'failed',
        errorKind: 'oom',
        error: 'out of memory',
        startedAt: minutesAgo(5),
        finishedAt: minutesAgo(4),
      },
    });
    await f.database.db.run.update({
      where: { id },
      data: { status: 'failed', startedAt: minutesAgo(5), finishedAt: minutesAgo(4) },
    });

    const retry = await retryRoute(
      post(`/api/stages/${first!.id}/retry`, { halveBatch: true }),
      params(first!.id),
    );
    expect(retry.status).toBe(200);
    const retried = await runOf(id);
    expect(retried.status).toBe('queued');
    expect(retried.finishedAt).toBeNull();
    expect((retried.config as { bs: number }).bs).toBe(1);
    // The rest of the plan follows the retried stage without another click.
    expect(retried.stages.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);
    expect(retried.stages[0]!.startedAt).toBeNull();
    expect(retried.stages[0]!.priorAttemptSeconds).toBeCloseTo(60, 0);

    const { runs } = (await (await listRunsRoute(f.request('/api/runs'))).json()) as {
      runs: { id: string; durationS: number | null }[];
    };
    expect(runs.find((r) => r.id === id)!.durationS).toBeCloseTo(60, 0);
  });
});
