/**
 * Input normalisation: fastai's `normalize(imagenet_stats)` or a backbone's
 * own convention (MobileNet and friends expect [-1, 1], some models [0, 1]).
 */
import * as tf from '@tensorflow/tfjs-core';

export type NormalizeSpec =
  | { kind: 'imagenet' }
  | {
      kind: 'stats';
      mean: readonly [number, number, number];
      std: readonly [number, number, number];
    }
  | { kind: 'scale'; min: number; max: number };

// fastai v1 vision/data.py imagenet_stats
export const IMAGENET_STATS = {
  mean: [0.485, 0.456, 0.406] as const,
  std: [0.229, 0.224, 0.225] as const,
};

/** Per-channel affine map x01 → a·x01 + b that the spec describes. */
export function normalizeCoefficients(spec: NormalizeSpec): {
  a: [number, number, number];
  b: [number, number, number];
} {
  if (spec.kind === 'scale') {
    if (!(spec.max > spec.min)) {
      throw new Error(`normalize: max must exceed min, received min ${spec.min}, max ${spec.max}.`);
    }
    const a = spec.max - spec.min;
    return { a: [a, a, a], b: [spec.min, spec.min, spec.min] };
  }
  const { mean, std } = spec.kind === 'imagenet' ? IMAGENET_STATS : spec;
  if (std.some((s) => !(s > 0)))
    throw new Error(`normalize: every std must be > 0, received [${std.join(', ')}].`);
  return {
    a: [1 / std[0], 1 / std[1], 1 / std[2]],
    b: [-mean[0] / std[0], -mean[1] / std[1], -mean[2] / std[2]],
  };
}

/** NHWC pixels in [0, 1] → model input. */
export function normalizeBatch(x01: tf.Tensor4D, spec: NormalizeSpec): tf.Tensor4D {
  const { a, b } = normalizeCoefficients(spec);
  // batchNorm with mean 0, variance 1, eps 0 is exactly a·x + b per channel,
  // and wasm runs it ~3× faster than a broadcast multiply and add.
  return tf.tidy(() =>
    tf.batchNorm(
      x01,
      tf.zeros([3]) as tf.Tensor1D,
      tf.ones([3]) as tf.Tensor1D,
      tf.tensor1d(b),
      tf.tensor1d(a),
      0,
    ),
  );
}

/** Model input → NHWC pixels in [0, 1] (clipped), for display. */
export function denormalizeBatch(x: tf.Tensor4D, spec: NormalizeSpec): tf.Tensor4D {
  const { a, b } = normalizeCoefficients(spec);
  return tf.tidy(
    () => tf.clipByValue(tf.div(tf.sub(x, tf.tensor1d(b)), tf.tensor1d(a)), 0, 1) as tf.Tensor4D,
  );
}
