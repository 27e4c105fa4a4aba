// How the worker records a stage's end: the run's status and the clock of each stage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import type { Prisma } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import type { StageOutcome } from '../training/messages';
import { StageInterruptedError, trainStage, type TrainContext } from './train-stage';

let t: TestDatabase;
let versionId = '';

beforeAll(async () => {
  t = await createTestDatabase();
  const dataset = await t.db.dataset.create({
    data: { name: 'two classes', sourceKind: 'folder', status: 'ready' },
  });
  versionId = (
    await t.db.datasetVersion.create({
      data: {
        datasetId: dataset.id,
        number: 1,
        labelling: { scheme: 'folder' },
        split: { kind: 'random', validPct: 0.2, seed: 42 },
        classes: ['a', 'b'],
        counts: { train: { a: 8, b: 8 }, valid: { a: 2, b: 2 } },
      },
    })
  ).id;
});
afterAll(() => t?.drop());

/** A run of five stages as "Launch all pending" leaves it: every stage queued. */
async function createQueuedRun() {
  return t.db.run.create({
    data: {
      name: 'plan',
      versionId,
      arch: 'mobilenet_v2_0.35',
      config: { bs: 512, size: 224 } as Prisma.InputJsonValue,
      status: 'queued',
      stages: {
        createMany: {
          data: ['fit_one_cycle', 'save', 'lr_find', 'unfreeze', 'fit_one_cycle'].map(
            (kind, index) => ({ index, kind, params: {}, status: 'queued' as const }),
          ),
        },
      },
    },
    include: { stages: { orderBy: { index: 'asc' } } },
  });
}

/** The worker's handler with a training step that does `during` and then ends with `outcome`. */
function contextTraining(during: () => Promise<void>, outcome: StageOutcome): TrainContext {
  const added: string[] = [];
  return {
    db: t.db,
    trainQueue: {
      add: async (_name: string, data: { stageId: string }) => void added.push(data.stageId),
    } as unknown as Queue,
    publish: () => undefined,
    runStage: async () => {
      await during();
      return outcome;
    },
    log: () => undefined,
    workerId: 'test-worker',
  };
}

/** What the web's Cancel writes while a stage runs: the flag, and the queued stages unqueued. */
async function cancelFromTheWeb(runId: string) {
  await t.db.stage.updateMany({
    where: { runId, status: 'running' },
    data: { cancelRequested: true },
  });
  await t.db.stage.updateMany({
    where: { runId, status: 'queued' },
    data: { status: 'pending', queuedAt: null },
  });
}

const statesOf = async (runId: string) => {
  const run = await t.db.run.findUniqueOrThrow({
    where: { id: runId },
    include: { stages: { orderBy: { index: 'asc' } } },
  });
  return { run: run.status, stages: run.stages.map((s) => s.status), finishedAt: run.finishedAt };
};

describe('the end of a stage', () => {
  it('a cancel landing in the last batch leaves the run cancelled and its later stages cancelled', async () => {
    const run = await createQueuedRun();
    const ctx = contextTraining(() => cancelFromTheWeb(run.id), { kind: 'done', result: null });
    await trainStage(ctx, { stageId: run.stages[0]!.id });
    const states = await statesOf(run.id);
    expect(states.run).toBe('cancelled');
    expect(states.stages).toEqual(['done', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(states.finishedAt).not.toBeNull();
  });

  it('a cancel between batches leaves the stage and the later ones cancelled', async () => {
    const run = await createQueuedRun();
    const ctx = contextTraining(() => cancelFromTheWeb(run.id), { kind: 'cancelled' });
    await trainStage(ctx, { stageId: run.stages[0]!.id });
    const states = await statesOf(run.id);
    expect(states.run).toBe('cancelled');
    expect(states.stages).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
  });

  it('a running run has no end time, even after an earlier attempt failed', async () => {
    const run = await createQueuedRun();
    const first = run.stages[0]!;
    await t.db.run.update({
      where: { id: run.id },
      data: { status: 'queued', startedAt: new Date(), finishedAt: new Date() },
    });
    let whileRunning: Awaited<ReturnType<typeof statesOf>> | undefined;
    const ctx = contextTraining(async () => void (whileRunning = await statesOf(run.id)), {
      kind: 'done',
      result: null,
    });
    await trainStage(ctx, { stageId: first.id });
    expect(whileRunning).toMatchObject({ run: 'running', finishedAt: null });
  });

  it('a stage interrupted by a shutdown banks its attempt time and does not count the wait', async () => {
    const run = await createQueuedRun();
    const first = run.stages[0]!;
    const ctx = contextTraining(() => new Promise((resolve) => setTimeout(resolve, 1200)), {
      kind: 'interrupted',
    });
    await expect(trainStage(ctx, { stageId: first.id })).rejects.toThrow(StageInterruptedError);
    const stage = await t.db.stage.findUniqueOrThrow({ where: { id: first.id } });
    expect(stage.status).toBe('queued');
    expect(stage.startedAt).toBeNull();
    expect(stage.priorAttemptSeconds).toBeGreaterThanOrEqual(1.2);
  });

  it("words an out-of-memory error in what the run form offers, not the library's options", async () => {
    const run = await createQueuedRun();
    const ctx = contextTraining(async () => undefined, {
      kind: 'failed',
      errorKind: 'oom',
      message:
        'The feature cache build failed in a worker thread: out of memory. Retry the fit, or set precompute.threads to 1 to build the cache in the main thread.',
    });
    await trainStage(ctx, { stageId: run.stages[0]!.id });
    const stage = await t.db.stage.findUniqueOrThrow({ where: { id: run.stages[0]!.id } });
    expect(stage.error).toBe(
      "A batch of 512 images at 224 px did not fit in the worker's memory. Retry with batch size 256 (the stage's retry button), or start a new run with a smaller batch size or image size.",
    );
  });
});
