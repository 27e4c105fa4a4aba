import type { Interpretation } from './interpretation';

/**
 * fastai v1 ClassificationInterpretation.confusion_matrix: cm[actual][predicted] counts,
 * rows and columns in class order.
 */
export function confusionMatrix(interp: Interpretation): number[][] {
  const c = interp.classes.length;
  const cm = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < interp.n; i++) cm[interp.targets[i]!]![interp.preds[i]!]! += 1;
  return cm;
}

/**
 * Each row divided by its sum: the share of each actual class predicted as each class (fastai v1
 * plot_confusion_matrix(normalize=True)). A class with no items gets a row of zeros where numpy
 * would give NaN, so the result stays valid JSON.
 */
export function normalizeConfusionMatrix(cm: readonly (readonly number[])[]): number[][] {
  return cm.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
}
