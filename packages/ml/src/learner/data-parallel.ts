/**
 * Data parallelism over worker threads: one wasm instance computes on one thread in Node, so a
 * training step uses one core. Here each batch is split into shares, one per thread; each share's
 * loss and gradients are computed by a replica of the model (backend/train-pool.ts), or by the
 * main thread's own model for the first share when `useMainThread`; the gradients are combined
 * weighted by the shares' sizes, which gives those of the batch's mean loss, and the main
 * thread's optimiser steps as before. Before every step the main thread writes the weights it
 * changes (the optimiser's parameters and the BatchNorm running statistics) to a buffer the
 * workers share; weights outside the optimiser are copied once, when the fit starts.
 *
 * With a model cut before its head (`ReplicaSource.split`), the workers compute their shares'
 * body features and body gradients, and the head runs here once over the whole batch
 * (whole-batch-head.ts). What differs from one pass over the batch, as in PyTorch's
 * DataParallel without SyncBatchNorm: BatchNorm layers in training mode (the body's, or every
 * one without the split) normalise each share by the share's own statistics. Their running
 * statistics are each share's update averaged, weighted by size (the running mean then moves
 * by the whole batch's mean). Without the split, seeded dropout draws each share's masks from
 * (seed, share, the layer's call count), so a fit repeats exactly, but the masks are not those
 * of a one-thread fit; with it the head's dropout runs here, as in one thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { defaultPoolThreads, modelArtifacts, poolBackendOf } from '../parallel/body-pool';
import { copyTensorInto } from '../kernels/wasm-heap';
import { openTrainWorkers, type TrainWorkers, type WeightSlot } from '../parallel/train-pool';
import { mixSeeds } from '../data/rng';
import { flattenLayers } from '../models/backbone';
import type { Param } from './adamw';
import type { Learner } from './learner';
import { weightKey } from '../training/weight-key';
import { Accumulator, type BatchGradients } from '../training/accumulator';
import { MicroBatcher, type MicroBatchOption } from '../training/micro-batch';
import type { TrainingLayersOptions } from '../training/training-layers';
import { headGradients, type WholeBatchHead } from '../training/whole-batch-head';

/** Threads computing a training step: a number, or 'auto' (see `trainingThreads`). */
export type ThreadsOption = 'auto' | number;

/** Smallest batch 'auto' splits: below it the threads' overhead outweighs the halves. */
const AUTO_MIN_BATCH = 8;

/**
 * The threads a fit's steps use. 'auto': min(2, cores) on wasm and cpu for whole-model steps
 * of at least 8 images, else 1. A precomputed fit trains the small head on one thread; the
 * native backends use every core already.
 */
export function trainingThreads(
  option: ThreadsOption,
  { batchSize, isPrecomputed }: { batchSize: number; isPrecomputed: boolean },
): number {
  if (option !== 'auto' && (!Number.isInteger(option) || option < 1)) {
    throw new Error(`threads must be 'auto' or an integer >= 1, received ${option}.`);
  }
  if (isPrecomputed || poolBackendOf(tf.getBackend()) == null) return 1;
  if (option !== 'auto') return option;
  return batchSize >= AUTO_MIN_BATCH ? defaultPoolThreads() : 1;
}

/** What a replica copies from the main thread's training model. */
export interface ReplicaSource {
  model: tfl.LayersModel;
  /** The optimiser's parameters, whose gradients a step computes. */
  params: readonly Param[];
  classes: number;
  /** The options the model's training-mode layer calls were installed with. */
  trainingLayers: TrainingLayersOptions;
  /** The main thread's mean loss of a batch, for its own share. */
  loss: (x: tf.Tensor, y: tf.Tensor1D) => tf.Scalar;
  /** The model cut before its head: the head then runs on the main thread over the whole batch. */
  split: WholeBatchHead | null;
}

