/**
 * Resample a batch of images through one projective matrix each, with
 * reflection padding (fastai v1 samples with `padding_mode='reflection'`).
 *
 * tfjs 4.22's `tf.image.transform` cannot be used as is:
 * - the wasm kernel's `fillMode: 'reflect'` returns the far edge for source
 *   coordinates in (-len, 0) instead of mirroring;
 * - the cpu kernel returns after the first image of the batch (its `return`
 *   sits inside the batch loop), leaving the other images at the fill value.
 * So we reflect-pad the batch ourselves (`tf.mirrorPad`, exact on both) by the
 * margin the matrices actually reach, sample with the clamping `'nearest'`
 * fill, and on cpu transform one image at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyToPoint, compose, toTransformVector, translation, type Mat3 } from './matrix';

/**
 * Pixels of padding needed on every side so that every output pixel of an
 * `outSize` square samples inside the padded source. A projective map sends
 * the output square to a quadrilateral, so its corners bound the reach.
 */
export function requiredMargin(
  matrices: readonly Mat3[],
  outSize: number,
  srcHeight: number,
  srcWidth: number,
): number {
  let reach = 0;
  const last = outSize - 1;
  for (const m of matrices) {
    for (const corner of [
      [0, 0],
      [last, 0],
      [0, last],
      [last, last],
    ] as const) {
      const [x, y] = applyToPoint(m, corner);
      reach = Math.max(reach, -x, -y, x - (srcWidth - 1), y - (srcHeight - 1));
    }
  }
  // +1 so the bilinear neighbour of the furthest sample is real padding too.
  return reach > 0 ? Math.ceil(reach) + 1 : 0;
}

/**
 * `matrices[i]` maps output pixel (x, y) of image i to its source pixel.
 * Returns a new [n, outSize, outSize, c] float32 tensor; `images` is not disposed.
 */
export function projectiveTransform(
  images: tf.Tensor4D,
  matrices: readonly Mat3[],
  outSize: number,
): tf.Tensor4D {
  const [n, height, width] = images.shape;
  if (matrices.length !== n) {
    throw new Error(`projectiveTransform: ${matrices.length} matrices for a batch of ${n} images.`);
  }
  // mirrorPad 'reflect' (no edge repeat, like grid_sample reflection about the
  // first/last pixel centres) needs margin < side; beyond that 'nearest' clamps.
  const margin = Math.min(
    requiredMargin(matrices, outSize, height, width),
    Math.min(height, width) - 1,
  );
  const shifted = matrices.map((m) => toTransformVector(compose(translation(margin, margin), m)));
  return tf.tidy(() => {
    const source = tf.cast(images, 'float32');
    const padded =
      margin > 0
        ? tf.mirrorPad(
            source,
            [
              [0, 0],
              [margin, margin],
              [margin, margin],
              [0, 0],
            ],
            'reflect',
          )
        : source;
    const sample = (batch: tf.Tensor4D, vectors: number[][]): tf.Tensor4D =>
      tf.image.transform(
        batch,
        tf.tensor2d(vectors, [vectors.length, 8]),
        'bilinear',
        'nearest',
        0,
        [outSize, outSize],
      );
    if (tf.getBackend() !== 'cpu' || n === 1) return sample(padded, shifted);
    const one = tf.split(padded, n, 0) as tf.Tensor4D[];
    return tf.concat(
      one.map((img, i) => sample(img, [shifted[i]!])),
      0,
    );
  });
}
