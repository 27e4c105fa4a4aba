/**
 * fastai v1's DataBunch for image classification: items + a byte source →
 * classes, counts, and batch iterators for training (augmented, shuffled per
 * epoch, drop_last) and validation (centre crop, in order).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NO_AUGMENT, drawImageAugment, isAugmenting, type AugmentOptions } from './augment';
import { classesOf, countClasses } from './classes';
import { resolveOptions, type DataBunchOptions, type ResolvedOptions } from './data-bunch-options';
import { decodeImage, type Fit, type ResizeMode } from './decode';
import { ImageCache, mapConcurrent } from './image-cache';
import type { ImageSource, Item, Split } from './items';
import type { NormalizeSpec } from './normalize';
import type { Pixels } from './pixels';
import { prefetch } from './prefetch';
import { createRng, shuffledIndices, type Rng } from './rng';
import { evalBatchValues, trainBatchValues } from './train-batch';

export type { DataBunchOptions } from './data-bunch-options';

/**
 * One batch. The consumer owns `x` and `y` and must dispose them
 * (`tf.dispose([batch.x, batch.y])`); the loader disposes only batches it
 * prepared but never handed over.
 */
export interface Batch {
  /** [n, size, size, 3] float32, normalised. */
  x: tf.Tensor4D;
  /** [n] int32 class indices into `classes`; -1 for unlabelled test items. */
  y: tf.Tensor1D;
  keys: string[];
  /** x's values as made on the CPU, for readers that want them as an array (see LearnerBatch). */
  values: Float32Array;
}

export interface TrainLoader {
  readonly bs: number;
  /** Full batches per epoch (drop_last). */
  readonly length: number;
  /** Shuffled by (seed, epoch); augmentation drawn per (seed, epoch, batch). */
  batches(epoch: number): AsyncGenerator<Batch, void, undefined>;
  /** `n` augmented training images picked by `seed` (for show_batch). */
  sample(n: number, seed: number): Promise<Batch>;
  /**
   * One training image (`key`, else the first) `n` times, each under its own augmentation drawn
   * from `seed`: what the augmentation settings do to a photo.
   */
  views(n: number, seed: number, key?: string): Promise<Batch>;
  /** False when the augmentation options change nothing, so every view equals view 0. */
  readonly isAugmented: boolean;
  /**
   * Every training item once, in item order, in batches of `bs` with the last one possibly
   * smaller: view 0 without augmentation (centre crop), view v ≥ 1 augmented by draws from
   * (seed, v), the same every time. What a feature cache of the frozen body is built from.
   */
  eachItem(view: number): AsyncGenerator<Batch, void, undefined>;
}

export interface EvalLoader {
  readonly bs: number;
  readonly length: number;
  /** In item order, the last batch possibly smaller. */
  batches(): AsyncGenerator<Batch, void, undefined>;
  /** `n` items picked by `seed`, prepared as in `batches()` (for show_batch). */
  sample(n: number, seed: number): Promise<Batch>;
}

export interface DataBunch {
  readonly classes: readonly string[];
  /** Number of classes (fastai `data.c`). */
  readonly c: number;
  readonly counts: Readonly<Record<Split, number>>;
  /** Items per class per split, aligned with `classes`. */
  readonly classCounts: Readonly<Record<Split, readonly number[]>>;
  readonly size: number;
  readonly resizeMode: ResizeMode;
  readonly normalize: NormalizeSpec;
  readonly augment: AugmentOptions;
  readonly train: TrainLoader;
  readonly valid: EvalLoader;
  readonly test: EvalLoader;
  readonly cache: ImageCache;
  /**
   * Decode every item into the cache now, e.g. before the first epoch, and
   * report the images that cannot be used instead of failing mid-training.
   * Rebuild the bunch without them, passing the same `cache`, to train.
   */
  preload(onProgress?: (done: number, total: number) => void): Promise<BrokenImage[]>;
}

export interface BrokenImage {
  key: string;
  split: Split;
  reason: string;
}

