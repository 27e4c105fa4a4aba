import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../models/safetensors';
import { cnnLearner } from './cnn-learner';
import type { LearnerBatch } from './data';
import { crossEntropy } from '../training/cross-entropy';
import { readLearnerFile } from './learner-file';
import { readWeights, syntheticData, tinyBackbone } from './test-fixtures';

let data: ReturnType<typeof syntheticData>;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  data = syntheticData({ classes: 3, train: 32, valid: 20, bs: 8, seed: 4 });
});
afterAll(() => data.dispose());

describe('save / load', () => {
  it('round-trips weights (BatchNorm statistics included), optimiser, frozen state and classes', async () => {
    const learn = cnnLearner(data, tinyBackbone(8, 1), { seed: 3 });
    learn.freezeTo(1);
    await learn.fitOneCycle(1, 1e-2);
    const bytes = await learn.save();

    const file = readSafetensors(bytes);
    expect([...file.tensors.keys()]).toContain('w/bn1/moving_mean');
    expect([...file.tensors.keys()]).toContain('opt.m/head.lin2/kernel');
    const { header } = readLearnerFile(bytes);
    expect(header).toMatchObject({
      format: 'studio-learner',
      classes: ['class0', 'class1', 'class2'],
      frozenGroups: 1,
      layerGroups: 3,
    });
    expect(header.optimizer?.steps['head.lin2/kernel']).toBe(4);

    const other = cnnLearner(data, tinyBackbone(8, 2), { seed: 4 });
    await other.load(bytes);
    expect(await readWeights(other.model)).toEqual(await readWeights(learn.model));
    expect(await other.opt.getState()).toEqual(await learn.opt.getState());
    expect(other.frozenGroups).toBe(1);
    expect(other.opt.lr).toEqual(learn.opt.lr);
    const [a, b] = [await learn.getPreds(), await other.getPreds()];
    expect(b.probs).toEqual(a.probs);

    const weightsOnly = await learn.getWeightsBytes();
    expect(weightsOnly.byteLength).toBeLessThan(bytes.byteLength);
    expect(readLearnerFile(weightsOnly).header.optimizer).toBeNull();

    const otherData = { ...data, classes: ['a', 'b', 'c'] };
    const mismatch = cnnLearner(otherData, tinyBackbone(8, 2), { seed: 4 });
    await expect(mismatch.load(bytes)).rejects.toThrow(
      /trained on classes \[class0, class1, class2\]/,
    );
    await expect(mismatch.load(new Uint8Array(16))).rejects.toThrow(/safetensors/);
    [learn, other, mismatch].forEach((l) => l.dispose());
  });
});

describe('a learner loaded elsewhere', () => {
  it('continues the training-mode pass, data epochs and dropout masks where the saved one stood', async () => {
    // Training draws from data epochs and dropout masks; record which epochs a learner asks for.
    const epochsOf = (seen: number[]) => ({
      ...data,
      train: {
        length: data.train.length,
        batches: (epoch: number) => (seen.push(epoch), data.train.batches(epoch)),
      },
    });
    const [seenA, seenB] = [[] as number[], [] as number[]];
    const learn = cnnLearner(epochsOf(seenA), tinyBackbone(8, 1), { seed: 3 });
    await learn.fitOneCycle(2, 1e-2);
    const bytes = await learn.save();
    // As a new process builds it: the same construction, then load.
    const other = cnnLearner(epochsOf(seenB), tinyBackbone(8, 1), { seed: 3 });
    await other.load(bytes);

    expect(other.frozenGroups).toBe(learn.frozenGroups);
    const trainable = (l: typeof learn) => l.opt.groups.map((g) => g.map((p) => p.key));
    expect(trainable(other)).toEqual(trainable(learn));
    const flags = (l: typeof learn) => l.model.layers.map((layer) => layer.trainable);
    expect(flags(other)).toEqual(flags(learn));
    expect(other.dataEpoch).toBe(2);

    // One fixed batch, the first the saved learner trained on.
    let fixed: LearnerBatch | undefined;
    for await (const batch of data.train.batches(0)) {
      if (fixed == null) fixed = batch;
      else tf.dispose([batch.x, batch.y]);
    }
    const { x, y } = fixed!;
    const evalLoss = (l: typeof learn) =>
      tf.tidy(() => crossEntropy(l.model.apply(x, { training: false }) as tf.Tensor, y, 3));
    expect((await evalLoss(other).data())[0]).toBeCloseTo((await evalLoss(learn).data())[0]!, 6);
    // Training mode with dropout: the same masks, not those of the saved learner's first batch.
    const losses = async (l: typeof learn) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        const loss = l.trainingLoss(x, y);
        out.push((await loss.data())[0]!);
        loss.dispose();
      }
      return out;
    };
    const [lossesA, lossesB] = [await losses(learn), await losses(other)];
    lossesB.forEach((loss, i) => expect(loss).toBeCloseTo(lossesA[i]!, 5));
    tf.dispose([x, y]);

    // The next fit goes on with new data epochs, the same in both.
    await learn.fitOneCycle(1, 1e-3);
    await other.fitOneCycle(1, 1e-3);
    expect(seenA).toEqual([0, 1, 2]);
    expect(seenB).toEqual([2]);
    other.recorder.losses.forEach((loss, i) =>
      expect(loss).toBeCloseTo(learn.recorder.losses[i]!, 4),
    );
    [learn, other].forEach((l) => l.dispose());
  });
});

describe('getPreds', () => {
  it('returns probabilities, targets, per-item losses and keys over the whole split', async () => {
    const learn = cnnLearner(data, tinyBackbone(8, 1), { seed: 3 });
    const preds = await learn.getPreds('valid');
    expect(preds.probs).toHaveLength(20 * 3);
    expect(Array.from(preds.targets)).toEqual(Array.from({ length: 20 }, (_, i) => i % 3));
    expect(preds.keys).toEqual(Array.from({ length: 20 }, (_, i) => `valid/${i}`));
    for (let i = 0; i < 20; i++) {
      const row = preds.probs.subarray(i * 3, i * 3 + 3);
      expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      expect(preds.losses[i]).toBeCloseTo(-Math.log(row[preds.targets[i]!]!), 4);
    }
    const { validLoss, metrics } = await learn.validate();
    expect(validLoss).toBeCloseTo(preds.losses.reduce((s, l) => s + l, 0) / 20, 5);
    expect(metrics['error_rate']).toBeGreaterThanOrEqual(0);
    await expect(learn.getPreds('test')).rejects.toThrow(/no test split/);
    learn.dispose();
  });
});
