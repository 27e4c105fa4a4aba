import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUploadedFiles } from '@studio/datasets';
import { PostgresBlobStore } from './blob-store';
import { importIntoDataset } from './dataset-import';
import {
  datasetDeleteBlocker,
  datasetFootprint,
  DeleteBlockedError,
  purgeDataset,
  purgeRun,
  runDeleteBlocker,
  runFootprint,
} from './purge';
import { createTestDatabase, SHARED, type TestDatabase } from './testing';

const photos = path.join(SHARED, 'datasets/sign-language-digits');

let t: TestDatabase;
let blobs: PostgresBlobStore;
beforeAll(async () => {
  t = await createTestDatabase();
  blobs = new PostgresBlobStore(t.db);
});
afterAll(async () => {
  await t?.drop();
});

/** Row count of every table, and the bytes of every blob: what "nothing left behind" compares. */
async function snapshot() {
  const tables = await t.db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY 1`,
  );
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await t.db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "${name}"`,
    );
    rows[name] = Number(row!.n);
  }
  const [bytes] = await t.db.$queryRawUnsafe<{ n: bigint | null }[]>(
    `SELECT sum(octet_length(data)) AS n FROM "BlobChunk"`,
  );
  return { rows, blobBytes: Number(bytes!.n ?? 0) };
}

/** A dataset of `count` photos of class `cls` (from `offset`), imported as a folder drop. */
async function dataset(name: string, cls: string, count: number, offset = 0) {
  const row = await t.db.dataset.create({ data: { name, sourceKind: 'folder', status: 'ready' } });
  const names = (await readdir(path.join(photos, cls))).sort().slice(offset, offset + count);
  const files = names.map((n) => ({
    path: `${cls}/${n}`,
    read: () => readFile(path.join(photos, cls, n)),
  }));
  await importIntoDataset(t.db, blobs, row.id, readUploadedFiles(files));
  return row;
}

/** A version of every image, and a run on it with what a worker leaves: metrics, checkpoints, results. */
async function trainedRun(datasetId: string) {
  const files = await t.db.datasetFile.findMany({ where: { datasetId } });
  const version = await t.db.datasetVersion.create({
    data: {
      datasetId,
      number: 1 + (await t.db.datasetVersion.count({ where: { datasetId } })),
      labelling: { scheme: 'folder' },
      split: { kind: 'random', validPct: 0.5, seed: 1 },
      classes: ['0'],
      counts: {},
      items: {
        create: files.map((f, i) => ({
          fileId: f.id,
          labels: ['0'],
          split: i % 2 ? 'valid' : 'train',
        })),
      },
    },
  });
  const run = await t.db.run.create({
    data: {
      name: 'r',
      versionId: version.id,
      arch: 'mobilenet_v2_0.35',
      config: {},
      status: 'done',
      stages: { create: { index: 0, kind: 'fit_one_cycle', params: {}, status: 'done' } },
    },
    include: { stages: true },
  });
  const stage = run.stages[0]!;
  await t.db.epochMetric.create({
    data: {
      stageId: stage.id,
      epoch: 0,
      trainLoss: 1,
      validLoss: 1,
      errorRate: 0.5,
      accuracy: 0.5,
      seconds: 1,
    },
  });
  await t.db.batchMetric.create({
    data: { stageId: stage.id, iteration: 0, epoch: 0, loss: 1, smoothLoss: 1, lr: 1, mom: 0.9 },
  });
  // A superseded checkpoint blob no row names any more is the run's too.
  for (const [key, named] of [
    [`ckpt:${run.id}:current:current:1`, false],
    [`ckpt:${run.id}:current:current:2`, true],
  ] as const) {
    await blobs.put(key, new Uint8Array(3000).fill(7), 'application/octet-stream');
    if (named)
      await t.db.checkpoint.create({
        data: { runId: run.id, kind: 'current', name: 'current', blobKey: key, bytes: 3000n },
      });
  }
  const exportKey = `export/${stage.id}/model.json`;
  await blobs.put(exportKey, new Uint8Array(500).fill(1), 'application/json');
  await t.db.stageExport.create({
    data: {
      stageId: stage.id,
      files: [{ name: 'model.json', blobKey: exportKey, bytes: 500 }],
      bytes: 500n,
    },
  });
  await t.db.stageInterpretation.create({
    data: {
      stageId: stage.id,
      classes: ['0'],
      fileIds: [files[0]!.id],
      targets: [0],
      preds: [0],
      losses: [0.1],
      probs: new Uint8Array(4),
      confusion: [[1]],
      perClass: [],
      errorRate: 0,
    },
  });
  return { version, run };
}

