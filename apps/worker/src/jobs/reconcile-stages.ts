import type { Db } from '@studio/db';
import { JOBS, jobArgs } from '@studio/shared';
import type { Queue } from 'bullmq';

export interface ReconcileContext {
  db: Db;
  trainQueue: Queue;
  log: (msg: string) => void;
}

export interface ReconcileResult {
  /** Stages handed to the queue again: their job was gone (a lost or flushed Redis, say). */
  requeued: string[];
  /** Stages marked failed: their job used up its attempts. */
  failed: string[];
}

/**
 * Postgres says which stage of each run should be in the queue; the queue can disagree after a
 * worker died at the wrong moment, Redis lost its data, or a job used up its attempts. For the
 * first unfinished stage of every run that is queued or running (and has been for `graceMs`, so
 * a stage the web app is enqueueing right now is left alone):
 * - no job, or a job completed while the stage is unfinished → queued again (it resumes from its
 *   last checkpoint);
 * - a failed job → the stage and run are marked failed with the reason, so no run stays
 *   "running" forever.
 * Several workers may run this at once: jobs are keyed by stage id and the writes are idempotent.
 */
export async function reconcileStages(
  ctx: ReconcileContext,
  options: { graceMs: number; now?: number },
): Promise<ReconcileResult> {
  const now = options.now ?? Date.now();
  const runs = await ctx.db.run.findMany({
    where: { stages: { some: { status: { in: ['queued', 'running'] } } } },
    select: { id: true, stages: { orderBy: { index: 'asc' } } },
  });
  const result: ReconcileResult = { requeued: [], failed: [] };
  for (const run of runs) {
    const stage = run.stages.find((s) => s.status !== 'done');
    if (!stage || (stage.status !== 'queued' && stage.status !== 'running')) continue;
    const since = stage.status === 'running' ? stage.startedAt : stage.queuedAt;
    if (now - (since ?? stage.createdAt).getTime() < options.graceMs) continue;
    const job = await ctx.trainQueue.getJob(stage.id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      const reason = job?.failedReason || 'no reason recorded';
      await failStage(ctx.db, stage.id, run.id, givenUpMessage(job?.attemptsMade ?? 0, reason));
      ctx.log(`stage ${stage.id}: its job failed for good; marked failed`);
      result.failed.push(stage.id);
    } else if (state === 'missing' || state === 'unknown' || state === 'completed') {
      if (job) await job.remove().catch(() => undefined);
      await ctx.db.stage.update({ where: { id: stage.id }, data: { status: 'queued' } });
      await ctx.trainQueue.add(...jobArgs(JOBS.trainStage, { stageId: stage.id }));
      ctx.log(`stage ${stage.id}: ${stage.status} without a job in the queue; queued again`);
      result.requeued.push(stage.id);
    }
  }
  return result;
}

/** What a stage whose job used up its attempts says, with the last attempt's error. */
export function givenUpMessage(attempts: number, lastError: string): string {
  return `The stage was given up after ${attempts} attempts (last: ${lastError}). Retry it when the cause is fixed.`;
}

/** Marks a stage and its run failed and puts the run's queued stages back to pending, at once. */
export async function failStage(
  db: Db,
  stageId: string,
  runId: string,
  error: string,
  errorKind = 'error',
): Promise<void> {
  const finishedAt = new Date();
  await db.$transaction([
    db.stage.update({
      where: { id: stageId },
      data: { status: 'failed', finishedAt, error, errorKind },
    }),
    db.stage.updateMany({
      where: { runId, status: 'queued', id: { not: stageId } },
      data: { status: 'pending', queuedAt: null },
    }),
    db.run.update({ where: { id: runId }, data: { status: 'failed', finishedAt, error } }),
  ]);
}
