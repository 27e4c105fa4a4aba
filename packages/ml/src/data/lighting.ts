/**
 * fastai v1 lighting transforms. fastai applies them in logit space
 * (vision/image.py `Image.lighting`: image = sigmoid(f(logit(image)))), with
 * vision/transform.py `_brightness(x, change) = x + logit(change)` and
 * `_contrast(x, scale) = x * scale`, brightness first (same `order`, listed
 * first in get_transforms). The scalar versions document the maths; the
 * tensor version does the same for a batch with one (change, scale) per image.
 */
import * as tf from '@tensorflow/tfjs-core';

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** fastai v1 brightness: change 0.5 leaves the pixel, 0.6 brightens. */
export function brightness(px: number, change: number): number {
  return sigmoid(logit(px) + logit(change));
}

/** fastai v1 contrast: scale 1 leaves the pixel; > 1 pushes away from 0.5. */
export function contrast(px: number, scale: number): number {
  return sigmoid(logit(px) * scale);
}

/** Both, in fastai's order: sigmoid((logit(px) + logit(change)) * scale). */
export function lighting(px: number, change: number, scale: number): number {
  return sigmoid((logit(px) + logit(change)) * scale);
}

// Pixels of exactly 0 or 1 have infinite logits. fastai lets them through as
// ±inf (sigmoid brings them back); clamping by 1e-6 keeps every backend away
// from inf arithmetic and changes no pixel by more than 1e-6.
const EPS = 1e-6;

/** Batch lighting of NHWC pixels in [0, 1]; `changes[i]`, `scales[i]` are image i's. */
export function applyLighting(
  x: tf.Tensor4D,
  changes: readonly number[],
  scales: readonly number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const shift = tf.tensor4d(changes.map(logit), [n, 1, 1, 1]);
    const scale = tf.tensor4d([...scales], [n, 1, 1, 1]);
    const p = tf.clipByValue(x, EPS, 1 - EPS);
    const logits = tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
    return tf.sigmoid(tf.mul(tf.add(logits, shift), scale)) as tf.Tensor4D;
  });
}
