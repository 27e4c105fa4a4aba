/**
 * Frozen-body feature cache (fastai 0.7's `precompute=True`): every training image, in a few
 * augmented views, and every validation image go through the frozen body once; the head then
 * trains on the cached activations, epoch after epoch, at a tiny fraction of a full step.
 *
 * What differs from a plain frozen fit (fastai v1 `fit_one_cycle` after `freeze()`): a few
 * training batches first adapt the body's BatchNorm running statistics to the data (as a plain
 * fit's first batches do); then the body runs in inference mode, so those statistics and the
 * BatchNorm weights stay as they are (fastai v1 trains the body's BatchNorm layers,
 * train_bn=True, and their statistics keep following the data). Each epoch sees one of the
 * cached views per image rather than a fresh augmentation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, shuffledIndices } from '../data/rng';
import type { CacheProgress } from './callback';
import type { LearnerBatch, LearnerData } from './data';
import type { Learner } from './learner';
import {
  DEFAULT_ADAPT_BATCHES,
  DEFAULT_PRECOMPUTE_VIEWS,
  type PrecomputeOptions,
  type PrecomputeSummary,
} from './precompute';
import { crossEntropy } from '../training/cross-entropy';
import { collectPredictions, scorePredictions } from './predictions';
import { bodyThreads, openBodyRunner, type BodyRunner, type Prepared } from './body-runner';
import { splitHead, type HeadSplit } from '../training/head-split';
import type { TrainingStrategy } from './training-strategy';

export interface FeatureCache {
  readonly strategy: TrainingStrategy;
  readonly summary: PrecomputeSummary;
}

interface CacheBuildOptions {
  /** Also cache the validation set (false when the fit does not validate). */
  withValidation: boolean;
  /** Awaited after every batch of the build; may throw to cancel it. */
  onProgress: (progress: CacheProgress) => Promise<void>;
}

interface Rows {
  values: Float32Array;
  labels: Int32Array;
  keys: string[];
}

/**
 * The activations a precomputed fit cached, kept on its learner for the next precomputed fit
 * while the body stays as it was (an lr_find after a frozen fit, a second frozen fit): that fit
 * trains on them instead of running every image through the body again. Anything that may change
 * the body (freezeTo, load, a plain fit, dispose) drops them.
 */
export interface CachedFeatures {
  viewIds: number[];
  nTrain: number;
  featureSize: number;
  train: Rows;
  valid: Rows | null;
  /** The build that made them, for the log. */
  build: { cacheS: number; bodyImgS: number; threads: number; adaptImages: number };
}

// Streams of their own, apart from the DataBunch's shuffle and augmentation streams.
const SAMPLE_STREAM = 6;
const VIEW_STREAM = 7;
const VALID_BS = 256;

function precomputableData(data: LearnerData) {
  const { bs, eachItem } = data.train;
  const { counts } = data;
  if (bs == null || eachItem == null || counts == null) {
    throw new Error(
      'precompute needs data that lists every training item once per view (train.bs, ' +
        'train.eachItem and counts, as a DataBunch from createDataBunch has). Fit without precompute.',
    );
  }
  return { bs, eachItem: eachItem.bind(data.train), counts };
}

/**
 * Checks options, data and model at once (so a fit refuses before it starts), and returns the
 * build: it runs the frozen body over the training set once per view and over the validation
 * set once, keeps the head's input per image in memory, and gives the training strategy over it.
 */
