import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelFitError, type Callback, type CallbackEvent } from './callback';
import { CheckpointCallback, SaveBestCallback } from './checkpoint';
import { cnnLearner } from './cnn-learner';
import { EarlyStoppingCallback } from './early-stopping';
import type { Learner } from './learner';
import { ProgressCallback, type ProgressEvent } from './progress';
import { readWeights, syntheticData, tinyBackbone } from './test-fixtures';

let data: ReturnType<typeof syntheticData>;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  data = syntheticData({ classes: 3, train: 48, valid: 24, bs: 16, seed: 5 });
});
afterAll(() => data.dispose());

/** Deterministic learners: seeded initial weights, no dropout. */
const makeLearner = (): Learner =>
  cnnLearner(data, tinyBackbone(8, 7), { seed: 1, psDropout: [0, 0] });

async function expectSameWeights(a: Learner, b: Learner, tol = 1e-6) {
  const [wa, wb] = [await readWeights(a.model), await readWeights(b.model)];
  expect([...wb.keys()]).toEqual([...wa.keys()]);
  for (const [name, values] of wa) {
    const other = wb.get(name)!;
    const worst = values.reduce((m, v, i) => Math.max(m, Math.abs(v - other[i]!)), 0);
    expect(worst, name).toBeLessThanOrEqual(tol);
  }
}

