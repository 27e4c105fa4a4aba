// show_batch and the augmentation preview of a dataset version of real photos, read from
// Postgres through the data bunch training builds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore } from '@studio/db';
import { createTestDatabase, seedSignLanguageVersion, type TestDatabase } from '@studio/db/testing';
import { previewJob, type PreviewResult } from '@studio/shared';
import { PermanentPreviewError, previewImages, type PreviewContext } from './preview';

let t: TestDatabase;
let ctx: PreviewContext;
let versionId: string;
let cacheDir: string;
const splitOf = new Map<string, string>();
const labelOf = new Map<string, string>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  t = await createTestDatabase();
  cacheDir = await mkdtemp(join(tmpdir(), 'preview-'));
  versionId = await seedSignLanguageVersion(t.db, { classes: ['0', '1', '2'], perClass: 8 });
  const rows = await t.db.datasetVersionItem.findMany({ where: { versionId } });
  for (const r of rows) {
    splitOf.set(r.fileId, r.split);
    labelOf.set(r.fileId, r.labels[0]!);
  }
  ctx = { db: t.db, blobs: new PostgresBlobStore(t.db), cacheDir };
});

afterAll(async () => {
  await t?.drop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

const ask = (job: object) => previewImages(ctx, previewJob.parse({ versionId, ...job }));

async function sizeOf(png: string): Promise<[number, number]> {
  const meta = await sharp(Buffer.from(png, 'base64')).metadata();
  return [meta.width!, meta.height!];
}

const keysOf = (r: PreviewResult) => r.images.map((i) => i.fileId);

describe('previewImages', () => {
  it('shows rows² labelled training images at the run size; another batch differs', async () => {
    const first = await ask({ kind: 'batch' });
    expect(first.images).toHaveLength(9);
    for (const image of first.images) {
      expect(splitOf.get(image.fileId)).toBe('train');
      expect(image.label).toBe(labelOf.get(image.fileId));
      expect(await sizeOf(image.png)).toEqual([224, 224]);
    }
    const again = await ask({ kind: 'batch' });
    expect(again.images.map((i) => i.png)).toEqual(first.images.map((i) => i.png));
    const next = await ask({ kind: 'batch', batch: 1 });
    expect(keysOf(next)).not.toEqual(keysOf(first));

    const small = await ask({ kind: 'batch', rows: 2, config: { size: 96, resizeMode: 'pad' } });
    expect(small.images).toHaveLength(4);
    expect(await sizeOf(small.images[0]!.png)).toEqual([96, 96]);
  });

  it('shows validation images without augmentation', async () => {
    const valid = await ask({ kind: 'batch', split: 'valid', batch: 3 });
    // A quarter of 24 photos is fewer than 3 × 3: all of them.
    expect(valid.images).toHaveLength([...splitOf.values()].filter((s) => s === 'valid').length);
    expect(valid.images.every((i) => splitOf.get(i.fileId) === 'valid')).toBe(true);
    // Augmentation settings change nothing for validation images.
    const plain = await ask({
      kind: 'batch',
      split: 'valid',
      batch: 3,
      config: { augment: { enabled: false } },
    });
    expect(plain.images.map((i) => i.png)).toEqual(valid.images.map((i) => i.png));
  });

  it('draws one photo eight times under the settings, repeatably by the seed', async () => {
    const draws = await ask({ kind: 'augment' });
    expect(draws.images).toHaveLength(8);
    expect(new Set(keysOf(draws)).size).toBe(1);
    expect(new Set(draws.images.map((i) => i.png)).size).toBe(8);
    expect((await ask({ kind: 'augment' })).images).toEqual(draws.images);
    const seeded = await ask({ kind: 'augment', config: { seed: 7 } });
    expect(seeded.images.map((i) => i.png)).not.toEqual(draws.images.map((i) => i.png));
    const off = await ask({ kind: 'augment', config: { augment: { enabled: false } } });
    expect(new Set(off.images.map((i) => i.png)).size).toBe(1);
  });

  it('refuses a version without training images for good', async () => {
    await expect(
      previewImages(ctx, previewJob.parse({ kind: 'batch', versionId: crypto.randomUUID() })),
    ).rejects.toBeInstanceOf(PermanentPreviewError);
  });
});
