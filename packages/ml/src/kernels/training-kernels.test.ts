import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle registers them all on load.
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { areTrainingKernelsRegistered, registerTrainingKernels } from './register-training-kernels';

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
type Strides = number | [number, number];

/** Deterministic normal-ish values (sum of uniforms) so cpu and wasm see identical inputs. */
function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = next() + next() + next() - 1.5;
  return values;
}

interface Operand {
  shape: [number, number, number, number];
  values: Float32Array;
}

function operand(shape: [number, number, number, number], seed: number): Operand {
  return {
    shape,
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  };
}

/**
 * Gradients of Σ(conv(x, f) · w) with respect to x and f on one backend. The random
 * weights w make the output gradient random rather than all ones.
 */
async function gradsOn(
  backendName: string,
  conv: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D,
  x: Operand,
  f: Operand,
): Promise<Float32Array[]> {
  await tf.setBackend(backendName);
  const [dx, df] = tf.tidy(() => {
    const xT = tf.tensor4d(x.values, x.shape);
    const fT = tf.tensor4d(f.values, f.shape);
    const yShape = conv(xT, fT).shape;
    const w = tf.tensor(
      randomValues(
        yShape.reduce((a, b) => a * b, 1),
        7,
      ),
      yShape,
    );
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), w)),
    )([xT, fT]);
  }) as [tf.Tensor, tf.Tensor];
  const values = [(await dx.data()) as Float32Array, (await df.data()) as Float32Array];
  tf.dispose([dx, df]);
  return values;
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
    maxRef = Math.max(maxRef, Math.abs(expected[i] ?? 0));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

async function expectWasmMatchesCpu(
  conv: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D,
  x: Operand,
  f: Operand,
): Promise<void> {
  const [cpuDx, cpuDf] = await gradsOn('cpu', conv, x, f);
  const [wasmDx, wasmDf] = await gradsOn('wasm', conv, x, f);
  expect(wasmDx!.length).toBe(cpuDx!.length);
  expect(wasmDf!.length).toBe(cpuDf!.length);
  expect(relativeError(wasmDx!, cpuDx!), 'input gradient').toBeLessThan(1e-4);
  expect(relativeError(wasmDf!, cpuDf!), 'filter gradient').toBeLessThan(1e-4);
}

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  registerTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

describe('registerTrainingKernels', () => {
  it('replaces or adds all four kernels for wasm, and is idempotent', () => {
    expect(areTrainingKernelsRegistered()).toBe(true);
    const before = tf.getKernelsForBackend('wasm').length;
    registerTrainingKernels();
    expect(tf.getKernelsForBackend('wasm').length).toBe(before);
    expect(areTrainingKernelsRegistered()).toBe(true);
  });
});

// [batch, height, width, inChannels, outChannels, kernel, strides, pad]
// prettier-ignore
const conv2dCases: Array<[number, number, number, number, number, number, Strides, Pad]> = [
  [2, 7, 7, 3, 4, 3, 1, 'same'],
  [1, 8, 8, 4, 5, 3, 2, 'same'], // ResNet downsampling 3×3
  [3, 9, 9, 2, 3, 3, 2, 'valid'], // odd size, last row unused by floor rounding
  [2, 10, 10, 3, 2, 1, 2, 'valid'], // ResNet 1×1 shortcut
  [2, 11, 11, 3, 4, 7, 2, [[0, 0], [3, 3], [3, 3], [0, 0]]], // ResNet stem, explicit
  [1, 5, 6, 3, 3, 3, 1, 1], // numeric padding
  [2, 7, 5, 2, 3, 3, 2, [[0, 0], [0, 2], [1, 0], [0, 0]]], // asymmetric explicit, non-square
  [1, 9, 8, 2, 2, 2, [2, 1], 'same'], // even kernel, mixed strides
  [1, 6, 6, 2, 2, 3, 1, 4], // padding wider than the kernel: some gradient rows are cropped
  [2, 12, 12, 3, 2, 5, 3, 'same'], // stride 3
];

