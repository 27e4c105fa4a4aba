/**
 * Classification metrics over a whole split's predictions (fastai v1 metrics.py), computed
 * from the probabilities and targets that validation reads once at its end.
 */
export interface Metric {
  /** Column name, as fastai shows it (`error_rate`, `accuracy`). */
  readonly name: string;
  /** Higher is better (for trackers such as SaveBestCallback). */
  readonly isHigherBetter: boolean;
  compute(probs: Float32Array, targets: Int32Array, classes: number): number;
}

/** How many of the top `k` scores of each row include its target. */
function countTopK(probs: Float32Array, targets: Int32Array, classes: number, k: number): number {
  let hits = 0;
  for (let row = 0; row < targets.length; row++) {
    const base = row * classes;
    const target = probs[base + targets[row]!]!;
    // In the top k when fewer than k classes score strictly higher; an exact tie counts in the
    // target's favour (float ties between different logits practically never happen).
    let higher = 0;
    for (let c = 0; c < classes && higher < k; c++) if (probs[base + c]! > target) higher++;
    if (higher < k) hits++;
  }
  return hits;
}

export const accuracy: Metric = {
  name: 'accuracy',
  isHigherBetter: true,
  compute: (probs, targets, classes) =>
    targets.length === 0 ? NaN : countTopK(probs, targets, classes, 1) / targets.length,
};

// fastai v1 metrics.py error_rate: 1 - accuracy.
export const errorRate: Metric = {
  name: 'error_rate',
  isHigherBetter: false,
  compute: (probs, targets, classes) => 1 - accuracy.compute(probs, targets, classes),
};

export function topKAccuracy(k = 5): Metric {
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`k must be a positive integer, received ${k}.`);
  return {
    name: `top_${k}_accuracy`,
    isHigherBetter: true,
    compute: (probs, targets, classes) =>
      targets.length === 0 ? NaN : countTopK(probs, targets, classes, k) / targets.length,
  };
}