// Independent random streams derived from the one user seed.
const STREAM = {
  shuffle: 1,
  augment: 2,
  sample: 3,
  sampleAugment: 4,
  view: 5,
  preview: 6,
  evalSample: 7,
} as const;

const TRAIN_FIT: Record<ResizeMode, Fit> = { crop: 'outside', pad: 'pad', squish: 'squish' };
const EVAL_FIT: Record<ResizeMode, Fit> = { crop: 'cover', pad: 'pad', squish: 'squish' };

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`n must be a positive integer, received ${n}.`);
}

export function createDataBunch(
  items: readonly Item[],
  source: ImageSource,
  options: DataBunchOptions = {},
): DataBunch {
  const o = resolveOptions(options);
  const classes = classesOf(items);
  const bySplit = (split: Split): Item[] => items.filter((i) => i.split === split);
  const splits = { train: bySplit('train'), valid: bySplit('valid'), test: bySplit('test') };
  if (splits.train.length < o.bs) {
    // fastai v1 warns about an empty training dataloader in the same situation.
    throw new Error(
      `createDataBunch: only ${splits.train.length} training items for a batch size of ${o.bs}; ` +
        'training drops the last incomplete batch, so no batch would be left. Lower bs.',
    );
  }
  const loaders = imageLoaders(source, o);
  const batches = batchMakers(o, new Map(classes.map((c, i) => [c, i])), loaders);
  return {
    classes,
    c: classes.length,
    counts: { train: splits.train.length, valid: splits.valid.length, test: splits.test.length },
    classCounts: {
      train: countClasses(classes, splits.train),
      valid: countClasses(classes, splits.valid),
      test: countClasses(classes, splits.test),
    },
    size: o.size,
    resizeMode: o.resizeMode,
    normalize: o.normalize,
    augment: o.augment,
    train: trainLoader(splits.train, o, batches),
    valid: evalLoader(splits.valid, o, batches),
    test: evalLoader(splits.test, o, batches),
    cache: o.cache,
    preload: (onProgress) => preloadAll(items, o, loaders, onProgress),
  };
}

interface ImageLoaders {
  /** At the training side (larger for crop), fitted as training crops it. */
  train: (item: Item) => Promise<Pixels>;
  /** At the final size, fitted as validation shows it. */
  eval: (item: Item) => Promise<Pixels>;
}

/** Decoded pixels of an item, through the bunch's cache; a failure names the image. */
function imageLoaders(source: ImageSource, o: ResolvedOptions): ImageLoaders {
  const trainSide = Math.max(o.size, Math.round(o.size * o.trainScale));
  const load = (item: Item, side: number, fit: Fit): Promise<Pixels> =>
    o.cache.get(ImageCache.id(item.key, side, fit), async () => {
      try {
        return await decodeImage(await source(item.key), side, fit, { maxPixels: o.maxPixels });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `Could not load image "${item.key}" (${item.split}, label "${item.label}"): ${reason}`,
          { cause: error },
        );
      }
    });
  return {
    train: (item) => load(item, trainSide, TRAIN_FIT[o.resizeMode]),
    eval: (item) => load(item, o.size, EVAL_FIT[o.resizeMode]),
  };
}

interface BatchMakers {
  train: (list: Item[], rng: Rng, augment?: AugmentOptions) => Promise<Batch>;
  eval: (list: Item[]) => Promise<Batch>;
  dispose: (batch: Batch) => void;
}

