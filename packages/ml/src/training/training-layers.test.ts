import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTrainingLayers } from './training-layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two identical layers (same weights); the second gets the training call. */
function pair(make: () => tfl.layers.Layer, inputShape: number[]) {
  const original = make();
  const ours = make();
  original.build(inputShape);
  ours.build(inputShape);
  ours.setWeights(
    original.getWeights().map((w) => tf.randomNormal(w.shape, 0.5, 0.3, 'float32', w.size)),
  );
  original.setWeights(ours.getWeights());
  expect(installTrainingLayers([ours])).toBe(1);
  return { original, ours };
}

/** Output and gradients of sum(output · r) with respect to the input and trainable weights. */
function outputAndGrads(layer: tfl.layers.Layer, x: tf.Tensor) {
  return tf.tidy(() => {
    const r = tf.randomNormal(layer.computeOutputShape(x.shape) as number[], 0, 1, 'float32', 5);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const f = (input: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r));
    const dx = tf.grad(f)(x);
    const grads = vars.length > 0 ? tf.variableGrads(() => f(x) as tf.Scalar, vars).grads : {};
    const out = layer.apply(x, { training: true }) as tf.Tensor;
    return [out, dx, ...vars.map((v) => grads[v.name]!)];
  });
}

async function expectSame(a: tf.Tensor[], b: tf.Tensor[], tol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a[i]!, b[i]!))));
    expect((await diff.data())[0]).toBeLessThan(tol);
    diff.dispose();
  }
}

describe('training-mode layer calls', () => {
  it('BatchNorm: same output and gradients as tfjs; running stats as torch (0.1, unbiased)', async () => {
    for (const shape of [
      [6, 4, 5, 3],
      [7, 5],
    ]) {
      const { original, ours } = pair(
        () => tfl.layers.batchNormalization({ epsilon: 1e-3 }),
        shape,
      );
      const x = tf.randomNormal(shape, 1, 2, 'float32', 11);
      const before = ours.getWeights().map((w) => w.clone());
      await expectSame(outputAndGrads(ours, x), outputAndGrads(original, x), 2e-4);
      // One training apply (the output) updated the statistics once per call above: 3 calls.
      const axes = shape.slice(0, -1).map((_, i) => i);
      const n = x.size / shape.at(-1)!;
      const { mean, variance } = tf.moments(x, axes);
      const unbiased = tf.mul(variance, n / (n - 1));
      let [expMean, expVar] = [before[2]!, before[3]!];
      for (let k = 0; k < 3; k++) {
        expMean = tf.add(tf.mul(expMean, 0.9), tf.mul(mean, 0.1));
        expVar = tf.add(tf.mul(expVar, 0.9), tf.mul(unbiased, 0.1));
      }
      await expectSame(ours.getWeights().slice(2), [expMean, expVar], 1e-5);
      // Inference still uses tfjs's own call (tfjs updated its statistics its own way).
      original.setWeights(ours.getWeights());
      await expectSame([ours.apply(x) as tf.Tensor], [original.apply(x) as tf.Tensor], 1e-6);
    }
  });

  it('BatchNorm on running statistics: the inference output and its gradients; statistics kept', async () => {
    const shape = [6, 4, 5, 3];
    const make = () => tfl.layers.batchNormalization({ epsilon: 1e-3 });
    const original = make();
    const ours = make();
    original.build(shape);
    ours.build(shape);
    ours.setWeights(
      original.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.5, 1.5, 'float32', i + 1)),
    );
    original.setWeights(ours.getWeights());
    expect(installTrainingLayers([ours], { runningStatistics: new Set([ours.name]) })).toBe(1);
    const x = tf.randomNormal(shape, 1, 2, 'float32', 11);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 5);
    const lossOf = (layer: tfl.layers.Layer, training: boolean) => (input: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(input, { training }) as tf.Tensor, r));
    const measure = (layer: tfl.layers.Layer, training: boolean) =>
      tf.tidy(() => {
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => lossOf(layer, training)(x) as tf.Scalar, vars);
        return [
          layer.apply(x, { training }) as tf.Tensor,
          tf.grad(lossOf(layer, training))(x),
          ...vars.map((v) => grads[v.name]!),
        ];
      });
    const stored = ours.getWeights().slice(2);
    await expectSame(measure(ours, true), measure(original, false), 2e-4);
    await expectSame(ours.getWeights().slice(2), stored, 1e-12);
  });

  it('ReLU(max 6): same output and gradient', async () => {
    const { original, ours } = pair(() => tfl.layers.reLU({ maxValue: 6 }), [4, 9]);
    const x = tf.mul(tf.randomNormal([4, 9], 0, 1, 'float32', 3), 5);
    await expectSame(outputAndGrads(ours, x), outputAndGrads(original, x), 1e-6);
  });

  it('Conv2D: same output and gradients, with and without bias, strided', async () => {
    for (const options of [
      {
        filters: 4,
        kernelSize: 3,
        padding: 'same' as const,
        useBias: true,
        activation: 'relu' as const,
      },
      { filters: 5, kernelSize: 3, strides: 2, padding: 'valid' as const, useBias: false },
      // MobileNetV2-1.0's folded convs end in a relu6 activation.
      { filters: 4, kernelSize: 1, padding: 'same' as const, activation: 'relu6' as const },
    ]) {
      const { original, ours } = pair(() => tfl.layers.conv2d(options), [2, 7, 7, 3]);
      const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 8);
      await expectSame(outputAndGrads(ours, x), outputAndGrads(original, x), 1e-4);
    }
  });

  it('DepthwiseConv2D: same output and gradients, relu6 or linear, strided', async () => {
    for (const options of [
      { kernelSize: 3, padding: 'same' as const, activation: 'relu6' as const },
      { kernelSize: 3, strides: 2, padding: 'valid' as const, useBias: false },
    ]) {
      const { original, ours } = pair(() => tfl.layers.depthwiseConv2d(options), [2, 7, 7, 3]);
      // Scaled so that some outputs pass 6 and the relu6 clips on both sides.
      const x = tf.mul(tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 8), 4);
      await expectSame(outputAndGrads(ours, x), outputAndGrads(original, x), 1e-4);
    }
  });

  it('Dense: same output and gradients', async () => {
    for (const options of [
      { units: 3, activation: 'relu' as const },
      { units: 2, useBias: false },
    ]) {
      const { original, ours } = pair(() => tfl.layers.dense(options), [5, 4]);
      const x = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
      await expectSame(outputAndGrads(ours, x), outputAndGrads(original, x), 1e-5);
    }
  });

  it('GlobalMaxPooling2D: same output and gradient', async () => {
    const { original, ours } = pair(() => tfl.layers.globalMaxPooling2d({}), [3, 4, 5, 6]);
    const x = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 4);
    await expectSame(outputAndGrads(ours, x), outputAndGrads(original, x), 1e-6);
  });

  it('leaves other layers alone and installs once', () => {
    const relu = tfl.layers.reLU();
    const pool = tfl.layers.globalAveragePooling2d({});
    pool.build([1, 2, 2, 3]);
    expect(installTrainingLayers([relu, pool])).toBe(0);
    const bn = tfl.layers.batchNormalization();
    bn.build([2, 3]);
    expect(installTrainingLayers([bn, bn])).toBe(1);
    expect(installTrainingLayers([bn])).toBe(0);
  });
});

