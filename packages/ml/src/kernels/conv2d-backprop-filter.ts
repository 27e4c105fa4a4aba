import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { applySpatialPads, asTensor4D, assertChannelsLast } from './conv-geometry';

/**
 * dW of a conv2d as one forward conv with batch and channels swapped:
 *   dW[p,q,c,o] = Σ_{b,i,j} xpad[b, i·s+p, j·s+q, c] · dy[b,i,j,o]
 * is a conv of x^T [C,H,W,B] (C images of B channels) with dy^T [Ho,Wo,B,Co] as the filter,
 * dilated by the stride, giving [C,kh,kw,Co] which is transposed back to [kh,kw,C,Co].
 * The wasm backend has no Conv2DBackpropFilter at all; this keeps it on XNNPACK. For stride 2
 * it beat splitting x into stride phases and swapping the operands (docs/benchmarks.md).
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  const xInfo = inputs.x as tf.TensorInfo;
  const dyInfo = inputs.dy as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    xInfo.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  assertChannelsLast('Conv2DBackpropFilter', info.dataFormat);
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    outHeight,
    outWidth,
    padInfo,
  } = info;

  return tf.tidy(() => {
    // Inside the tidy, so the wrapper a bare TensorInfo may need is disposed with the rest.
    const x = asTensor4D(xInfo);
    const dy = asTensor4D(dyInfo);
    // The padded input must span exactly kh + (Ho-1)·sh rows; rows beyond that are never read
    // by the forward conv (floor rounding), so a negative bottom pad crops them.
    const { x: xPadded, pad: explicitPad } = applySpatialPads(tf.transpose(x, [3, 1, 2, 0]), {
      top: padInfo.top,
      left: padInfo.left,
      bottom: kh + (outHeight - 1) * sh - padInfo.top - info.inHeight,
      right: kw + (outWidth - 1) * sw - padInfo.left - info.inWidth,
    });
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const grad = tf.conv2d(xPadded, dyAsFilter, 1, explicitPad, 'NHWC', [sh, sw]);
    return tf.transpose(grad, [1, 2, 0, 3]);
  });
};

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
