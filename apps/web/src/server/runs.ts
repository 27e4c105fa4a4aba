import 'server-only';
import type { Prisma } from '@studio/db';
import {
  QUEUES,
  JOBS,
  runArch,
  runConfig,
  runSeconds,
  stageSeconds,
  stageSpec,
  uploadedBackboneIdOf,
  type CreateRunRequest,
  type StageSpec,
} from '@studio/shared';
import type { Access } from './access';
import { recordAudit } from './audit';
import { db } from './db';
import { ApiError, isUuid } from './http';
import { addJob, queue, requireQueue } from './queue';

function stageRows(specs: StageSpec[], startIndex: number) {
  return specs.map((spec, i) => {
    const { kind, ...params } = spec;
    return { index: startIndex + i, kind, params: params as Prisma.InputJsonValue };
  });
}

export async function createRun(access: Access, request: CreateRunRequest) {
  const version = isUuid(request.versionId)
    ? await db().datasetVersion.findFirst({
        where: { id: request.versionId, dataset: { teamId: access.teamId } },
      })
    : null;
  if (!version) throw new ApiError(404, `No dataset version with id ${request.versionId}.`);
  if (version.classes.length < 2) {
    throw new ApiError(
      400,
      `Version ${version.number} has ${version.classes.length} class${version.classes.length === 1 ? '' : 'es'}: a classifier needs at least two. Save a version of the dataset whose labelling gives two or more classes, then start the run on it.`,
    );
  }
  if (
    request.config.bs >
    Object.values((version.counts as Record<string, Record<string, number>>).train ?? {}).reduce(
      (a, b) => a + b,
      0,
    )
  ) {
    throw new ApiError(
      400,
      `The batch size (${request.config.bs}) is larger than the training set. Choose a smaller batch size.`,
    );
  }
  const backboneId = uploadedBackboneIdOf(request.arch);
  if (
    backboneId &&
    (await db().uploadedBackbone.count({ where: { id: backboneId, teamId: access.teamId } })) === 0
  ) {
    throw new ApiError(
      400,
      `No uploaded backbone with id ${backboneId}. Upload it on the Backbones page or choose another architecture.`,
    );
  }
  const isLaunching = request.launch && request.stages.length > 0;
  if (isLaunching) await requireQueue('The run was not created.');
  const run = await db().run.create({
    data: {
      name: request.name,
      versionId: request.versionId,
      arch: request.arch,
      config: request.config as Prisma.InputJsonValue,
      teamId: access.teamId,
      createdById: access.userId,
      stages: { createMany: { data: stageRows(request.stages, 0) } },
    },
  });
  await recordAudit(access, 'run.create', 'run', run.id, {
    name: run.name,
    arch: run.arch,
    stages: request.stages.length,
  });
  if (isLaunching) await launchStages(access, run.id, 'all');
  return run;
}

export async function addStages(access: Access, runId: string, specs: StageSpec[]) {
  await getRunOrThrow(access, runId);
  const stages = await db().$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', runId);
    const last = await tx.stage.findFirst({
      where: { runId },
      orderBy: { index: 'desc' },
      select: { index: true },
    });
    await tx.stage.createMany({
      data: stageRows(specs, (last?.index ?? -1) + 1).map((row) => ({ ...row, runId })),
    });
    return tx.stage.findMany({ where: { runId }, orderBy: { index: 'asc' } });
  });
  await recordAudit(access, 'stage.create', 'run', runId, {
    kinds: specs.map((s) => s.kind),
  });
  return stages;
}

/** A run of the access's team; another team's id answers 404 exactly like an unknown one. */
export async function getRunOrThrow(access: Access, runId: string) {
  const run = isUuid(runId)
    ? await db().run.findFirst({ where: { id: runId, teamId: access.teamId } })
    : null;
  if (!run) throw new ApiError(404, `No run with id ${runId}.`);
  return run;
}

/**
 * The run again on another of the team's dataset versions: the same backbone, settings and
 * stage plan, started at once (for example on a version corrected from its top losses).
 */