describe('intermediates of a training forward pass', () => {
  /** conv → BN → ReLU6 → (conv, and a residual add reading the ReLU's output twice) → pool → dense. */
  function net(freeIntermediates: boolean) {
    const input = tfl.input({ shape: [10, 10, 3] });
    let x = tfl.layers
      .conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'c1' })
      .apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: 'bn' }).apply(x) as tfl.SymbolicTensor;
    const shared = tfl.layers.reLU({ maxValue: 6, name: 'relu' }).apply(x) as tfl.SymbolicTensor;
    const branch = tfl.layers
      .conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'c2' })
      .apply(shared) as tfl.SymbolicTensor;
    x = tfl.layers.add({ name: 'add' }).apply([shared, branch]) as tfl.SymbolicTensor;
    x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 4, name: 'fc' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    model.setWeights(
      model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', i + 1)),
    );
    installTrainingLayers(model.layers, { freeIntermediates });
    return model;
  }

  it('frees what one layer alone reads, keeping the input, shared tensors and the gradients exact', async () => {
    const freeing = net(true);
    const keeping = net(false);
    const x = tf.randomNormal([4, 10, 10, 3], 0, 1, 'float32', 9);
    // tfjs-layers frees a training pass's intermediates only when the model's call ends; the
    // peak is within it.
    const peak = async (model: tfl.LayersModel) => {
      const info = await tf.profile(() => {
        const y = model.apply(x, { training: true }) as tf.Tensor;
        y.dispose();
      });
      return info.peakBytes;
    };
    const activation = x.size * 2 * 4; // one 4×10×10×6 map
    // c1's, bn's, c2's and add's outputs, each read by one layer, are freed where they are
    // read; relu's, read by c2 and add, and the input are kept.
    expect(await peak(freeing)).toBeLessThanOrEqual((await peak(keeping)) - 2 * activation);
    expect(x.isDisposed).toBe(false);

    const grads = (model: tfl.LayersModel) => {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        vars,
      );
      return [value, ...vars.map((v) => grads[v.name]!)];
    };
    const a = grads(freeing);
    const b = grads(keeping);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(await a[i]!.data()).toEqual(await b[i]!.data());
    tf.dispose([x, ...a, ...b]);
    freeing.dispose();
    keeping.dispose();
  });
});
