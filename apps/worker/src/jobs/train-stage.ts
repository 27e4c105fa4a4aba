import { retryOnConnectionLoss, type Db, type Prisma } from '@studio/db';
import { JOBS, jobArgs, runConfig, type RunEvent, type TrainStageJob } from '@studio/shared';
import type { Queue } from 'bullmq';
import type { StageOutcome } from '../training/messages';
import { failStage } from './reconcile-stages';

export interface TrainContext {
  db: Db;
  trainQueue: Queue;
  publish: (runId: string, event: RunEvent) => void;
  runStage: (
    stageId: string,
    hooks: { onEvent: (event: RunEvent) => void; isCancelRequested: () => Promise<boolean> },
  ) => Promise<StageOutcome>;
  log: (msg: string) => void;
  /** This worker's id, recorded on the stages it runs. */
  workerId: string;
}

/** The stage was interrupted by a shutdown and goes back to the queue to resume elsewhere. */
export class StageInterruptedError extends Error {}

/** The training process died (killed, crashed): the job is retried and resumes from its checkpoint. */
export class StageCrashedError extends Error {}

/**
 * Runs one stage of a run: marks it running, trains in a child process, records the outcome, and
 * queues the run's next stage. A stage that is already done (the same job delivered twice) is
 * not run again.
 */
export async function trainStage(ctx: TrainContext, job: TrainStageJob): Promise<void> {
  // While the database is away (a restart), the job waits here instead of using up its attempts.
  const durably = <T>(what: string, write: () => Promise<T>) =>
    retryOnConnectionLoss(write, { log: ctx.log, what: `${what} of stage ${job.stageId}` });
  const stage = await durably('starting', () => startStage(ctx, job.stageId));
  if (!stage) return;

  const outcome = await ctx.runStage(stage.id, {
    onEvent: (event) => ctx.publish(stage.runId, event),
    isCancelRequested: async () =>
      (
        await ctx.db.stage.findUnique({
          where: { id: stage.id },
          select: { cancelRequested: true },
        })
      )?.cancelRequested ?? true,
  });
  await durably('recording the outcome', () => recordOutcome(ctx, stage.id, stage.runId, outcome));
}

/** Marks the stage and its run running; null when there is nothing to do. */
async function startStage(ctx: TrainContext, stageId: string) {
  const stage = await ctx.db.stage.findUnique({ where: { id: stageId } });
  if (!stage || !['queued', 'running'].includes(stage.status)) {
    ctx.log(`stage ${stageId}: nothing to do (${stage?.status ?? 'deleted'})`);
    return null;
  }
  const earlier = await ctx.db.stage.count({
    where: { runId: stage.runId, index: { lt: stage.index }, status: { notIn: ['done'] } },
  });
  if (earlier > 0)
    throw new Error(
      `stage ${stage.index} of run ${stage.runId} was queued before the stages before it finished`,
    );

  const now = new Date();
  await ctx.db.stage.update({
    where: { id: stage.id },
    data: {
      status: 'running',
      attempts: { increment: 1 },
      worker: ctx.workerId,
      startedAt: stage.startedAt ?? now,
      error: null,
    },
  });
  await ctx.db.run.update({
    where: { id: stage.runId },
    data: {
      status: 'running',
      finishedAt: null,
      startedAt:
        (await ctx.db.run.findUniqueOrThrow({ where: { id: stage.runId } })).startedAt ?? now,
    },
  });
  ctx.publish(stage.runId, { type: 'stage', stageId: stage.id, status: 'running' });
  return stage;
}

