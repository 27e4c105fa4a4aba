import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerHeartbeatKey } from '@studio/shared';
import { startPrivateRedis, type PrivateRedis } from '@studio/db/testing';
import { expectRecordedOnce, useTrainTestbed } from '../testing/train-testbed';
import { startWorker, until } from '../testing/worker-process';

// Registered before the testbed's hooks, so the testbed and the worker use this Redis.
let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startPrivateRedis();
  process.env.REDIS_URL = redis.url;
});
afterAll(async () => {
  await redis?.close();
});

const bed = useTrainTestbed({ classes: ['0', '1', '2'], perClass: 24 });
const OUTAGE_MS = 20_000;
// Long enough (about 3 s an epoch here) that the stage is still training when Redis returns.
const EPOCHS = 16;
const WORKER_ID = 'redis-outage';

const runStatus = (id: string) =>
  bed.db.run.findUniqueOrThrow({
    where: { id },
    include: { stages: { orderBy: { index: 'asc' } } },
  });

describe.each([
  ['restarted with its data', true],
  ['restarted empty', false],
])('Redis %s after a 20 s outage in the middle of a stage', (_, keepData) => {
  it('the stage goes on, the next stage runs, every epoch and batch is recorded once', async () => {
    const worker = startWorker({
      databaseUrl: bed.url,
      prefix: bed.prefix,
      env: { STUDIO_WORKER_ID: WORKER_ID },
    });
    const run = await bed.createRun(
      [
        { kind: 'fit_one_cycle', epochs: EPOCHS, maxLr: 3e-3 },
        { kind: 'save', name: 'stage-1' },
      ],
      { precompute: 'off' },
    );
    const stageId = run.stages[0]!.id;
    await until(
      () => bed.db.epochMetric.count({ where: { stageId } }),
      (n) => n > 0,
    );
    await redis.stop({ keepData });
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const duringOutage = await bed.db.epochMetric.count({ where: { stageId } });
    await redis.start();
    const restartedAt = Date.now();
    console.log(
      `Redis down ${((restartedAt - stoppedAt) / 1000).toFixed(1)} s; ${duringOutage} of ${EPOCHS} epochs recorded by then`,
    );
    expect(worker.exitCode).toBeNull();
    expect(duringOutage).toBeLessThan(EPOCHS);
    // The worker reports in again (its heartbeat went with an empty Redis).
    await until(
      () => bed.redis.exists(workerHeartbeatKey(bed.prefix, WORKER_ID)).catch(() => 0),
      (n) => n === 1,
      30_000,
    );
    console.log(`worker reported in ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after`);
    const done = await until(
      () => runStatus(run.id),
      (r) => ['done', 'failed'].includes(r.status),
      300_000,
    );
    console.log(
      `run ${done.status} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after Redis came back`,
    );
    expect(done.stages.map((s) => [s.status, s.error])).toEqual([
      ['done', null],
      ['done', null],
    ]);
    await expectRecordedOnce(bed.db, {
      runId: run.id,
      stageId,
      epochs: EPOCHS,
      checkpoints: ['current', 'stage-1'],
    });
    // Training never stopped, so neither stage started twice; no job is left behind in the queue.
    expect(done.stages.map((s) => s.attempts)).toEqual([1, 1]);
    await until(
      () => bed.queue.getJobCounts('active', 'wait', 'delayed', 'failed'),
      (counts) => Object.values(counts).every((n) => n === 0),
      30_000,
    );
  });
});
