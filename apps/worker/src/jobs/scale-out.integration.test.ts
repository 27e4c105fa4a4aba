import { describe, expect, it } from 'vitest';
import type { Prisma } from '@studio/db';
import { runConfig, TRAIN_JOB_OPTIONS, workerHeartbeatKey } from '@studio/shared';
import { startWorker, until } from '../testing/worker-process';
import { useTrainTestbed } from '../testing/train-testbed';

const WORKERS = ['scale-a', 'scale-b'];
const bed = useTrainTestbed({ classes: ['0', '1', '2'], perClass: 16 });

describe('several workers on one queue', () => {
  it('share four queued stages between two worker processes, each stage running exactly once', async () => {
    // Images and checkpoints live in Postgres, so either worker can train any run.
    for (const id of WORKERS) {
      startWorker({ databaseUrl: bed.url, prefix: bed.prefix, env: { STUDIO_WORKER_ID: id } });
    }
    await until(
      () => Promise.all(WORKERS.map((id) => bed.redis.exists(workerHeartbeatKey(bed.prefix, id)))),
      (alive) => alive.every((n) => n === 1),
      60_000,
    );
    const runs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        bed.db.run.create({
          data: {
            name: `run ${i}`,
            versionId: bed.versionId,
            arch: 'mobilenet_v2_0.35',
            // Plain fits take long enough that the second worker is idle when the next job arrives.
            config: runConfig.parse({
              size: 64,
              bs: 8,
              seed: i,
              precompute: 'off',
            }) as Prisma.InputJsonValue,
            status: 'queued',
            stages: {
              create: {
                index: 0,
                kind: 'fit_one_cycle',
                params: { epochs: 2, maxLr: 3e-3 },
                status: 'queued',
              },
            },
          },
          include: { stages: true },
        }),
      ),
    );
    await bed.queue.addBulk(
      runs.map((run) => ({
        name: 'stage',
        data: { stageId: run.stages[0]!.id },
        opts: { ...TRAIN_JOB_OPTIONS, jobId: run.stages[0]!.id },
      })),
    );

    const stages = await until(
      () => bed.db.stage.findMany({ where: { runId: { in: runs.map((r) => r.id) } } }),
      (all) => all.every((s) => s.status === 'done' || s.status === 'failed'),
      300_000,
    );
    expect(stages.map((s) => [s.status, s.attempts, s.error])).toEqual(
      stages.map(() => ['done', 1, null]),
    );
    // Each stage trained once: its two epochs recorded once each.
    for (const stage of stages) {
      const epochs = await bed.db.epochMetric.findMany({
        where: { stageId: stage.id },
        orderBy: { epoch: 'asc' },
      });
      expect(epochs.map((e) => e.epoch)).toEqual([0, 1]);
    }
    const byWorker = Object.fromEntries(
      WORKERS.map((id) => [id, stages.filter((s) => s.worker === id).length]),
    );
    console.log(`stages per worker: ${JSON.stringify(byWorker)}`);
    expect(Object.values(byWorker).reduce((a, b) => a + b, 0)).toBe(4);
    for (const id of WORKERS) expect(byWorker[id]).toBeGreaterThan(0);
    const completed = await bed.queue.getJobCounts('completed', 'failed', 'active', 'wait');
    expect(completed).toEqual({ completed: 4, failed: 0, active: 0, wait: 0 });
  });
});
