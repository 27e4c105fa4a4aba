import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTrainingLayers } from './training-layers';
import { leanVariableGrads } from './lean-gradients';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A small CNN with what a training step meets: padded convs, the learner's BatchNorm, ReLU6
 * and Dense training calls (custom gradients), a residual add (a tensor used twice), a frozen
 * layer and global pooling.
 */
function smallNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3] });
  const stem = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'stem' });
  let x = stem.apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ maxValue: 6, name: 'relu1' }).apply(x) as tfl.SymbolicTensor;
  const branch = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'branch' })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.add({ name: 'residual' }).apply([x, branch]) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'valid', name: 'down' })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 5, name: 'fc' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  installTrainingLayers(model.layers);
  stem.trainable = false;
  return model;
}

function lossOf(model: tfl.LayersModel, x: tf.Tensor, labels: tf.Tensor) {
  return () =>
    tf.losses.softmaxCrossEntropy(
      labels,
      model.apply(x, { training: true }) as tf.Tensor,
    ) as tf.Scalar;
}

describe('leanVariableGrads', () => {
  // First in the file: the engine has recorded no gradient yet in this worker, the state in
  // which a process starts (an engine without a tape once fell back to tf.variableGrads).
  it('holds less memory at its peak than tf.variableGrads, from the first gradient on', async () => {
    const model = smallNet();
    const x = tf.randomNormal([16, 12, 12, 3], 0, 1, 'float32', 2);
    const labels = tf.oneHot(tf.zeros([16], 'int32') as tf.Tensor1D, 5);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const peak = async (grads: typeof leanVariableGrads) => {
      const info = await tf.profile(() => {
        const r = grads(lossOf(model, x, labels), vars);
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      return info.peakBytes;
    };
    const lean = await peak(leanVariableGrads);
    const plain = await peak((f, v) => tf.variableGrads(f, [...v]) as never);
    expect(lean).toBeLessThan(0.8 * plain);
    tf.dispose([x, labels]);
    model.dispose();
  });

  it('gives the same loss and gradients as tf.variableGrads, leaking nothing', async () => {
    const model = smallNet();
    const x = tf.randomNormal([6, 12, 12, 3], 0, 1, 'float32', 1);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32'), 5);
    const vars = model.weights.map((w) => w.read() as tf.Variable);
    const f = lossOf(model, x, labels);
    const start = tf.memory().numTensors;
    const plain = tf.variableGrads(f, vars);
    const afterPlain = tf.memory().numTensors;
    const lean = leanVariableGrads(f, vars);
    // The loss and one gradient per trainable variable, as tf.variableGrads leaves.
    expect(tf.memory().numTensors - afterPlain).toBe(afterPlain - start);
    expect(afterPlain - start).toBe(1 + model.trainableWeights.length);

    // Trainable variables only: the frozen stem and BatchNorm's running statistics get no entry
    // (tf.variableGrads gives them null).
    const trainable = model.trainableWeights.map((w) => (w.read() as tf.Variable).name).sort();
    expect(Object.keys(lean.grads).sort()).toEqual(trainable);
    expect(Object.keys(lean.grads)).not.toContain(
      (model.getLayer('stem').weights[0]!.read() as tf.Variable).name,
    );
    expect(await lean.value.data()).toEqual(await plain.value.data());
    for (const name of trainable) {
      expect(lean.grads[name]!.shape).toEqual(plain.grads[name]!.shape);
      expect(await lean.grads[name]!.data()).toEqual(await plain.grads[name]!.data());
    }
    const largest = tf.tidy(() => tf.max(tf.abs(lean.grads[trainable[0]!]!)));
    expect((await largest.data())[0]).toBeGreaterThan(0);
    largest.dispose();
    tf.dispose([lean.value, ...Object.values(lean.grads)]);
    tf.dispose([plain.value, ...Object.values(plain.grads)]);
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, labels]);
    model.dispose();
  });

  it('says what is wrong with a loss that is not a scalar or uses none of the variables', () => {
    const v = tf.variable(tf.ones([3]));
    const other = tf.variable(tf.ones([3]));
    const start = tf.memory().numTensors;
    expect(() => leanVariableGrads(() => tf.mul(v, 2) as unknown as tf.Scalar, [v])).toThrow(
      'must return a scalar; it returned a rank-1 tensor',
    );
    expect(() => leanVariableGrads(() => tf.sum(other), [v])).toThrow('No variable given leads');
    const failing = () => {
      tf.mul(v, 2); // recorded, with the tensors its gradient saves
      throw new Error('the loss failed');
    };
    expect(() => leanVariableGrads(failing, [v])).toThrow('the loss failed');
    expect(tf.memory().numTensors).toBe(start);
    // The engine records no tape afterwards: tf.variableGrads still works.
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(v)), [v]);
    expect(Array.from(grads[v.name]!.dataSync())).toEqual([2, 2, 2]);
    tf.dispose([value, v, other, ...Object.values(grads)]);
  });

  it('falls back to tf.variableGrads inside a gradient being recorded', () => {
    const w = tf.variable(tf.scalar(3));
    // d/dx of (the gradient of x·w² for w, i.e. 2xw) = 2w = 6: needs the inner tape kept.
    const outer = tf.grad((x: tf.Tensor) => {
      const { value, grads } = leanVariableGrads(() => tf.mul(x, tf.square(w)) as tf.Scalar, [w]);
      value.dispose();
      return grads[w.name]!;
    });
    expect(outer(tf.scalar(1)).dataSync()[0]).toBeCloseTo(6);
    w.dispose();
  });
});
