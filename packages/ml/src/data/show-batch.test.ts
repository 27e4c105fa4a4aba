import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataBunch } from './data-bunch';
import { showAugmentations, showBatch } from './show-batch';
import { denormalizeBatch } from './normalize';
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

  it('shows validation images unaugmented: the same pixels as the validation batches', async () => {
    const { items, source } = await syntheticDataset(4, 2);
    const bunch = createDataBunch(items, source, { size: 32, bs: 4, seed: 3 });
    const shown = await showBatch(bunch, { rows: 3, seed: 1, split: 'valid' });
    // Six validation images exist, fewer than 3 × 3.
    expect(shown.map((s) => s.key).sort()).toEqual(
      items
        .filter((i) => i.split === 'valid')
        .map((i) => i.key)
        .sort(),
    );
    const reference = new Map<string, Buffer>();
    for await (const batch of bunch.valid.batches()) {
      const pixels = await tf
        .tidy(() =>
          tf.round(tf.mul(tf.clipByValue(denormalizeBatch(batch.x, bunch.normalize), 0, 1), 255)),
        )
        .data();
      batch.keys.forEach((key, i) =>
        reference.set(
          key,
          Buffer.from(Uint8Array.from(pixels.subarray(i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3))),
        ),
      );
      tf.dispose([batch.x, batch.y]);
    }
    for (const { key, png } of shown) {
      const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(data.equals(reference.get(key)!)).toBe(true);
    }
  });

  it('refuses a split without images', async () => {
    const { items, source } = await syntheticDataset(4, 0);
    const bunch = createDataBunch(items, source, { size: 32, bs: 4 });
    await expect(showBatch(bunch, { split: 'valid' })).rejects.toThrow(
      'This dataset has no validation images.',
    );
  });
});

describe('showAugmentations', () => {
  it('draws one photo n times, differently each draw, repeatable by seed', async () => {
    const { items, source } = await syntheticDataset(3, 1);
    const bunch = createDataBunch(items, source, { size: 32, bs: 4, seed: 3 });
    const key = items[4]!.key;
    const before = tf.memory().numTensors;
    const views = await showAugmentations(bunch, { n: 8, seed: 5, key });
    expect(tf.memory().numTensors).toBe(before);
    expect(views.map((v) => v.key)).toEqual(Array(8).fill(key));
    expect(new Set(views.map((v) => v.png.toString('base64'))).size).toBe(8);
    const again = await showAugmentations(bunch, { n: 8, seed: 5, key });
    expect(again.map((v) => v.png.equals(views[again.indexOf(v)]!.png))).toEqual(
      Array(8).fill(true),
    );
    const other = await showAugmentations(bunch, { n: 8, seed: 6, key });
    expect(other[0]!.png.equals(views[0]!.png)).toBe(false);
    // Without augmentation every draw is the plain centre of the photo.
    const plain = createDataBunch(items, source, { size: 32, bs: 4, augment: false });
    const same = await showAugmentations(plain, { n: 3, seed: 5, key });
    expect(new Set(same.map((v) => v.png.toString('base64'))).size).toBe(1);
  });
});
