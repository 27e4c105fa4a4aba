import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import {
  heapF32,
  heapOffset,
  isWordDtype,
  runBuiltin,
  setupBuiltin,
  wasmBackend,
} from './wasm-heap';

// Slice, Tile and Reverse as block copies on the wasm heap, and Identity without a copy.
// The built-in wasm kernels move one innermost row (Slice) or one element (Tile, Reverse) at
// a time; in a training step they run on whole activations: Slice is the gradient of every
// ZeroPadding2D (a crop of [B,H+2,W+2,C], ~10× slower than a copy), Tile sits in tfjs-core's
// FusedBatchNorm gradient (~20× slower than a copy of its output), Reverse flips each conv
// filter for the input gradient. Cases without a long contiguous run go to the built-in kernel.

/** Fewer contiguous floats than this per copy and the built-in loop is as good. */
const MIN_RUN = 16;

/**
 * Copies the slice as runs: trailing axes taken whole merge with the next axis into one
 * contiguous run, so a spatial crop of NHWC moves W·C floats per copy instead of C.
 */
const slice: KernelFunc = (args) => {
  const x = args.inputs.x as TensorInfo;
  const { begin: beginAttr, size: sizeAttr } = args.attrs as unknown as tf.SliceAttrs;
  const [begin, size] = tf.slice_util.parseSliceParams(x, beginAttr, sizeAttr) as [
    number[],
    number[],
  ];
  const rank = x.shape.length;
  let axis = rank - 1;
  let run = 1;
  while (axis >= 0 && begin[axis] === 0 && size[axis] === x.shape[axis]) run *= x.shape[axis--]!;
  if (axis >= 0) run *= size[axis]!;
  const total = tf.util.sizeFromShape(size);
  if (!isWordDtype(x.dtype) || total === 0 || axis < 0 || run < MIN_RUN) {
    return runBuiltin(tf.Slice, args); // also the contiguous case, which the built-in copies once
  }
  const backend = wasmBackend(args.backend);
  const out = backend.makeOutput(size, x.dtype);
  const heap = heapF32(backend);
  const strides = tf.util.computeStrides(x.shape);
  const src = heapOffset(backend, x) / 4;
  let dst = heapOffset(backend, out) / 4;
  // Odometer over the axes before `axis`; `axis` itself is covered by the run.
  const outer = size.slice(0, axis);
  const index = outer.map(() => 0);
  let base = begin.reduce((sum, b, i) => sum + b * (strides[i] ?? 1), 0);
  for (let copied = 0; copied < total; copied += run) {
    heap.copyWithin(dst, src + base, src + base + run);
    dst += run;
    for (let i = outer.length - 1; i >= 0; i--) {
      base += strides[i]!;
      if (++index[i]! < outer[i]!) break;
      base -= strides[i]! * outer[i]!;
      index[i] = 0;
    }
  }
  return out;
};

/**
 * Tile where the tiled axes all come before the input's first non-unit axis (as
 * [1,1,1,C] → [B,H,W,C] in the BatchNorm gradient): the output is the input repeated, built
 * by copying what is already written, doubling each time.
 */
const tile: KernelFunc = (args) => {
  const x = args.inputs.x as TensorInfo;
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  const firstNonUnit = x.shape.findIndex((side) => side > 1);
  const isRepeat = reps.every((r, i) => r === 1 || firstNonUnit < 0 || i < firstNonUnit);
  const size = tf.util.sizeFromShape(x.shape);
  if (!isWordDtype(x.dtype) || !isRepeat || size === 0) return runBuiltin(tf.Tile, args);
  const backend = wasmBackend(args.backend);
  const out = backend.makeOutput(
    x.shape.map((side, i) => side * reps[i]!),
    x.dtype,
  );
  const heap = heapF32(backend);
  const src = heapOffset(backend, x) / 4;
  const dst = heapOffset(backend, out) / 4;
  const total = size * reps.reduce((a, b) => a * b, 1);
  heap.copyWithin(dst, src, src + size);
  for (let filled = size; filled < total;) {
    const length = Math.min(filled, total - filled);
    heap.copyWithin(dst + filled, dst, dst + length);
    filled += length;
  }
  return out;
};

/**
 * Reverse of leading axes (every non-unit axis up to the last reversed one is reversed, as the
 * spatial flip of a [kh,kw,Ci,Co] filter): reversing the flattened block order, so each block
 * of trailing axes is one copy.
 */
const reverse: KernelFunc = (args) => {
  const x = args.inputs.x as TensorInfo;
  const { dims } = args.attrs as unknown as tf.ReverseAttrs;
  const axes = tf.util.parseAxisParam(dims, x.shape);
  const last = Math.max(-1, ...axes);
  const isLeading = x.shape.slice(0, last + 1).every((side, i) => side === 1 || axes.includes(i));
  const blockSize = tf.util.sizeFromShape(x.shape.slice(last + 1));
  if (!isWordDtype(x.dtype) || !isLeading || last < 0 || blockSize < MIN_RUN) {
    return runBuiltin(tf.Reverse, args);
  }
  const backend = wasmBackend(args.backend);
  const out = backend.makeOutput([...x.shape], x.dtype);
  const heap = heapF32(backend);
  const src = heapOffset(backend, x) / 4;
  const dst = heapOffset(backend, out) / 4;
  const blocks = tf.util.sizeFromShape(x.shape.slice(0, last + 1));
  for (let b = 0; b < blocks; b++) {
    const from = src + (blocks - 1 - b) * blockSize;
    heap.copyWithin(dst + b * blockSize, from, from + blockSize);
  }
  return out;
};

/**
 * Identity shares the input's data, as the cpu and webgl backends do (tensors are immutable;
 * wasm's Reshape shares the same way). The built-in copies, and the engine clones every tensor
 * a gradient saves, so under a tape each step copied each activation several times.
 */
const identity: KernelFunc = (args) => {
  const x = args.inputs.x as TensorInfo;
  if (x.dtype === 'string') return runBuiltin(tf.Identity, args);
  wasmBackend(args.backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

export const identityConfig: KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity,
  setupFunc: setupBuiltin(tf.Identity),
};
export const sliceConfig: KernelConfig = {
  kernelName: tf.Slice,
  backendName: 'wasm',
  kernelFunc: slice,
  setupFunc: setupBuiltin(tf.Slice),
};
export const tileConfig: KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile,
  setupFunc: setupBuiltin(tf.Tile),
};
export const reverseConfig: KernelConfig = {
  kernelName: tf.Reverse,
  backendName: 'wasm',
  kernelFunc: reverse,
  setupFunc: setupBuiltin(tf.Reverse),
};
