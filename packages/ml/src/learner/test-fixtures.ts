/** In-memory data and tiny networks for the learner tests (built by the tests, never stored). */
import { sharedPath } from '@studio/shared';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { userBackbone, type Backbone } from '../models/backbone';
import { createRng, shuffledIndices } from '../data/rng';
import {
  createDataBunch,
  folderItems,
  folderSource,
  splitByRandomPct,
  type DataBunch,
} from '../data/index';
import { loadBackbone } from '../models/load-backbone';
import { cnnLearner } from './cnn-learner';
import type { LearnerBatch, LearnerData } from './data';
import type { FeatureCache } from './feature-cache';
import type { Learner } from './learner';

export interface SyntheticOptions {
  classes?: number;
  train?: number;
  valid?: number;
  size?: number;
  bs?: number;
  seed?: number;
  /** Pattern strength relative to the unit noise; large = easily separable. Default 1.5. */
  signal?: number;
}

/**
 * Images of `size`² × 3 whose class is a fixed random pattern plus Gaussian noise; training
 * batches are shuffled per (seed, epoch) and fresh tensors every time (the learner disposes).
 */
export function syntheticData(options: SyntheticOptions = {}): LearnerData & { dispose(): void } {
  const {
    classes = 3,
    train = 96,
    valid = 48,
    size = 8,
    bs = 16,
    seed = 1,
    signal = 1.5,
  } = options;
  const labels = (n: number) => Array.from({ length: n }, (_, i) => i % classes);
  const [patterns, xTrain, xValid] = tf.tidy(() => {
    const p = tf.mul(tf.randomNormal([classes, size, size, 3], 0, 1, 'float32', seed), signal);
    const make = (n: number, s: number) =>
      tf.add(
        tf.gather(p, tf.tensor1d(labels(n), 'int32')),
        tf.randomNormal([n, size, size, 3], 0, 1, 'float32', s),
      );
    return [p, make(train, seed + 1), make(valid, seed + 2)];
  });
  const yTrain = labels(train);
  const yValid = labels(valid);
  const slice = (x: tf.Tensor, y: number[], indices: number[], prefix: string): LearnerBatch => ({
    x: tf.tidy(() => tf.gather(x, tf.tensor1d(indices, 'int32'))),
    y: tf.tensor1d(
      indices.map((i) => y[i]!),
      'int32',
    ),
    keys: indices.map((i) => `${prefix}/${i}`),
  });
  const inOrder = (n: number, b: number) =>
    Array.from({ length: Math.min(bs, n - b) }, (_, i) => b + i);
  return {
    classes: Array.from({ length: classes }, (_, i) => `class${i}`),
    c: classes,
    counts: { train, valid },
    train: {
      length: Math.floor(train / bs),
      bs,
      isAugmented: true,
      // View v ≥ 1 adds its own small fixed noise, standing in for an augmentation.
      async *eachItem(view: number) {
        for (let b = 0; b < train; b += bs) {
          const batch = slice(xTrain!, yTrain, inOrder(train, b), 'train');
          if (view > 0) {
            const clean = batch.x;
            const noiseSeed = seed * 1000 + view * 100 + b;
            batch.x = tf.tidy(() =>
              tf.add(clean, tf.randomNormal(clean.shape, 0, 0.1, 'float32', noiseSeed)),
            );
            clean.dispose();
          }
          yield batch;
        }
      },
      async *batches(epoch: number) {
        const order = shuffledIndices(train, createRng(seed, epoch));
        for (let b = 0; b + bs <= train; b += bs)
          yield slice(xTrain!, yTrain, order.slice(b, b + bs), 'train');
      },
    },
    valid: {
      async *batches() {
        for (let b = 0; b < valid; b += bs)
          yield slice(xValid!, yValid, inOrder(valid, b), 'valid');
      },
    },
    dispose: () => tf.dispose([patterns!, xTrain!, xValid!]),
  };
}