describe('Conv2D gradients on wasm match cpu', () => {
  it.each(conv2dCases)(
    'x [%i,%i,%i,%i] → %i ch, %i×k, strides %j, pad %j',
    async (b, h, w, ci, co, k, s, pad) => {
      const x = operand([b, h, w, ci], 1 + b * h);
      const f = operand([k, k, ci, co], 2 + k);
      await expectWasmMatchesCpu((xT, fT) => tf.conv2d(xT, fT, s, pad), x, f);
    },
  );
});

// [batch, height, width, channels, multiplier, kernel, strides, pad]
// prettier-ignore
const depthwiseCases: Array<[number, number, number, number, number, number, Strides, Pad]> = [
  [2, 7, 7, 3, 1, 3, 1, 'same'],
  [2, 8, 8, 4, 2, 3, 2, 'same'], // MobileNet downsampling, with a channel multiplier
  [3, 9, 9, 2, 1, 3, 2, 'valid'],
  [1, 6, 5, 3, 3, 5, 1, [[0, 0], [2, 1], [0, 2], [0, 0]]],
  [2, 7, 6, 2, 1, 3, 2, 1],
  [1, 10, 9, 5, 1, 4, [1, 2], 'same'],
  [2, 15, 15, 40, 1, 3, 2, 'same'], // MobileNetV2's stride-2 block, more channels than a SIMD lane
];

describe('DepthwiseConv2dNative gradients on wasm match cpu', () => {
  it.each(depthwiseCases)(
    'x [%i,%i,%i,%i] ×%i, %i×k, strides %j, pad %j',
    async (b, h, w, c, m, k, s, pad) => {
      const x = operand([b, h, w, c], 3 + h * w);
      const f = operand([k, k, c, m], 4 + m);
      await expectWasmMatchesCpu((xT, fT) => tf.depthwiseConv2d(xT, fT, s, pad), x, f);
    },
  );
});

/** Inserts dilation-1 zeros between the taps of a [k,k,C,M] filter: a dilated conv's plain twin. */
function upsampleFilter(f: Operand, dilation: number): Operand {
  const [k, , c, m] = f.shape;
  const size = (k - 1) * dilation + 1;
  const values = new Float32Array(size * size * c * m);
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      const from = (p * k + q) * c * m;
      values.set(
        f.values.subarray(from, from + c * m),
        (p * dilation * size + q * dilation) * c * m,
      );
    }
  }
  return { shape: [size, size, c, m], values };
}

describe('dilated DepthwiseConv2dNative gradients on wasm', () => {
  // tf.grad refuses dilations > 1, so the kernels are run directly and compared with the
  // cpu gradients of the same conv written with a zero-upsampled filter.
  it.each(['same', 'valid'] as const)(
    'match the upsampled-filter gradients on cpu, pad %s',
    async (pad) => {
      const dilation = 2;
      const x = operand([2, 9, 8, 3], 11);
      const f = operand([3, 3, 3, 2], 12);
      const up = upsampleFilter(f, dilation);
      const [cpuDx, cpuDfUp] = await gradsOn(
        'cpu',
        (a, b) => tf.depthwiseConv2d(a, b, 1, pad),
        x,
        up,
      );

      await tf.setBackend('wasm');
      const [dx, df] = tf.tidy(() => {
        const xT = tf.tensor4d(x.values, x.shape);
        const fT = tf.tensor4d(f.values, f.shape);
        const yShape = tf.depthwiseConv2d(xT, fT, 1, pad, 'NHWC', dilation).shape;
        const dy = tf.tensor(
          randomValues(
            yShape.reduce((a, b) => a * b, 1),
            7,
          ),
          yShape,
        );
        const attrs = { strides: 1, dilations: dilation, pad };
        return [
          tf
            .engine()
            .runKernel(
              tf.DepthwiseConv2dNativeBackpropInput,
              { dy, filter: fT },
              { ...attrs, inputShape: x.shape },
            ) as tf.Tensor,
          tf
            .engine()
            .runKernel(
              tf.DepthwiseConv2dNativeBackpropFilter,
              { x: xT, dy },
              { ...attrs, filterShape: f.shape },
            ) as tf.Tensor,
        ];
      });
      const wasmDx = (await dx!.data()) as Float32Array;
      const wasmDf = (await df!.data()) as Float32Array;
      tf.dispose([dx!, df!]);

      const cpuDf = new Float32Array(f.values.length);
      const taps = upsampleFilter(
        { shape: f.shape, values: new Float32Array(f.values.length).fill(1) },
        dilation,
      );
      let next = 0;
      taps.values.forEach((isTap, i) => {
        if (isTap) cpuDf[next++] = cpuDfUp![i]!;
      });
      expect(relativeError(wasmDx, cpuDx!), 'input gradient').toBeLessThan(1e-4);
      expect(relativeError(wasmDf, cpuDf), 'filter gradient').toBeLessThan(1e-4);
    },
  );
});

