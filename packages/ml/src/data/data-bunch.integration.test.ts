/**
 * Smoke test over a real dataset: a small subset of ../shared's
 * sign-language-digits (read in place, never copied), decoded strictly,
 * batched and augmented at a realistic size.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { sharedPath } from '@studio/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataBunch } from './data-bunch';
import { folderItems, folderSource, splitByRandomPct } from './items';
import { showBatch } from './show-batch';

const DATASET = sharedPath('datasets', 'sign-language-digits');

describe('sign-language-digits smoke test', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('reads, splits, decodes, augments and batches a subset', async () => {
    const all = await folderItems(DATASET);
    expect(all.length).toBeGreaterThan(2000);
    expect(new Set(all.map((i) => i.label)).size).toBe(10);
    // 8 images per class, the first by key order.
    const subset = [...new Set(all.map((i) => i.label))].flatMap((label) =>
      all.filter((i) => i.label === label).slice(0, 8),
    );
    const items = splitByRandomPct(subset, 0.25, 42);
    const bunch = createDataBunch(items, folderSource(DATASET), { size: 128, bs: 20, seed: 42 });
    expect(bunch.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(bunch.counts).toEqual({ train: 60, valid: 20, test: 0 });

    const start = tf.memory().numTensors;
    const t0 = performance.now();
    let trainBatches = 0;
    for await (const b of bunch.train.batches(0)) {
      expect(b.x.shape).toEqual([20, 128, 128, 3]);
      const range = tf.tidy(() => tf.stack([tf.min(b.x), tf.max(b.x)]));
      const [min, max] = Array.from(await range.data()) as [number, number];
      range.dispose();
      // ImageNet-normalised pixels lie within [-0.485/0.229, (1-0.406)/0.225].
      expect(min).toBeGreaterThanOrEqual(-2.12);
      expect(max).toBeLessThanOrEqual(2.65);
      expect(max - min).toBeGreaterThan(1);
      tf.dispose([b.x, b.y]);
      trainBatches++;
    }
    const firstEpochMs = performance.now() - t0;
    const t1 = performance.now();
    let validSeen = 0;
    for await (const b of bunch.valid.batches()) {
      const y = await b.y.data();
      expect(Array.from(y).every((v) => v >= 0 && v < 10)).toBe(true);
      validSeen += b.keys.length;
      tf.dispose([b.x, b.y]);
    }
    for await (const b of bunch.train.batches(1)) tf.dispose([b.x, b.y]);
    const cachedMs = performance.now() - t1;
    expect(trainBatches).toBe(3);
    expect(validSeen).toBe(20);
    expect(tf.memory().numTensors).toBe(start);
    expect(bunch.cache.size).toBe(80); // bs 20 divides 60: every training image was used

    const shown = await showBatch(bunch, { rows: 3, seed: 1 });
    expect(shown.map((s) => s.png.subarray(1, 4).toString())).toEqual(Array(9).fill('PNG'));
    console.info(
      `sign-language smoke: first epoch ${firstEpochMs.toFixed(0)} ms (decoding), cached epoch + valid ${cachedMs.toFixed(0)} ms`,
    );
  });
});