/**
 * conv → BN → ReLU6 → conv(stride 2) → BN → ReLU: two body groups, split at "conv2". Without
 * `batchNorm`, as MobileNetV2 with its BatchNorm folded: conv (with bias) → ReLU6 → conv → ReLU.
 */
export function tinyBackbone(size = 8, seed = 7, { batchNorm = true } = {}): Backbone {
  const input = tfl.input({ shape: [size, size, 3] });
  const init = (s: number) => tfl.initializers.heNormal({ seed: seed + s });
  const bn = (x: tfl.SymbolicTensor, name: string) =>
    batchNorm ? (tfl.layers.batchNormalization({ name }).apply(x) as tfl.SymbolicTensor) : x;
  let x = tfl.layers
    .conv2d({
      name: 'conv1',
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      useBias: !batchNorm,
      kernelInitializer: init(1),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = bn(x, 'bn1');
  x = tfl.layers.reLU({ name: 'relu1', maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      name: 'conv2',
      filters: 16,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(2),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = bn(x, 'bn2');
  x = tfl.layers.reLU({ name: 'relu2' }).apply(x) as tfl.SymbolicTensor;
  return userBackbone(tfl.model({ inputs: input, outputs: x, name: 'tiny' }), {
    groupStarts: ['conv2'],
  });
}

/** Values of every weight of a model, for before/after comparisons. */
export async function readWeights(model: tfl.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const layer of model.layers) {
    for (const w of layer.weights)
      out.set(`${layer.name}/${w.originalName}`, (await w.read().data()) as Float32Array);
  }
  return out;
}

export const SIGN_LANGUAGE = sharedPath('datasets', 'sign-language-digits');
export const PRETRAINED = sharedPath('pretrained');

/**
 * Real photos through the real pipeline: 4 classes of sign-language-digits, 25 photos each
 * (20 train, 5 valid per class on average, seed 42), at 96 px, and a learner on the offline
 * MobileNetV2-0.35 with its body frozen.
 */
export async function signLanguageLearner(): Promise<{
  learn: Learner;
  backbone: Backbone;
  data: DataBunch;
}> {
  const all = await folderItems(SIGN_LANGUAGE);
  const subset = ['0', '1', '2', '3'].flatMap((c) => all.filter((i) => i.label === c).slice(0, 25));
  const items = splitByRandomPct(subset, 0.2, 42);
  const backbone = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
  const data = createDataBunch(items, folderSource(SIGN_LANGUAGE), {
    size: 96,
    bs: 16,
    seed: 42,
    normalize: backbone.spec.normalization,
  });
  return { learn: cnnLearner(data, backbone, { seed: 42 }), backbone, data };
}

/**
 * All of sign-language-digits (1,650 / 412, the lesson's random 20 % split with seed 42) through
 * the real pipeline at `size` px, normalised for the offline MobileNetV2-0.35 it returns too.
 */
export async function signLanguageDigits(
  size: number,
  bs: number,
): Promise<{ backbone: Backbone; data: DataBunch }> {
  const backbone = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
  const items = splitByRandomPct(await folderItems(SIGN_LANGUAGE), 0.2, 42);
  const data = createDataBunch(items, folderSource(SIGN_LANGUAGE), {
    size,
    bs,
    seed: 42,
    normalize: backbone.spec.normalization,
  });
  return { backbone, data };
}

/** What a feature cache gives for one data epoch: its rows' keys, labels and features. */
export async function readCache(cache: FeatureCache, dataEpoch: number) {
  const keys: string[] = [];
  const labels: number[] = [];
  const features: number[] = [];
  for await (const { x, y, keys: batchKeys } of cache.strategy.trainBatches(dataEpoch)) {
    keys.push(...batchKeys);
    labels.push(...(await y.data()));
    features.push(...(await x.data()));
    tf.dispose([x, y]);
  }
  return { keys, labels, features };
}

/** Largest difference between two equally long arrays. */
export const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);
