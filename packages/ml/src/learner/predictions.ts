import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyPerItem } from '../training/cross-entropy';
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
 * A batch's logits: the model in inference mode in this thread (synchronous, its intermediate
 * tensors the caller's to tidy), or computed by worker threads (a promise; `x` stays alive
 * until it settles).
 */
export type BatchForward = (x: tf.Tensor) => tf.Tensor | Promise<tf.Tensor>;

/**
 * Runs `forward` (the model in inference mode, or the head on cached features) over every
 * batch, keeping the per-batch results on the backend and reading them once at the end (one
 * sync per split, not per batch). With `inFlight` > 1, that many batches' forwards may run at
 * once (in worker threads) while the next batch is read off the data pipeline.
 */
export async function collectPredictions(
  forward: BatchForward,
  batches: AsyncIterable<LearnerBatch>,
  classes: number,
  inFlight = 1,
): Promise<Predictions> {
  const probParts: tf.Tensor[] = [];
  const lossParts: tf.Tensor[] = [];
  const targetParts: tf.Tensor[] = [];
  const keys: string[] = [];
  const pending: { logits: Promise<tf.Tensor>; y: tf.Tensor }[] = [];
  const score = async ({ logits, y }: (typeof pending)[number]) => {
    const computed = await logits;
    try {
      const [probs, losses] = tf.tidy(() => [
        tf.softmax(computed),
        crossEntropyPerItem(computed, y as tf.Tensor1D, classes),
      ]);
      probParts.push(probs!);
      lossParts.push(losses!);
    } finally {
      computed.dispose();
    }
  };
  try {
    for await (const { x, y, keys: batchKeys } of batches) {
      targetParts.push(y);
      keys.push(...batchKeys);
      let logits: Promise<tf.Tensor>;
      try {
        const out = forward(x);
        logits = out instanceof Promise ? out : Promise.resolve(out);
      } catch (error) {
        x.dispose();
        throw error;
      }
      const entry = { logits: logits.finally(() => x.dispose()), y };
      // Handled when its turn comes; a failure before then must not go unhandled meanwhile.
      entry.logits.catch(() => {});
      pending.push(entry);
      if (pending.length >= inFlight) await score(pending.shift()!);
    }
    while (pending.length > 0) await score(pending.shift()!);
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
    // Forwards still running when a batch failed: their logits are freed as they arrive.
    for (const entry of pending)
      entry.logits.then(
        (t) => t.dispose(),
        () => {},
      );
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
