/**
 * fastai v1 vision/learner.py ClassificationInterpretation: everything below is a small pure
 * function over one computed (probabilities, targets, losses) triple, so the learner runs the
 * model once and the UI, the worker and the CLI all read the same numbers.
 */

/** What `learner.getPreds(split)` returns, plus the class names the indices refer to. */
export interface PredictionsInput {
  /** n×c row-major class probabilities. */
  probs: Float32Array;
  /** n actual class indices into `classes`. */
  targets: Int32Array;
  /** n per-item losses. */
  losses: Float32Array;
  /** n item keys (file paths), in the same order. */
  keys: readonly string[];
  classes: readonly string[];
}

export interface Interpretation extends PredictionsInput {
  /** n predicted class indices: the arg-max of each row of `probs` (first on a tie). */
  preds: Int32Array;
  /** Number of items. */
  n: number;
}

/** fastai v1 ClassificationInterpretation.__init__: checks the triple and takes the arg-max once. */
export function fromPredictions(input: PredictionsInput): Interpretation {
  const { probs, targets, losses, keys, classes } = input;
  const c = classes.length;
  const n = targets.length;
  if (c === 0) throw new Error("fromPredictions: classes is empty; pass the data's class list.");
  if (probs.length !== n * c || losses.length !== n || keys.length !== n) {
    throw new Error(
      `fromPredictions: sizes disagree. Expected probs of n·c = ${n}·${c} = ${n * c} values and ` +
        `${n} losses and keys (n = targets.length), received ${probs.length} probs, ` +
        `${losses.length} losses, ${keys.length} keys.`,
    );
  }
  const bad = targets.findIndex((t) => !(t >= 0 && t < c));
  if (bad >= 0) {
    throw new Error(
      `fromPredictions: target ${targets[bad]} of item ${bad} ("${keys[bad]}") is not a class index ` +
        `in [0, ${c}). Interpretation needs labelled items (the validation set, not unlabelled test items).`,
    );
  }
  const preds = new Int32Array(n);
  for (let i = 0; i < n; i++) preds[i] = argmaxRow(probs, i, c);
  return { probs, targets, losses, keys, classes, preds, n };
}

/** Index of the largest of row `row` of an n×c matrix; the first one on a tie, as torch.argmax. */
export function argmaxRow(values: ArrayLike<number>, row: number, c: number): number {
  let best = 0;
  for (let j = 1; j < c; j++) if (values[row * c + j]! > values[row * c + best]!) best = j;
  return best;
}

/** Probability the model gave class `cls` for item `i`. */
export function probOf(interp: Interpretation, i: number, cls: number): number {
  return interp.probs[i * interp.classes.length + cls]!;
}
