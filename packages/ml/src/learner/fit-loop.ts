import * as tf from '@tensorflow/tfjs-core';
import { CancelFitError, fire, sortCallbacks, type Callback, type FitState } from './callback';
import { CancelOnSignal } from './cancellation';
import type { LearnerBatch } from './data';
import { prepareFeatureCache, type FeatureCache } from './feature-cache';
import type { FitCheckpoint } from './learner-file';
import type { Learner } from './learner';
import { lrRange, type LearningRate } from './lr-range';
import { assertPrecomputable, type PrecomputeOptions, type PrecomputeSummary } from './precompute';
import { DataParallel, learnerSource, trainingThreads, type ThreadsOption } from './data-parallel';
import type { BatchGradients } from '../training/accumulator';
import { MicroBatcher, type MicroBatchOption } from '../training/micro-batch';
import type { WholeBatchHead } from '../training/whole-batch-head';
import { createSmoother } from './smoothen';
import { plainStrategy, type TrainingStrategy } from './training-strategy';

export interface FitOptions {
  /** Callbacks for this fit only. */
  callbacks?: Callback[];
  /** Weight decay for this fit; default the learner's. */
  wd?: number;
  /** Cancels the fit between batches when aborted; the fit returns `cancelled`. */
  signal?: AbortSignal;
  /**
   * Bytes from a CheckpointCallback of the same fit (same epochs and learning rate): restores
   * weights, optimiser and recorder and continues at the next epoch and iteration.
   */
  resumeFrom?: Uint8Array;
  /**
   * Train the head alone on activations of the frozen body computed once per image and view
   * (fastai 0.7 `precompute=True`; see feature-cache.ts): `true` for the default views, or
   * options. The body's BatchNorm layers then keep their running statistics and weights, unlike
   * a plain frozen fit's. Needs the body frozen; a fit with unfrozen body layers throws.
   */
  precompute?: boolean | PrecomputeOptions;
  /**
   * Images per forward/backward pass (micro-batch.ts): 'off' (default) trains whole batches;
   * 'auto' splits a batch only when it would not fit the wasm backend's memory; a number splits
   * every batch into chunks of at most that many images. Gradients are summed over the chunks.
   */
  microBatch?: MicroBatchOption;
  /**
   * When a step is split (microBatch, threads), run the head once over the whole batch, so its
   * BatchNorm layers see the batch's statistics (whole-batch-head.ts), at the cost of one more
   * body forward a step when the body trains. Default true; false splits the head as well.
   */
  wholeBatchHead?: boolean;
  /**
   * Threads computing each training step (data-parallel.ts): 1 (default) in the main thread;
   * a number splits every batch into that many shares, each computed by a replica of the model
   * in a worker thread, their gradients combined; 'auto' uses min(2, cores) on wasm and cpu for
   * whole-model fits with batches of 8 or more. A precomputed fit, and the native backends,
   * always use one. The body's BatchNorm layers then normalise each share by its own
   * statistics; the head's see the whole batch (wholeBatchHead).
   */
  threads?: ThreadsOption;
  /**
   * With threads > 1, the main thread computes the first share itself, with one worker fewer,
   * rather than only preparing batches while the workers compute. Default false.
   */
  useMainThread?: boolean;
}

export interface FitTiming {
  /** Seconds building the feature cache; 0 without precompute. */
  cacheS: number;
  /** Seconds of the epochs (training and validation) after it. */
  trainS: number;
  /** Epochs run by this call (a resumed fit's earlier ones not counted). */
  epochs: number;
}

export interface FitResult {
  /** True when a CancelFitError (or the signal) ended the fit. */
  cancelled: boolean;
  /** Why the fit ended early (cancellation or a callback's stop), or null. */
  stopReason: string | null;
  /** Epochs completed, including ones before a resume. */
  epochsDone: number;
  /** Optimiser steps taken in the fit, including ones before a resume. */
  iterations: number;
  timing: FitTiming;
  /** What a precomputed fit cached; null for a plain fit (or one cancelled while caching). */
  precompute: PrecomputeSummary | null;
  /** Images per forward/backward pass when batches were split (microBatch); null otherwise. */
  microBatch: number | null;
  /** Threads that computed each training step (1: the main thread alone). */
  threads: number;
  /** Whether the head ran over whole batches where steps were split (wholeBatchHead). */
  wholeBatchHead: boolean;
}

/** What a fit opened and must account for in its result. */
interface FitRun {
  cache: FeatureCache | null;
  split: WholeBatchHead | null;
  batcher: MicroBatcher | null;
  parallel: DataParallel | null;
  trainStart: number | null;
}

