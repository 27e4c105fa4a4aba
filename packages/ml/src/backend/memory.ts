import * as tf from '@tensorflow/tfjs-core';

/** Tensors alive on the active backend: 0 once every learner and model of a stage is disposed. */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}