describe('tensor hygiene', () => {
  const x = () => tf.tensor4d(randomValues(2 * 8 * 8 * 4, 5), [2, 8, 8, 4]);
  const f = () => tf.tensor4d(randomValues(3 * 3 * 4 * 4, 6), [3, 3, 4, 4]);
  const fd = () => tf.tensor4d(randomValues(3 * 3 * 4 * 2, 7), [3, 3, 4, 2]);

  /** Runs all four kernels through tf.grads at strides 1 and 2, disposing the results. */
  function runAllKernels(xT: tf.Tensor4D, fT: tf.Tensor4D, fdT: tf.Tensor4D): void {
    for (const s of [1, 2]) {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, 'same')),
      )([xT, fT]);
      const depthwiseGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, 'valid')),
      )([xT, fdT]);
      tf.dispose([...grads, ...depthwiseGrads]);
    }
  }

  it('leaves numTensors and the wasm backend data ids where they started', async () => {
    await tf.setBackend('wasm');
    const [xT, fT, fdT] = [x(), f(), fd()];
    const startTensors = tf.memory().numTensors;
    const startDataIds = tf.engine().backend.numDataIds();
    runAllKernels(xT, fT, fdT);
    expect(tf.memory().numTensors).toBe(startTensors);
    expect(tf.engine().backend.numDataIds()).toBe(startDataIds);
    tf.dispose([xT, fT, fdT]);
  });

  it('accepts a bare TensorInfo input without leaking or freeing the caller data', async () => {
    await tf.setBackend('wasm');
    const [dy, fT] = [x(), f()];
    const startTensors = tf.memory().numTensors;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: dy.shape };
    const bare = { dataId: dy.dataId, shape: dy.shape, dtype: dy.dtype };
    // runKernel is typed for Tensors; backends calling kernels directly pass plain TensorInfo.
    const fromInfo = tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropInput,
        { dy: bare, filter: fT } as unknown as tf.NamedTensorMap,
        attrs,
      ) as tf.Tensor;
    const fromTensor = tf
      .engine()
      .runKernel(tf.Conv2DBackpropInput, { dy, filter: fT }, attrs) as tf.Tensor;
    expect(await fromInfo.data()).toEqual(await fromTensor.data());
    tf.dispose([fromInfo, fromTensor]);
    expect(tf.memory().numTensors).toBe(startTensors);
    expect((await dy.data()).length).toBe(dy.size);
    tf.dispose([dy, fT]);
  });

  it('does not grow the wasm heap over repeated steps (per-call XNNPACK operators are freed)', async () => {
    await tf.setBackend('wasm');
    // Big enough that each call packs ~0.5 MB of gradient-as-filter weights: a leaked
    // operator per call would grow the heap by tens of MB over the loop.
    const xT = tf.tensor4d(randomValues(8 * 32 * 32 * 16, 8), [8, 32, 32, 16]);
    const fT = tf.tensor4d(randomValues(3 * 3 * 16 * 16, 9), [3, 3, 16, 16]);
    const fdT = tf.tensor4d(randomValues(3 * 3 * 16 * 1, 10), [3, 3, 16, 1]);
    const heapBytes = () =>
      (tf.engine().backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 3; i++) runAllKernels(xT, fT, fdT);
    const warmHeap = heapBytes();
    for (let i = 0; i < 20; i++) runAllKernels(xT, fT, fdT);
    expect(heapBytes()).toBe(warmHeap);
    tf.dispose([xT, fT, fdT]);
  });
});
