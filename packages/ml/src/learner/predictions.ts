import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LearnerBatch } from './data';

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
 * Runs the model in inference mode over every batch, keeping the per-batch results on the
 * backend and reading them once at the end (one sync per split, not per batch).
 */
export async function collectPredictions(
  model: tfl.LayersModel,
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
          const logits = model.apply(x, { training: false }) as tf.Tensor2D;
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