function batchMakers(
  o: ResolvedOptions,
  classIndex: Map<string, number>,
  loaders: ImageLoaders,
): BatchMakers {
  const labelsOf = (list: Item[]): tf.Tensor1D =>
    tf.tensor1d(
      list.map((i) => classIndex.get(i.label) ?? -1),
      'int32',
    );
  // Prefetched batches are created between the consumer's awaits; `keep`
  // stops a scope the consumer holds open (engine.startScope) from disposing
  // them behind its back. Ownership passes to the consumer.
  const handOver = (values: Float32Array, y: tf.Tensor1D, list: Item[]): Batch => ({
    x: tf.keep(tf.tensor4d(values, [list.length, o.size, o.size, 3])),
    y: tf.keep(y),
    keys: list.map((i) => i.key),
    values,
  });
  return {
    async train(list, rng, augment = o.augment) {
      const pixels = await mapConcurrent(list, o.concurrency, loaders.train);
      const draws = list.map(() => drawImageAugment(rng, augment));
      return handOver(trainBatchValues(pixels, draws, o.size, o.normalize), labelsOf(list), list);
    },
    async eval(list) {
      const pixels = await mapConcurrent(list, o.concurrency, loaders.eval);
      return handOver(evalBatchValues(pixels, o.normalize), labelsOf(list), list);
    },
    dispose: (b) => tf.dispose([b.x, b.y]),
  };
}

function trainLoader(items: Item[], o: ResolvedOptions, make: BatchMakers): TrainLoader {
  const { bs, seed } = o;
  const length = Math.floor(items.length / bs);
  return {
    bs,
    length,
    batches(epoch) {
      const order = shuffledIndices(items.length, createRng(seed, epoch, STREAM.shuffle));
      return prefetch(
        length,
        o.prefetch,
        (b) => {
          const list = order.slice(b * bs, (b + 1) * bs).map((i) => items[i]!);
          return make.train(list, createRng(seed, epoch, b, STREAM.augment));
        },
        make.dispose,
      );
    },
    sample(n, sampleSeed) {
      checkCount(n);
      const order = shuffledIndices(items.length, createRng(seed, sampleSeed, STREAM.sample));
      const list = order.slice(0, n).map((i) => items[i]!);
      return make.train(list, createRng(seed, sampleSeed, STREAM.sampleAugment));
    },
    views(n, previewSeed, key) {
      checkCount(n);
      const item = key === undefined ? items[0] : items.find((i) => i.key === key);
      if (!item) throw new Error(`No training item with key "${key}".`);
      return make.train(Array(n).fill(item), createRng(seed, previewSeed, STREAM.preview));
    },
    isAugmented: isAugmenting(o.augment),
    eachItem(view) {
      if (!Number.isInteger(view) || view < 0)
        throw new Error(`view must be an integer >= 0, received ${view}.`);
      return prefetch(
        Math.ceil(items.length / bs),
        o.prefetch,
        (b) =>
          make.train(
            items.slice(b * bs, (b + 1) * bs),
            createRng(seed, view, b, STREAM.view),
            view === 0 ? NO_AUGMENT : o.augment,
          ),
        make.dispose,
      );
    },
  };
}

function evalLoader(list: Item[], o: ResolvedOptions, make: BatchMakers): EvalLoader {
  const { validBs, seed } = o;
  return {
    bs: validBs,
    length: Math.ceil(list.length / validBs),
    sample(n, sampleSeed) {
      checkCount(n);
      const order = shuffledIndices(list.length, createRng(seed, sampleSeed, STREAM.evalSample));
      return make.eval(order.slice(0, n).map((i) => list[i]!));
    },
    batches() {
      return prefetch(
        Math.ceil(list.length / validBs),
        o.prefetch,
        (b) => make.eval(list.slice(b * validBs, (b + 1) * validBs)),
        make.dispose,
      );
    },
  };
}

/** Decodes every item once into the cache; the images that fail are listed, not thrown. */
async function preloadAll(
  items: readonly Item[],
  o: ResolvedOptions,
  loaders: ImageLoaders,
  onProgress?: (done: number, total: number) => void,
): Promise<BrokenImage[]> {
  const broken: BrokenImage[] = [];
  let done = 0;
  await mapConcurrent(items, o.concurrency, async (item) => {
    try {
      await (item.split === 'train' ? loaders.train(item) : loaders.eval(item));
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      broken.push({
        key: item.key,
        split: item.split,
        reason: String(cause instanceof Error ? cause.message : cause),
      });
    }
    onProgress?.(++done, items.length);
  });
  return broken;
}
