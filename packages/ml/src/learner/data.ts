import type * as tf from '@tensorflow/tfjs-core';

/** One batch; the learner disposes `x` and `y` after use (the DataBunch contract). */
export interface LearnerBatch {
  x: tf.Tensor;
  /** int32 class indices; -1 for unlabelled (test) items. */
  y: tf.Tensor1D;
  keys: string[];
  /**
   * x's values when the pipeline made them on the CPU (a DataBunch's batches): readers that need
   * them as an array take these instead of reading x back. x may share them: whoever takes them
   * over (the feature cache's body) does so only once x is disposed.
   */
  values?: Float32Array;
}

/**
 * What a learner trains on: the part of a DataBunch (src/data) it uses, so a test can hand it
 * in-memory tensors instead.
 */
export interface LearnerData {
  readonly classes: readonly string[];
  readonly c: number;
  readonly train: {
    /** Batches per epoch. */
    readonly length: number;
    batches(epoch: number): AsyncIterable<LearnerBatch>;
    /** Items per training batch. Needed by precompute, as are the two below. */
    readonly bs?: number;
    /** False when every view of an image is the same (augmentation off). */
    readonly isAugmented?: boolean;
    /**
     * Every training item once, in the same order for every view: view 0 without augmentation,
     * view v ≥ 1 with its own fixed augmentation (DataBunch.train.eachItem).
     */
    eachItem?(view: number): AsyncIterable<LearnerBatch>;
  };
  readonly valid: { batches(): AsyncIterable<LearnerBatch> };
  /** Items per split; needed by precompute. */
  readonly counts?: { readonly train: number; readonly valid: number };
  readonly test?: { batches(): AsyncIterable<LearnerBatch> };
}

export type PredictSplit = 'train' | 'valid' | 'test';