export function prepareFeatureCache(
  learner: Learner,
  options: PrecomputeOptions,
  fit: FitSpan,
): (build: CacheBuildOptions) => Promise<FeatureCache> {
  const views = options.views ?? DEFAULT_PRECOMPUTE_VIEWS;
  const maxCacheMb = options.maxCacheMb ?? 2048;
  const threads = bodyThreads(options.threads);
  // A body that trains on its pretrained statistics keeps them: nothing to adapt.
  const adaptBatches =
    options.adaptBatches ?? (learner.bodyBnStatistics === 'batch' ? DEFAULT_ADAPT_BATCHES : 0);
  if (!Number.isInteger(adaptBatches) || adaptBatches < 0)
    throw new Error(`precompute.adaptBatches must be an integer >= 0, received ${adaptBatches}.`);
  if (!Number.isInteger(views) || views < 0)
    throw new Error(`precompute.views must be an integer >= 0, received ${views}.`);
  const { data } = learner;
  const { bs, eachItem, counts } = precomputableData(data);
  const split = splitHead(learner.model, learner.layerGroups.at(-1)!);
  const featureSize = split.featureShape.reduce((a, b) => a * b, 1);
  // View 0 is the un-augmented image; 1…n are augmented. An image meets each of its views once
  // before any again, so a fit of fewer epochs than views would never use the extra ones.
  // Without augmented views, augmented data still gets one for the fit's last epoch (see
  // settleView): [0, 1].
  const isAugmented = data.train.isAugmented !== false;
  const viewIds =
    views > 0 && isAugmented
      ? Array.from({ length: Math.min(views, fit.epochs) }, (_, i) => i + 1)
      : isAugmented && fit.epochs > 1 && options.settleView !== false
        ? [0, 1]
        : [0];
  const nTrain = counts.train;
  if (data.train.length * bs > nTrain) {
    throw new Error(
      `The data announces ${data.train.length} training batches of ${bs} but only ${nTrain} training items.`,
    );
  }
  const mbOf = (images: number) => (images * featureSize * 4) / 2 ** 20;
  const most = viewIds.length * nTrain + counts.valid;
  if (mbOf(most) > maxCacheMb) {
    throw new Error(
      `precompute would cache ${mbOf(most).toFixed(0)} MB (${most} images × ${featureSize} floats), ` +
        `more than maxCacheMb ${maxCacheMb}. Cache fewer views or fit without precompute.`,
    );
  }
  return (build) =>
    buildCache(learner, build, {
      split,
      threads,
      viewIds,
      bs,
      eachItem,
      nTrain,
      featureSize,
      nValid: build.withValidation ? counts.valid : 0,
      firstDataEpoch: fit.firstDataEpoch,
      epochs: fit.epochs,
      adaptBatches: fit.isResumed ? 0 : adaptBatches,
    });
}

/** The fit a cache serves: its epochs, and the data epoch its first epoch draws. */
export interface FitSpan {
  epochs: number;
  firstDataEpoch: number;
  /** A resumed fit's checkpoint already holds the adapted BatchNorm statistics. */
  isResumed?: boolean;
}

interface CachePlan {
  firstDataEpoch: number;
  epochs: number;
  adaptBatches: number;
  split: HeadSplit;
  threads: number;
  viewIds: number[];
  bs: number;
  eachItem: (view: number) => AsyncIterable<LearnerBatch>;
  nTrain: number;
  nValid: number;
  featureSize: number;
}

async function buildCache(
  learner: Learner,
  { onProgress }: CacheBuildOptions,
  plan: CachePlan,
): Promise<FeatureCache> {
  const kept = reusable(learner.cachedFeatures, plan);
  if (kept != null) {
    return cacheOver(
      learner,
      { ...plan, viewIds: kept.viewIds },
      { train: kept.train, valid: plan.nValid > 0 ? kept.valid : null },
      { ...kept.build, reused: true },
    );
  }
  const { split, viewIds, nTrain, nValid } = plan;
  const total = viewIds.length * nTrain + nValid;
  const started = performance.now();
  let done = 0;
  const onBatch = async (n: number) => {
    done += n;
    await onProgress({ done, total, views: viewIds.length, seconds: seconds(started) });
  };
  // Before the body is copied to its threads: the copies carry the adapted statistics.
  const adaptImages =
    learner.bodyBnStatistics === 'adapted'
      ? await learner.adaptBodyStatistics()
      : await adaptBatchNorm(learner, split, plan);
  const body = await openBodyRunner(split, plan.threads, learner.inferenceEngine);
  let rows: { train: Rows; valid: Rows | null };
  try {
    rows = await cacheAll(learner.data, plan, body, onBatch);
  } finally {
    body.close();
  }
  const build = {
    cacheS: seconds(started),
    bodyImgS: total / Math.max(seconds(started), 1e-9),
    threads: body.threads,
    adaptImages,
  };
  learner.cachedFeatures = { viewIds, nTrain, featureSize: plan.featureSize, ...rows, build };
  return cacheOver(learner, plan, rows, { ...build, reused: false });
}

/**
 * The learner's kept activations when they serve this plan: the same images and feature size,
 * augmented views where it wants augmented views (at least as many) or the un-augmented one where
 * it wants that, and a validation set when it validates. A fit that asks for BatchNorm adaptation
 * reuses only activations built after one (their statistics are the adapted ones).
 */