describe('deleting a dataset', () => {
  it('leaves the database exactly as it was before the dataset, keeping images another dataset holds', async () => {
    const other = await dataset('kept', '1', 3);
    await trainedRun(other.id);
    // The deleted dataset shares one photo with a dataset that stays.
    await importIntoDataset(
      t.db,
      blobs,
      other.id,
      readUploadedFiles([
        {
          path: 'shared.jpg',
          read: async () =>
            readFile(path.join(photos, '0', (await readdir(path.join(photos, '0'))).sort()[0]!)),
        },
      ]),
    );
    const before = await snapshot();

    const doomed = await dataset('doomed', '0', 4);
    await trainedRun(doomed.id);
    await trainedRun(doomed.id);
    await blobs.put('upload:u1', new Uint8Array(2048).fill(3), 'application/zip');
    await t.db.importTask.create({
      data: { datasetId: doomed.id, kind: 'archive', source: 'upload:u1', status: 'done' },
    });
    await blobs.put('archive:a1', new Uint8Array(4096).fill(4), 'application/zip');
    await t.db.urlCache.create({
      data: {
        url: 'https://photos.test/d.zip',
        sha256: 'a'.repeat(64),
        blobKey: 'archive:a1',
        size: 4096n,
      },
    });
    await t.db.importTask.create({
      data: {
        datasetId: doomed.id,
        kind: 'url',
        source: 'https://photos.test/d.zip',
        status: 'done',
      },
    });
    await t.db.skippedFile.create({
      data: { datasetId: doomed.id, path: 'x.txt', reason: 'not an image' },
    });
    const full = await snapshot();

    const footprint = await datasetFootprint(t.db, doomed.id);
    expect(footprint).toMatchObject({
      versions: 2,
      runs: 2,
      checkpoints: 2,
      exports: 2,
      images: 4,
    });
    // 3 own images and thumbnails (one photo is shared), 2×2 checkpoints, 2 exports, 2 archives.
    expect(footprint.blobs).toBe(3 * 2 + 4 + 2 + 2);

    const purged = await purgeDataset(t.db, doomed.id);
    expect(purged).toEqual(footprint);
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(full.blobBytes - after.blobBytes).toBe(footprint.bytesFreed);
    // The dataset that stays still reads its shared photo.
    const shared = await t.db.datasetFile.findFirstOrThrow({
      where: { datasetId: other.id, path: 'shared.jpg' },
    });
    expect((await blobs.get(shared.blobKey)).length).toBe(shared.bytes);
  });
});

describe('deleting a run', () => {
  it('removes its stages, metrics, checkpoints, results and blobs, and nothing of its dataset', async () => {
    const data = await dataset('runs', '2', 2);
    await trainedRun(data.id);
    const before = await snapshot();
    const { run } = await trainedRun(data.id);
    const withRun = await snapshot();

    const footprint = await runFootprint(t.db, run.id);
    expect(footprint).toMatchObject({
      versions: 0,
      runs: 1,
      checkpoints: 1,
      exports: 1,
      images: 0,
      blobs: 3,
    });
    expect(footprint.bytesFreed).toBe(3000 + 3000 + 500);
    expect(await purgeRun(t.db, run.id)).toEqual(footprint);

    const after = await snapshot();
    expect(withRun.blobBytes - after.blobBytes).toBe(footprint.bytesFreed);
    // The run's version stays (a version is deleted on its own); everything else is as before.
    expect(after.rows.DatasetVersion).toBe(before.rows.DatasetVersion! + 1);
    expect({ ...after.rows, DatasetVersion: 0, DatasetVersionItem: 0 }).toEqual({
      ...before.rows,
      DatasetVersion: 0,
      DatasetVersionItem: 0,
    });
  });
});

describe('a delete that has to wait', () => {
  it('refuses, changing nothing, while a run trains or an import runs', async () => {
    const data = await dataset('busy', '4', 2);
    const { run } = await trainedRun(data.id);
    await t.db.stage.updateMany({ where: { runId: run.id }, data: { status: 'running' } });
    const before = await snapshot();
    await expect(purgeRun(t.db, run.id)).rejects.toThrow(DeleteBlockedError);
    await expect(purgeDataset(t.db, data.id)).rejects.toThrow(
      'Run "r" is still training on it; cancel it first.',
    );
    expect(await runDeleteBlocker(t.db, run.id)).toMatch(/cancel it first/);
    expect(await snapshot()).toEqual(before);

    await t.db.stage.updateMany({ where: { runId: run.id }, data: { status: 'cancelled' } });
    const task = await t.db.importTask.create({
      data: {
        datasetId: data.id,
        kind: 'url',
        source: 'https://photos.test/x.zip',
        status: 'queued',
      },
    });
    expect(await runDeleteBlocker(t.db, run.id)).toBeNull();
    expect(await datasetDeleteBlocker(t.db, data.id)).toMatch(
      /import into this dataset is still running/,
    );
    await expect(purgeDataset(t.db, data.id)).rejects.toThrow(DeleteBlockedError);
    await t.db.importTask.update({ where: { id: task.id }, data: { status: 'failed' } });
    expect(await datasetDeleteBlocker(t.db, data.id)).toBeNull();
    await purgeDataset(t.db, data.id);
    expect(await t.db.dataset.count({ where: { id: data.id } })).toBe(0);
  });
});
