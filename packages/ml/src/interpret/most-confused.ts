import { confusionMatrix } from './confusion-matrix';
import type { Interpretation } from './interpretation';

/** [actual, predicted, count], fastai's tuple order. */
export type ConfusedPair = [actual: string, predicted: string, count: number];

/**
 * fastai v1 ClassificationInterpretation.most_confused(min_val=1): off-diagonal cells with at
 * least `minVal` items, largest count first, ties in row-major (actual, then predicted) order
 * as numpy's where + Python's stable sort give. Unlike fastai, the diagonal stays out even for
 * minVal <= 0 (fastai zeroes it and would then list correct classes with count 0).
 */
export function mostConfused(interp: Interpretation, minVal = 1): ConfusedPair[] {
  const { classes } = interp;
  const pairs: ConfusedPair[] = [];
  confusionMatrix(interp).forEach((row, actual) =>
    row.forEach((count, predicted) => {
      if (actual !== predicted && count >= minVal)
        pairs.push([classes[actual]!, classes[predicted]!, count]);
    }),
  );
  return pairs.sort((a, b) => b[2] - a[2]);
}
