/** Weighted sums of a batch's parts: losses and gradients of chunks, shares or passes. */
import * as tf from '@tensorflow/tfjs-core';

export interface BatchGradients {
  /** Mean loss over the batch. */
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/** Weighted sums of losses and gradients (of chunks or shares of a batch); owns its tensors until take(). */
export class Accumulator {
  private value: tf.Scalar | null = null;
  private grads: tf.NamedTensorMap = {};

  add(value: tf.Scalar, grads: tf.NamedTensorMap, weight: number): void {
    // A first part of weight 1 (a whole batch's shares already weighted) is kept as it is.
    const keep = this.value == null && weight === 1;
    const sum = this.value;
    this.value = keep
      ? value
      : (tf.tidy(() =>
          sum == null ? tf.mul(value, weight) : tf.add(sum, scaled(value, weight)),
        ) as tf.Scalar);
    sum?.dispose();
    // Names this part lacks keep their sums.
    for (const [name, grad] of Object.entries(grads)) {
      const sum = this.grads[name];
      this.grads[name] = keep
        ? grad
        : tf.tidy(() => (sum == null ? tf.mul(grad, weight) : tf.add(sum, scaled(grad, weight))));
      sum?.dispose();
    }
    if (!keep) tf.dispose([value, ...Object.values(grads)]);
  }

  /** The sums, handed over to the caller (who disposes them). */
  take(): BatchGradients {
    if (this.value == null) throw new Error('No chunk was added to the batch.');
    const taken = { value: this.value, grads: this.grads };
    this.value = null;
    this.grads = {};
    return taken;
  }

  dispose(): void {
    tf.dispose([...(this.value ? [this.value] : []), ...Object.values(this.grads)]);
    this.value = null;
    this.grads = {};
  }
}

/** A part times its weight, skipping the multiplication by 1 (a new tensor either way once added). */
function scaled(t: tf.Tensor, weight: number): tf.Tensor {
  return weight === 1 ? t : tf.mul(t, weight);
}
