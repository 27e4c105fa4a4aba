import * as tf from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
} from '@tensorflow/tfjs-core';
import { applySpatialPads, asTensor4D, dilateSpatial, flipSpatial } from './conv-geometry';

/**
 * dx of a depthwise conv as one forward depthwise conv, the same identity as the regular
 * conv's input gradient: the output gradient (zero-dilated for strides > 1, padded by
 * (effective k - 1 - pad)) correlated with the spatially flipped filter. With a channel
 * multiplier M each of the C·M gradient channels gets its own flipped tap set, and the M
 * results that came from one input channel are summed. The wasm backend has no such kernel.
 */
const depthwiseBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const dyInfo = inputs.dy as tf.TensorInfo;
  const filterInfo = inputs.filter as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterInfo.shape as [number, number, number, number],
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
  const {
    effectiveFilterHeight: ekh,
    effectiveFilterWidth: ekw,
    inChannels,
    inHeight,
    inWidth,
  } = info;
  const [batch] = inputShape;
  const [kh, kw, , multiplier] = filterInfo.shape as [number, number, number, number];

  return tf.tidy(() => {
    // Inside the tidy, so the wrapper a bare TensorInfo may need is disposed with the rest.
    const dy = asTensor4D(dyInfo);
    const filter = asTensor4D(filterInfo);
    const spread = dilateSpatial(dy, sh, sw);
    const top = ekh - 1 - padInfo.top;
    const left = ekw - 1 - padInfo.left;
    const { x, pad: explicitPad } = applySpatialPads(spread, {
      top,
      left,
      bottom: inHeight + ekh - 1 - top - spread.shape[1],
      right: inWidth + ekw - 1 - left - spread.shape[2],
    });
    const flipped = tf.reshape<tf.Rank.R4>(flipSpatial(filter), [
      kh,
      kw,
      inChannels * multiplier,
      1,
    ]);
    const perGradChannel = tf.depthwiseConv2d(x, flipped, 1, explicitPad, 'NHWC', [dh, dw]);
    if (multiplier === 1) return perGradChannel;
    return tf.sum(
      tf.reshape(perGradChannel, [batch, inHeight, inWidth, inChannels, multiplier]),
      4,
    );
  });
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};
