import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CorrectionError,
  createCorrectedVersion,
  PostgresBlobStore,
  type Prisma,
} from '@studio/db';
import {
  createTestDatabase,
  seedSignLanguageVersion,
  SHARED,
  type TestDatabase,
} from '@studio/db/testing';
import { initBackend, type DataBunch } from '@studio/ml';
import { NORMALIZATION_PRESETS, runConfig, uploadedArch } from '@studio/shared';
import { buildLearner } from './build-learner';

const MOBILENET = path.join(SHARED, 'pretrained/mobilenet-v2-0.35-teachable-machine');
let t: TestDatabase;
let blobs: PostgresBlobStore;
let versionId: string;

/** The MobileNetV2 folder stored as the web app stores an upload: blobs and a row. */
async function storeUploadedBackbone(): Promise<string> {
  const row = await t.db.uploadedBackbone.create({
    data: {
      name: 'teachable machine mobilenet',
      files: [],
      bytes: 0n,
      inputShape: [224, 224, 3],
      normalization: NORMALIZATION_PRESETS.symmetric.stats as Prisma.InputJsonValue,
      cutLayer: 'out_relu',
    },
  });
  const names = (await readdir(MOBILENET)).filter((n) => n === 'model.json' || n.endsWith('.bin'));
  const files = await Promise.all(
    names.map(async (name) => ({ name, bytes: await readFile(path.join(MOBILENET, name)) })),
  );
  const stored = files.map((f) => ({
    name: f.name,
    blobKey: `backbone/${row.id}/${f.name}`,
    bytes: f.bytes.length,
  }));
  await blobs.putMany(
    files.map((f, i) => ({
      key: stored[i]!.blobKey,
      bytes: f.bytes,
      contentType: 'application/octet-stream',
    })),
  );
  await t.db.uploadedBackbone.update({
    where: { id: row.id },
    data: { files: stored, bytes: BigInt(stored.reduce((n, f) => n + f.bytes, 0)) },
  });
  return row.id;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  t = await createTestDatabase();
  blobs = new PostgresBlobStore(t.db);
  versionId = await seedSignLanguageVersion(t.db, { classes: ['0', '1'], perClass: 8 });
});

afterAll(async () => {
  await t?.drop();
});

