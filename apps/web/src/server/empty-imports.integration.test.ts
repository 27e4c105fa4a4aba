import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHARED } from '@studio/db/testing';
import { POST as uploadArchiveRoute } from '@/app/api/datasets/[id]/archive/route';
import { POST as completeRoute } from '@/app/api/datasets/[id]/complete/route';
import { POST as createDatasetRoute } from '@/app/api/datasets/route';
import { createRouteFixture, type RouteFixture } from '@/testing/route-fixture';
import type { Access } from './access';
import { importUploadedBatch } from './imports';

// The guard that keeps server modules out of browser bundles has nothing to guard in a test.
vi.mock('server-only', () => ({}));

let studio: RouteFixture;
let access: Access;

beforeAll(async () => {
  studio = await createRouteFixture();
  access = { teamId: studio.teamId, role: 'member', userId: studio.userId, tokenId: null };
});
afterAll(async () => {
  await studio?.close();
});

async function newDataset(sourceKind: 'folder' | 'archive'): Promise<string> {
  const response = await createDatasetRoute(
    studio.request('/api/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceKind, name: `${sourceKind} upload` }),
    }),
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const exists = async (id: string) =>
  (await studio.database.db.dataset.count({ where: { id } })) === 1;

async function uploadArchive(datasetId: string, fileName: string, bytes: Uint8Array<ArrayBuffer>) {
  const response = await uploadArchiveRoute(
    studio.request(`/api/datasets/${datasetId}/archive?filename=${fileName}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    }),
    params(datasetId),
  );
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

/** Real photos of one sign, as the browser uploads them. */
async function photos(count: number): Promise<File[]> {
  const folder = path.join(SHARED, 'datasets/sign-language-digits/4');
  const names = (await readdir(folder)).sort().slice(0, count);
  return Promise.all(
    names.map(
      async (name) => new File([new Uint8Array(await readFile(path.join(folder, name)))], name),
    ),
  );
}

describe('an upload where nothing imports', () => {
  it('lists a text file and a broken photo with reasons, and keeps no dataset', async () => {
    const id = await newDataset('folder');
    const batch = await importUploadedBatch(access, id, [
      new File(['shopping list'], 'notes.txt'),
      new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], 'broken.jpg'),
    ]);
    expect(batch.imported).toBe(0);
    expect(batch.textFiles).toEqual(['notes.txt']);
    expect(batch.skipped).toEqual([{ path: 'broken.jpg', reason: expect.any(String) }]);

    const response = await completeRoute(
      studio.request(`/api/datasets/${id}/complete`, { method: 'POST' }),
      params(id),
    );
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^None of the files was an image the studio can read, so no dataset was made\./,
    );
    expect(await exists(id)).toBe(false);
    const audit = await studio.database.db.auditEvent.findFirstOrThrow({
      where: { action: 'dataset.delete', targetId: id },
    });
    expect(audit.detail).toMatchObject({ reason: 'nothing was imported' });
  });

  it('refuses an empty file, an empty zip and a photo named .zip before storing anything', async () => {
    const cases: [string, Uint8Array<ArrayBuffer>, RegExp][] = [
      ['photos.zip', new Uint8Array(0), /^"photos\.zip": The file is empty \(0 bytes\)/],
      [
        'photos.zip',
        new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]),
        /^"photos\.zip": The zip archive holds no files\./,
      ],
      [
        'cat.tar.gz',
        new Uint8Array(await readFile(await firstPhotoPath())),
        /^"cat\.tar\.gz": The file is not a zip, tar or tar\.gz archive/,
      ],
    ];
    for (const [fileName, bytes, message] of cases) {
      const id = await newDataset('archive');
      const { status, body } = await uploadArchive(id, fileName, bytes);
      expect(status).toBe(400);
      expect(body.error).toMatch(message);
      expect(await exists(id)).toBe(false);
      expect(await studio.database.db.importTask.count({ where: { datasetId: id } })).toBe(0);
    }
  });

  it('keeps a dataset that already holds photos when an archive added to it is refused', async () => {
    const id = await newDataset('folder');
    const batch = await importUploadedBatch(access, id, await photos(3));
    expect(batch.imported).toBe(3);
    const done = await completeRoute(
      studio.request(`/api/datasets/${id}/complete`, { method: 'POST' }),
      params(id),
    );
    expect(done.status).toBe(200);

    const { status } = await uploadArchive(id, 'more.zip', new Uint8Array(0));
    expect(status).toBe(400);
    expect(await exists(id)).toBe(true);
    expect(await studio.database.db.datasetFile.count({ where: { datasetId: id } })).toBe(3);
  });
});

async function firstPhotoPath(): Promise<string> {
  const folder = path.join(SHARED, 'datasets/sign-language-digits/4');
  return path.join(folder, (await readdir(folder)).sort()[0]!);
}