/** A learner's model as a replica source, its head run over whole batches when `split` is given. */
export function learnerSource(
  learner: Learner,
  split: WholeBatchHead | null = null,
): ReplicaSource {
  return {
    model: learner.model,
    params: learner.opt.groups.flat(),
    classes: learner.data.c,
    trainingLayers: learner.trainingLayers,
    loss: (x, y) => learner.trainingLoss(x, y),
    split,
  };
}

export interface DataParallelOptions {
  /** Shares per batch, each on its own thread (≥ 2). */
  threads: number;
  /** The main thread computes the first share itself, with one worker fewer. */
  useMainThread: boolean;
  /** Chunks within each share (micro-batch.ts). */
  microBatch: MicroBatchOption;
}

interface Statistic {
  variable: tfl.LayerVariable;
  slot: WeightSlot;
}

/** A batch's loss and gradients computed by several threads. */
export class DataParallel {
  private readonly batcher: MicroBatcher;
  private isClosed = false;

  private constructor(
    private readonly source: ReplicaSource,
    private readonly options: DataParallelOptions,
    private readonly workers: TrainWorkers,
    private readonly shared: Float32Array,
    private readonly paramSlots: readonly WeightSlot[],
    private readonly statistics: readonly Statistic[],
  ) {
    this.batcher = new MicroBatcher(options.useMainThread ? options.microBatch : 'off');
  }

  /** Starts the workers and loads a replica of the model in each. */
  static async open(source: ReplicaSource, options: DataParallelOptions): Promise<DataParallel> {
    const backend = poolBackendOf(tf.getBackend());
    if (backend == null || options.threads < 2) {
      throw new Error(
        `Data-parallel training needs 2 or more threads on the wasm or cpu backend; received ${options.threads} on ${tf.getBackend()}.`,
      );
    }
    let size = 0;
    const slotOf = (key: string, shape: number[]): WeightSlot => {
      const slot = { key, offset: size, shape };
      size += sizeOf(shape);
      return slot;
    };
    const paramSlots = source.params.map((p) => slotOf(p.key, p.variable.shape));
    const statistics: Statistic[] = flattenLayers(source.model)
      .filter((layer) => layer.getClassName() === 'BatchNormalization')
      .flatMap((layer) =>
        layer.nonTrainableWeights.map((variable) => ({
          variable,
          slot: slotOf(weightKey(layer, variable), variable.shape as number[]),
        })),
      );
    const weights = new SharedArrayBuffer(size * 4);
    const artifacts = await modelArtifacts(source.model);
    const { seed } = source.trainingLayers;
    const first = options.useMainThread ? 1 : 0;
    const replicas = Array.from({ length: options.threads - first }, (_, i) => ({
      artifacts,
      weights,
      params: paramSlots,
      statistics: statistics.map((s) => s.slot),
      classes: source.classes,
      // Everything but the dropout stream, which continues the main thread's with each step.
      trainingLayers: {
        ...source.trainingLayers,
        dropoutCalls: undefined,
        seed: seed == null ? undefined : shareSeed(seed, first + i),
      },
      microBatch: options.microBatch,
      headLayers: source.split?.headLayers ?? null,
    }));
    const workers = await inWorkers(openTrainWorkers(backend, replicas));
    return new DataParallel(
      source,
      options,
      workers,
      new Float32Array(weights),
      paramSlots,
      statistics,
    );
  }

  get threads(): number {
    return this.options.threads;
  }

  /** The worker threads (for inspection). */
  get workerThreads() {
    return this.workers.threads;
  }