describe('the training loop', () => {
  it('fires the events in fastai order, once per batch and epoch', async () => {
    const learn = makeLearner();
    const events: CallbackEvent[] = [];
    const names: CallbackEvent[] = [
      'beforeFit',
      'beforeEpoch',
      'beforeBatch',
      'afterLoss',
      'afterBackward',
      'afterBatch',
      'beforeValidate',
      'afterValidate',
      'afterEpoch',
      'afterFit',
    ];
    const spy: Callback = Object.fromEntries(names.map((n) => [n, () => void events.push(n)]));
    await learn.fit(1, 1e-3, { callbacks: [spy] });
    const batch = ['beforeBatch', 'afterLoss', 'afterBackward', 'afterBatch'];
    expect(events).toEqual([
      'beforeFit',
      'beforeEpoch',
      ...batch,
      ...batch,
      ...batch,
      'beforeValidate',
      'afterValidate',
      'afterEpoch',
      'afterFit',
    ]);
    learn.dispose();
  });

  it('cancels cleanly between batches on an AbortSignal or a CancelFitError', async () => {
    const learn = makeLearner();
    const controller = new AbortController();
    const seen: ProgressEvent[] = [];
    const progress = new ProgressCallback((e) => {
      seen.push(e);
      if (e.phase === 'train' && e.epoch === 1 && e.batch === 1) controller.abort();
    });
    const result = await learn.fitOneCycle(3, 1e-2, {
      callbacks: [progress],
      signal: controller.signal,
    });
    expect(result).toMatchObject({ cancelled: true, epochsDone: 1, iterations: 4 });
    expect(seen.map((e) => `${e.phase}${e.epoch}.${e.batch}`)).toEqual([
      'train0.1',
      'train0.2',
      'train0.3',
      'valid0.3',
      'train1.1',
    ]);
    expect(seen[0]!.etaS).toBeGreaterThan(0);
    expect(learn.recorder.epochs).toHaveLength(1);

    const stop = new AbortController();
    let batches = 0;
    const stopped = await learn.fit(2, 1e-3, {
      signal: stop.signal,
      callbacks: [{ afterBatch: () => void (++batches === 2 && stop.abort('stop requested')) }],
    });
    expect(stopped).toMatchObject({ cancelled: true, stopReason: 'stop requested', iterations: 2 });

    const before = learn.opt.stepCount;
    const veto: Callback = {
      afterLoss: () => {
        throw new CancelFitError('loss seen');
      },
    };
    const vetoed = await learn.fit(1, 1e-3, { callbacks: [veto] });
    expect(vetoed).toMatchObject({ cancelled: true, stopReason: 'loss seen', iterations: 0 });
    expect(learn.opt.stepCount).toBe(before); // the step after the cancelled loss never ran
    learn.dispose();
  });

  it('rethrows other errors after afterFit, leaking nothing', async () => {
    const learn = makeLearner();
    await learn.fit(1, 1e-3);
    const start = tf.memory().numTensors;
    let sawError: unknown = null;
    const failing: Callback = {
      afterBackward: () => {
        throw new Error('boom');
      },
      afterFit: (s) => void (sawError = s.error),
    };
    await expect(learn.fit(1, 1e-3, { callbacks: [failing] })).rejects.toThrow('boom');
    expect((sawError as Error).message).toBe('boom');
    expect(tf.memory().numTensors).toBe(start);
    learn.dispose();
  });

  it('keeps the tensor count stable across fits, lr_find and predictions', async () => {
    const start = tf.memory().numTensors;
    const learn = makeLearner();
    await learn.fitOneCycle(1, 1e-2);
    const afterOne = tf.memory().numTensors;
    const frozenParams = learn.opt.variables.length;
    learn.unfreeze();
    await learn.fitOneCycle(1, 1e-3);
    await learn.lrFind({ numIt: 5 });
    await learn.getPreds('valid');
    await learn.load(await learn.save());
    // Unfreezing made an optimiser holding two moments for each of more weights.
    expect(tf.memory().numTensors).toBe(afterOne + 2 * (learn.opt.variables.length - frozenParams));
    learn.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('resumes from an epoch checkpoint to the same weights, schedule and step count', async () => {
    const full = makeLearner();
    full.unfreeze();
    const checkpoints: Uint8Array[] = [];
    const saveEach = new CheckpointCallback(async (bytes, info) => {
      expect(info).toMatchObject({
        epoch: checkpoints.length + 1,
        iteration: 3 * (checkpoints.length + 1),
        epochs: 3,
      });
      checkpoints.push(bytes);
    });
    const result = await full.fitOneCycle(3, 1e-2, { callbacks: [saveEach] });
    expect(result).toMatchObject({ epochsDone: 3, iterations: 9 });
    expect(checkpoints).toHaveLength(3);

    // A run that "crashes" in epoch 1 and a fresh process that resumes from the epoch-0 checkpoint.
    const crashed = makeLearner();
    crashed.unfreeze();
    let first: Uint8Array | null = null;
    const crash: Callback = {
      beforeBatch: (s) => {
        if (s.iteration === 4) throw new Error('worker died');
      },
    };
    await expect(
      crashed.fitOneCycle(3, 1e-2, {
        callbacks: [new CheckpointCallback(async (b) => void (first ??= b)), crash],
      }),
    ).rejects.toThrow('worker died');
    crashed.dispose();

    const resumed = makeLearner(); // created frozen: the checkpoint restores the unfrozen state
    const resumedResult = await resumed.fitOneCycle(3, 1e-2, { resumeFrom: first! });
    expect(resumedResult).toMatchObject({ epochsDone: 3, iterations: 9 });
    expect(resumed.frozenGroups).toBe(0);
    expect(resumed.opt.stepCount).toBe(full.opt.stepCount);
    expect(resumed.opt.stepCount).toBe(9);
    expect(resumed.recorder.lrs).toEqual(full.recorder.lrs);
    expect(resumed.recorder.moms).toEqual(full.recorder.moms);
    expect(resumed.recorder.epochs.map((e) => e.validLoss)).toEqual(
      full.recorder.epochs.map((e) => e.validLoss),
    );
    await expectSameWeights(resumed, full);
    await expect(resumed.fitOneCycle(2, 1e-2, { resumeFrom: first! })).rejects.toThrow(
      /3-epoch fit/,
    );
    await expect(resumed.fit(1, 1e-2, { resumeFrom: await resumed.save() })).rejects.toThrow(
      /checkpoint bytes/,
    );
    resumed.dispose();
    full.dispose();
  });

  it('repeats a seeded fit with dropout exactly, and differs with another seed', async () => {
    const make = (seed: number) => cnnLearner(data, tinyBackbone(8, 7), { seed });
    const [a, b, c] = [make(1), make(1), make(2)];
    for (const learn of [a, b, c]) await learn.fitOneCycle(1, 1e-2);
    await expectSameWeights(a, b, 0);
    expect(c.recorder.losses).not.toEqual(a.recorder.losses);
    [a, b, c].forEach((l) => l.dispose());
  });

  it('stops early when the monitored value stops improving, and restores the best epoch', async () => {
    const learn = makeLearner();
    // A minDelta no change can reach: only the first epoch counts as an improvement.
    const stop = new EarlyStoppingCallback({ monitor: 'valid_loss', patience: 1, minDelta: 10 });
    const best = new SaveBestCallback({ monitor: 'error_rate', minDelta: 10 });
    const result = await learn.fit(6, 1e-3, { callbacks: [stop, best] });
    expect(result.stopReason).toBe('no improvement in valid_loss for 2 epochs');
    expect(result.epochsDone).toBe(3);
    expect(best.bestEpoch).toBe(0);
    expect(learn.recorder.epochs).toHaveLength(result.epochsDone);
    const restored = makeLearner();
    await restored.load(best.bestBytes!);
    await expectSameWeights(learn, restored, 0);
    learn.dispose();
    restored.dispose();
  });
});
