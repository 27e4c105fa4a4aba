import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { versionRequest } from '@studio/shared';
import { createTestDatabase, SHARED, type TestDatabase } from '@studio/db/testing';
import type { Access } from './access';
import { createDataset } from './datasets';
import { completeUpload, importUploadedBatch } from './imports';
import { createVersion } from './labelling';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

const photos = path.join(SHARED, 'datasets/sign-language-digits');
let database: TestDatabase;
let access: Access;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  const team = await database.db.team.create({ data: { name: 'lesson one' } });
  await database.db.user.create({ data: { id: 'ada', name: 'Ada', email: 'ada@studio.test' } });
  access = { teamId: team.id, role: 'member', userId: 'ada', tokenId: null };
});
afterAll(async () => {
  await database?.drop();
});

/** `count` photos of a class as the browser uploads them (each named by its relative path). */
async function photosOf(cls: string, count: number, offset = 0): Promise<File[]> {
  const names = (await readdir(path.join(photos, cls))).sort().slice(offset, offset + count);
  return Promise.all(
    names.map(
      async (name) =>
        new File([new Uint8Array(await readFile(path.join(photos, cls, name)))], `${cls}/${name}`),
    ),
  );
}

const folderVersion = versionRequest.parse({
  labelling: { scheme: 'folder' },
  split: { validPct: 0.25, seed: 7 },
});

const itemsOf = async (versionId: string) =>
  (
    await database.db.datasetVersionItem.findMany({
      where: { versionId },
      select: { fileId: true, labels: true, split: true },
      orderBy: { fileId: 'asc' },
    })
  ).map((i) => JSON.stringify(i));

describe('adding photos to a dataset', () => {
  it('puts them in the next version and leaves earlier versions as they were', async () => {
    const dataset = await createDataset(access, 'hands', 'folder');
    await importUploadedBatch(access, dataset.id, [
      ...(await photosOf('0', 4)),
      ...(await photosOf('1', 4)),
    ]);
    await completeUpload(access, dataset.id);
    const first = await createVersion(access, dataset.id, folderVersion);
    const firstItems = await itemsOf(first.id);
    expect(firstItems).toHaveLength(8);

    // More of the same classes, a new class, and a path the dataset already has.
    const added = await importUploadedBatch(access, dataset.id, [
      ...(await photosOf('0', 3, 4)),
      ...(await photosOf('2', 4)),
      ...(await photosOf('1', 1)),
    ]);
    expect(added.imported).toBe(7);
    const ready = await completeUpload(access, dataset.id);
    expect(ready.status).toBe('ready');

    const second = await createVersion(access, dataset.id, folderVersion);
    expect(second.number).toBe(2);
    const stored = await database.db.datasetVersion.findUniqueOrThrow({
      where: { id: second.id },
      include: { items: { include: { file: { select: { path: true } } } } },
    });
    expect(stored.items).toHaveLength(15);
    expect(stored.classes).toEqual(['0', '1', '2']);
    const paths = stored.items.map((i) => i.file.path);
    for (const file of await photosOf('2', 4)) expect(paths).toContain(file.name);

    expect(await itemsOf(first.id)).toEqual(firstItems);
    const firstRow = await database.db.datasetVersion.findUniqueOrThrow({
      where: { id: first.id },
    });
    expect(firstRow.classes).toEqual(['0', '1']);
  });
});