  /** The batch's mean loss and its gradients, keyed by the main thread's variable names. */
  async gradients(x: tf.Tensor, y: tf.Tensor1D): Promise<BatchGradients> {
    if (this.isClosed) throw new Error('This data-parallel trainer was closed.');
    if (this.source.split != null) return this.splitGradients(this.source.split, x, y);
    const n = x.shape[0]!;
    const sizes = shareSizes(n, this.options.threads);
    const starts = shareStarts(sizes);
    const first = this.options.useMainThread ? 1 : 0;
    await this.writeShared();
    const dropoutCalls = Object.fromEntries(this.source.trainingLayers.dropoutCalls ?? []);
    const running: Promise<WorkerShare>[] = [];
    for (let s = first; s < sizes.length; s++) {
      if (sizes[s] === 0) continue;
      const share = await readShare(x, y, starts[s]!, sizes[s]!);
      const result = inWorkers(this.workers.step(s - first, share, dropoutCalls));
      running.push(result.then((r) => ({ ...r, share: s })));
    }
    // Settled now, so a failing worker is not an unhandled rejection while the main share runs.
    const settled = Promise.allSettled(running);
    const sum = new Accumulator();
    try {
      let mainStatistics: Float32Array[] | null = null;
      if (first === 1) {
        const xs = tf.slice(x, 0, sizes[0]!);
        const ys = tf.slice(y, 0, sizes[0]!);
        try {
          const part = await this.batcher.gradients(
            this.source.loss,
            this.source.params.map((p) => p.variable),
            xs,
            ys,
          );
          sum.add(part.value, part.grads, sizes[0]! / n);
        } finally {
          tf.dispose([xs, ys]);
        }
        mainStatistics = await this.readStatistics();
      }
      const shares = await fulfilled(settled);
      if (shares.length > 0) {
        const weights = shares.map((r) => sizes[r.share]! / n);
        const grads: tf.NamedTensorMap = {};
        this.source.params.forEach((p, i) => {
          const values = weightedSum(
            shares.map((r) => r.grads[i]!),
            weights,
          );
          if (values != null) grads[p.variable.name] = tf.tensor(values, this.paramSlots[i]!.shape);
        });
        const loss = shares.reduce((total, r, k) => total + weights[k]! * r.loss, 0);
        // Already weighted: the shares' part of the batch's mean.
        sum.add(tf.scalar(loss), grads, 1);
      }
      this.averageStatistics([
        ...(mainStatistics == null ? [] : [{ values: mainStatistics, weight: sizes[0]! / n }]),
        ...shares.map((r) => ({ values: r.statistics, weight: sizes[r.share]! / n })),
      ]);
      // The main thread's dropout layers counted their own calls; workers report theirs.
      if (first === 0) this.continueDropout(shares[0]!.dropoutCalls);
      return sum.take();
    } finally {
      sum.dispose();
    }
  }

