import { probOf, type Interpretation } from './interpretation';

/** One row of the top-losses grid (fastai v1 plot_top_losses: prediction/actual/loss/probability). */
export interface TopLoss {
  key: string;
  predicted: string;
  actual: string;
  loss: number;
  /** Probability of the actual class, the number fastai prints. */
  probActual: number;
  probPredicted: number;
}

/**
 * fastai v1 ClassificationInterpretation.top_losses(k, largest=True): the k items the model got
 * most wrong, largest loss first. Equal losses keep item order; a NaN loss ranks first, since a
 * diverged item is the one to look at.
 */
export function topLosses(interp: Interpretation, k = 9): TopLoss[] {
  const rank = (loss: number) => (Number.isNaN(loss) ? Infinity : loss);
  const order = Array.from({ length: interp.n }, (_, i) => i).sort(
    (a, b) => rank(interp.losses[b]!) - rank(interp.losses[a]!) || a - b,
  );
  return order.slice(0, Math.max(0, k)).map((i) => {
    const actual = interp.targets[i]!;
    const predicted = interp.preds[i]!;
    return {
      key: interp.keys[i]!,
      predicted: interp.classes[predicted]!,
      actual: interp.classes[actual]!,
      loss: interp.losses[i]!,
      probActual: probOf(interp, i, actual),
      probPredicted: probOf(interp, i, predicted),
    };
  });
}
