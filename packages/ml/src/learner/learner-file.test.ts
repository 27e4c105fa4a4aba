import { initBackend } from '../backend/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../models/safetensors';
import { cnnLearner } from './cnn-learner';
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
    expect(() => learn.getPreds('test')).toThrow(/no test split/);
    learn.dispose();
  });
});
