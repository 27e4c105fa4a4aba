import { describe, expect, it } from 'vitest';
import { exitOf, startWorker as startWorkerProcess, until } from '../testing/worker-process';
import { useTrainTestbed } from '../testing/train-testbed';

const bed = useTrainTestbed({ classes: ['0', '1', '2'], perClass: 24 });

const startWorker = () => startWorkerProcess({ databaseUrl: bed.url, prefix: bed.prefix });

const createRun = bed.createRun;

/**
 * Plain fits: the interruption tests need epochs long enough to stop in the middle of, and the
 * out-of-memory test needs the backward pass through the body.
 */
const PLAIN = { precompute: 'off' };

const runStatus = (id: string) =>
  bed.db.run.findUniqueOrThrow({
    where: { id },
    include: { stages: { orderBy: { index: 'asc' } } },
  });

describe('training stages in the worker', () => {
  it('runs the lesson plan: fit, save, lr_find, unfreeze, fit with a slice; a re-delivered stage runs once', async () => {
    startWorker();
    const run = await createRun([
      { kind: 'fit_one_cycle', epochs: 2, maxLr: 3e-3, restoreBest: true },
      { kind: 'save', name: 'stage-1' },
      { kind: 'lr_find', startLr: 1e-7, endLr: 10, numIt: 12 },
      { kind: 'unfreeze' },
      { kind: 'fit_one_cycle', epochs: 1, maxLr: { lo: 1e-6, hi: 1e-4 } },
    ]);
    const done = await until(
      () => runStatus(run.id),
      (r) => ['done', 'failed'].includes(r.status),
      // Five stages, each in a fresh process, on a shared 2-core machine.
      480_000,
    );
    expect(done.stages.map((s) => [s.kind, s.status, s.error])).toEqual(
      done.stages.map((s) => [s.kind, 'done', null]),
    );
    // Each stage's process freed every tensor before it ended.
    expect(done.stages.map((s) => (s.result as { tensorsLeft?: number }).tensorsLeft)).toEqual(
      done.stages.map(() => 0),
    );
    const epochs = await bed.db.epochMetric.findMany({
      where: { stage: { runId: run.id } },
      orderBy: [{ stageId: 'asc' }, { epoch: 'asc' }],
    });
    expect(epochs).toHaveLength(3);
    for (const e of epochs) {
      expect(e.errorRate).toBeGreaterThanOrEqual(0);
      expect(e.errorRate).toBeLessThanOrEqual(1);
      expect(Number.isFinite(e.validLoss)).toBe(true);
    }
    expect(done.bestErrorRate).toBe(Math.min(...epochs.map((e) => e.errorRate)));
    // Each fit stage says which epoch was best and which weights it ended with; the run's error
    // is its model's: the last fit stage's, on the weights that stage ended with.
    type FitResult = {
      bestEpoch: number;
      lastEpoch: number;
      weights: { kind: string; epoch: number };
      errorRate: number;
    };
    const [frozenResult, unfrozenResult] = [0, 4].map((i) => done.stages[i]!.result as FitResult);
    const frozenEpochs = epochs.filter((e) => e.stageId === done.stages[0]!.id);
    const lowest = Math.min(...frozenEpochs.map((e) => e.errorRate));
    expect(frozenResult!.bestEpoch).toBe(frozenEpochs.find((e) => e.errorRate === lowest)!.epoch);
    expect(frozenResult!.lastEpoch).toBe(1);
    expect(frozenResult!.weights).toEqual({ kind: 'best', epoch: frozenResult!.bestEpoch });
    // The restored weights are the best epoch's: the interpretation's error equals its row's.
    expect(frozenResult!.errorRate).toBeCloseTo(lowest, 9);
    expect(unfrozenResult).toMatchObject({ bestEpoch: 0, lastEpoch: 0 });
    expect(unfrozenResult!.weights).toEqual({ kind: 'last', epoch: 0 });
    expect(done.finalErrorRate).toBe(unfrozenResult!.errorRate);
    const lrFind = done.stages[2]!.result as {
      lrs: number[];
      losses: number[];
      suggestions: { steepest: number } | null;
    };
    // After training, tiny batches make the smoothed loss noisy enough that the finder may stop
    // early (over 4x its best), as fastai's does; otherwise it runs all 12 steps.
    expect(
      (lrFind as { stoppedBy?: string }).stoppedBy === 'diverged' || lrFind.lrs.length === 12,
    ).toBe(true);
    expect(lrFind.losses).toHaveLength(lrFind.lrs.length);
    expect(lrFind.lrs[0]).toBeCloseTo(1e-7, 12);
    const checkpoints = await bed.db.checkpoint.findMany({
      where: { runId: run.id },
      orderBy: { name: 'asc' },
    });
    expect(checkpoints.map((c) => [c.kind, c.name])).toEqual([
      ['current', 'current'],
      ['named', 'stage-1'],
    ]);
    expect((await bed.db.batchMetric.count({ where: { stageId: done.stages[0]!.id } })) > 0).toBe(
      true,
    );
    // On a CPU backend the frozen fit trains the head on the feature cache; the unfrozen one cannot.
    const frozenFit = done.stages[0]!.result as {
      precompute: { views: number; trainImages: number; message: string } | null;
      timing: { cacheS: number; trainS: number };
    };
    // The studio's default: the un-augmented image (fastai 0.7's precompute), and one augmented
    // view for the last epoch.
    expect(frozenFit.precompute?.views).toBe(2);
    expect(frozenFit.precompute?.message).toMatch(/one augmented view for the last epoch/);
    expect(frozenFit.precompute?.trainImages).toBe(
      await bed.db.datasetVersionItem.count({
        where: { versionId: bed.versionId, split: 'train' },
      }),
    );
    expect(frozenFit.precompute?.message).toMatch(
      /BatchNorm statistics were first adapted to this data/,
    );
    expect(frozenFit.timing.cacheS).toBeGreaterThan(0);
    expect((done.stages[4]!.result as { precompute: unknown }).precompute).toBeNull();

    // The same stage delivered again (a duplicate job) does not train again.
    const first = done.stages[0]!;
    await bed.queue.add('stage', { stageId: first.id }, { jobId: `${first.id}-again` });
    await until(
      async () => (await bed.queue.getJob(`${first.id}-again`))?.finishedOn ?? 0,
      (finished) => finished > 0,
      30_000,
    );
    const after = await bed.db.stage.findUniqueOrThrow({ where: { id: first.id } });
    expect(after.attempts).toBe(first.attempts);
    expect(await bed.db.epochMetric.count({ where: { stageId: first.id } })).toBe(2);
  });

  it('keeps its queue lock through batches longer than the lock: no stall, one attempt', async () => {
    // The lock lasts 1 s; a plain batch of 24 images at 160 px on one thread takes longer. The
    // training runs in a child process, so the worker's event loop keeps renewing the lock.
    const lockMs = 1000;
    startWorkerProcess({
      databaseUrl: bed.url,
      prefix: bed.prefix,
      env: { STUDIO_TRAIN_LOCK_MS: String(lockMs) },
    });
    const run = await createRun([{ kind: 'fit_one_cycle', epochs: 2, maxLr: 3e-3 }], {
      ...PLAIN,
      size: 160,
      bs: 24,
      threads: 1,
    });
    const done = await until(
      () => runStatus(run.id),
      (r) => ['done', 'failed'].includes(r.status),
    );
    const stage = done.stages[0]!;
    expect([stage.status, stage.error]).toEqual(['done', null]);
    const { timing, iterations } = stage.result as {
      timing: { trainS: number };
      iterations: number;
    };
    const msPerBatch = (timing.trainS * 1000) / iterations;
    console.log(`${msPerBatch.toFixed(0)} ms per batch against a ${lockMs} ms lock`);
    expect(msPerBatch).toBeGreaterThan(lockMs);
    expect(stage.attempts).toBe(1);
    const epochs = await bed.db.epochMetric.findMany({ where: { stageId: stage.id } });
    expect(epochs.map((e) => e.epoch).sort()).toEqual([0, 1]);
  });

  it('surfaces an out-of-memory error with the fix, and does not retry it', async () => {
    startWorker();
    const run = await createRun([{ kind: 'fit_one_cycle', epochs: 1, maxLr: 3e-3 }], {
      ...PLAIN,
      // Whole batches in one thread: split into passes (the default), this batch would fit.
      microBatch: 'off',
      threads: 1,
      size: 512,
      bs: 48,
      augment: { enabled: false },
    });
    const failed = await until(
      () => runStatus(run.id),
      (r) => ['done', 'failed'].includes(r.status),
    );
    const stage = failed.stages[0]!;
    expect(stage.status).toBe('failed');
    expect(stage.errorKind).toBe('oom');
    expect(stage.error).toMatch(/smaller batch size/);
    expect(stage.attempts).toBe(1);
  });

  it('cancels between two batches: status cancelled, not retried', async () => {
    startWorker();
    const run = await createRun([{ kind: 'fit_one_cycle', epochs: 40, maxLr: 3e-3 }], PLAIN);
    const stageId = run.stages[0]!.id;
    await until(
      () => bed.db.batchMetric.count({ where: { stageId } }),
      (n) => n > 0,
    );
    const asked = Date.now();
    await bed.db.stage.update({ where: { id: stageId }, data: { cancelRequested: true } });
    // The run and its stages are read in two queries: wait until both show the one
    // transaction that cancels them.
    const cancelled = await until(
      () => runStatus(run.id),
      (r) => r.stages[0]!.status === 'cancelled' && r.status === 'cancelled',
    );
    const seconds = (Date.now() - asked) / 1000;
    console.log(`cancelled ${seconds.toFixed(1)} s after the request`);
    expect(cancelled.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 3000));
    const later = await bed.db.stage.findUniqueOrThrow({ where: { id: stageId } });
    expect(later.status).toBe('cancelled');
    expect(later.attempts).toBe(1);
    expect(await bed.db.epochMetric.count({ where: { stageId } })).toBeLessThan(40);
  });

  it('resumes a stage from its last epoch checkpoint after the worker is killed, recording each epoch once', async () => {
    const first = startWorker();
    const run = await createRun([{ kind: 'fit_one_cycle', epochs: 4, maxLr: 3e-3 }], PLAIN);
    const stageId = run.stages[0]!.id;
    await until(
      () => bed.db.checkpoint.count({ where: { runId: run.id, kind: 'epoch' } }),
      (n) => n > 0,
    );
    await new Promise((r) => setTimeout(r, 800));
    const epochsBefore = await bed.db.epochMetric.count({ where: { stageId } });
    first.kill('SIGKILL');
    await exitOf(first);
    expect(epochsBefore).toBeLessThan(4);
    startWorker();
    const done = await until(
      () => runStatus(run.id),
      (r) => ['done', 'failed'].includes(r.status),
    );
    expect(done.stages[0]!.status).toBe('done');
    expect(done.stages[0]!.attempts).toBe(2);
    const epochs = await bed.db.epochMetric.findMany({
      where: { stageId },
      orderBy: { epoch: 'asc' },
    });
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    const iterations = (
      await bed.db.batchMetric.findMany({ where: { stageId }, orderBy: { iteration: 'asc' } })
    ).map((b) => b.iteration);
    const perEpoch = iterations.length / 4;
    expect(Number.isInteger(perEpoch)).toBe(true);
    expect(iterations.at(-1)! - iterations[0]!).toBe(iterations.length - 1);
    expect(await bed.db.checkpoint.count({ where: { runId: run.id, kind: 'epoch' } })).toBe(0);
  });

  it('on SIGTERM stops at a batch boundary, exits cleanly and the stage resumes later', async () => {
    const first = startWorker();
    const run = await createRun([{ kind: 'fit_one_cycle', epochs: 4, maxLr: 3e-3 }], PLAIN);
    const stageId = run.stages[0]!.id;
    await until(
      () => bed.db.epochMetric.count({ where: { stageId } }),
      (n) => n > 0,
    );
    const asked = Date.now();
    first.kill('SIGTERM');
    expect(await exitOf(first)).toBe(0);
    console.log(`worker exited ${((Date.now() - asked) / 1000).toFixed(1)} s after SIGTERM`);
    const paused = await bed.db.stage.findUniqueOrThrow({ where: { id: stageId } });
    expect(paused.status).toBe('queued');
    expect(await bed.db.checkpoint.count({ where: { runId: run.id, kind: 'epoch' } })).toBe(1);
    startWorker();
    const done = await until(
      () => runStatus(run.id),
      (r) => ['done', 'failed'].includes(r.status),
    );
    expect(done.stages[0]!.status).toBe('done');
    expect(
      (await bed.db.epochMetric.findMany({ where: { stageId }, orderBy: { epoch: 'asc' } })).map(
        (e) => e.epoch,
      ),
    ).toEqual([0, 1, 2, 3]);
  });
});
