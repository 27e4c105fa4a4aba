/**
 * fastai v1 `data.show_batch(rows=3)`: rows² augmented training images,
 * denormalised back to pixels and encoded as PNG, each with its label,
 * for the UI to lay out as a grid.
 */
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { DataBunch } from './data-bunch';
import { denormalizeBatch } from './normalize';

export interface ShownImage {
  key: string;
  label: string;
  png: Buffer;
}

export async function showBatch(
  bunch: DataBunch,
  options: { rows?: number; seed?: number } = {},
): Promise<ShownImage[]> {
  const rows = options.rows ?? 3;
  const n = Math.min(rows * rows, bunch.counts.train);
  const batch = await bunch.train.sample(n, options.seed ?? 0);
  try {
    const bytes = tf.tidy(() =>
      tf.cast(tf.round(tf.mul(denormalizeBatch(batch.x, bunch.normalize), 255)), 'int32'),
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
