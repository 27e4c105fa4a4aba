/**
 * An interpretation as the studio stores it (one row per fit stage): plain arrays, the
 * probabilities as float32 little-endian bytes whatever the host's byte order, and the numbers
 * every page shows computed once. `fromStored` rebuilds the interpretation from such a row.
 */
import { confusionMatrix } from './confusion-matrix';
import { fromPredictions, type Interpretation } from './interpretation';
import { perClassPrecisionRecall, type ClassPrecisionRecall } from './precision-recall';

export interface StoredInterpretation {
  classes: string[];
  /** Item keys in prediction order. */
  fileIds: string[];
  targets: number[];
  preds: number[];
  losses: number[];
  /** n×c class probabilities, float32 little-endian, row-major. */
  probs: Uint8Array<ArrayBuffer>;
  /** c×c counts, rows actual, columns predicted. */
  confusion: number[][];
  perClass: ClassPrecisionRecall[];
  errorRate: number;
}

/** fastai v1 error_rate over an interpretation: the share of items off the matrix's diagonal. */
export function interpretationErrorRate(interp: Interpretation): number {
  if (interp.n === 0) throw new Error('interpretationErrorRate: the interpretation has no items.');
  let wrong = 0;
  for (let i = 0; i < interp.n; i++) if (interp.preds[i] !== interp.targets[i]) wrong += 1;
  return wrong / interp.n;
}

/** The row to store for an interpretation with at least one item. */
export function toStored(interp: Interpretation): StoredInterpretation {
  return {
    classes: [...interp.classes],
    fileIds: [...interp.keys],
    targets: Array.from(interp.targets),
    preds: Array.from(interp.preds),
    losses: Array.from(interp.losses),
    probs: float32LittleEndian(interp.probs),
    confusion: confusionMatrix(interp),
    perClass: perClassPrecisionRecall(interp),
    errorRate: interpretationErrorRate(interp),
  };
}

/** The interpretation a stored row was made from. */
export function fromStored(row: {
  classes: readonly string[];
  fileIds: readonly string[];
  targets: readonly number[];
  losses: readonly number[];
  probs: Uint8Array;
}): Interpretation {
  const view = new DataView(row.probs.buffer, row.probs.byteOffset, row.probs.byteLength);
  const probs = new Float32Array(row.probs.byteLength / 4);
  for (let i = 0; i < probs.length; i++) probs[i] = view.getFloat32(i * 4, true);
  return fromPredictions({
    probs,
    targets: Int32Array.from(row.targets),
    losses: Float32Array.from(row.losses),
    keys: row.fileIds,
    classes: row.classes,
  });
}

function float32LittleEndian(values: Float32Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}
