import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore, purgeDataset } from '@studio/db';
import {
  createTestDatabase,
  seedSignLanguageVersion,
  SHARED,
  type TestDatabase,
} from '@studio/db/testing';
import { initBackend, type DataBunch } from '@studio/ml';
import { runConfig } from '@studio/shared';
import { buildLearner } from '../training/build-learner';
import { sweepPixelCache } from './sweep-pixel-cache';

let t: TestDatabase;
let blobs: PostgresBlobStore;
let cacheDir: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  t = await createTestDatabase();
  blobs = new PostgresBlobStore(t.db);
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'studio-cache-'));
});
afterAll(async () => {
  await t?.drop();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Bytes of every file under the worker's cache folder. */
async function diskBytes(): Promise<number> {
  const entries = await readdir(cacheDir, { recursive: true, withFileTypes: true });
  let bytes = 0;
  for (const e of entries)
    if (e.isFile()) bytes += (await stat(path.join(e.parentPath, e.name))).size;
  return bytes;
}

/** A dataset version and a run on it whose images this worker decoded into its cache. */
async function cachedRun(classes: string[]) {
  const versionId = await seedSignLanguageVersion(t.db, { classes, perClass: 3 });
  const run = await t.db.run.create({
    data: {
      name: 'cached',
      versionId,
      arch: 'mobilenet_v2_0.35',
      config: runConfig.parse({ size: 32, bs: 2, augment: { enabled: false } }),
    },
  });
  const { learner } = await buildLearner(t.db, blobs, run.id, {
    pretrainedDir: path.join(SHARED, 'pretrained'),
    cacheDir,
  });
  try {
    // The learner's data is the studio's DataBunch: decoding every image fills the cache.
    expect(await (learner.data as DataBunch).preload()).toEqual([]);
  } finally {
    learner.dispose();
  }
  const version = await t.db.datasetVersion.findUniqueOrThrow({ where: { id: versionId } });
  return version.datasetId;
}

describe("a worker's pixel cache after a delete", () => {
  it('keeps the images of datasets that remain and removes those of the deleted one', async () => {
    await cachedRun(['0', '1']);
    const kept = await diskBytes();
    expect(kept).toBeGreaterThan(0);
    const doomed = await cachedRun(['2', '3']);
    const withDoomed = await diskBytes();
    expect(withDoomed).toBeGreaterThan(kept);

    // Nothing is removed while every file still exists.
    expect(await sweepPixelCache(t.db, cacheDir)).toEqual({ removed: 0, bytes: 0 });
    await purgeDataset(t.db, doomed);
    const swept = await sweepPixelCache(t.db, cacheDir);
    expect(swept.removed).toBe(6);
    expect(swept.bytes).toBe(withDoomed - kept);
    expect(await diskBytes()).toBe(kept);
  });
});