describe('buildLearner with an uploaded backbone', () => {
  it('loads the backbone from its blobs, cuts and normalises it as stored, and trains a batch', async () => {
    const backboneId = await storeUploadedBackbone();
    const run = await t.db.run.create({
      data: {
        name: 'uploaded backbone run',
        versionId,
        arch: uploadedArch(backboneId),
        config: runConfig.parse({ size: 64, bs: 4, augment: { enabled: false } }),
      },
    });
    const paths = { pretrainedDir: '/nonexistent', cacheDir: '/nonexistent' };
    const { learner, preprocessing } = await buildLearner(t.db, blobs, run.id, paths);
    try {
      expect(preprocessing).toMatchObject({
        arch: `uploaded:${backboneId}`,
        size: 64,
        normalize: { kind: 'stats', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
      });
      // Two body groups split at the middle layer, then the head; frozen as a new learner is.
      expect(learner.layerGroups).toHaveLength(3);
      const losses: number[] = [];
      const result = await learner.fit(1, 1e-3, {
        callbacks: [
          {
            afterBatch: (state) => {
              losses.push(state.loss);
              state.stopTraining = true;
            },
          },
        ],
      });
      expect(result.iterations).toBe(1);
      expect(losses).toHaveLength(1);
      // Cross-entropy of a fresh head on two classes is near ln 2, and finite.
      expect(losses[0]).toBeGreaterThan(0.05);
      expect(losses[0]).toBeLessThan(5);
    } finally {
      learner.dispose();
    }
  });

  it('says the backbone is gone when its row was deleted', async () => {
    const backboneId = await storeUploadedBackbone();
    const run = await t.db.run.create({
      data: {
        name: 'orphan',
        versionId,
        arch: uploadedArch(backboneId),
        config: runConfig.parse({ size: 64, bs: 4 }),
      },
    });
    await t.db.uploadedBackbone.delete({ where: { id: backboneId } });
    await expect(
      buildLearner(t.db, blobs, run.id, { pretrainedDir: '/x', cacheDir: '/x' }),
    ).rejects.toThrow(`uploaded backbone ${backboneId} no longer exists`);
  });
});

describe('buildLearner on a version corrected from the top losses', () => {
  it('trains with the corrected labels: counts per class change as marked', async () => {
    const items = await t.db.datasetVersionItem.findMany({
      where: { versionId },
      orderBy: { fileId: 'asc' },
    });
    const of = (label: string, split: string) =>
      items.filter((i) => i.labels[0] === label && i.split === split);
    const [a, b] = of('0', 'train');
    const [c] = of('1', 'train');
    const [d] = of('0', 'valid');
    const source = { versionId, runId: crypto.randomUUID(), stageId: crypto.randomUUID() };
    const corrected = await createCorrectedVersion(t.db, source, [
      { fileId: a!.fileId, action: 'relabel', label: '1' },
      { fileId: b!.fileId, action: 'relabel', label: '1' },
      { fileId: c!.fileId, action: 'exclude' },
      { fileId: d!.fileId, action: 'relabel', label: '1' },
      // Relabelling to the label it has is no change.
      { fileId: of('1', 'valid')[0]!.fileId, action: 'relabel', label: '1' },
    ]);
    expect(corrected).toMatchObject({ number: 2, relabelled: 3, excluded: 1 });
    const row = await t.db.datasetVersion.findUniqueOrThrow({ where: { id: corrected.id } });
    expect(row.counts).toEqual({
      train: { '0': of('0', 'train').length - 2, '1': of('1', 'train').length + 1 },
      valid: { '0': of('0', 'valid').length - 1, '1': of('1', 'valid').length + 1 },
      test: {},
    });
    // The source version is untouched.
    expect(await t.db.datasetVersionItem.count({ where: { versionId } })).toBe(items.length);

    const backboneId = await storeUploadedBackbone();
    const run = await t.db.run.create({
      data: {
        name: 'corrected',
        versionId: corrected.id,
        arch: uploadedArch(backboneId),
        config: runConfig.parse({ size: 64, bs: 4, augment: { enabled: false } }),
      },
    });
    const paths = { pretrainedDir: '/nonexistent', cacheDir: '/nonexistent' };
    const { learner } = await buildLearner(t.db, blobs, run.id, paths);
    // buildLearner trains on a DataBunch, which also counts items per class.
    const data = learner.data as DataBunch;
    try {
      expect(data.classes).toEqual(['0', '1']);
      expect(data.classCounts.train).toEqual([
        of('0', 'train').length - 2,
        of('1', 'train').length + 1,
      ]);
      expect(data.classCounts.valid).toEqual([
        of('0', 'valid').length - 1,
        of('1', 'valid').length + 1,
      ]);
      // The relabelled photos arrive in training batches under their new label.
      const labelOf = new Map<string, number>();
      for await (const batch of data.train.eachItem(0)) {
        const ys = await batch.y.data();
        batch.keys.forEach((key, i) => labelOf.set(key, ys[i]!));
        batch.x.dispose();
        batch.y.dispose();
      }
      expect(labelOf.get(a!.fileId)).toBe(1);
      expect(labelOf.get(b!.fileId)).toBe(1);
      expect(labelOf.has(c!.fileId)).toBe(false);
      const result = await learner.fit(1, 1e-3, {
        callbacks: [{ afterBatch: (state) => void (state.stopTraining = true) }],
      });
      expect(result.iterations).toBe(1);
    } finally {
      learner.dispose();
    }
  });

  it('refuses corrections outside the version or its classes, and no change at all', async () => {
    const source = { versionId, runId: crypto.randomUUID(), stageId: crypto.randomUUID() };
    const item = await t.db.datasetVersionItem.findFirstOrThrow({ where: { versionId } });
    await expect(
      createCorrectedVersion(t.db, source, [{ fileId: crypto.randomUUID(), action: 'exclude' }]),
    ).rejects.toThrow(/is not in version 1/);
    await expect(
      createCorrectedVersion(t.db, source, [
        { fileId: item.fileId, action: 'relabel', label: 'cat' },
      ]),
    ).rejects.toThrow(CorrectionError);
    await expect(
      createCorrectedVersion(t.db, source, [
        { fileId: item.fileId, action: 'relabel', label: item.labels[0]! },
      ]),
    ).rejects.toThrow('Nothing changes');
  });
});
