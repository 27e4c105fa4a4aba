/**
 * Cached pixels → a model-ready NHWC float32 batch. Training: random crop
 * window, one projective matrix per image (flip, rotate, zoom, warp fused),
 * lighting, normalisation. Evaluation: the cached square as is, normalised.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageAugment } from './augment';
import { applyLighting } from './lighting';
import { toPixelSpace } from './matrix';
import { normalizeBatch, type NormalizeSpec } from './normalize';
import { cropOffset, cropPixels, type Pixels } from './pixels';
import { projectiveTransform } from './projective-transform';

/** Copies equally sized square images into one [n, side, side, 3] float32 tensor. */
function stackSquares(images: readonly Pixels[]): tf.Tensor4D {
  const side = images[0]!.width;
  const data = new Float32Array(images.length * side * side * 3);
  images.forEach((img, i) => {
    if (img.width !== side || img.height !== side) {
      throw new Error(
        `stackSquares: image ${i} is ${img.width}×${img.height}, expected ${side}×${side}.`,
      );
    }
    data.set(img.data, i * side * side * 3);
  });
  return tf.tensor4d(data, [images.length, side, side, 3]);
}

/**
 * The square window each training image is augmented from: the short side
 * long, at the draw's random crop position along the long side (fastai v1
 * `rand_crop()`, which crops after scaling the short side to the target).
 */
export function cropWindow(
  img: Pixels,
  draw: Pick<ImageAugment, 'cropRowPct' | 'cropColPct'>,
): Pixels {
  const side = Math.min(img.width, img.height);
  return cropPixels(
    img,
    cropOffset(img.width, side, draw.cropColPct),
    cropOffset(img.height, side, draw.cropRowPct),
    side,
    side,
  );
}

export function buildTrainBatch(
  images: readonly Pixels[],
  draws: readonly ImageAugment[],
  size: number,
  normalize: NormalizeSpec,
): tf.Tensor4D {
  const windows = images.map((img, i) => cropWindow(img, draws[i]!));
  const matrices = draws.map((d) => toPixelSpace(d.matrix, size, windows[0]!.width));
  const hasLighting = draws.some((d) => d.brightness !== null || d.contrast !== null);
  return tf.tidy(() => {
    const source = stackSquares(windows);
    const x01 = tf.mul(projectiveTransform(source, matrices, size), 1 / 255) as tf.Tensor4D;
    const lit = hasLighting
      ? applyLighting(
          x01,
          draws.map((d) => d.brightness ?? 0.5),
          draws.map((d) => d.contrast ?? 1),
        )
      : x01;
    return normalizeBatch(lit, normalize);
  });
}

export function buildEvalBatch(images: readonly Pixels[], normalize: NormalizeSpec): tf.Tensor4D {
  return tf.tidy(() =>
    normalizeBatch(tf.mul(stackSquares(images), 1 / 255) as tf.Tensor4D, normalize),
  );
}
