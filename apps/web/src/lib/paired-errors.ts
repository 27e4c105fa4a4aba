/**
 * Is one model's lower error real, or chance? Two runs judged on the same validation images are
 * compared image by image (McNemar's exact test), as a seed alone can move the error by several
 * images.
 */

/** What a model predicted for each validation image (a stage interpretation's columns). */
export interface ImagePredictions {
  fileIds: readonly string[];
  targets: readonly number[];
  preds: readonly number[];
}

export interface PairedErrors {
  /** Validation images both models were judged on. */
  images: number;
  /** Images the first model gets wrong and the second right, and the other way round. */
  onlyFirstWrong: number;
  onlySecondWrong: number;
  /** Two-sided exact McNemar p-value: how often chance alone splits the disagreements this unevenly. */
  p: number;
}

/** Wilson's 95 % interval for an error rate of `wrong` out of `n`. */
export function wilsonInterval(wrong: number, n: number, z = 1.959964): [number, number] {
  if (n <= 0) return [0, 1];
  const rate = wrong / n;
  const z2n = (z * z) / n;
  const centre = (rate + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((rate * (1 - rate)) / n + z2n / (4 * n))) / (1 + z2n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** ln C(n, k), summed as logs so thousands of disagreements stay finite. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

/** Exact McNemar: twice the binomial(b + c, ½) tail at min(b, c), capped at 1. */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/**
 * The two models' disagreements on the validation images they share, or null when they were
 * judged on different images (another dataset version or split).
 */
export function pairErrors(first: ImagePredictions, second: ImagePredictions): PairedErrors | null {
  if (first.fileIds.length === 0 || first.fileIds.length !== second.fileIds.length) return null;
  const secondRow = new Map(second.fileIds.map((id, i) => [id, i]));
  let onlyFirstWrong = 0;
  let onlySecondWrong = 0;
  for (const [i, id] of first.fileIds.entries()) {
    const j = secondRow.get(id);
    // Another image, or the same one labelled differently: not the same test.
    if (j === undefined || second.targets[j] !== first.targets[i]) return null;
    const isSecondRight = second.preds[j] === second.targets[j];
    const isFirstRight = first.preds[i] === first.targets[i];
    if (isFirstRight && !isSecondRight) onlySecondWrong++;
    if (!isFirstRight && isSecondRight) onlyFirstWrong++;
  }
  return {
    images: first.fileIds.length,
    onlyFirstWrong,
    onlySecondWrong,
    p: mcnemarExact(onlyFirstWrong, onlySecondWrong),
  };
}