  /**
   * The batch's loss and gradients with the head run once, here, over every share's features
   * (whole-batch-head.ts): the shares' body forwards (phase 1), the head on the whole batch, then
   * each share's body backward from its slice of the features' gradient (phase 3).
   */
  private async splitGradients(
    split: WholeBatchHead,
    x: tf.Tensor,
    y: tf.Tensor1D,
  ): Promise<BatchGradients> {
    const n = x.shape[0]!;
    const sizes = shareSizes(n, this.options.threads);
    const starts = shareStarts(sizes);
    const first = this.options.useMainThread ? 1 : 0;
    const active = sizes.flatMap((size, s) => (s >= first && size > 0 ? [s] : []));
    await this.writeShared();
    const running = active.map(async (s) => {
      const images = await readImages(x, starts[s]!, sizes[s]!);
      return this.workers.features(s - first, images.x, images.shape);
    });
    // Settled now, so a failing worker is not an unhandled rejection while the main share runs.
    const settled = Promise.allSettled(running.map(inWorkers));
    const held: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      held.push(t);
      return t;
    };
    let head: ReturnType<typeof headGradients> | null = null;
    try {
      const parts: tf.Tensor[] = [];
      let mainStatistics: Float32Array[] | null = null;
      const mainX = first === 1 && sizes[0]! > 0 ? keep(tf.slice(x, 0, sizes[0]!)) : null;
      if (mainX != null) {
        parts.push(keep(await this.batcher.features(split, mainX)));
        mainStatistics = await this.readStatistics();
      }
      const shares = await fulfilled(settled);
      for (const share of shares) parts.push(keep(tf.tensor(share.features, share.shape)));
      this.averageStatistics([
        ...(mainStatistics == null ? [] : [{ values: mainStatistics, weight: sizes[0]! / n }]),
        ...shares.map((r, k) => ({ values: r.statistics, weight: sizes[active[k]!]! / n })),
      ]);
      const features = keep(parts.length === 1 ? parts[0]! : tf.concat(parts));
      head = headGradients(split, features, y);
      const dFeatures = keep(head.dFeatures);
      const backward = active.map(async (s) => {
        const dy = await readImages(dFeatures, starts[s]!, sizes[s]!);
        return this.workers.backward(s - first, dy.x, dy.shape);
      });
      const settledBackward = Promise.allSettled(backward.map(inWorkers));
      const grads: tf.NamedTensorMap = { ...head.grads };
      if (mainX != null) {
        const dy = keep(tf.slice(dFeatures, 0, sizes[0]!));
        Object.assign(grads, await this.batcher.bodyGradients(split, mainX, dy));
      }
      const bodyGrads = await fulfilled(settledBackward);
      this.source.params.forEach((p, i) => {
        // Each share's part of the mean loss is in its slice of the features' gradient already.
        const values = weightedSum(
          bodyGrads.map((r) => r[i]!),
          bodyGrads.map(() => 1),
        );
        if (values == null) return;
        const name = p.variable.name;
        const sum = tf.tensor(values, this.paramSlots[i]!.shape);
        const mine = grads[name];
        grads[name] = mine == null ? sum : tf.add(mine, sum);
        if (mine != null) tf.dispose([mine, sum]);
      });
      const value = head.value;
      head = null;
      return { value, grads };
    } catch (error) {
      if (head != null) tf.dispose([head.value, ...Object.values(head.grads)]);
      throw error;
    } finally {
      tf.dispose(held);
    }
  }

  private readStatistics(): Promise<Float32Array[]> {
    return Promise.all(
      this.statistics.map(async (s) => (await s.variable.read().data()) as Float32Array),
    );
  }

  /**
   * Starts an inference pass (a validation) over the weights as they are now. The function it
   * returns gives a batch's logits in inference mode, each share computed by its own thread and
   * the rows back in the batch's order. The weights are written to the shared buffer once per
   * pass; each worker reads them with its first share.
   */
  async inference(): Promise<(x: tf.Tensor) => Promise<tf.Tensor>> {
    if (this.isClosed) throw new Error('This data-parallel trainer was closed.');
    await this.writeShared();
    const first = this.options.useMainThread ? 1 : 0;
    const stale = Array.from({ length: this.options.threads - first }, () => true);
    return async (x) => {
      if (this.isClosed) throw new Error('This data-parallel trainer was closed.');
      const sizes = shareSizes(x.shape[0]!, this.options.threads);
      const starts = shareStarts(sizes);
      const running: Promise<tf.Tensor>[] = [];
      for (let s = first; s < sizes.length; s++) {
        if (sizes[s] === 0) continue;
        const size = sizes[s]!;
        const share = await readImages(x, starts[s]!, size);
        const worker = s - first;
        const logits = this.workers.infer(worker, share.x, share.shape, stale[worker]!);
        stale[worker] = false;
        running.push(inWorkers(logits).then((v) => tf.tensor2d(v, [size, v.length / size])));
      }
      const settled = Promise.allSettled(running);
      const parts: tf.Tensor[] = [];
      try {
        if (first === 1 && sizes[0]! > 0) {
          parts.push(
            tf.tidy(
              () =>
                this.source.model.apply(tf.slice(x, 0, sizes[0]!), {
                  training: false,
                }) as tf.Tensor,
            ),
          );
        }
        for (const result of await settled) {
          if (result.status === 'fulfilled') parts.push(result.value);
        }
        const failed = (await settled).find((r) => r.status === 'rejected');
        if (failed != null) throw (failed as PromiseRejectedResult).reason;
        return parts.length === 1 ? parts.pop()! : tf.concat(parts);
      } finally {
        tf.dispose(parts);
      }
    };
  }

  /** Ends the workers. Idempotent. */
  async close(): Promise<void> {
    this.isClosed = true;
    await this.workers.close();
  }

  private async writeShared(): Promise<void> {
    for (const [i, p] of this.source.params.entries())
      await copyTensorInto(p.variable, this.shared, this.paramSlots[i]!.offset);
    for (const { variable, slot } of this.statistics)
      await copyTensorInto(variable.read(), this.shared, slot.offset);
  }

  /** Each running statistic as the shares' updates weighted by their sizes. */
  private averageStatistics(shares: { values: Float32Array[]; weight: number }[]): void {
    this.statistics.forEach(({ variable, slot }, i) => {
      const mean = new Float32Array(sizeOf(slot.shape));
      for (const { values, weight } of shares) {
        const v = values[i]!;
        for (let j = 0; j < mean.length; j++) mean[j]! += weight * v[j]!;
      }
      tf.tidy(() => {
        variable.write(tf.tensor(mean, slot.shape));
      });
    });
  }

  private continueDropout(calls: Record<string, number>): void {
    const map = this.source.trainingLayers.dropoutCalls;
    if (map == null) return;
    for (const [name, count] of Object.entries(calls)) map.set(name, count);
  }
}

