import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { applySpatialPads, asTensor4D, assertChannelsLast, flipSpatial } from './conv-geometry';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/**
 * dx of a conv2d as forward convs on XNNPACK (the transposed-convolution identity, as in
 * TensorFlow's conv_grad_input_ops), replacing the built-in wasm kernel, a plain loop.
 * Stride 1: the output gradient padded by (k-1-pad), correlated with the spatially flipped
 * filter whose in/out channels are swapped.
 */
const conv2DBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  const dyInfo = inputs.dy as tf.TensorInfo;
  const filterInfo = inputs.filter as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterInfo.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  assertChannelsLast('Conv2DBackpropInput', info.dataFormat);

  return tf.tidy(() => {
    // Inside the tidy, so the wrapper a bare TensorInfo may need is disposed with the rest.
    const dy = asTensor4D(dyInfo);
    const filter = asTensor4D(filterInfo);
    if (info.strideHeight > 1 || info.strideWidth > 1) return stridedInputGrad(dy, filter, info);
    const { filterHeight: kh, filterWidth: kw, padInfo } = info;
    // Padded size inHeight + kh - 1, so that a stride-1 conv yields inHeight rows.
    const top = kh - 1 - padInfo.top;
    const left = kw - 1 - padInfo.left;
    const { x, pad: explicitPad } = applySpatialPads(dy, {
      top,
      left,
      bottom: info.inHeight + kh - 1 - top - info.outHeight,
      right: info.inWidth + kw - 1 - left - info.outWidth,
    });
    return tf.conv2d(x, tf.transpose(flipSpatial(filter), [0, 1, 3, 2]), 1, explicitPad);
  });
};

/**
 * Strides > 1, polyphase: with u = h + padTop = s·a + r, input row h only receives taps
 * p ≡ r (mod s), so dx for each phase (r_h, r_w) is a stride-1 conv of dy with the
 * flipped sub-filter f[r_h::s_h, r_w::s_w]. The phases are stacked in the channel axis and
 * a block transpose interleaves them back into rows and columns. This does exactly the
 * forward pass's MACs; zero-dilating dy instead would do s² times as many, mostly on zeros.
 * (DepthToSpace would do the interleave, but wasm's is a slow generic loop; a 4-D transpose
 * that keeps the innermost block whole is fast.)
 */
function stridedInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, info: Conv2DInfo): tf.Tensor4D {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth } = info;
  // Phase rows a = 0..ah-1 cover u = s·a + r up to inHeight + padTop.
  const ah = Math.ceil((inHeight + padInfo.top) / sh);
  const aw = Math.ceil((inWidth + padInfo.left) / sw);
  const swapped = tf.transpose(flipSpatial(filter), [0, 1, 3, 2]); // [kh,kw,co,ci], taps reversed

  const phases: tf.Tensor4D[] = [];
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      const th = Math.ceil((kh - rh) / sh); // taps p = rh + sh·t < kh
      const tw = Math.ceil((kw - rw) / sw);
      if (th <= 0 || tw <= 0) {
        phases.push(tf.zeros([batchSize, ah, aw, ci])); // e.g. 1×1 stride 2: odd rows get nothing
        continue;
      }
      // In the flipped filter tap p sits at kh-1-p; the phase's taps, last first, start at
      // kh-1-(rh + sh·(th-1)) and are sh apart.
      const subFilter = selectTaps(
        swapped,
        kh - 1 - rh - sh * (th - 1),
        th,
        sh,
        kw - 1 - rw - sw * (tw - 1),
        tw,
        sw,
      );
      const { x, pad } = applySpatialPads(dy, {
        top: th - 1,
        left: tw - 1,
        bottom: ah - outHeight,
        right: aw - outWidth,
      });
      phases.push(tf.conv2d(x, subFilter, 1, pad));
    }
  }
  const stacked = phases.length === 1 ? phases[0]! : tf.concat(phases, 3); // [B,ah,aw,(rh,rw,c)]
  const interleaved = tf.reshape(
    tf.transpose(tf.reshape(stacked, [batchSize * ah, aw, sh, sw * ci]), [0, 2, 1, 3]),
    [batchSize, ah * sh, aw * sw, ci],
  ); // row u = s·a + r
  return tf.slice(
    interleaved as tf.Tensor4D,
    [0, padInfo.top, padInfo.left, 0],
    [batchSize, inHeight, inWidth, ci],
  );
}

/**
 * The taps (top + i·strideH, left + j·strideW), i < rows, j < cols, of a [kh,kw,A,B] filter.
 * Each tap is one contiguous [A,B] block, so this is a concat of contiguous slices; wasm's
 * StridedSlice would visit the filter element by element (~10 ms for a 3×3×256×512 filter).
 */
function selectTaps(
  filter: tf.Tensor4D,
  top: number,
  rows: number,
  strideH: number,
  left: number,
  cols: number,
  strideW: number,
): tf.Tensor4D {
  const [kh, kw, a, b] = filter.shape;
  const taps = tf.reshape(filter, [kh * kw, a * b]);
  const picked: tf.Tensor[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      picked.push(tf.slice(taps, [(top + i * strideH) * kw + left + j * strideW, 0], [1, a * b]));
    }
  }
  const joined = picked.length === 1 ? picked[0]! : tf.concat(picked, 0);
  return tf.reshape(joined, [rows, cols, a, b]);
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