export async function rerunOnVersion(access: Access, runId: string, versionId: string) {
  const run = await getRunOrThrow(access, runId);
  const version = await db().datasetVersion.findFirst({
    where: { id: versionId, dataset: { teamId: access.teamId } },
    select: { number: true },
  });
  if (!version) throw new ApiError(404, `No dataset version with id ${versionId}.`);
  const stages = await db().stage.findMany({ where: { runId }, orderBy: { index: 'asc' } });
  return createRun(access, {
    versionId,
    name: `${run.name.replace(/ · v\d+$/, '')} · v${version.number}`,
    arch: runArch.parse(run.arch),
    config: runConfig.parse(run.config),
    stages: stages.map((s) =>
      stageSpec.parse({ ...(s.params as Record<string, unknown>), kind: s.kind }),
    ),
    launch: true,
  });
}

/** Queues the next pending stage ('next') or every pending stage as a plan ('all'); the worker runs them in order. */
export async function launchStages(access: Access, runId: string, mode: 'next' | 'all') {
  const run = await getRunOrThrow(access, runId);
  // Stages a cancel stopped before they started wait to be launched, like pending ones.
  const pending = await db().stage.findMany({
    where: { runId, status: { in: ['pending', 'cancelled'] }, startedAt: null },
    orderBy: { index: 'asc' },
  });
  if (pending.length === 0)
    throw new ApiError(400, 'There is no pending stage to launch. Add a stage first.');
  const toQueue = mode === 'all' ? pending : pending.slice(0, 1);
  const outcome = 'The run was saved; its stages were not launched.';
  await requireQueue(outcome);
  const ids = toQueue.map((s) => s.id);
  await queueStages(ids);
  await db().run.update({
    where: { id: runId },
    data: { status: 'queued', error: null, finishedAt: null },
  });
  try {
    await enqueueNextStage(runId, outcome);
  } catch (error) {
    // Redis went away in between: the stages wait to be launched again rather than sit queued
    // without a job (the worker's reconciler would queue those only minutes later).
    await db().stage.updateMany({
      where: { id: { in: ids }, status: 'queued' },
      data: { status: 'pending', queuedAt: null },
    });
    await db().run.update({ where: { id: runId }, data: { status: run.status, error: run.error } });
    throw error;
  }
  await recordAudit(access, 'run.launch', 'run', runId, { stages: toQueue.length });
  return toQueue.length;
}

/**
 * Marks stages queued for a new attempt; the time of an attempt they already made is kept in
 * `priorAttemptSeconds`, so the wait until this one starts counts for nothing.
 */
async function queueStages(ids: string[]) {
  const stages = await db().stage.findMany({ where: { id: { in: ids } } });
  const queuedAt = new Date();
  await db().$transaction(
    stages.map((stage) =>
      db().stage.update({
        where: { id: stage.id },
        data: {
          status: 'queued',
          queuedAt,
          cancelRequested: false,
          error: null,
          errorKind: null,
          startedAt: null,
          finishedAt: null,
          priorAttemptSeconds: stageSeconds(stage, queuedAt) ?? 0,
        },
      }),
    ),
  );
}

/**
 * Hands the first queued stage of a run to the queue, unless a stage of the run is already
 * running. Callers have checked the run belongs to their team.
 */
async function enqueueNextStage(runId: string, outcome: string) {
  const running = await db().stage.count({ where: { runId, status: 'running' } });
  if (running > 0) return null;
  const next = await db().stage.findFirst({
    where: { runId, status: 'queued' },
    orderBy: { index: 'asc' },
  });
  if (!next) return null;
  await addJob(JOBS.trainStage, { stageId: next.id }, outcome);
  return next.id;
}

/** Stops the running stage between two batches and drops the queued ones (they go back to pending). */
export async function cancelRun(access: Access, runId: string) {
  await getRunOrThrow(access, runId);
  const running = await db().stage.updateMany({
    where: { runId, status: 'running' },
    data: { cancelRequested: true },
  });
  const queued = await db().stage.findMany({ where: { runId, status: 'queued' } });
  for (const stage of queued) {
    await queue(QUEUES.train)
      .remove(stage.id)
      .catch(() => 0);
  }
  await db().stage.updateMany({
    where: { id: { in: queued.map((s) => s.id) } },
    data: { status: 'cancelled', queuedAt: null },
  });
  // With a stage running, the worker marks the run cancelled when the stage stops.
  if (running.count === 0 && queued.length > 0)
    await db().run.update({
      where: { id: runId },
      data: { status: 'cancelled', finishedAt: new Date() },
    });
  await recordAudit(access, 'run.cancel', 'run', runId, {
    stopping: running.count,
    unqueued: queued.length,
  });
  return { stopping: running.count, unqueued: queued.length };
}