function reusable(kept: CachedFeatures | null, plan: CachePlan): CachedFeatures | null {
  if (kept == null) return null;
  const wantsAugmented = plan.viewIds[0] !== 0;
  const hasAugmented = kept.viewIds[0] !== 0;
  const fits =
    kept.nTrain === plan.nTrain &&
    kept.featureSize === plan.featureSize &&
    wantsAugmented === hasAugmented &&
    kept.viewIds.length >= plan.viewIds.length &&
    (plan.adaptBatches === 0 || kept.build.adaptImages > 0) &&
    (plan.nValid === 0 || kept.valid?.labels.length === plan.nValid);
  return fits ? kept : null;
}

/**
 * Up to `plan.adaptBatches` training batches of the fit's first data epoch through the body in
 * training mode, without gradients: its BatchNorm running statistics move towards this data's,
 * as the first batches of a plain frozen fit move them. Returns the images used.
 */
async function adaptBatchNorm(
  learner: Learner,
  split: HeadSplit,
  plan: CachePlan,
): Promise<number> {
  if (plan.adaptBatches === 0) return 0;
  const body = split.featureModel();
  let images = 0;
  let batches = 0;
  for await (const { x, y } of learner.data.train.batches(plan.firstDataEpoch)) {
    try {
      tf.tidy(() => {
        body.apply(x, { training: true });
      });
      images += x.shape[0]!;
    } finally {
      tf.dispose([x, y]);
    }
    if (++batches >= plan.adaptBatches) break;
  }
  return images;
}

/** Every view of the training set, then the validation set, through the body. */
async function cacheAll(
  data: LearnerData,
  { viewIds, eachItem, nTrain, nValid, featureSize }: CachePlan,
  body: BodyRunner,
  onBatch: (n: number) => Promise<void>,
): Promise<{ train: Rows; valid: Rows | null }> {
  const train: Rows = {
    values: new Float32Array(viewIds.length * nTrain * featureSize),
    labels: new Int32Array(nTrain),
    keys: [],
  };
  for (const [v, view] of viewIds.entries()) {
    const part: Rows = {
      values: train.values.subarray(v * nTrain * featureSize),
      labels: train.labels,
      keys: [],
    };
    await cacheRows(eachItem(view), nTrain, part, featureSize, body, onBatch);
    if (v === 0) train.keys = part.keys;
    else if (part.keys.join('\n') !== train.keys.join('\n'))
      throw new Error(`data.train.eachItem(${view}) gave the items in another order than view 0.`);
  }
  const valid =
    nValid > 0
      ? await cacheRows(
          data.valid.batches(),
          nValid,
          newRows(nValid, featureSize),
          featureSize,
          body,
          onBatch,
        )
      : null;
  return { train, valid };
}

