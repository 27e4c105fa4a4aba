/**
 * A precomputed frozen fit on real photos through the real pipeline: 4 classes of
 * sign-language-digits, 25 photos each (20 train, 5 valid per class on average, seed 42), at
 * 96 px with the offline MobileNetV2-0.35 body, 2 augmented views per training image. Measured:
 * error 0.10, 0.05, 0.05 after epochs 1–3 (0.25 at 64 px), cache 2.6 s, head 1.5 s.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { createDataBunch, folderItems, folderSource, splitByRandomPct } from '../data/index';
import { loadBackbone } from '../models/load-backbone';
import { cnnLearner } from './cnn-learner';
import { describePrecompute } from './precompute';
import { readWeights } from './test-fixtures';

const DATASET = '/work/shared/datasets/sign-language-digits';
const PRETRAINED = '/work/shared/pretrained';
const CLASSES = ['0', '1', '2', '3'];
const PER_CLASS = 25;

describe('precompute on sign-language-digits with MobileNetV2-0.35', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });

  it('learns from cached features, leaves the body as it was and frees its tensors', async () => {
    const all = await folderItems(DATASET);
    const subset = CLASSES.flatMap((c) => all.filter((i) => i.label === c).slice(0, PER_CLASS));
    const items = splitByRandomPct(subset, 0.2, 42);
    const backbone = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
    const data = createDataBunch(items, folderSource(DATASET), {
      size: 96,
      bs: 16,
      seed: 42,
      normalize: backbone.spec.normalization,
    });
    const learn = cnnLearner(data, backbone, { seed: 42 });
    const bodyNames = new Set(
      backbone.body.layers.flatMap((l) => l.weights.map((w) => `${l.name}/${w.originalName}`)),
    );
    const before = await readWeights(learn.model);
    const start = tf.memory().numTensors;

    const result = await learn.fitOneCycle(3, 1e-2, { precompute: { views: 2 } });
    console.info(describePrecompute(result));

    const { counts } = data;
    expect(result.precompute).toMatchObject({
      views: 2,
      trainImages: counts.train,
      validImages: counts.valid,
      featureSize: 2 * 1280, // max ‖ avg pooling of MobileNetV2's 1280 channels
    });
    const rows = learn.recorder.epochs;
    expect(rows.map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(learn.recorder.losses).toHaveLength(3 * data.train.length);
    const error = rows.at(-1)!.metrics['error_rate']!;
    console.info(
      rows
        .map(
          (r) =>
            `${r.epoch}: valid ${r.validLoss!.toFixed(3)} error ${r.metrics['error_rate']!.toFixed(3)}`,
        )
        .join('; '),
    );
    // Chance is 0.75 with 4 classes; 0.25 is 5 of the 20 validation photos.
    expect(error).toBeLessThanOrEqual(0.25);

    const after = await readWeights(learn.model);
    let bodyChange = 0;
    let headChange = 0;
    for (const [name, values] of before) {
      const change = values.reduce((m, v, i) => Math.max(m, Math.abs(v - after.get(name)![i]!)), 0);
      if (bodyNames.has(name)) bodyChange = Math.max(bodyChange, change);
      else headChange = Math.max(headChange, change);
    }
    expect(bodyNames.size).toBeGreaterThan(100);
    expect(bodyChange).toBe(0);
    expect(headChange).toBeGreaterThan(1e-3);
    // Only the head's Adam moments (two per trainable head weight) are new.
    const headWeights = learn.layerGroups.at(-1)!.flatMap((l) => l.trainableWeights).length;
    expect(tf.memory().numTensors).toBe(start + 2 * headWeights);
    learn.dispose();
  });
});