/**
 * Runs a failed or cancelled stage again, optionally with half the batch size (the fix for
 * out-of-memory), and the rest of the run's plan after it.
 */
export async function retryStage(access: Access, stageId: string, halveBatch: boolean) {
  const stage = isUuid(stageId)
    ? await db().stage.findFirst({
        where: { id: stageId, run: { teamId: access.teamId } },
        include: { run: true },
      })
    : null;
  if (!stage) throw new ApiError(404, `No stage with id ${stageId}.`);
  if (stage.status !== 'failed' && stage.status !== 'cancelled') {
    throw new ApiError(
      400,
      `Only a failed or cancelled stage can be retried; this one is ${stage.status}.`,
    );
  }
  await requireQueue('The stage was not retried.');
  if (halveBatch) {
    const config = stage.run.config as { bs: number };
    const bs = Math.max(1, Math.floor(config.bs / 2));
    await db().run.update({ where: { id: stage.runId }, data: { config: { ...config, bs } } });
  }
  await queue(QUEUES.train)
    .remove(stageId)
    .catch(() => 0);
  const rest = await db().stage.findMany({
    where: {
      runId: stage.runId,
      index: { gt: stage.index },
      status: { in: ['pending', 'cancelled'] },
      startedAt: null,
    },
    select: { id: true },
  });
  await queueStages([stageId, ...rest.map((s) => s.id)]);
  await db().run.update({
    where: { id: stage.runId },
    data: { status: 'queued', error: null, finishedAt: null },
  });
  // Redis gone in between: the worker's reconciler hands a queued stage without a job to the queue.
  await enqueueNextStage(
    stage.runId,
    'The stage is marked queued; a worker queues it again within minutes of Redis returning.',
  );
  await recordAudit(access, 'stage.retry', 'stage', stageId, { runId: stage.runId, halveBatch });
}

export async function deletePendingStage(access: Access, stageId: string) {
  const stage = isUuid(stageId)
    ? await db().stage.findFirst({ where: { id: stageId, run: { teamId: access.teamId } } })
    : null;
  if (!stage) throw new ApiError(404, `No stage with id ${stageId}.`);
  if (stage.status !== 'pending')
    throw new ApiError(400, `Only a pending stage can be removed; this one is ${stage.status}.`);
  await db().stage.delete({ where: { id: stageId } });
  await recordAudit(access, 'stage.delete', 'stage', stageId, {
    runId: stage.runId,
    kind: stage.kind,
  });
}

export type RunDetail = NonNullable<Awaited<ReturnType<typeof getRunDetail>>>;

