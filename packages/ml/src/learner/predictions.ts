import * as tf from '@tensorflow/tfjs-core';
import type { LearnerBatch } from './data';
import type { Metric } from './metrics';

/** Predictions over a split (fastai v1 `get_preds(with_loss=True)`), what interpretation reads. */
export interface Predictions {
  /** Softmax probabilities, row-major [n, classes]. */
  probs: Float32Array;
  /** Class indices; -1 for unlabelled items. */
  targets: Int32Array;
  /** Cross-entropy of each item; NaN for unlabelled items. */
  losses: Float32Array;
  keys: string[];
  classes: number;
}

/**
 * Runs `forward` (the model in inference mode, or the head on cached features) over every
 * batch, keeping the per-batch results on the backend and reading them once at the end (one
 * sync per split, not per batch).
 */
export async function collectPredictions(
  forward: (x: tf.Tensor) => tf.Tensor,
  batches: AsyncIterable<LearnerBatch>,
  classes: number,
): Promise<Predictions> {
  const probParts: tf.Tensor[] = [];
  const lossParts: tf.Tensor[] = [];
  const targetParts: tf.Tensor[] = [];
  const keys: string[] = [];
  try {
    for await (const { x, y, keys: batchKeys } of batches) {
      targetParts.push(y);
      try {
        const [probs, losses] = tf.tidy(() => {
          const logits = forward(x);
          return [tf.softmax(logits), crossEntropyPerItem(logits, y, classes)];
        });
        probParts.push(probs!);
        lossParts.push(losses!);
      } finally {
        x.dispose();
      }
      keys.push(...batchKeys);
    }
    if (keys.length === 0) {
      return {
        probs: new Float32Array(0),
        targets: new Int32Array(0),
        losses: new Float32Array(0),
        keys,
        classes,
      };
    }
    const [probs, losses, targets] = tf.tidy(() => [
      tf.concat(probParts),
      tf.concat(lossParts),
      tf.concat(targetParts),
    ]);
    const [p, l, t] = await Promise.all([probs!.data(), losses!.data(), targets!.data()]);
    tf.dispose([probs!, losses!, targets!]);
    const targetArray = Int32Array.from(t);
    const lossArray = Float32Array.from(l, (v, i) => (targetArray[i]! < 0 ? NaN : v));
    return { probs: p as Float32Array, targets: targetArray, losses: lossArray, keys, classes };
  } finally {
    tf.dispose([...probParts, ...lossParts, ...targetParts]);
  }
}

/** Loss and metrics over a validation pass. */
export interface ValidationResult {
  validLoss: number;
  metrics: Record<string, number>;
}

/** Mean loss and each metric over predictions of the validation set. */
export function scorePredictions(preds: Predictions, metrics: readonly Metric[]): ValidationResult {
  let sum = 0;
  for (const loss of preds.losses) sum += loss;
  const scores: Record<string, number> = {};
  for (const m of metrics) scores[m.name] = m.compute(preds.probs, preds.targets, preds.classes);
  return { validLoss: sum / preds.losses.length, metrics: scores };
}

/** Softmax cross-entropy of each row of logits against integer targets (a -1 target gives 0). */
export function crossEntropyPerItem(
  logits: tf.Tensor,
  y: tf.Tensor1D,
  classes: number,
): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(y, classes),
        logits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      ) as tf.Tensor1D,
  );
}

/** Mean cross-entropy of a batch (fastai v1 CrossEntropyFlat, reduction mean). */
export function crossEntropy(logits: tf.Tensor, y: tf.Tensor1D, classes: number): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), logits) as tf.Scalar);
}
