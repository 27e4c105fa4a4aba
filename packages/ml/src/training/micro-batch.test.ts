import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { cnnLearner } from '../learner/cnn-learner';
import { Accumulator } from './accumulator';
import { MicroBatcher } from './micro-batch';
import { maxDifference, syntheticData, tinyBackbone } from '../learner/test-fixtures';

/** A small conv net without BatchNorm: its batch gradients do not depend on how a batch is split. */
function convNet() {
  const w1 = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 1), true, 'mb/w1');
  const w2 = tf.variable(tf.randomNormal([4, 3], 0, 0.3, 'float32', 2), true, 'mb/w2');
  const frozen = tf.variable(tf.ones([1]), false, 'mb/frozen');
  const loss = (x: tf.Tensor, y: tf.Tensor1D) =>
    tf.tidy(() => {
      const h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
      const logits = tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, w2 as tf.Tensor2D);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits) as tf.Scalar;
    });
  return { variables: [w1, w2], loss, dispose: () => tf.dispose([w1, w2, frozen]) };
}

const batch = () => ({
  x: tf.randomUniform([10, 12, 12, 3], -1, 1, 'float32', 3),
  y: tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'),
});

async function values(result: { value: tf.Scalar; grads: tf.NamedTensorMap }) {
  const out = {
    value: (await result.value.data())[0]!,
    grads: Object.fromEntries(
      await Promise.all(
        Object.entries(result.grads).map(async ([k, g]) => [k, await g.data()] as const),
      ),
    ),
  };
  tf.dispose([result.value, ...Object.values(result.grads)]);
  return out;
}

describe('micro-batches', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });

  it('give the whole batch mean loss and gradients, chunk by chunk, leaking nothing', async () => {
    const net = convNet();
    const { x, y } = batch();
    const start = tf.memory().numTensors;
    const whole = await values(
      await new MicroBatcher('off').gradients(net.loss, net.variables, x, y),
    );
    for (const chunk of [1, 3, 4, 9]) {
      const batcher = new MicroBatcher(chunk);
      const split = await values(await batcher.gradients(net.loss, net.variables, x, y));
      expect(batcher.chunkSize).toBe(chunk);
      expect(Math.abs(split.value - whole.value)).toBeLessThan(1e-6);
      expect(Object.keys(split.grads)).toEqual(['mb/w1', 'mb/w2']);
      for (const name of Object.keys(whole.grads)) {
        expect(maxDifference(split.grads[name]!, whole.grads[name]!), name).toBeLessThan(1e-6);
      }
    }
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, y]);
    net.dispose();
  });

  it("'auto' measures a two-image chunk on wasm and sizes chunks to the memory budget", async () => {
    const net = convNet();
    const { x, y } = batch();
    const roomy = new MicroBatcher('auto');
    const whole = await values(await roomy.gradients(net.loss, net.variables, x, y));
    expect(roomy.chunkSize).toBeGreaterThanOrEqual(10);
    // A budget of a few images' activations: chunks of fewer images than the batch.
    const tight = new MicroBatcher('auto', tf.memory().numBytes + 3 * 12 * 12 * 4 * 4 * 8);
    const split = await values(await tight.gradients(net.loss, net.variables, x, y));
    expect(tight.chunkSize).toBeGreaterThanOrEqual(1);
    expect(tight.chunkSize).toBeLessThan(10);
    expect(Math.abs(split.value - whole.value)).toBeLessThan(1e-6);
    for (const name of Object.keys(whole.grads)) {
      expect(maxDifference(split.grads[name]!, whole.grads[name]!), name).toBeLessThan(1e-6);
    }
    // The size is measured once and kept for the following batches.
    const size = tight.chunkSize;
    await values(await tight.gradients(net.loss, net.variables, x, y));
    expect(tight.chunkSize).toBe(size);
    tf.dispose([x, y]);
    net.dispose();
  });

  it("'auto' trains whole batches on other backends", async () => {
    await initBackend({ prefer: 'cpu' });
    try {
      const net = convNet();
      const { x, y } = batch();
      const batcher = new MicroBatcher('auto', 1);
      await values(await batcher.gradients(net.loss, net.variables, x, y));
      expect(batcher.chunkSize).toBe(Infinity);
      tf.dispose([x, y]);
      net.dispose();
    } finally {
      await initBackend({ prefer: 'wasm' });
    }
  });

  it('sums weighted parts by name, keeping a lone first part of weight 1 without a copy', async () => {
    const start = tf.memory().numTensors;
    const whole = new Accumulator();
    const grad = tf.tensor1d([1, 2]);
    whole.add(tf.scalar(0.5), { g: grad }, 1);
    const kept = whole.take();
    expect(kept.grads['g']).toBe(grad);
    tf.dispose([kept.value, ...Object.values(kept.grads)]);

    const parts = new Accumulator();
    parts.add(tf.scalar(1), { g: tf.tensor1d([1, 2]) }, 1);
    parts.add(tf.scalar(3), { g: tf.tensor1d([10, 20]) }, 0.5);
    parts.add(tf.scalar(0), { h: tf.tensor1d([4]) }, 1);
    const sum = parts.take();
    expect(Array.from(await sum.grads['g']!.data())).toEqual([6, 12]);
    expect(Array.from(await sum.grads['h']!.data())).toEqual([4]);
    expect((await sum.value.data())[0]).toBe(2.5);
    tf.dispose([sum.value, ...Object.values(sum.grads)]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuses a chunk size that is not a positive integer', () => {
    expect(() => new MicroBatcher(0)).toThrow(/positive integer/);
    expect(() => new MicroBatcher(2.5)).toThrow(/positive integer/);
  });
});

describe('a fit in micro-batches', () => {
  let data: ReturnType<typeof syntheticData>;
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    data = syntheticData({ classes: 3, train: 48, valid: 24, bs: 16, seed: 5 });
  });
  afterAll(() => data.dispose());

  it('learns, says the chunk size it used, and frees every tensor', async () => {
    const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1, psDropout: [0, 0] });
    learn.unfreeze();
    // A first (whole-batch) epoch creates the optimiser's state for the unfrozen weights.
    const plain = await learn.fit(1, 1e-4);
    expect(plain.microBatch).toBeNull();
    const start = tf.memory().numTensors;
    const result = await learn.fitOneCycle(3, 1e-2, { microBatch: 5 });
    expect(result.microBatch).toBe(5);
    const [first, last] = [learn.recorder.epochs[1]!, learn.recorder.epochs.at(-1)!];
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(last.metrics.error_rate).toBeLessThan(0.67);
    expect(tf.memory().numTensors).toBe(start);
    learn.dispose();
  });
});
