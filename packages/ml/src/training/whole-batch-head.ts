/**
 * A split training step whose head still sees the whole batch. When a step is split (into
 * passes for memory, or shares for threads), BatchNorm layers in training mode normalise each
 * part by its own statistics; for the head's BatchNorm layers, which fastai runs on the whole
 * batch of 64, that measurably slowed training (docs/benchmarks.md, "Fine-tuning at each image
 * size"). So a split step runs in three phases:
 *   1. each part's body forward, without a tape, gives its features (the head's input);
 *   2. the head runs forward and backward once on every part's features together: its
 *      gradients, and the loss's gradient with respect to the features;
 *   3. each part runs its body forward again, with a tape, and back-propagates its slice of
 *      that gradient into the body's weights.
 * The loss and gradients are those of one pass over the batch whenever the body has no
 * BatchNorm in training mode (MobileNetV2 at width 1.0 has its BatchNorm folded); a body's own
 * BatchNorm layers still see one part at a time. Phase 3 costs one more body forward a step;
 * without trainable body weights (a frozen stage) it is skipped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { splitHead } from './head-split';
import { flattenLayers } from '../models/backbone';
import { Accumulator } from './accumulator';
import { crossEntropy } from './cross-entropy';
import { leanVariableGrads } from './lean-gradients';

/** A model cut before its head, with the training variables on each side. */
export interface WholeBatchHead {
  /** The body (to the head's input features) in training mode. */
  body(x: tf.Tensor): tf.Tensor;
  /** The head's mean cross-entropy on features, in training mode. */
  headLoss(features: tf.Tensor, y: tf.Tensor1D): tf.Scalar;
  /** Names of the head's layers, from the first that is not pooling. */
  readonly headLayers: string[];
  readonly bodyVariables: tf.Variable[];
  readonly headVariables: tf.Variable[];
  /** The body's BatchNorm running statistics, which phase 3's forward would move again. */
  readonly bodyStatistics: tfl.LayerVariable[];
}

/** Layers drawing a random mask per call: phase 3 could not repeat phase 1's forward. */
const STOCHASTIC = /Dropout|Noise/;

/**
 * The split of `model` before the first layer of `head` that is not pooling (head-split.ts),
 * with `variables` (the optimiser's) on each side; null when the head is not a chain of layers
 * or the body has layers that are random in training (dropout, noise).
 */
export function wholeBatchHead(
  model: tfl.LayersModel,
  head: readonly tfl.layers.Layer[],
  variables: readonly tf.Variable[],
  classes: number,
): WholeBatchHead | null {
  let split;
  try {
    split = splitHead(model, head);
  } catch {
    return null;
  }
  const chain = new Set(split.chain);
  const bodyLayers = flattenLayers(model).filter((layer) => !chain.has(layer));
  if (bodyLayers.some((layer) => STOCHASTIC.test(layer.getClassName()))) return null;
  const headNames = new Set(
    split.chain.flatMap((layer) => layer.weights.map((w) => (w.read() as tf.Variable).name)),
  );
  const bodyModel = split.featureModel();
  return {
    body: (x) => bodyModel.apply(x, { training: true }) as tf.Tensor,
    // The head's first training call frees its input (training-layers.ts): it gets a copy.
    headLoss: (features, y) =>
      tf.tidy(() => crossEntropy(split.forward(tf.clone(features), true), y, classes)),
    headLayers: split.chain.map((layer) => layer.name),
    bodyVariables: variables.filter((v) => !headNames.has(v.name)),
    headVariables: variables.filter((v) => headNames.has(v.name)),
    bodyStatistics: bodyLayers
      .filter((layer) => layer.getClassName() === 'BatchNormalization')
      .flatMap((layer) => layer.nonTrainableWeights),
  };
}

/** Phase 1: the body's features of `x`, `chunk` images at a time, without a tape. */
export function bodyFeatures(split: WholeBatchHead, x: tf.Tensor, chunk: number): tf.Tensor {
  const n = x.shape[0]!;
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      parts.push(tf.tidy(() => split.body(size === n ? x : tf.slice(x, start, size))));
    }
    return parts.length === 1 ? parts.pop()! : tf.concat(parts);
  } finally {
    tf.dispose(parts);
  }
}

export interface HeadGradients {
  /** Mean loss over the batch. */
  value: tf.Scalar;
  /** The head's gradients, by variable name. */
  grads: tf.NamedTensorMap;
  /** The mean loss's gradient with respect to the features. */
  dFeatures: tf.Tensor;
}

/** Phase 2: the head forward and backward on the whole batch's features. */
export function headGradients(
  split: WholeBatchHead,
  features: tf.Tensor,
  y: tf.Tensor1D,
): HeadGradients {
  const input = tf.variable(features, true);
  try {
    const { value, grads } = leanVariableGrads(
      () => split.headLoss(input, y),
      [...split.headVariables, input],
    );
    const dFeatures = grads[input.name]!;
    delete grads[input.name];
    return { value, grads, dFeatures };
  } finally {
    input.dispose();
  }
}

/**
 * Phase 3: the body's gradients, `chunk` images at a time, from the loss's gradient with respect
 * to the features (Σ features · dFeatures has the body gradients of the loss). The body's
 * running statistics are put back as phase 1 left them. Empty without trainable body weights.
 */
export function bodyGradients(
  split: WholeBatchHead,
  x: tf.Tensor,
  dFeatures: tf.Tensor,
  chunk: number,
): tf.NamedTensorMap {
  if (split.bodyVariables.length === 0) return {};
  const n = x.shape[0]!;
  const restore = keepStatistics(split);
  const sum = new Accumulator();
  try {
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const xs = size === n ? x : tf.slice(x, start, size);
      const dy = size === n ? dFeatures : tf.slice(dFeatures, start, size);
      try {
        const part = leanVariableGrads(
          () => tf.sum(tf.mul(split.body(xs), dy)),
          split.bodyVariables,
        );
        sum.add(part.value, part.grads, 1);
      } finally {
        if (xs !== x) tf.dispose([xs, dy]);
      }
    }
    const { value, grads } = sum.take();
    value.dispose();
    return grads;
  } catch (error) {
    sum.dispose();
    throw error;
  } finally {
    restore();
  }
}

/** Copies the body's running statistics; the function returned puts them back (once). */
export function keepStatistics(split: WholeBatchHead): () => void {
  const saved = split.bodyStatistics.map((s) => tf.clone(s.read()));
  return () => {
    split.bodyStatistics.forEach((s, i) => s.write(saved[i]!));
    tf.dispose(saved);
  };
}
