import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataBunch } from './data-bunch';
import { showBatch } from './show-batch';
import { CLASS_COLOURS, syntheticDataset } from './test-fixtures';

describe('showBatch', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('returns rows² labelled, denormalised PNGs, reproducible by seed', async () => {
    const { items, source } = await syntheticDataset(5, 1);
    const bunch = createDataBunch(items, source, { size: 32, bs: 4, seed: 3 });
    const before = tf.memory().numTensors;
    const shown = await showBatch(bunch, { rows: 3, seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
    expect(shown).toHaveLength(9);
    for (const { png, label, key } of shown) {
      expect(key.split('/')[1]).toBe(label);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
      // The centre pixel still shows the class colour (lighting shifts it only a little).
      const centre = Array.from(data.subarray((16 * 32 + 16) * 3, (16 * 32 + 16) * 3 + 3));
      const want = CLASS_COLOURS[label]!;
      expect(centre.indexOf(Math.max(...centre))).toBe(want.indexOf(Math.max(...want)));
    }
    const again = await showBatch(bunch, { rows: 3, seed: 7 });
    expect(again.map((s) => s.png.equals(shown[again.indexOf(s)]!.png))).toEqual(
      Array(9).fill(true),
    );
    const other = await showBatch(bunch, { rows: 2, seed: 8 });
    expect(other).toHaveLength(4);
  });
});