/** fastai v1 basic_train.py fit: train each epoch, validate, let callbacks act at each event. */
export async function runFit(
  learner: Learner,
  epochs: number,
  lr: LearningRate,
  options: FitOptions = {},
): Promise<FitResult> {
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new Error(`epochs must be a positive integer, received ${epochs}.`);
  }
  const checkpoint =
    options.resumeFrom == null ? null : await resume(learner, options.resumeFrom, epochs);
  const buildCache = planFeatureCache(learner, options.precompute, epochs, checkpoint);
  setOptimiser(learner, lr, options.wd);
  const callbacks = sortCallbacks([
    learner.recorder,
    ...learner.callbacks,
    ...(options.callbacks ?? []),
    ...(options.signal != null ? [new CancelOnSignal(options.signal)] : []),
  ]);
  const state = initialState(learner, epochs, checkpoint);
  const run: FitRun = {
    cache: null,
    split: null,
    batcher: null,
    parallel: null,
    trainStart: null,
  };
  let cancelled = false;
  try {
    await fire(callbacks, 'beforeFit', state);
    if (buildCache != null) run.cache = await buildFeatureCache(buildCache, callbacks, state);
    // Before the first plain fit too, so every stage normalises the body alike.
    if (run.cache == null && checkpoint == null) await learner.adaptBodyStatistics();
    await trainEpochs(learner, run, options, callbacks, state);
  } catch (error) {
    if (error instanceof CancelFitError) {
      cancelled = true;
      state.stopReason = error.reason;
    } else {
      state.error = error;
    }
  } finally {
    await run.parallel?.close();
    state.cache = null;
    await fire(callbacks, 'afterFit', state);
  }
  if (state.error != null) throw state.error;
  const { cache, batcher, trainStart } = run;
  return {
    cancelled,
    stopReason: state.stopReason,
    epochsDone: state.epoch,
    iterations: state.iteration,
    microBatch: Number.isFinite(batcher?.chunkSize ?? Infinity) ? batcher!.chunkSize : null,
    threads: run.parallel?.threads ?? 1,
    wholeBatchHead: run.split != null,
    timing: {
      cacheS: cache?.summary.cacheS ?? 0,
      trainS: trainStart == null ? 0 : (performance.now() - trainStart) / 1000,
      epochs: state.epoch - (checkpoint?.epoch ?? 0),
    },
    precompute: cache?.summary ?? null,
  };
}

/** The feature cache's builder for a precomputed fit; null (and stale activations dropped) otherwise. */
function planFeatureCache(
  learner: Learner,
  option: FitOptions['precompute'],
  epochs: number,
  checkpoint: FitCheckpoint | null,
) {
  if (option == null || option === false) {
    // A plain fit may train the body (its BatchNorm layers at least): cached activations go stale.
    learner.cachedFeatures = null;
    return null;
  }
  assertPrecomputable(learner);
  return prepareFeatureCache(learner, option === true ? {} : option, {
    epochs,
    // A resumed fit's data epoch has moved on by the epochs done.
    firstDataEpoch: learner.dataEpoch - (checkpoint?.epoch ?? 0),
    isResumed: checkpoint != null,
  });
}

function setOptimiser(learner: Learner, lr: LearningRate, wd: number | undefined): void {
  learner.opt.lr = lrRange(lr, learner.layerGroups.length);
  learner.opt.wd = wd ?? learner.wd;
  if (learner.opt.variables.length === 0) {
    throw new Error(
      'Nothing to train: every weight is frozen. Call unfreeze() or create the learner with trainBn.',
    );
  }
}

function initialState(
  learner: Learner,
  epochs: number,
  checkpoint: FitCheckpoint | null,
): FitState {
  const state: FitState = {
    learner,
    epochs,
    batches: learner.data.train.length,
    epoch: checkpoint?.epoch ?? 0,
    batch: 0,
    iteration: checkpoint?.iteration ?? 0,
    isResumed: checkpoint != null,
    loss: NaN,
    smoothLoss: NaN,
    smoother: createSmoother(0.98, checkpoint?.smoother),
    grads: null,
    validLoss: null,
    metrics: {},
    stopTraining: false,
    skipValidation: false,
    epochStart: performance.now(),
    stopReason: null,
    error: null,
    cache: null,
  };
  if (checkpoint != null) {
    learner.recorder.setState(checkpoint.recorder);
    state.smoothLoss = state.smoother.value;
  }
  return state;
}

async function buildFeatureCache(
  build: NonNullable<ReturnType<typeof planFeatureCache>>,
  callbacks: Callback[],
  state: FitState,
): Promise<FeatureCache> {
  const cache = await build({
    // The LR finder sets skipValidation in beforeFit: no validation features needed.
    withValidation: !state.skipValidation,
    onProgress: async (progress) => {
      state.cache = progress;
      await fire(callbacks, 'afterCacheBatch', state);
    },
  });
  state.cache = null;
  return cache;
}

