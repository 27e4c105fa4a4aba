/**
 * The learner of @studio/ml: fastai v1's cnn_learner, fit_one_cycle, lr_find, freeze/unfreeze,
 * callbacks, metrics and save/load on TensorFlow.js.
 *
 *   const learn = cnnLearner(data, await loadBackbone('mobilenet_v2_0.35', { pretrainedDir }));
 *   await learn.fitOneCycle(4);
 *   learn.unfreeze();
 *   await learn.fitOneCycle(2, slice(1e-5, 1e-3));
 */
export { AdamW, type AdamWOptions, type AdamWParamState, type Param } from './adamw';
export {
  CancelFitError,
  type CacheProgress,
  type Callback,
  type CallbackEvent,
  type FitState,
} from './callback';
export { CancelOnSignal } from './cancellation';
export {
  CheckpointCallback,
  SaveBestCallback,
  type CheckpointInfo,
  type CheckpointSink,
  type SaveBestOptions,
} from './checkpoint';
export { cnnLearner, createHead, type CnnLearnerOptions } from './cnn-learner';
export type { LearnerBatch, LearnerData, PredictSplit } from './data';
export { EarlyStoppingCallback, type EarlyStoppingOptions } from './early-stopping';
export {
  DEFAULT_PRECOMPUTE_VIEWS,
  assertPrecomputable,
  isPrecomputable,
  describePrecompute,
  isPrecomputeDefault,
  usesPrecompute,
  defaultBodyBnStatistics,
  type PrecomputeOptions,
  type PrecomputeSummary,
} from './precompute';
export type { FitOptions, FitResult, FitTiming } from './fit-loop';
export {
  MicroBatcher,
  WASM_STEP_BUDGET_BYTES,
  type MicroBatchOption,
} from '../training/micro-batch';
export {
  Learner,
  type LearnerOptions,
  type BodyBnStatistics,
  ADAPT_BN_BATCHES,
  type PredsOptions,
  type SaveOptions,
  type ValidationResult,
} from './learner';
export type { ThreadsOption } from './data-parallel';
export type { BatchForward } from './predictions';
export {
  readLearnerFile,
  type FitCheckpoint,
  type LearnerFile,
  type LearnerFileHeader,
  type LearnerRandomState,
} from './learner-file';
export {
  LrFinder,
  gradient,
  suggestLrs,
  type LrFindOptions,
  type LrFindResult,
  type LrSuggestions,
} from './lr-finder';
export { describeLr, geomspace, lrRange, slice, type LearningRate, type LrSlice } from './lr-range';
export { accuracy, errorRate, topKAccuracy, type Metric } from './metrics';
export { OneCycleScheduler } from './one-cycle';
export { scorePredictions, type Predictions } from './predictions';
export { crossEntropy, crossEntropyPerItem } from '../training/cross-entropy';
export { ProgressCallback, type ProgressEvent } from './progress';
export { Recorder, type EpochRecord, type RecorderState } from './recorder';
export {
  annealCos,
  annealExp,
  annealLinear,
  annealNo,
  oneCyclePhases,
  scheduleAt,
  type Anneal,
  type OneCycleOptions,
  type OneCyclePhases,
  type Phase,
} from './schedules';
export { createSmoother, type Smoother, type SmoothState } from './smoothen';
export { installTrainingLayers, type TrainingLayersOptions } from '../training/training-layers';
export { createTracker, type TrackOptions } from './tracker';
