/**
 * Precomputed frozen fits on real photos through the real pipeline (signLanguageLearner: 4
 * classes of sign-language-digits at 96 px, the offline MobileNetV2-0.35 body), 2 augmented
 * views per training image.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBodyPools } from '../parallel/body-pool';
import { initBackend } from '../backend/index';
import { prepareFeatureCache } from './feature-cache';
import { describePrecompute } from './precompute';
import { maxDifference, readCache, readWeights, signLanguageLearner } from './test-fixtures';

describe('precompute on sign-language-digits with MobileNetV2-0.35', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });
  afterAll(() => closeBodyPools());

  it('learns from cached features, leaves the body as it was and frees its tensors', async () => {
    const { learn, backbone, data } = await signLanguageLearner();
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
    let statisticsChange = 0;
    let headChange = 0;
    for (const [name, values] of before) {
      const change = values.reduce((m, v, i) => Math.max(m, Math.abs(v - after.get(name)![i]!)), 0);
      if (!bodyNames.has(name)) headChange = Math.max(headChange, change);
      else if (/moving_(mean|variance)/.test(name))
        statisticsChange = Math.max(statisticsChange, change);
      else bodyChange = Math.max(bodyChange, change);
    }
    expect(bodyNames.size).toBeGreaterThan(100);
    // The body's weights as they were; its BatchNorm statistics adapted to the photos once.
    expect(bodyChange).toBe(0);
    expect(statisticsChange).toBeGreaterThan(1e-4);
    expect(result.precompute?.adaptImages).toBeGreaterThan(0);
    expect(headChange).toBeGreaterThan(1e-3);
    // Only the head's Adam moments (two per trainable head weight) are new.
    const headWeights = learn.layerGroups.at(-1)!.flatMap((l) => l.trainableWeights).length;
    expect(tf.memory().numTensors).toBe(start + 2 * headWeights);
    learn.dispose();
  });

  it('builds the same cache on two worker threads as in the main thread, and cancels promptly', async () => {
    const { learn } = await signLanguageLearner();
    learn.inferenceEngine = 'tfjs'; // the tfjs worker threads, not ONNX Runtime
    const start = tf.memory().numTensors;
    const build = async (threads: number) => {
      learn.cachedFeatures = null; // each build from the body, not from the last one's activations
      const began = performance.now();
      const cache = await prepareFeatureCache(
        learn,
        // Adapting BatchNorm first would move the statistics again at every build.
        { views: 2, threads, adaptBatches: 0 },
        { epochs: 3, firstDataEpoch: 0 },
      )({ withValidation: true, onProgress: async () => {} });
      const { threads: used, bodyImgS } = cache.summary;
      console.info(
        `${threads} thread(s): ${bodyImgS.toFixed(1)} img/s, ${(performance.now() - began).toFixed(0)} ms`,
      );
      expect(used).toBe(threads);
      return cache;
    };
    const inThread = await build(1);
    const pooled = await build(2);
    const [a, b] = [await readCache(pooled, 1), await readCache(inThread, 1)];
    expect(a.keys).toEqual(b.keys);
    expect(a.labels).toEqual(b.labels);
    expect(maxDifference(a.features, b.features)).toBeLessThanOrEqual(1e-5);
    const [c, d] = [await pooled.strategy.validate(), await inThread.strategy.validate()];
    expect(c.validLoss).toBeCloseTo(d.validLoss, 5);
    expect(c.metrics).toEqual(d.metrics);

    // Cancelled after its first batch: no more batches go to the workers, and the build ends
    // without waiting for the ones they are computing.
    let cancelledAt = 0;
    let batches = 0;
    learn.cachedFeatures = null;
    const cancelled = prepareFeatureCache(
      learn,
      { views: 2, threads: 2 },
      { epochs: 3, firstDataEpoch: 0 },
    )({
      withValidation: true,
      onProgress: async () => {
        batches++;
        cancelledAt = performance.now();
        throw new Error('stop requested');
      },
    });
    await expect(cancelled).rejects.toThrow('stop requested');
    const lateMs = performance.now() - cancelledAt;
    console.info(`cancel returned ${lateMs.toFixed(1)} ms after it was requested`);
    expect(batches).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
    learn.dispose();
  });
});
