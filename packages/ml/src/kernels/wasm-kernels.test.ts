import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle registers them all on load.
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './register-training-kernels';

// The studio's faster versions of built-in wasm kernels (copy-kernels, reduce-kernels,
// max-pool-grad), each compared with the cpu backend, on shapes that take the fast path and
// on shapes that fall back to the built-in kernel.

/** Deterministic values in about [-1.5, 1.5] so cpu and wasm see identical inputs. */
function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 32) * 3 - 1.5;
  }
  return values;
}

function input(shape: number[], seed = 1): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
}

/** Runs `f` on one backend and returns its output's shape and values. */
async function runOn(backendName: string, f: () => tf.Tensor) {
  await tf.setBackend(backendName);
  const out = tf.tidy(f);
  const result = { shape: out.shape, values: Array.from(await out.data()) };
  out.dispose();
  return result;
}

async function expectWasmMatchesCpu(f: () => tf.Tensor): Promise<void> {
  const cpu = await runOn('cpu', f);
  const wasm = await runOn('wasm', f);
  expect(wasm.shape).toEqual(cpu.shape);
  const scale = Math.max(1e-30, ...cpu.values.map(Math.abs));
  const maxDiff = Math.max(0, ...cpu.values.map((v, i) => Math.abs(v - wasm.values[i]!)));
  expect(maxDiff / scale).toBeLessThan(1e-4);
}

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  registerTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

describe('Sum and Mean on wasm match cpu', () => {
  // [shape, axes, keepDims]; the last three fall back to the built-in kernel.
  const cases: Array<[number[], number | number[], boolean]> = [
    [[2, 5, 6, 7], [0, 1, 2], false], // BatchNorm statistics of NHWC
    [[2, 5, 6, 7], [2, 0, 1], true],
    [[32, 24, 24, 16], [0, 1, 2], false], // long reductions keep float32 accuracy
    [[9, 4], 0, false],
    [[3, 4, 5], [-3, -2], true],
    [[2, 5, 6, 7], [1, 2], false],
    [[2, 5, 6, 7], -1, false],
    [[4, 6], [0, 1], false],
  ];
  it.each(cases)('%j over %j, keepDims %s', async (shape, axes, keepDims) => {
    await expectWasmMatchesCpu(() => tf.sum(input(shape), axes, keepDims));
    await expectWasmMatchesCpu(() => tf.mean(input(shape, 2), axes, keepDims));
  });

  it('sums int32 through the built-in kernel', async () => {
    await expectWasmMatchesCpu(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0));
  });
});

describe('Slice on wasm matches cpu', () => {
  // [shape, begin, size]
  const cases: Array<[number[], number[], number[]]> = [
    [
      [2, 6, 7, 16],
      [0, 1, 1, 0],
      [2, 4, 5, 16],
    ], // ZeroPadding2D gradient
    [
      [3, 8, 9, 16],
      [1, 2, 0, 0],
      [2, 3, -1, 16],
    ],
    [
      [2, 5, 4, 20],
      [1, 0, 0, 3],
      [1, 5, 4, 17],
    ], // partial last axis
    [
      [4, 6, 5],
      [1, 0, 0],
      [2, 6, 5],
    ], // contiguous
    [
      [2, 3, 4, 2],
      [0, 1, 1, 0],
      [2, 2, 2, 2],
    ], // short runs: built-in
    [
      [40, 30],
      [3, 2],
      [20, 25],
    ],
  ];
  it.each(cases)('%j from %j size %j', async (shape, begin, size) => {
    await expectWasmMatchesCpu(() => tf.slice(input(shape), begin, size));
  });
});

describe('Tile on wasm matches cpu', () => {
  const cases: Array<[number[], number[]]> = [
    [
      [1, 1, 1, 20],
      [2, 3, 4, 1],
    ], // the FusedBatchNorm gradient's tile
    [
      [1, 17],
      [5, 1],
    ],
    [
      [1, 3, 7],
      [4, 1, 1],
    ],
    [
      [2, 3],
      [2, 2],
    ], // built-in
    [
      [3, 1, 20],
      [1, 4, 1],
    ], // built-in: tiled axis after a non-unit one
  ];
  it.each(cases)('%j by %j', async (shape, reps) => {
    await expectWasmMatchesCpu(() => tf.tile(input(shape), reps));
  });
});

describe('Reverse on wasm matches cpu', () => {
  const cases: Array<[number[], number[]]> = [
    [
      [3, 3, 4, 5],
      [0, 1],
    ], // a conv filter's spatial flip
    [
      [5, 7, 3, 6],
      [0, 1],
    ],
    [[1, 3, 4, 5], [1]],
    [[4, 20], [0]],
    [
      [3, 3, 4, 5],
      [1, 0, 2],
    ],
    [[3, 4, 5], [2]], // built-in
    [[3, 3, 4, 5], [1]], // built-in: axis 0 not reversed
  ];
  it.each(cases)('%j along %j', async (shape, axes) => {
    await expectWasmMatchesCpu(() => tf.reverse(input(shape), axes));
  });
});

describe('MaxPool gradient on wasm matches cpu', () => {
  // [shape, pool, strides, pad]; ReLU'd inputs make ties (first maximum wins on both).
  const cases: Array<[number[], number, number, 'valid' | 'same' | number]> = [
    [[2, 11, 11, 3], 3, 2, 'valid'], // ResNet stem (after explicit padding)
    [[2, 10, 9, 4], 3, 2, 'same'],
    [[1, 8, 8, 5], 2, 2, 'valid'],
    [[2, 7, 7, 2], 3, 1, 1],
  ];
  it.each(cases)('%j pool %i stride %i pad %j', async (shape, pool, strides, pad) => {
    await expectWasmMatchesCpu(() => {
      const x = tf.relu(input(shape)) as tf.Tensor4D;
      const w = input(tf.maxPool(x, pool, strides, pad).shape, 3);
      return tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, pool, strides, pad), w)),
      )(x);
    });
  });
});

describe('training-mode BatchNorm gradient (moments + batchNorm) on wasm matches cpu', () => {
  it('for the input, scale and offset', async () => {
    const shape = [4, 6, 5, 8];
    for (const which of [0, 1, 2]) {
      await expectWasmMatchesCpu(() => {
        const [x, gamma, beta] = [input(shape), input([8], 4), input([8], 5)];
        const w = input(shape, 6);
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b, g, 1e-5), w));
        })([x, gamma, beta]);
        return grads[which]!;
      });
    }
  });
});

describe('Identity on wasm', () => {
  it('shares the data, which outlives either tensor alone', async () => {
    await tf.setBackend('wasm');
    const x = input([4, 5]);
    const expected = Array.from(await x.data());
    const dataIds = tf.engine().backend.numDataIds();
    const y = tf.engine().runKernel(tf.Identity, { x }) as tf.Tensor;
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    x.dispose();
    expect(Array.from(await y.data())).toEqual(expected);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(dataIds - 1);
  });
});

describe('tensor hygiene', () => {
  it('leaves numTensors and the wasm data ids where they started', async () => {
    await tf.setBackend('wasm');
    const x = input([2, 6, 6, 16]);
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      tf.sum(x, [0, 1, 2]);
      tf.mean(x, [0, 1, 2], true);
      tf.slice(x, [0, 1, 1, 0], [2, 4, 4, 16]);
      tf.tile(tf.reshape(tf.sum(x, [0, 1, 2]), [1, 1, 1, 16]), [2, 3, 3, 1]);
      tf.reverse(x, [0, 1]);
      tf.clone(x);
      tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 2, 'valid')))(x);
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    x.dispose();
  });
});
