/**
 * Cached pixels → a model-ready NHWC float32 batch. Training: random crop
 * window, one projective matrix per image (flip, rotate, zoom, warp fused),
 * lighting, normalisation. Evaluation: the cached square as is, normalised.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageAugment } from './augment';
import { logit } from './lighting';
import { toPixelSpace } from './matrix';
import { normalizeCoefficients, type NormalizeSpec } from './normalize';
import { cropOffset, cropPixels, type Pixels } from './pixels';
import { warpBatchInto, type Window } from './warp';

function checkSquare(img: Pixels, i: number, side: number): void {
  if (img.width !== side || img.height !== side)
    throw new Error(
      `Image ${i} of the batch is ${img.width}×${img.height}, expected ${side}×${side}.`,
    );
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
  const { left, top, side } = windowAt(img, draw);
  return cropPixels(img, left, top, side, side);
}

/** cropWindow's square as a place in the image, without copying it. */
function windowAt(image: Pixels, draw: Pick<ImageAugment, 'cropRowPct' | 'cropColPct'>): Window {
  const side = Math.min(image.width, image.height);
  return {
    image,
    left: cropOffset(image.width, side, draw.cropColPct),
    top: cropOffset(image.height, side, draw.cropRowPct),
    side,
  };
}

/** A training batch's normalised NHWC values: crop window, warp, lighting, in one pass. */
export function trainBatchValues(
  images: readonly Pixels[],
  draws: readonly ImageAugment[],
  size: number,
  normalize: NormalizeSpec,
): Float32Array {
  const windows = images.map((img, i) => windowAt(img, draws[i]!));
  const matrices = draws.map((d) => toPixelSpace(d.matrix, size, windows[0]!.side));
  const hasLighting = draws.some((d) => d.brightness !== null || d.contrast !== null);
  const values = new Float32Array(images.length * size * size * 3);
  warpBatchInto(
    values,
    windows,
    matrices,
    size,
    hasLighting
      ? draws.map((d) => ({ shift: logit(d.brightness ?? 0.5), scale: d.contrast ?? 1 }))
      : null,
    normalizeCoefficients(normalize),
  );
  return values;
}

export function buildTrainBatch(
  images: readonly Pixels[],
  draws: readonly ImageAugment[],
  size: number,
  normalize: NormalizeSpec,
): tf.Tensor4D {
  return tf.tensor4d(trainBatchValues(images, draws, size, normalize), [
    images.length,
    size,
    size,
    3,
  ]);
}

/** Equally sized cached squares as normalised NHWC values, without resampling. */
export function evalBatchValues(images: readonly Pixels[], normalize: NormalizeSpec): Float32Array {
  const side = images[0]!.width;
  const plane = side * side * 3;
  const { a, b } = normalizeCoefficients(normalize);
  const scale = a.map((v) => v / 255);
  const values = new Float32Array(images.length * plane);
  images.forEach((img, i) => {
    checkSquare(img, i, side);
    const { data } = img;
    for (let p = 0, o = i * plane; p < plane; p += 3, o += 3) {
      values[o] = data[p]! * scale[0]! + b[0];
      values[o + 1] = data[p + 1]! * scale[1]! + b[1];
      values[o + 2] = data[p + 2]! * scale[2]! + b[2];
    }
  });
  return values;
}

export function buildEvalBatch(images: readonly Pixels[], normalize: NormalizeSpec): tf.Tensor4D {
  const side = images[0]!.width;
  return tf.tensor4d(evalBatchValues(images, normalize), [images.length, side, side, 3]);
}
