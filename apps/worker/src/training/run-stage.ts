import { retryOnConnectionLoss, type Db, type PostgresBlobStore } from '@studio/db';
import {
  CheckpointCallback,
  SaveBestCallback,
  describePrecompute,
  isPrecomputable,
  slice,
  usesPrecompute,
  type Learner,
  type LearningRate,
} from '@studio/ml';
import {
  parseStageSpec,
  type LearningRate as StageLearningRate,
  type RunConfig,
  type RunEvent,
  type StageSpec,
} from '@studio/shared';
import { storeStageArtefacts } from './artefacts';
import { buildLearner, type LearnerPaths, type RunLearner } from './build-learner';
import { deleteCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoints';
import type { ChildMessage } from './messages';
import { StudioReporter } from './studio-reporter';

export interface StageContext {
  db: Db;
  blobs: PostgresBlobStore;
  paths: LearnerPaths;
  /** The TensorFlow.js backend training runs on (decides the feature cache's default). */
  backend: string;
  send: (event: RunEvent) => void;
  log: (message: string) => void;
  /** Aborted when the stage is cancelled or the worker stops: the fit ends between batches. */
  signal: AbortSignal;
  isCancelled: () => boolean;
  isStopping: () => boolean;
}

const toLearningRate = (lr: StageLearningRate): LearningRate =>
  typeof lr === 'number' ? lr : lr.lo === undefined ? slice(lr.hi) : slice(lr.lo, lr.hi);

/**
 * The feature cache option of a stage: only a frozen body can be cached, and the run's setting
 * (auto: on CPU backends) decides whether it is.
 */
export function precomputeFor(
  learner: Learner,
  config: Pick<RunConfig, 'precompute' | 'precomputeViews'>,
  backend: string,
): false | { views: number } {
  if (!isPrecomputable(learner) || !usesPrecompute(config.precompute, backend)) return false;
  return { views: config.precomputeViews };
}

/** Runs one stage inside the training process and says how it ended. */
export async function runStage(ctx: StageContext, stageId: string): Promise<ChildMessage> {
  const stage = await ctx.db.stage.findUniqueOrThrow({ where: { id: stageId } });
  const { runId } = stage;
  const spec = parseStageSpec(stage.kind, stage.params);

  if (spec.kind === 'save' || spec.kind === 'load') {
    const { name } = spec;
    const [from, to] =
      spec.kind === 'save' ? (['current', 'named'] as const) : (['named', 'current'] as const);
    const bytes = await readCheckpoint(
      ctx.db,
      ctx.blobs,
      runId,
      from,
      spec.kind === 'save' ? 'current' : name,
    );
    if (!bytes) {
      const saved = await ctx.db.checkpoint.findMany({
        where: { runId, kind: 'named' },
        select: { name: true },
      });
      return {
        type: 'failed',
        kind: 'error',
        message:
          spec.kind === 'save'
            ? 'Nothing to save yet: run a training stage before saving.'
            : `No checkpoint named "${name}" in this run. Saved: ${saved.map((s) => s.name).join(', ') || 'none'}.`,
      };
    }
    await writeCheckpoint(
      ctx.db,
      ctx.blobs,
      { runId, kind: to, name: spec.kind === 'save' ? name : 'current', stageId },
      bytes,
      ctx.log,
    );
    return { type: 'done', result: { bytes: bytes.length } };
  }

  const built = await buildLearner(ctx.db, ctx.blobs, runId, ctx.paths, ctx.backend);
  const { learner } = built;
  try {
    const current = await readCheckpoint(ctx.db, ctx.blobs, runId, 'current', 'current');
    if (current) await learner.load(current);
    switch (spec.kind) {
      case 'unfreeze':
      case 'freeze':
        if (spec.kind === 'unfreeze') learner.unfreeze();
        else learner.freeze();
        await saveCurrent(ctx, learner, runId, stageId);
        return { type: 'done', result: { frozenGroups: learner.frozenGroups } };
      case 'lr_find':
        return await findLearningRate(ctx, built, stageId, spec);
      case 'fit_one_cycle':
        return await fitOneCycle(ctx, built, stageId, runId, spec);
      default:
        return spec satisfies never;
    }
  } finally {
    // After an out-of-memory error the backend can fail again while freeing; the first error is the one to report.
    try {
      learner.dispose();
    } catch (error) {
      ctx.log(`could not free the learner: ${(error as Error).message}`);
    }
  }
}

async function saveCurrent(
  ctx: StageContext,
  learner: Learner,
  runId: string,
  stageId: string,
): Promise<void> {
  await writeCheckpoint(
    ctx.db,
    ctx.blobs,
    { runId, kind: 'current', name: 'current', stageId },
    await learner.save(),
    ctx.log,
  );
}

async function findLearningRate(
  ctx: StageContext,
  { learner, config }: RunLearner,
  stageId: string,
  params: Extract<StageSpec, { kind: 'lr_find' }>,
): Promise<ChildMessage> {
  const reporter = new StudioReporter(ctx.db, stageId, ctx.send, ctx.log);
  const found = await learner.lrFind({
    precompute: precomputeFor(learner, config, ctx.backend),
    microBatch: config.microBatch,
    startLr: params.startLr,
    endLr: params.endLr,
    numIt: params.numIt,
    callbacks: [reporter],
    signal: ctx.signal,
  });
  if (ctx.isCancelled()) return { type: 'cancelled' };
  if (ctx.isStopping()) return { type: 'interrupted' };
  return {
    type: 'done',
    result: {
      lrs: found.lrs,
      losses: found.losses,
      suggestions: found.suggestions,
      stoppedBy: found.stoppedBy,
    },
  };
}

async function fitOneCycle(
  ctx: StageContext,
  { learner, preprocessing, config }: RunLearner,
  stageId: string,
  runId: string,
  params: Extract<StageSpec, { kind: 'fit_one_cycle' }>,
): Promise<ChildMessage> {
  const { epochs } = params;
  const maxLr = toLearningRate(params.maxLr);
  const resumeFrom =
    (await readCheckpoint(ctx.db, ctx.blobs, runId, 'epoch', stageId)) ?? undefined;
  const resumedAt = await retryOnConnectionLoss(() =>
    ctx.db.checkpoint.findUnique({
      where: { runId_kind_name: { runId, kind: 'epoch', name: stageId } },
    }),
  );
  if (resumedAt) {
    ctx.log(`resuming from the checkpoint after epoch ${resumedAt.epoch}`);
    ctx.send({
      type: 'log',
      stageId,
      message: `Resuming from the checkpoint after epoch ${resumedAt.epoch}.`,
    });
    // Batches of the interrupted epoch are recorded again by the resumed fit.
    await retryOnConnectionLoss(() =>
      ctx.db.batchMetric.deleteMany({ where: { stageId, epoch: { gte: resumedAt.epoch ?? 0 } } }),
    );
  }
  const checkpoints = new CheckpointCallback(async (bytes, info) => {
    await writeCheckpoint(
      ctx.db,
      ctx.blobs,
      { runId, kind: 'epoch', name: stageId, stageId, epoch: info.epoch },
      bytes,
      ctx.log,
    );
  });
  const restoreBest = params.restoreBest === true;
  // Lowest validation error, the "best" the runs list shows; kept in memory, so a stage resumed
  // after a crash picks its best among the epochs it ran itself.
  const best = new SaveBestCallback({ monitor: 'error_rate', restoreBest });
  const precompute = precomputeFor(learner, config, ctx.backend);
  const fit = await learner.fitOneCycle(epochs, maxLr, {
    precompute,
    // By default a batch that does not fit the backend's memory trains in chunks, not failing.
    microBatch: config.microBatch,
    threads: config.threads,
    callbacks: [new StudioReporter(ctx.db, stageId, ctx.send, ctx.log), checkpoints, best],
    signal: ctx.signal,
    resumeFrom,
  });
  if (fit.cancelled) {
    if (ctx.isStopping() && !ctx.isCancelled()) return { type: 'interrupted' };
    await deleteCheckpoint(ctx.db, ctx.blobs, runId, 'epoch', stageId);
    return { type: 'cancelled' };
  }
  const cacheLine = describePrecompute(fit);
  const chunkLine =
    fit.microBatch === null
      ? null
      : `Batches of ${config.bs} did not fit the ${ctx.backend} backend's memory, so each trained in ` +
        `passes of at most ${fit.microBatch} images with their gradients summed ` +
        (fit.wholeBatchHead
          ? `(the head still saw whole batches).`
          : `(BatchNorm used each pass's statistics).`);
  const threadLine =
    fit.threads > 1
      ? `Each batch trained on ${fit.threads} threads, each on its share of the batch ` +
        (fit.wholeBatchHead
          ? `(the head on the whole batch).`
          : `(BatchNorm used each share's statistics).`)
      : null;
  for (const line of [cacheLine, chunkLine, threadLine]) {
    if (!line) continue;
    ctx.log(line);
    ctx.send({ type: 'log', stageId, message: line });
  }
  const epochsRecorded = learner.recorder.epochs;
  const lastEpoch = epochsRecorded.at(-1)?.epoch ?? epochs - 1;
  const bestEpoch = bestEpochOf(epochsRecorded) ?? lastEpoch;
  const weights =
    restoreBest && best.bestEpoch != null
      ? { kind: 'best' as const, epoch: best.bestEpoch }
      : { kind: 'last' as const, epoch: lastEpoch };
  if (weights.kind === 'best') {
    const line = `Restored the weights of epoch ${weights.epoch + 1} of ${epochs}, the one with the lowest validation error.`;
    ctx.log(line);
    ctx.send({ type: 'log', stageId, message: line });
  }
  await saveCurrent(ctx, learner, runId, stageId);
  // Before the epoch checkpoint goes: a crash here resumes a finished fit (no epochs left) and
  // writes the artefacts again.
  const artefacts = await retryOnConnectionLoss(
    () =>
      storeStageArtefacts(
        ctx.db,
        ctx.blobs,
        learner,
        stageId,
        { ...preprocessing, weights },
        config.threads,
      ),
    { log: ctx.log, what: 'storing the interpretation and export' },
  );
  ctx.log(
    `interpretation of ${artefacts.validItems} validation items in ${artefacts.ms.interpretation} ms, ` +
      `export of ${artefacts.exportBytes.toLocaleString('en')} bytes in ${artefacts.ms.export} ms`,
  );
  await deleteCheckpoint(ctx.db, ctx.blobs, runId, 'epoch', stageId);
  const last = learner.recorder.epochs.at(-1);
  return {
    type: 'done',
    result: {
      epochs: fit.epochsDone,
      iterations: fit.iterations,
      validLoss: last?.validLoss ?? null,
      metrics: last?.metrics ?? {},
      errorRate: artefacts.errorRate,
      bestEpoch,
      lastEpoch,
      weights,
      artefactsMs: artefacts.ms,
      timing: fit.timing,
      microBatch: fit.microBatch && { images: fit.microBatch, message: chunkLine },
      threads: fit.threads,
      precompute: fit.precompute && { ...fit.precompute, message: cacheLine },
    },
  };
}

/** The epoch with the lowest validation error (the first of equals), or null without epochs. */
function bestEpochOf(epochs: readonly { epoch: number; metrics: Record<string, number> }[]) {
  let best: { epoch: number; error: number } | null = null;
  for (const { epoch, metrics } of epochs) {
    const error = metrics['error_rate'];
    if (error != null && (best == null || error < best.error)) best = { epoch, error };
  }
  return best?.epoch ?? null;
}