/** The training strategy over cached rows, and what the build cost. */
function cacheOver(
  learner: Learner,
  { split, viewIds, bs, nTrain, nValid, featureSize, firstDataEpoch, epochs }: CachePlan,
  { train, valid }: { train: Rows; valid: Rows | null },
  build: {
    cacheS: number;
    bodyImgS: number;
    threads: number;
    adaptImages: number;
    reused: boolean;
  },
): FeatureCache {
  const { data, opt } = learner;
  const total = viewIds.length * nTrain + nValid;
  const headGroup = learner.layerGroups.length - 1;
  const featureBatch = (values: Float32Array, n: number) =>
    tf.tensor(values, [n, ...split.featureShape]);

  const strategy: TrainingStrategy = {
    // Per epoch a fresh order and one cached view per image, each of an image's n views once
    // in every n epochs of the fit; all from the learner's seed and data epochs, so a resumed
    // fit draws what the uninterrupted one would have.
    async *trainBatches(dataEpoch) {
      const seed = learner.seed ?? 0;
      const order = shuffledIndices(nTrain, createRng(seed, dataEpoch, SAMPLE_STREAM));
      const n = viewIds.length;
      const epoch = Math.max(dataEpoch - firstDataEpoch, 0);
      const cycleStart = firstDataEpoch + epoch - (epoch % n);
      const isSettling = viewIds[0] === 0 && n === 2;
      const viewOf = (item: number) =>
        isSettling
          ? epoch === epochs - 1
            ? 1
            : 0
          : n === 1
            ? 0
            : shuffledIndices(n, createRng(seed, cycleStart, item, VIEW_STREAM))[epoch % n]!;
      for (let b = 0; b < data.train.length; b++) {
        const items = order.slice(b * bs, (b + 1) * bs);
        const x = new Float32Array(items.length * featureSize);
        items.forEach((item, k) => {
          const row = viewOf(item) * nTrain + item;
          x.set(train.values.subarray(row * featureSize, (row + 1) * featureSize), k * featureSize);
        });
        yield {
          x: featureBatch(x, items.length),
          y: tf.tensor1d(
            items.map((i) => train.labels[i]!),
            'int32',
          ),
          keys: items.map((i) => train.keys[i]!),
        };
      }
    },
    loss: (x, y) => tf.tidy(() => crossEntropy(split.forward(x, true), y, data.c)),
    variables: opt.groups[headGroup]!.map((p) => p.variable),
    // Only the head: the body's BatchNorm weights in the optimiser (train_bn) stay as they are.
    step: (grads) => opt.step(grads, [headGroup]),
    async validate() {
      if (valid == null) throw new Error('This precomputed fit cached no validation set.');
      const preds = await collectPredictions(
        (x) => tf.tidy(() => split.forward(x, false)),
        validBatches(valid, featureSize, featureBatch),
        data.c,
      );
      return scorePredictions(preds, learner.metrics);
    },
  };
  return {
    strategy,
    summary: {
      views: viewIds.length,
      isAugmented: viewIds[0] !== 0,
      trainImages: nTrain,
      validImages: nValid,
      featureSize,
      cacheMb: Math.round(((total * featureSize * 4) / 2 ** 20) * 10) / 10,
      bodyBatchNorms: learner.bodyBatchNorms,
      ...build,
    },
  };
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Room for `n` images' features, labels and keys. */
const newRows = (n: number, featureSize: number): Rows => ({
  values: new Float32Array(n * featureSize),
  labels: new Int32Array(n),
  keys: [],
});

/**
 * Features of every item of `batches` into `rows`, reading each batch once. With workers, up to
 * one batch per thread computes while the main thread prepares the next; rows are stored at
 * their batch's place and progress is reported in batch order, so the cache and its events are
 * those of the main-thread build.
 */
async function cacheRows(
  batches: AsyncIterable<LearnerBatch>,
  count: number,
  rows: Rows,
  featureSize: number,
  body: BodyRunner,
  onBatch: (n: number) => Promise<void>,
): Promise<Rows> {
  const inFlight: Array<{ features: Promise<Float32Array>; row: number; n: number }> = [];
  const settle = async () => {
    const { features, row, n } = inFlight.shift()!;
    rows.values.set(await features, row * featureSize);
    await onBatch(n);
  };
  let row = 0;
  for await (const { x, y, keys, values } of batches) {
    let prepared: Prepared;
    try {
      if (row + keys.length > count)
        throw new Error(`The data gave more than the ${count} items its counts announce.`);
      const [batch, labels] = await Promise.all([body.read(x, values), y.data<'int32'>()]);
      prepared = batch;
      rows.labels.set(labels, row);
      rows.keys.push(...keys);
    } finally {
      tf.dispose([x, y]);
    }
    if (body.isPooled) while (inFlight.length >= body.threads) await settle();
    const features = body.features(prepared);
    // Awaited in order by settle(); a failure found while an earlier batch is awaited (or
    // after a cancel) must not surface as an unhandled rejection.
    features.catch(() => {});
    inFlight.push({ features, row, n: keys.length });
    if (!body.isPooled) await settle();
    row += keys.length;
  }
  while (inFlight.length > 0) await settle();
  if (row !== count)
    throw new Error(`The data gave ${row} items where its counts announce ${count}.`);
  return rows;
}

async function* validBatches(
  rows: Rows,
  featureSize: number,
  toTensor: (values: Float32Array, n: number) => tf.Tensor,
): AsyncGenerator<LearnerBatch> {
  for (let start = 0; start < rows.labels.length; start += VALID_BS) {
    const end = Math.min(start + VALID_BS, rows.labels.length);
    yield {
      x: toTensor(rows.values.slice(start * featureSize, end * featureSize), end - start),
      y: tf.tensor1d(rows.labels.slice(start, end), 'int32'),
      keys: rows.keys.slice(start, end),
    };
  }
}
