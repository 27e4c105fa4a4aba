import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { Prisma } from '@studio/db';
import { QUEUES, runConfig } from '@studio/shared';
import { useTrainTestbed } from '../testing/train-testbed';
import { until } from '../testing/worker-process';
import { reconcileStages } from './reconcile-stages';

const bed = useTrainTestbed({ classes: ['0', '1'], perClass: 2 });
const GRACE_MS = 60_000;
const longAgo = () => new Date(Date.now() - 10 * GRACE_MS);

/** A run whose stages have the given statuses, in order, the unfinished ones since long ago. */
async function runWith(statuses: ('done' | 'running' | 'queued' | 'pending')[], since = longAgo()) {
  return bed.db.run.create({
    data: {
      name: 'reconcile',
      versionId: bed.versionId,
      arch: 'mobilenet_v2_0.35',
      config: runConfig.parse({ size: 32, bs: 2 }) as Prisma.InputJsonValue,
      status: 'running',
      stages: {
        create: statuses.map((status, index) => ({
          index,
          kind: 'fit_one_cycle',
          params: { epochs: 1 },
          status,
          queuedAt: status === 'pending' ? null : since,
          startedAt: status === 'running' || status === 'done' ? since : null,
        })),
      },
    },
    include: { stages: { orderBy: { index: 'asc' } } },
  });
}

const reconcile = () =>
  reconcileStages(
    { db: bed.db, trainQueue: bed.queue, log: () => undefined },
    { graceMs: GRACE_MS },
  );

describe('reconciling stages with the queue', () => {
  it('queues again a running stage whose job is gone, and leaves recent and waiting stages alone', async () => {
    const lost = await runWith(['done', 'running', 'queued']);
    const recent = await runWith(['queued'], new Date());
    const result = await reconcile();
    const [, lostStage, behind] = lost.stages;
    expect(result).toEqual({ requeued: [lostStage!.id], failed: [] });
    expect(await (await bed.queue.getJob(lostStage!.id))?.getState()).toBe('waiting');
    expect((await bed.db.stage.findUniqueOrThrow({ where: { id: lostStage!.id } })).status).toBe(
      'queued',
    );
    // The stage behind it gets its job when this one is done; the recent one is the web's to queue.
    expect(await bed.queue.getJob(behind!.id)).toBeUndefined();
    expect(await bed.queue.getJob(recent.stages[0]!.id)).toBeUndefined();
    // Run again: the job is there now, so nothing changes.
    expect(await reconcile()).toEqual({ requeued: [], failed: [] });
    await (await bed.queue.getJob(lostStage!.id))?.remove();
    await bed.db.run.deleteMany({ where: { id: { in: [lost.id, recent.id] } } });
  });

  it('fails a stage whose job used up its attempts, with the reason, and frees its run', async () => {
    const run = await runWith(['queued', 'queued']);
    const [stage, next] = run.stages;
    await bed.queue.add('stage', { stageId: stage!.id }, { jobId: stage!.id, attempts: 2 });
    const worker = new Worker(
      QUEUES.train,
      async () => {
        throw new Error('the training process died');
      },
      { connection: bed.redis.duplicate({ maxRetriesPerRequest: null }), prefix: bed.prefix },
    );
    try {
      await until(
        async () => (await bed.queue.getJob(stage!.id))?.getState(),
        (state) => state === 'failed',
        30_000,
      );
    } finally {
      await worker.close();
    }
    expect(await reconcile()).toEqual({ requeued: [], failed: [stage!.id] });
    const after = await bed.db.run.findUniqueOrThrow({
      where: { id: run.id },
      include: { stages: { orderBy: { index: 'asc' } } },
    });
    expect(after.status).toBe('failed');
    expect(after.stages[0]!.status).toBe('failed');
    expect(after.stages[0]!.error).toMatch(
      /given up after 2 attempts \(last: the training process died\)/,
    );
    expect(after.stages[1]!.id).toBe(next!.id);
    expect(after.stages[1]!.status).toBe('pending');
  });
});
