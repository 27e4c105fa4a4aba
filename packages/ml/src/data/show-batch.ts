/**
 * fastai v1 `data.show_batch(rows=3)`: rows² training images as the learner sees them
 * (augmented) or validation images (centre crop, never augmented), denormalised back to pixels
 * and encoded as PNG, each with its label, for the UI to lay out as a grid.
 */
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { Batch, DataBunch } from './data-bunch';
import { denormalizeBatch } from './normalize';

export interface ShownImage {
  key: string;
  label: string;
  png: Buffer;
}

export async function showBatch(
  bunch: DataBunch,
  options: { rows?: number; seed?: number; split?: 'train' | 'valid' } = {},
): Promise<ShownImage[]> {
  const rows = options.rows ?? 3;
  const split = options.split ?? 'train';
  const available = bunch.counts[split];
  if (available === 0) {
    throw new Error(`This dataset has no ${split === 'train' ? 'training' : 'validation'} images.`);
  }
  const n = Math.min(rows * rows, available);
  const loader = split === 'train' ? bunch.train : bunch.valid;
  return toImages(bunch, await loader.sample(n, options.seed ?? 0));
}

/**
 * One training photo under `n` random draws of the bunch's augmentation (fastai's
 * `plot_multi` over `get_transforms()`), repeatable by `seed`.
 */
export async function showAugmentations(
  bunch: DataBunch,
  options: { n?: number; seed?: number; key?: string } = {},
): Promise<ShownImage[]> {
  return toImages(bunch, await bunch.train.views(options.n ?? 8, options.seed ?? 0, options.key));
}

/** Takes ownership of the batch: its tensors are disposed here. */
async function toImages(bunch: DataBunch, batch: Batch): Promise<ShownImage[]> {
  try {
    const bytes = tf.tidy(() =>
      tf.cast(
        tf.round(tf.mul(tf.clipByValue(denormalizeBatch(batch.x, bunch.normalize), 0, 1), 255)),
        'int32',
      ),
    );
    const [pixels, labels] = await Promise.all([bytes.data(), batch.y.data()]);
    bytes.dispose();
    const side = bunch.size;
    const stride = side * side * 3;
    return await Promise.all(
      batch.keys.map(async (key, i) => ({
        key,
        label: bunch.classes[labels[i]!] ?? '',
        png: await sharp(Uint8Array.from(pixels.subarray(i * stride, (i + 1) * stride)), {
          raw: { width: side, height: side, channels: 3 },
        })
          .png()
          .toBuffer(),
      })),
    );
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}
