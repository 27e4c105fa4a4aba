/**
 * fastai v1 learn.export() / load_learner / learn.predict for the studio:
 *
 *   await writeExport(dir, await exportModel(model, { classes, preprocessing }));
 *   const exported = await loadExport(dir);
 *   const { label, probs } = await predict(exported, imageBytes, { tta: true });
 */
export { exportModel } from './export-model';
export type { ExportOptions } from './export-model';
export { writeExport } from './write-export';
export { disposeExport, loadExport, type LoadExportOptions } from './load-export';
export type { ExportedModel } from './load-export';
export {
  endsInSoftmax,
  ImageDecodeError,
  predict,
  predictBatch,
  TTA_BETA,
  TTA_SCALE,
} from './predict';
export type { Prediction, PredictOptions } from './predict';
export { evaluateFolder } from './evaluate-folder';
export type { EvaluateFolderOptions, FolderEvaluation } from './evaluate-folder';
export { PREPROCESSING_FORMAT, parsePreprocessing, validatePreprocessing } from './preprocessing';
export type { Preprocessing } from './preprocessing';
export { CLASSES_JSON, MODEL_JSON, MODEL_ONNX, PREPROCESSING_JSON } from './bundle-files';
export type { ExportFiles } from './bundle-files';
