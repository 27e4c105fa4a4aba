import * as tf from '@tensorflow/tfjs-core';

/** Zero padding per spatial side of an NHWC tensor; a negative side means "crop this many". */
export interface SpatialPads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Prepares `x` for a forward conv that must see it with `pads` around it.
 * Positive sides are returned as explicit padding, which the conv applies without a copy;
 * negative sides (input rows no output ever reads) are cropped here, since convs cannot.
 */
export function applySpatialPads(
  x: tf.Tensor4D,
  pads: SpatialPads,
): { x: tf.Tensor4D; pad: ExplicitPadding } {
  const cropTop = Math.max(0, -pads.top);
  const cropLeft = Math.max(0, -pads.left);
  const cropBottom = Math.max(0, -pads.bottom);
  const cropRight = Math.max(0, -pads.right);
  const [batch, height, width, channels] = x.shape;
  const isCropped = cropTop + cropLeft + cropBottom + cropRight > 0;
  const cropped = isCropped
    ? tf.slice(
        x,
        [0, cropTop, cropLeft, 0],
        [batch, height - cropTop - cropBottom, width - cropLeft - cropRight, channels],
      )
    : x;
  const pad: ExplicitPadding = [
    [0, 0],
    [Math.max(0, pads.top), Math.max(0, pads.bottom)],
    [Math.max(0, pads.left), Math.max(0, pads.right)],
    [0, 0],
  ];
  return { x: cropped, pad };
}

/**
 * Spreads the pixels of an NHWC tensor `strideH`/`strideW` apart with zeros in between:
 * [B,H,W,C] → [B,H·strideH,W·strideW,C], pixel (i,j) landing at (i·strideH, j·strideW).
 * The trailing stride-1 zero rows/columns are kept; callers fold them into their padding
 * (as negative bottom/right pads) instead of paying for another slice.
 */
export function dilateSpatial(x: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return x;
  const [batch, height, width, channels] = x.shape;
  const spread = tf.pad(tf.reshape(x, [batch, height, 1, width, 1, channels]), [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  return tf.reshape<tf.Rank.R4>(spread, [batch, height * strideH, width * strideW, channels]);
}

/** Spatially flips a filter [kh,kw,…] (the adjoint of correlation is correlation with the flipped kernel). */
export function flipSpatial(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(filter, [0, 1]);
}

/**
 * Kernels receive TensorInfo; ops need a Tensor. Ops pass real Tensors. A bare TensorInfo
 * (a backend calling the kernel directly) goes through Identity, which gives an owned,
 * correctly ref-counted tensor; wrapping its data id directly would free the caller's data
 * when the wrapper is disposed.
 */
export function asTensor4D(info: tf.TensorInfo): tf.Tensor4D {
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  return tf.engine().runKernel(tf.Identity, { x: info as tf.Tensor }) as tf.Tensor4D;
}

/** Throws the same kind of message the built-in wasm kernels give for NCHW. */
export function assertChannelsLast(kernelName: string, dataFormat: string): void {
  if (dataFormat !== 'channelsLast') {
    throw new Error(
      `wasm ${kernelName} (studio training kernel) supports only NHWC, got dataFormat '${dataFormat}'. ` +
        `Use dataFormat 'NHWC' (channelsLast).`,
    );
  }
}
