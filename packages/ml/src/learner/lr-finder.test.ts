import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cnnLearner } from './cnn-learner';
import { readWeights, syntheticData, tinyBackbone } from './test-fixtures';

let data: ReturnType<typeof syntheticData>;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  data = syntheticData({ classes: 3, train: 48, valid: 24, bs: 8, seed: 9 });
});
afterAll(() => data.dispose());
const makeLearner = () => cnnLearner(data, tinyBackbone(8, 3), { seed: 2 });

describe('lrFind (fastai v1 lr_find)', () => {
  it('runs numIt iterations on an exponential schedule across epochs without validating', async () => {
    const learn = makeLearner();
    const result = await learn.lrFind({ startLr: 1e-5, endLr: 1e-1, numIt: 14, stopDiv: false });
    expect(result.stoppedBy).toBe('done');
    expect(result.lrs).toHaveLength(14); // 6 batches an epoch: 3 epochs, the last cut short
    result.lrs.forEach((lr, i) => expect(lr).toBeCloseTo(1e-5 * (1e-1 / 1e-5) ** (i / 14), 15));
    expect(result.losses).toEqual(learn.recorder.smoothLosses);
    // The recorder holds the finder's run, as in fastai; no epoch was validated.
    expect(learn.recorder.epochs.map((e) => e.validLoss)).toEqual([null, null, null]);
    expect(result.suggestions).toBeNull(); // 14 points leave none after skipping 10 + 5
    learn.dispose();
  });

  it('stops early on a divergent setup and restores weights and optimiser state', async () => {
    const learn = makeLearner();
    await learn.fit(1, 1e-3); // so the optimiser has state worth restoring
    const weightsBefore = await readWeights(learn.model);
    const optBefore = await learn.opt.getState();
    const tensors = tf.memory().numTensors;
    const result = await learn.lrFind({ startLr: 1e-3, endLr: 1e6, numIt: 100 });
    expect(result.stoppedBy).toBe('diverged');
    expect(result.lrs.length).toBeLessThan(100);
    const last = result.losses.at(-1)!;
    const best = Math.min(...result.losses.slice(0, -1));
    expect(Number.isNaN(last) || last > 4 * best).toBe(true);
    expect(await readWeights(learn.model)).toEqual(weightsBefore);
    expect(await learn.opt.getState()).toEqual(optBefore);
    expect(learn.isFrozen).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors);
    learn.dispose();
  });

  it('suggests learning rates from a full run', async () => {
    const learn = makeLearner();
    const { lrs, losses, suggestions } = await learn.lrFind({
      numIt: 30,
      endLr: 1,
      stopDiv: false,
    });
    expect(lrs).toHaveLength(30);
    expect(suggestions).not.toBeNull();
    const shown = lrs.slice(10, 25);
    expect(shown).toContain(suggestions!.steepest);
    const minAt = losses.slice(10, 25).indexOf(Math.min(...losses.slice(10, 25)));
    expect(suggestions!.minDiv10).toBe(shown[minAt]! / 10);
    learn.dispose();
  });
});
