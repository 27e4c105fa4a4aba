import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { CheckpointCallback } from './checkpoint';
import { cnnLearner } from './cnn-learner';
import { DataParallel, learnerSource, shareSizes, trainingThreads } from './data-parallel';
import { Learner } from './learner';
import { readWeights, syntheticData, tinyBackbone } from './test-fixtures';

let data: ReturnType<typeof syntheticData>;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  data = syntheticData({ classes: 3, train: 48, valid: 24, bs: 16, seed: 5 });
});
afterAll(() => data.dispose());

/** conv → ReLU6 → conv (stride 2) → average pool → dense: no BatchNorm, so shares are exact. */
function learnerWithoutBatchNorm(): Learner {
  const init = (s: number) => tfl.initializers.heNormal({ seed: s });
  const input = tfl.input({ shape: [8, 8, 3] });
  const conv1 = tfl.layers.conv2d({
    name: 'conv1',
    filters: 8,
    kernelSize: 3,
    padding: 'same',
    kernelInitializer: init(1),
  });
  const relu = tfl.layers.reLU({ name: 'relu1', maxValue: 6 });
  const conv2 = tfl.layers.conv2d({
    name: 'conv2',
    filters: 16,
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    kernelInitializer: init(2),
  });
  const pool = tfl.layers.globalAveragePooling2d({ name: 'pool' });
  const dense = tfl.layers.dense({ name: 'fc', units: 3, kernelInitializer: init(3) });
  let x = conv1.apply(input) as tfl.SymbolicTensor;
  x = conv2.apply(relu.apply(x)) as tfl.SymbolicTensor;
  const output = dense.apply(pool.apply(x)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const learner = new Learner(data, model, [
    [conv1, relu, conv2],
    [pool, dense],
  ]);
  learner.opt.lr = [1e-2, 1e-2];
  return learner;
}

async function firstBatch() {
  for await (const batch of data.train.batches(0)) return batch;
  throw new Error('no batch');
}

/** max |a − b| over max |b|, across every gradient. */
async function relativeDifference(a: tf.NamedTensorMap, b: tf.NamedTensorMap) {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let worst = 0;
  for (const name of Object.keys(b)) {
    const [va, vb] = [await a[name]!.data(), await b[name]!.data()];
    const scale = Math.max(...Array.from(vb, Math.abs), 1e-12);
    worst = Math.max(worst, ...Array.from(va, (v, i) => Math.abs(v - vb[i]!) / scale));
  }
  return worst;
}

/**
 * One step of `single` on its one-pass gradients and of `split` on `parallel`'s, after checking
 * that they agree. Both learners start from the same seeded weights, so their variables differ
 * by name only.
 */
async function stepBoth(
  single: Learner,
  split: Learner,
  parallel: DataParallel,
  x: tf.Tensor,
  y: tf.Tensor1D,
  label: string,
) {
  const byKey = (learner: Learner, grads: tf.NamedTensorMap) =>
    Object.fromEntries(learner.opt.groups.flat().map((p) => [p.key, grads[p.variable.name]!]));
  const expected = tf.variableGrads(() => single.trainingLoss(x, y), single.opt.variables);
  const actual = await parallel.gradients(x, y);
  expect(
    await relativeDifference(byKey(split, actual.grads), byKey(single, expected.grads)),
    label,
  ).toBeLessThan(1e-4);
  expect(Math.abs(actual.value.dataSync()[0]! - expected.value.dataSync()[0]!), label).toBeLessThan(
    1e-5,
  );
  single.opt.step(expected.grads);
  split.opt.step(actual.grads);
  tf.dispose([expected.value, actual.value, ...Object.values(expected.grads)]);
  tf.dispose(Object.values(actual.grads));
}

/** Every weight of `a` within 1e-5 of `b`'s. */
async function expectSameWeights(a: Learner, b: Learner) {
  const [wa, wb] = [await readWeights(a.model), await readWeights(b.model)];
  for (const [name, values] of wb) {
    const other = wa.get(name)!;
    const worst = values.reduce((m, v, i) => Math.max(m, Math.abs(v - other[i]!)), 0);
    expect(worst, name).toBeLessThan(1e-5);
  }
}

describe('data-parallel training steps', () => {
  it('splits a batch evenly, the larger shares first', () => {
    expect(shareSizes(32, 2)).toEqual([16, 16]);
    expect(shareSizes(7, 2)).toEqual([4, 3]);
    expect(shareSizes(1, 2)).toEqual([1, 0]);
  });

  it("uses 2 threads for 'auto' on wasm with batches of 8+, and 1 when precomputed", () => {
    expect(trainingThreads('auto', { batchSize: 32, isPrecomputed: false })).toBe(2);
    expect(trainingThreads('auto', { batchSize: 4, isPrecomputed: false })).toBe(1);
    expect(trainingThreads(3, { batchSize: 32, isPrecomputed: true })).toBe(1);
    expect(() => trainingThreads(0, { batchSize: 32, isPrecomputed: false })).toThrow(/threads/);
  });

  for (const useMainThread of [false, true]) {
    it(`gives the one-thread gradients and step (${useMainThread ? 'main thread + 1 worker' : '2 workers'})`, async () => {
      const start = tf.memory().numTensors;
      const single = learnerWithoutBatchNorm();
      const split = learnerWithoutBatchNorm();
      const { x, y } = await firstBatch();
      const parallel = await DataParallel.open(learnerSource(split), {
        threads: 2,
        useMainThread,
        microBatch: 'off',
      });
      const threads = [...parallel.workerThreads];
      expect(threads).toHaveLength(useMainThread ? 1 : 2);

      await stepBoth(single, split, parallel, x, y, 'step 1');
      await expectSameWeights(split, single);
      // A second step starts from the updated weights the workers were sent.
      await stepBoth(single, split, parallel, x, y, 'step 2');

      await parallel.close();
      for (const thread of threads) expect(thread.threadId).toBe(-1);
      tf.dispose([x, y]);
      single.dispose();
      split.dispose();
      expect(tf.memory().numTensors - start).toBe(0);
    });
  }

  for (const useMainThread of [false, true]) {
    it(`runs the head once over the whole batch: one pass's gradients (${useMainThread ? 'main thread + 1 worker' : '2 workers'})`, async () => {
      const start = tf.memory().numTensors;
      // cnnLearner's head has BatchNorm and seeded dropout; the body none (as folded MobileNetV2).
      const make = () => {
        const learn = cnnLearner(data, tinyBackbone(8, 7, { batchNorm: false }), { seed: 3 });
        learn.unfreeze();
        return learn;
      };
      const [single, split] = [make(), make()];
      const { x, y } = await firstBatch();
      const parallel = await DataParallel.open(learnerSource(split, split.wholeBatchHead()), {
        threads: 2,
        useMainThread,
        microBatch: 'off',
      });
      for (const step of ['step 1', 'step 2']) await stepBoth(single, split, parallel, x, y, step);
      // The head's BatchNorm statistics moved by the whole batch's, as in one pass.
      expect(
        [...(await readWeights(single.model)).keys()].some((n) => n.includes('moving_mean')),
      ).toBe(true);
      await expectSameWeights(split, single);
      await parallel.close();
      tf.dispose([x, y]);
      single.dispose();
      split.dispose();
      expect(tf.memory().numTensors - start).toBe(0);
    });
  }

  it('fails a step whose worker died, saying how to train without workers', async () => {
    const learner = learnerWithoutBatchNorm();
    const { x, y } = await firstBatch();
    const parallel = await DataParallel.open(learnerSource(learner), {
      threads: 2,
      useMainThread: false,
      microBatch: 'off',
    });
    await parallel.workerThreads[1]!.terminate();
    await expect(parallel.gradients(x, y)).rejects.toThrow(
      /Training worker 1 exited.*threads to 1/,
    );
    await parallel.close();
    tf.dispose([x, y]);
    learner.dispose();
  });

  it('fits a BatchNorm learner on 2 threads: it learns, repeats exactly, frees everything', async () => {
    const fitOnce = async () => {
      const start = tf.memory().numTensors;
      const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1 });
      learn.unfreeze();
      const result = await learn.fitOneCycle(6, 1e-2, { threads: 2 });
      expect(result.threads).toBe(2);
      const losses = learn.recorder.losses.slice();
      const { metrics } = await learn.validate();
      learn.dispose();
      expect(tf.memory().numTensors - start).toBe(0);
      return { losses, errorRate: metrics['error_rate']! };
    };
    const first = await fitOnce();
    expect(first.losses.every(Number.isFinite)).toBe(true);
    expect(first.losses.at(-1)!).toBeLessThan(first.losses[0]!);
    expect(first.errorRate).toBeLessThan(0.1);
    const second = await fitOnce();
    expect(second.losses).toEqual(first.losses);
  });

  it('validates on the training threads with the weights and statistics the fit left', async () => {
    const start = tf.memory().numTensors;
    const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1 });
    learn.unfreeze();
    await learn.fitOneCycle(2, 1e-2, { threads: 2 });
    // The last epoch's validation ran on the workers' replicas; this one in the main thread.
    const last = learn.recorder.epochs.at(-1)!;
    const { validLoss, metrics } = await learn.validate();
    expect(Math.abs(last.validLoss! - validLoss)).toBeLessThan(1e-5);
    expect(last.metrics['error_rate']).toBeCloseTo(metrics['error_rate']!, 6);
    learn.dispose();
    expect(tf.memory().numTensors - start).toBe(0);
  });

  for (const useMainThread of [false, true]) {
    it(`gives the main thread's logits in inference mode (${useMainThread ? 'main thread + 1 worker' : '2 workers'})`, async () => {
      const start = tf.memory().numTensors;
      const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1 });
      learn.unfreeze();
      const { x, y } = await firstBatch();
      const parallel = await DataParallel.open(learnerSource(learn), {
        threads: 2,
        useMainThread,
        microBatch: 'off',
      });
      // One step moves the weights and the BatchNorm statistics away from the replicas' copy.
      const { value, grads } = await parallel.gradients(x, y);
      learn.opt.step(grads);
      tf.dispose([value, ...Object.values(grads)]);
      const forward = await parallel.inference();
      for (const rows of [16, 7, 1]) {
        const xs = tf.slice(x, 0, rows);
        const expected = tf.tidy(() => learn.model.apply(xs, { training: false }) as tf.Tensor);
        const actual = await forward(xs);
        expect(actual.shape).toEqual([rows, data.c]);
        const [a, b] = [await actual.data(), await expected.data()];
        const worst = Array.from(b).reduce((m, v, i) => Math.max(m, Math.abs(v - a[i]!)), 0);
        expect(worst, `${rows} rows`).toBeLessThan(1e-5);
        tf.dispose([xs, expected, actual]);
      }
      await parallel.close();
      await expect(forward(x)).rejects.toThrow(/closed/);
      tf.dispose([x, y]);
      learn.dispose();
      expect(tf.memory().numTensors - start).toBe(0);
    });
  }

  it('predicts a split on 2 threads as on one', async () => {
    const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1 });
    learn.unfreeze();
    await learn.fitOneCycle(1, 1e-2);
    const start = tf.memory().numTensors;
    const one = await learn.getPreds('valid');
    const two = await learn.getPreds('valid', { threads: 2 });
    expect(two.keys).toEqual(one.keys);
    expect(Array.from(two.targets)).toEqual(Array.from(one.targets));
    expect(two.probs).toHaveLength(24 * 3);
    const worst = one.probs.reduce((m, v, i) => Math.max(m, Math.abs(v - two.probs[i]!)), 0);
    expect(worst).toBeLessThan(1e-5);
    const lossGap = one.losses.reduce((m, v, i) => Math.max(m, Math.abs(v - two.losses[i]!)), 0);
    expect(lossGap).toBeLessThan(1e-4);
    expect(tf.memory().numTensors - start).toBe(0);
    learn.dispose();
  });

  it('resumes a 2-thread fit with dropout from a checkpoint to the same weights', async () => {
    const make = () => {
      const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1 });
      learn.unfreeze();
      return learn;
    };
    const full = make();
    const checkpoints: Uint8Array[] = [];
    const saveEach = new CheckpointCallback(async (bytes) => void checkpoints.push(bytes));
    await full.fitOneCycle(3, 1e-2, { threads: 2, callbacks: [saveEach] });
    const resumed = cnnLearner(data, tinyBackbone(8, 7), { seed: 1 });
    const result = await resumed.fitOneCycle(3, 1e-2, { threads: 2, resumeFrom: checkpoints[0]! });
    expect(result).toMatchObject({ epochsDone: 3, iterations: 9, threads: 2 });
    const [a, b] = [await readWeights(resumed.model), await readWeights(full.model)];
    for (const [name, values] of b) {
      const other = a.get(name)!;
      const worst = values.reduce((m, v, i) => Math.max(m, Math.abs(v - other[i]!)), 0);
      expect(worst, name).toBeLessThanOrEqual(1e-6);
    }
    resumed.dispose();
    full.dispose();
  });
});
