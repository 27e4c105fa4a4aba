import * as tf from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelConfig,
  KernelFunc,
} from '@tensorflow/tfjs-core';
import { applySpatialPads, asTensor4D } from './conv-geometry';
import { heapF32, heapOffset, wasmBackend } from './wasm-heap';

/**
 * dW of a depthwise conv with depth multiplier 1 as one pass over the heap:
 *   dW[p,q,c] = Σ_b Σ_{i,j} x[b, i·s+p·d−top, j·s+q·d−left, c] · dy[b,i,j,c]
 * Channels are the inner loop, so each tap reads C contiguous floats of x and of dy; sums are
 * kept in doubles. Faster than the folded-batch conv below on MobileNetV2's layers
 * (docs/benchmarks.md, "Design choices").
 */
function depthwiseFilterGradLoop(
  backend: ReturnType<typeof wasmBackend>,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const sums = new Float64Array(kh * kw * channels);
  const out = backend.makeOutput([kh, kw, channels, 1], 'float32');
  const heap = heapF32(backend);
  const xAt = heapOffset(backend, x) / 4;
  let dyRow = heapOffset(backend, dy) / 4;
  const rowStride = inWidth * channels;
  const isDense3x3 = kh === 3 && kw === 3 && dh === 1 && dw === 1;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      const y0 = i * sh - padInfo.top;
      for (let j = 0; j < outWidth; j++, dyRow += channels) {
        const x0 = j * sw - padInfo.left;
        if (isDense3x3 && y0 >= 0 && y0 + 2 < inHeight && x0 >= 0 && x0 + 2 < inWidth) {
          // A 3×3 window inside the image: its nine taps in one pass, each dy read once.
          accumulate3x3(heap, xAt + (b * inHeight + y0) * rowStride + x0 * channels, dyRow);
          continue;
        }
        for (let p = 0; p < kh; p++) {
          const iy = y0 + p * dh;
          if (iy < 0 || iy >= inHeight) continue;
          const rowAt = xAt + (b * inHeight + iy) * rowStride;
          for (let q = 0; q < kw; q++) {
            const ix = x0 + q * dw;
            if (ix < 0 || ix >= inWidth) continue;
            const xRow = rowAt + ix * channels;
            const sumRow = (p * kw + q) * channels;
            for (let c = 0; c < channels; c++) {
              sums[sumRow + c] = sums[sumRow + c]! + heap[xRow + c]! * heap[dyRow + c]!;
            }
          }
        }
      }
    }
  }

  function accumulate3x3(h: Float32Array, r0: number, d0: number): void {
    const C = channels;
    const r1 = r0 + rowStride;
    const r2 = r1 + rowStride;
    for (let c = 0; c < C; c++) {
      const d = h[d0 + c]!;
      sums[c] = sums[c]! + h[r0 + c]! * d;
      sums[C + c] = sums[C + c]! + h[r0 + C + c]! * d;
      sums[2 * C + c] = sums[2 * C + c]! + h[r0 + 2 * C + c]! * d;
      sums[3 * C + c] = sums[3 * C + c]! + h[r1 + c]! * d;
      sums[4 * C + c] = sums[4 * C + c]! + h[r1 + C + c]! * d;
      sums[5 * C + c] = sums[5 * C + c]! + h[r1 + 2 * C + c]! * d;
      sums[6 * C + c] = sums[6 * C + c]! + h[r2 + c]! * d;
      sums[7 * C + c] = sums[7 * C + c]! + h[r2 + C + c]! * d;
      sums[8 * C + c] = sums[8 * C + c]! + h[r2 + 2 * C + c]! * d;
    }
  }
  heap.set(sums, heapOffset(backend, out) / 4);
  return out;
}

/**
 * dW of a depthwise conv as one forward depthwise conv with the batch folded into channels:
 *   dW[p,q,c,m] = Σ_b Σ_{i,j} xpad[b, i·s+p·d, j·s+q·d, c] · dy[b,i,j,c·M+m]
 * The inner double sum is a depthwise conv of x laid out as one image [1,H,W,B·C] with
 * dy laid out as a [Ho,Wo,B·C,M] filter (dilated by the stride, strided by the dilation);
 * the outer sum over b is a small reduction of the [kh,kw,B,C·M] result.
 * It was the fastest of the formulations tried (docs/benchmarks.md, "Design choices"), though
 * still slower than the forward depthwise conv: XNNPACK has no fast path for a depthwise kernel
 * as large as the feature map.
 */
const depthwiseBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const xInfo = inputs.x as tf.TensorInfo;
  const dyInfo = inputs.dy as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    xInfo.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const {
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
    padInfo,
  } = info;
  const { effectiveFilterHeight: ekh, effectiveFilterWidth: ekw, outHeight, outWidth } = info;
  const [batch, height, width, channels] = xInfo.shape as [number, number, number, number];
  const [kh, kw, , multiplier] = filterShape;
  if (multiplier === 1 && xInfo.dtype === 'float32' && dyInfo.dtype === 'float32')
    return depthwiseFilterGradLoop(wasmBackend(backend), xInfo, dyInfo, info);

  return tf.tidy(() => {
    // Inside the tidy, so the wrapper a bare TensorInfo may need is disposed with the rest.
    const x = asTensor4D(xInfo);
    const dy = asTensor4D(dyInfo);
    const image = tf.reshape<tf.Rank.R4>(tf.transpose(x, [1, 2, 0, 3]), [
      1,
      height,
      width,
      batch * channels,
    ]);
    const { x: imagePadded, pad: explicitPad } = applySpatialPads(image, {
      top: padInfo.top,
      left: padInfo.left,
      bottom: ekh + (outHeight - 1) * sh - padInfo.top - height,
      right: ekw + (outWidth - 1) * sw - padInfo.left - width,
    });
    const dyAsFilter = tf.reshape<tf.Rank.R4>(tf.transpose(dy, [1, 2, 0, 3]), [
      outHeight,
      outWidth,
      batch * channels,
      multiplier,
    ]);
    const perImage = tf.depthwiseConv2d(imagePadded, dyAsFilter, [dh, dw], explicitPad, 'NHWC', [
      sh,
      sw,
    ]);
    const summed = tf.sum(tf.reshape(perImage, [kh, kw, batch, channels * multiplier]), 2);
    return tf.reshape(summed, [kh, kw, channels, multiplier]);
  });
};

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
