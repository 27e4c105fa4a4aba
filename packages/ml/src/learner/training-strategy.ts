import type * as tf from '@tensorflow/tfjs-core';
import type { LearnerBatch } from './data';
import type { Learner } from './learner';
import { usesOnnxRuntime } from '../onnx/onnx-forward';
import { scorePredictions, type BatchForward, type ValidationResult } from './predictions';

/**
 * What the training loop runs each batch and epoch on: the whole model over the data (the
 * plain strategy), or the head over cached activations of the frozen body (feature-cache.ts).
 */
export interface TrainingStrategy {
  /** Training batches of one data epoch (shuffle and augmentation); the loop disposes them. */
  trainBatches(dataEpoch: number): AsyncIterable<LearnerBatch>;
  /** Mean cross-entropy of a batch in training mode. */
  loss(x: tf.Tensor, y: tf.Tensor1D): tf.Scalar;
  /** The variables that get gradients. */
  readonly variables: tf.Variable[];
  /** One optimiser step from their gradients. */
  step(grads: tf.NamedTensorMap): void;
  /**
   * Loss and metrics over the validation set; `parallel` is the fit's data-parallel forward
   * when it has one (the plain strategy computes its batches on the training workers).
   */
  validate(parallel?: ParallelForward): Promise<ValidationResult>;
}

/** A validation pass's forward on several threads, with the batches it keeps in flight. */
export interface ParallelForward {
  forward: BatchForward;
  inFlight: number;
}

export function plainStrategy(learner: Learner): TrainingStrategy {
  return {
    trainBatches: (dataEpoch) => learner.data.train.batches(dataEpoch),
    loss: (x, y) => learner.trainingLoss(x, y),
    variables: learner.opt.variables,
    step: (grads) => learner.opt.step(grads),
    // ONNX Runtime, when it runs here, beats the training workers' tfjs replicas.
    validate: async (parallel) =>
      parallel == null || (await usesOnnxRuntime(learner.inferenceEngine))
        ? learner.validate()
        : scorePredictions(
            await learner.predictWith('valid', parallel.forward, parallel.inFlight),
            learner.metrics,
          ),
  };
}