async function recordOutcome(
  ctx: TrainContext,
  stageId: string,
  runId: string,
  outcome: StageOutcome,
): Promise<void> {
  const finishedAt = new Date();
  switch (outcome.kind) {
    case 'done': {
      // A cancel that arrived during the stage's last batch finds it done: the run stops here.
      const { cancelRequested } = await ctx.db.stage.findUniqueOrThrow({ where: { id: stageId } });
      const next = cancelRequested
        ? null
        : await ctx.db.stage.findFirst({
            where: { runId, status: 'queued', id: { not: stageId } },
            orderBy: { index: 'asc' },
          });
      const finalError = (outcome.result as { errorRate?: unknown } | null | undefined)?.errorRate;
      const best = await ctx.db.epochMetric.aggregate({
        where: { stage: { runId } },
        _min: { errorRate: true },
      });
      const runEnd = cancelRequested
        ? { status: 'cancelled' as const, finishedAt }
        : next
          ? {}
          : { status: 'done' as const, finishedAt };
      // One transaction, so no reader sees the stage done and its run still running.
      await ctx.db.$transaction([
        ctx.db.stage.update({
          where: { id: stageId },
          data: { status: 'done', finishedAt, cancelRequested: false, result: resultOf(outcome) },
        }),
        ...(cancelRequested ? [cancelLaterStages(ctx.db, runId, stageId)] : []),
        ctx.db.run.update({
          where: { id: runId },
          data: {
            bestErrorRate: best._min.errorRate,
            // A fit stage's error on the weights it ended with: what the run's model now does.
            ...(typeof finalError === 'number' ? { finalErrorRate: finalError } : {}),
            ...runEnd,
          },
        }),
      ]);
      ctx.publish(runId, { type: 'stage', stageId, status: 'done' });
      if (next) {
        await ctx.trainQueue.add(...jobArgs(JOBS.trainStage, { stageId: next.id }));
      }
      return;
    }
    case 'cancelled':
      await ctx.db.$transaction([
        ctx.db.stage.update({
          where: { id: stageId },
          data: { status: 'cancelled', finishedAt, cancelRequested: false },
        }),
        cancelLaterStages(ctx.db, runId, stageId),
        ctx.db.run.update({ where: { id: runId }, data: { status: 'cancelled', finishedAt } }),
      ]);
      ctx.publish(runId, { type: 'stage', stageId, status: 'cancelled' });
      return;
    case 'failed': {
      // The library's own advice names options the studio does not offer: the log keeps it.
      if (outcome.errorKind === 'oom') ctx.log(`stage ${stageId}: ${outcome.message}`);
      const error =
        outcome.errorKind === 'oom' ? await outOfMemoryMessage(ctx.db, runId) : outcome.message;
      await failStage(ctx.db, stageId, runId, error, outcome.errorKind);
      ctx.publish(runId, {
        type: 'stage',
        stageId,
        status: 'failed',
        error,
        errorKind: outcome.errorKind,
      });
      return;
    }
    case 'interrupted': {
      // The wait for another worker is not the stage's time: this attempt's time is banked.
      const { startedAt } = await ctx.db.stage.findUniqueOrThrow({ where: { id: stageId } });
      const seconds = startedAt ? (finishedAt.getTime() - startedAt.getTime()) / 1000 : 0;
      await ctx.db.stage.update({
        where: { id: stageId },
        data: {
          status: 'queued',
          startedAt: null,
          priorAttemptSeconds: { increment: Math.max(0, seconds) },
        },
      });
      ctx.publish(runId, {
        type: 'log',
        stageId,
        message: 'The worker is shutting down; the stage will resume from its last checkpoint.',
      });
      throw new StageInterruptedError('stage interrupted by shutdown');
    }
    case 'crashed':
      ctx.publish(runId, {
        type: 'log',
        stageId,
        message: `${outcome.message}; resuming from the last checkpoint.`,
      });
      throw new StageCrashedError(outcome.message);
  }
}

/** The stages after a cancelled one that had not started: they say cancelled, not pending. */
function cancelLaterStages(db: Db, runId: string, stageId: string) {
  return db.stage.updateMany({
    where: { runId, status: { in: ['queued', 'pending'] }, id: { not: stageId } },
    data: { status: 'cancelled', queuedAt: null },
  });
}

const resultOf = (outcome: { result: Record<string, unknown> | null }) =>
  (outcome.result ?? undefined) as Prisma.InputJsonValue | undefined;

/** An out-of-memory failure in the terms of the run form: the batch size and the image size. */
async function outOfMemoryMessage(db: Db, runId: string): Promise<string> {
  const { config } = await db.run.findUniqueOrThrow({ where: { id: runId } });
  const { bs, size } = runConfig.parse(config);
  const half = Math.max(1, Math.floor(bs / 2));
  return (
    `A batch of ${bs} images at ${size} px did not fit in the worker's memory. ` +
    `Retry with batch size ${half} (the stage's retry button), or start a new run with a smaller ` +
    `batch size or image size.`
  );
}
