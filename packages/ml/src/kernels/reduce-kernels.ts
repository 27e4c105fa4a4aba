import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, runBuiltin, setupBuiltin, wasmBackend } from './wasm-heap';

// Sum and Mean over the leading axes, i.e. per channel over batch and space of an NHWC
// tensor: BatchNorm's batch statistics in the forward pass and most of its gradient (plus
// the bias-style gradients of every broadcast add). The built-in wasm kernels reduce only
// innermost axes, so they first transpose the whole activation. Here the activation is read
// in place as a [1, N, 1, C] image and averaged by XNNPACK's average pooling with an N×1
// window, ~10× faster on ResNet's activations. (A matrix product with a row of ones was
// ~1.5× slower than the built-in: XNNPACK repacks the activation as weights on every call.)
// Other reductions go to the built-in kernel.

/** Axes reduced, when they are exactly the leading ones and leave something behind; else null. */
function leadingReduction(x: TensorInfo, axis: number | number[]): number | null {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const count = axes.length;
  const isLeading = [...axes].sort((a, b) => a - b).every((a, i) => a === i);
  return isLeading && count > 0 && count < x.shape.length ? count : null;
}

/** `scaleOf(n)` turns the mean of n values into the result: n for a sum, 1 for a mean. */
function reduceLeading(kernelName: string, scaleOf: (n: number) => number): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const count = leadingReduction(x, axis);
    const n = tf.util.sizeFromShape(x.shape.slice(0, count ?? 0));
    if (count == null || x.dtype !== 'float32' || n === 0) return runBuiltin(kernelName, args);
    const backend = wasmBackend(args.backend);
    const rest = x.shape.slice(count);
    const channels = tf.util.sizeFromShape(rest);
    const asImage = { dataId: x.dataId, dtype: x.dtype, shape: [1, n, 1, channels] };
    const out = tf.getKernel(tf.AvgPool, 'wasm')!.kernelFunc({
      inputs: { x: asImage },
      backend,
      attrs: { filterSize: [n, 1], strides: 1, pad: 'valid' },
    }) as TensorInfo;
    const scale = scaleOf(n);
    if (scale !== 1) {
      const at = heapOffset(backend, out) / 4;
      const heap = heapF32(backend);
      for (let c = at; c < at + channels; c++) heap[c] = heap[c]! * scale;
    }
    (out as { shape: number[] }).shape = keepDims
      ? [...x.shape.slice(0, count).map(() => 1), ...rest]
      : rest;
    return out;
  };
}

export const sumConfig: KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: reduceLeading(tf.Sum, (n) => n),
  setupFunc: setupBuiltin(tf.Sum),
};

export const meanConfig: KernelConfig = {
  kernelName: tf.Mean,
  backendName: 'wasm',
  kernelFunc: reduceLeading(tf.Mean, () => 1),
  setupFunc: setupBuiltin(tf.Mean),
};
