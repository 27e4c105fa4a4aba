/**
 * fastai v1 ClassificationInterpretation as pure functions over one predictions triple:
 *
 *   const interp = fromPredictions({ ...learner.getPreds('valid'), classes: data.classes });
 *   topLosses(interp, 9); confusionMatrix(interp); mostConfused(interp, 2);
 */
export { argmaxRow, fromPredictions, probOf } from './interpretation';
export type { Interpretation, PredictionsInput } from './interpretation';
export { topLosses } from './top-losses';
export type { TopLoss } from './top-losses';
export { confusionMatrix, normalizeConfusionMatrix } from './confusion-matrix';
export { mostConfused } from './most-confused';
export type { ConfusedPair } from './most-confused';
export { perClassPrecisionRecall } from './precision-recall';
export type { ClassPrecisionRecall } from './precision-recall';
export { escapeCsvCell, toCsv, toCsvRows } from './csv';
export { fromStored, interpretationErrorRate, toStored } from './stored';
export type { StoredInterpretation } from './stored';