/** The epochs themselves, on the threads and in the chunks the options and the data allow. */
async function trainEpochs(
  learner: Learner,
  run: FitRun,
  options: FitOptions,
  callbacks: Callback[],
  state: FitState,
): Promise<void> {
  const strategy = run.cache?.strategy ?? plainStrategy(learner);
  // Cached activations are small: chunks matter for the whole model's passes only.
  run.batcher = new MicroBatcher(run.cache == null ? (options.microBatch ?? 'off') : 'off');
  const threads = trainingThreads(options.threads ?? 1, {
    batchSize: learner.data.train.bs ?? 0,
    isPrecomputed: run.cache != null,
  });
  run.split =
    run.cache == null && (options.wholeBatchHead ?? true) ? learner.wholeBatchHead() : null;
  if (threads > 1) {
    run.parallel = await DataParallel.open(learnerSource(learner, run.split), {
      threads,
      useMainThread: options.useMainThread ?? false,
      microBatch: options.microBatch ?? 'off',
    });
  }
  const gradients = stepGradients(strategy, run.batcher, run.parallel, run.split);
  run.trainStart = performance.now();
  for (; state.epoch < state.epochs; state.epoch++) {
    await runEpoch(learner, strategy, gradients, run.parallel, callbacks, state);
    if (state.stopTraining) {
      state.epoch++;
      break;
    }
  }
}

async function resume(learner: Learner, bytes: Uint8Array, epochs: number): Promise<FitCheckpoint> {
  const { checkpoint } = await learner.load(bytes);
  if (checkpoint == null) {
    throw new Error(
      'resumeFrom needs checkpoint bytes (from CheckpointCallback); these were saved without fit progress.',
    );
  }
  if (checkpoint.epochs !== epochs) {
    throw new Error(
      `The checkpoint is from a ${checkpoint.epochs}-epoch fit; resume it with the same epochs (received ${epochs}) so the schedule matches.`,
    );
  }
  return checkpoint;
}

/** A batch's mean loss and gradients, by whichever threads compute them. */
type Gradients = (x: tf.Tensor, y: tf.Tensor1D) => Promise<BatchGradients>;

function stepGradients(
  strategy: TrainingStrategy,
  batcher: MicroBatcher,
  parallel: DataParallel | null,
  split: WholeBatchHead | null,
): Gradients {
  if (parallel != null) return (x, y) => parallel.gradients(x, y);
  return split == null
    ? (x, y) => batcher.gradients(strategy.loss, strategy.variables, x, y)
    : (x, y) => batcher.splitGradients(split, strategy.loss, x, y);
}

async function runEpoch(
  learner: Learner,
  strategy: TrainingStrategy,
  gradients: Gradients,
  parallel: DataParallel | null,
  callbacks: Callback[],
  state: FitState,
): Promise<void> {
  state.epochStart = performance.now();
  state.batch = 0;
  await fire(callbacks, 'beforeEpoch', state);
  // The learner's data epoch, not the fit's: each fit draws new shuffles and augmentations.
  for await (const batch of strategy.trainBatches(learner.dataEpoch++)) {
    await trainBatch(strategy, gradients, callbacks, state, batch);
    state.batch++;
    if (state.stopTraining) break;
  }
  if (!state.skipValidation) {
    await fire(callbacks, 'beforeValidate', state);
    // The training threads compute the validation too: the same shares, in inference mode.
    const forward = parallel == null ? undefined : await parallel.inference();
    const { validLoss, metrics } = await strategy.validate(
      forward == null ? undefined : { forward, inFlight: 2 },
    );
    state.validLoss = validLoss;
    state.metrics = metrics;
    await fire(callbacks, 'afterValidate', state);
  }
  await fire(callbacks, 'afterEpoch', state);
}

async function trainBatch(
  strategy: TrainingStrategy,
  gradients: Gradients,
  callbacks: Callback[],
  state: FitState,
  { x, y }: LearnerBatch,
): Promise<void> {
  try {
    await fire(callbacks, 'beforeBatch', state);
    const { value, grads } = await gradients(x, y);
    try {
      // The one read per batch: it also waits for the step's kernels on async backends.
      state.loss = (await value.data())[0]!;
      state.smoothLoss = state.smoother.add(state.loss);
      await fire(callbacks, 'afterLoss', state);
      state.grads = grads;
      await fire(callbacks, 'afterBackward', state);
      strategy.step(grads);
    } finally {
      state.grads = null;
      tf.dispose([value, ...Object.values(grads)]);
    }
    state.iteration++;
    await fire(callbacks, 'afterBatch', state);
  } finally {
    tf.dispose([x, y]);
  }
}
