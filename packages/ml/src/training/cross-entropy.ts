import * as tf from '@tensorflow/tfjs-core';

/** Softmax cross-entropy of each row of logits against integer targets (a -1 target gives 0). */
export function crossEntropyPerItem(
  logits: tf.Tensor,
  y: tf.Tensor1D,
  classes: number,
): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(y, classes),
        logits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      ) as tf.Tensor1D,
  );
}

/** Mean cross-entropy of a batch (fastai v1 CrossEntropyFlat, reduction mean). */
export function crossEntropy(logits: tf.Tensor, y: tf.Tensor1D, classes: number): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), logits) as tf.Scalar);
}