/** The whole state of a run from Postgres: what the page shows before live events arrive. */
export async function getRunDetail(access: Access, runId: string) {
  if (!isUuid(runId)) return null;
  const run = await db().run.findFirst({
    where: { id: runId, teamId: access.teamId },
    include: {
      createdBy: { select: { id: true, name: true } },
      version: { include: { dataset: { select: { id: true, name: true } } } },
      stages: {
        orderBy: { index: 'asc' },
        include: {
          epochs: { orderBy: { epoch: 'asc' } },
          batches: { orderBy: { iteration: 'asc' } },
          interpretation: { select: { errorRate: true } },
          export: { select: { bytes: true } },
        },
      },
      checkpoints: { orderBy: { createdAt: 'asc' } },
    },
  });
  if (!run) return null;
  return {
    id: run.id,
    name: run.name,
    arch: run.arch,
    config: run.config as Record<string, unknown>,
    status: run.status,
    error: run.error,
    bestErrorRate: run.bestErrorRate,
    finalErrorRate: run.finalErrorRate,
    createdBy: run.createdBy,
    notes: run.notes,
    tags: run.tags,
    archived: run.archivedAt !== null,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    dataset: run.version.dataset,
    version: {
      id: run.version.id,
      number: run.version.number,
      classes: run.version.classes,
      counts: run.version.counts as Record<string, Record<string, number>>,
    },
    stages: run.stages.map((s) => ({
      id: s.id,
      runId: s.runId,
      /** The interpretation's error rate once the worker has stored the stage's results. */
      resultsErrorRate: s.interpretation?.errorRate ?? null,
      index: s.index,
      kind: s.kind,
      params: s.params as Record<string, unknown>,
      status: s.status,
      cancelRequested: s.cancelRequested,
      result: s.result as Record<string, unknown> | null,
      error: s.error,
      errorKind: s.errorKind,
      /** The worker that ran the stage's last attempt. */
      worker: s.worker,
      startedAt: s.startedAt?.toISOString() ?? null,
      finishedAt: s.finishedAt?.toISOString() ?? null,
      priorAttemptSeconds: s.priorAttemptSeconds,
      epochs: s.epochs.map(({ stageId: _s, ...e }) => e),
      batches: s.batches.map(({ stageId: _s, ...b }) => b),
    })),
    checkpoints: run.checkpoints.map((c) => ({
      id: c.id,
      kind: c.kind,
      name: c.name,
      epoch: c.epoch,
      bytes: Number(c.bytes),
      updatedAt: c.updatedAt.toISOString(),
    })),
    /** Checkpoints plus the exported models of finished fit stages. */
    storageBytes:
      run.checkpoints.reduce((n, c) => n + Number(c.bytes), 0) +
      run.stages.reduce((n, s) => n + Number(s.export?.bytes ?? 0), 0),
    exportBytes: run.stages.reduce((n, s) => n + Number(s.export?.bytes ?? 0), 0),
  };
}

/** The team's runs in use, or (`archived`) the archived ones. */
export async function listRuns(access: Access, { archived = false } = {}) {
  const runs = await db().run.findMany({
    where: { teamId: access.teamId, archivedAt: archived ? { not: null } : null },
    orderBy: { createdAt: 'desc' },
    include: {
      version: { include: { dataset: { select: { id: true, name: true } } } },
      stages: {
        select: { status: true, startedAt: true, finishedAt: true, priorAttemptSeconds: true },
      },
      createdBy: { select: { id: true, name: true } },
    },
  });
  return runs.map((r) => ({
    id: r.id,
    name: r.name,
    arch: r.arch,
    status: r.status,
    bestErrorRate: r.bestErrorRate,
    finalErrorRate: r.finalErrorRate,
    stages: r.stages.length,
    dataset: r.version.dataset,
    versionNumber: r.version.number,
    createdBy: r.createdBy,
    tags: r.tags,
    createdAt: r.createdAt.toISOString(),
    durationS: runSeconds(r.stages),
  }));
}

export type TrainableVersion = Awaited<ReturnType<typeof listTrainableVersions>>[number];

/** Every dataset version a run can train on, newest dataset first: what /runs/new offers. */
export async function listTrainableVersions(access: Access) {
  const versions = await db().datasetVersion.findMany({
    where: { dataset: { teamId: access.teamId, archivedAt: null } },
    orderBy: [{ dataset: { createdAt: 'desc' } }, { number: 'desc' }],
    include: { dataset: { select: { id: true, name: true } } },
  });
  const total = (counts: unknown, split: string) =>
    Object.values((counts as Record<string, Record<string, number>>)[split] ?? {}).reduce(
      (a, b) => a + b,
      0,
    );
  return versions.map((v) => ({
    id: v.id,
    number: v.number,
    dataset: v.dataset,
    classes: v.classes.length,
    trainCount: total(v.counts, 'train'),
    validCount: total(v.counts, 'valid'),
    createdAt: v.createdAt.toISOString(),
  }));
}

/** Tags are short, lower-case words; the same tag once. */
export function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
}

/** The team's notes and tags on a run. */
export async function updateRunNotes(
  access: Access,
  runId: string,
  input: { notes?: string; tags?: string[] },
) {
  await getRunOrThrow(access, runId);
  const run = await db().run.update({
    where: { id: runId },
    data: {
      notes: input.notes,
      tags: input.tags === undefined ? undefined : normaliseTags(input.tags),
    },
    select: { notes: true, tags: true },
  });
  await recordAudit(access, 'run.update', 'run', runId, {
    ...(input.notes !== undefined ? { notes: true } : {}),
    ...(input.tags !== undefined ? { tags: run.tags } : {}),
  });
  return run;
}