type WorkerShare = Awaited<ReturnType<TrainWorkers['step']>> & { share: number };

/** The values of settled work, or the first failure thrown. */
async function fulfilled<T>(settled: Promise<PromiseSettledResult<T>[]>): Promise<T[]> {
  const results = await settled;
  const failed = results.find((r) => r.status === 'rejected');
  if (failed != null) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Σ weightₖ · arrayₖ over the arrays given (null: no gradient there), written into the first
 * one: a step's gradients are tens of MB, and one pass in JavaScript beats a tensor per share.
 */
function weightedSum(arrays: (Float32Array | null)[], weights: number[]): Float32Array | null {
  let out: Float32Array | null = null;
  for (const [k, a] of arrays.entries()) {
    if (a == null) continue;
    const w = weights[k]!;
    if (out == null) {
      out = a;
      for (let j = 0; j < out.length; j++) out[j]! *= w;
    } else {
      for (let j = 0; j < out.length; j++) out[j]! += w * a[j]!;
    }
  }
  return out;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Where each share of `shareSizes` starts in the batch. */
function shareStarts(sizes: readonly number[]): number[] {
  return sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
}

/** n images in `threads` shares as even as can be, the larger first. */
export function shareSizes(n: number, threads: number): number[] {
  return Array.from(
    { length: threads },
    (_, i) => Math.floor(n / threads) + (i < n % threads ? 1 : 0),
  );
}

/** Share 0 draws the learner's own masks; share s > 0 those of a seed of its own. */
function shareSeed(seed: number, share: number): number {
  return share === 0 ? seed : mixSeeds(seed, share);
}

/** One share's images and labels in buffers of their own, to move to a worker. */
async function readShare(x: tf.Tensor, y: tf.Tensor1D, start: number, size: number) {
  const ys = tf.slice(y, start, size);
  try {
    const [images, labels] = await Promise.all([readImages(x, start, size), ys.data<'int32'>()]);
    // The cpu backend may hand out its own store; wasm a fresh copy.
    return { ...images, y: tf.getBackend() === 'wasm' ? labels : labels.slice() };
  } finally {
    ys.dispose();
  }
}

/** One share's images (or rows of any tensor) in a buffer of its own, to move to a worker. */
export async function readImages(x: tf.Tensor, start: number, size: number) {
  const xs = tf.slice(x, start, size);
  try {
    const values = await xs.data<'float32'>();
    // The cpu backend may hand out its own store (or a view of x's); wasm a fresh copy.
    return { x: tf.getBackend() === 'wasm' ? values : values.slice(), shape: xs.shape };
  } finally {
    xs.dispose();
  }
}

/** A worker's failure, said as the step's, with what to do about it. */
async function inWorkers<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(
      `A training step failed in a worker thread: ${error instanceof Error ? error.message : error} ` +
        `Retry the fit, or set threads to 1 to train in the main thread.`,
    );
  }
}
