import * as tf from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelConfig,
  KernelFunc,
} from '@tensorflow/tfjs-core';
import { applySpatialPads, asTensor4D } from './conv-geometry';

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
const depthwiseBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
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
