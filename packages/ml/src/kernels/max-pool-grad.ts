import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, runBuiltin, setupBuiltin, wasmBackend } from './wasm-heap';

/**
 * MaxPool's input gradient as one pass over the windows: each window's first maximum (the
 * cpu backend's rule) receives that output's gradient. Channels are the inner loop, so each
 * window tap reads C contiguous floats. The built-in wasm MaxPoolGrad takes ~0.6 s for
 * ResNet's stem pool at 128 px, batch 32 (longer than the whole forward conv before it);
 * this takes a few tens of ms.
 */
const maxPoolGrad: KernelFunc = (args) => {
  const dy = args.inputs.dy as TensorInfo;
  const x = args.inputs.input as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return runBuiltin(tf.MaxPoolGrad, args);
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const backend = wasmBackend(args.backend);
  const out = backend.makeOutput([...x.shape], 'float32');
  const heap = heapF32(backend);
  const xAt = heapOffset(backend, x) / 4;
  const dyAt = heapOffset(backend, dy) / 4;
  const dxAt = heapOffset(backend, out) / 4;
  heap.fill(0, dxAt, dxAt + tf.util.sizeFromShape(x.shape));
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  let dyIndex = dyAt;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * sh - info.padInfo.top;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * sw - info.padInfo.left;
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let iy = Math.max(0, y0); iy < Math.min(inHeight, y0 + kh); iy++) {
          for (let ix = Math.max(0, x0); ix < Math.min(inWidth, x0 + kw); ix++) {
            const tap = ((b * inHeight + iy) * inWidth + ix) * channels;
            for (let c = 0; c < channels; c++) {
              const v = heap[xAt + tap + c]!;
              if (v > best[c]!) {
                best[c] = v;
                bestAt[c] = tap + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const at = bestAt[c]!;
          if (at >= 0) heap[dxAt + at] = heap[dxAt + at]! + heap[dyIndex + c]!;
        }
        dyIndex += channels;
      }
    }
  }
  return out;
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
  setupFunc: setupBuiltin(tf.MaxPoolGrad),
};
