import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEntries, readUploadedFiles } from '@studio/datasets';
import { PostgresBlobStore } from './blob-store';
import { sweepOrphanBlobs } from './blob-sweep';
import { createImageStore, importIntoDataset, saveImportResult } from './dataset-import';
import { createTestDatabase, SHARED, type TestDatabase } from './testing';

const HOUR = 3_600_000;
const photos = path.join(SHARED, 'datasets/sign-language-digits/0');

let t: TestDatabase;
let blobs: PostgresBlobStore;
beforeAll(async () => {
  t = await createTestDatabase();
  blobs = new PostgresBlobStore(t.db);
});
afterAll(async () => {
  await t?.drop();
});

/** `count` real photos as an upload (a folder drop). */
async function upload(count: number, offset = 0) {
  const names = (await readdir(photos)).sort().slice(offset, offset + count);
  return readUploadedFiles(
    names.map((name) => ({ path: `0/${name}`, read: () => readFile(path.join(photos, name)) })),
  );
}

const newDataset = () =>
  t.db.dataset.create({ data: { name: 'sweep', sourceKind: 'folder', status: 'ready' } });

/** Makes blobs look written long ago, as orphans left by an old crash would. */
const age = (keys: string[], ms = 2 * 24 * HOUR) =>
  t.db.$executeRawUnsafe(
    `UPDATE "Blob" SET "createdAt" = now() - ($2 || ' milliseconds')::interval WHERE key = ANY($1::text[])`,
    keys,
    String(ms),
  );

const keysOf = async () => (await t.db.blob.findMany({ select: { key: true } })).map((b) => b.key);

/** Every blob a dataset's rows name, and whether it exists. */
async function danglingRows(datasetId: string): Promise<string[]> {
  const files = await t.db.datasetFile.findMany({ where: { datasetId } });
  const present = new Set(await keysOf());
  return files.flatMap((f) => [f.blobKey, `thumb:${f.sha256}`]).filter((key) => !present.has(key));
}

describe('sweeping orphan blobs', () => {
  it('removes old blobs no row names, and keeps named, recent and unknown ones', async () => {
    const dataset = await newDataset();
    await importIntoDataset(t.db, blobs, dataset.id, await upload(2));
    const version = await t.db.datasetVersion.create({
      data: {
        datasetId: dataset.id,
        number: 1,
        labelling: {},
        split: {},
        classes: ['0'],
        counts: {},
      },
    });
    const run = await t.db.run.create({
      data: {
        name: 'sweep',
        versionId: version.id,
        arch: 'mobilenet_v2_0.35',
        config: {},
        stages: { create: { index: 0, kind: 'fit_one_cycle', params: {} } },
      },
      include: { stages: true },
    });
    const named = [
      'ckpt:r:current:current:1',
      'upload:named',
      'archive:named',
      'export/s/model.json',
    ];
    const orphans = ['img:' + 'f'.repeat(64), 'thumb:' + 'f'.repeat(64), 'ckpt:r:epoch:s:2'];
    orphans.push(
      'upload:gone',
      'upload:of-a-failed-import',
      'archive:gone',
      'export/gone/model.json',
      'backbone/gone/model.json',
    );
    const unknown = ['weights:something'];
    for (const key of [...named, ...orphans, ...unknown])
      await blobs.put(key, new Uint8Array([1, 2, 3]), 'application/octet-stream');
    await t.db.checkpoint.create({
      data: { runId: run.id, kind: 'current', name: 'current', blobKey: named[0]!, bytes: 3n },
    });
    await t.db.importTask.create({
      data: { datasetId: dataset.id, kind: 'archive', source: named[1]! },
    });
    // A failed import never reads its upload again, though its row still names it.
    await t.db.importTask.create({
      data: {
        datasetId: dataset.id,
        kind: 'archive',
        source: 'upload:of-a-failed-import',
        status: 'failed',
      },
    });
    await t.db.urlCache.create({
      data: { url: 'https://example.test/a.zip', sha256: 'a', blobKey: named[2]!, size: 3n },
    });
    await t.db.stageExport.create({
      data: {
        stageId: run.stages[0]!.id,
        files: [{ name: 'model.json', blobKey: named[3]!, bytes: 3 }],
        bytes: 3n,
      },
    });
    const before = await keysOf();
    await age(before);
    await blobs.put('ckpt:r:epoch:s:3', new Uint8Array([1]), 'application/octet-stream');

    const swept = await sweepOrphanBlobs(t.db, { olderThanMs: HOUR });
    expect(swept).toEqual({ deleted: orphans.length, bytes: 3 * orphans.length });
    const after = await keysOf();
    expect(after.sort()).toEqual(
      [...before.filter((k) => !orphans.includes(k)), 'ckpt:r:epoch:s:3'].sort(),
    );
    expect(await danglingRows(dataset.id)).toEqual([]);
    expect(await sweepOrphanBlobs(t.db, { olderThanMs: HOUR })).toEqual({ deleted: 0, bytes: 0 });
  });

  it('after a process killed between storing images and recording their rows: no row, and the sweep frees the blobs', async () => {
    const dataset = await newDataset();
    // A separate process runs the import's first half (the image store's flush) and is killed
    // before it records any row, as a crash or an OOM kill would.
    const script = `
      import { readFile } from 'node:fs/promises';
      import { createDb, createImageStore, PostgresBlobStore } from '@studio/db';
      import { importEntries, readUploadedFiles } from '@studio/datasets';
      const db = createDb(process.env.DATABASE_URL);
      const files = JSON.parse(process.env.FILES).map((p) => ({
        path: '0/' + p.split('/').pop(),
        read: () => readFile(p),
      }));
      const store = createImageStore(new PostgresBlobStore(db));
      await importEntries(readUploadedFiles(files), store);
      await store.flush();
      process.stdout.write('flushed\\n');
      setInterval(() => undefined, 1000);
    `;
    const names = (await readdir(photos)).sort().slice(10, 13);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: {
          ...process.env,
          DATABASE_URL: t.url,
          FILES: JSON.stringify(names.map((n) => path.join(photos, n))),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('flushed') && resolve());
      child.once('exit', (code) => reject(new Error(`the import process exited early (${code})`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    expect(await t.db.datasetFile.count({ where: { datasetId: dataset.id } })).toBe(0);
    const left = (await keysOf()).filter(
      (k) => (k.startsWith('img:') || k.startsWith('thumb:')) && !k.includes('f'.repeat(64)),
    );
    const orphaned = [];
    for (const key of left)
      if ((await t.db.datasetFile.count({ where: { sha256: key.split(':')[1]! } })) === 0)
        orphaned.push(key);
    expect(orphaned).toHaveLength(2 * names.length);
    // Within the grace period the sweep leaves them (a live import may be about to name them).
    expect((await sweepOrphanBlobs(t.db, { olderThanMs: HOUR })).deleted).toBe(0);
    await age(orphaned);
    expect((await sweepOrphanBlobs(t.db, { olderThanMs: HOUR })).deleted).toBe(orphaned.length);
    expect(await keysOf()).not.toContain(orphaned[0]);

    // Importing the same photos again stores them anew; every row names a blob.
    const files = readUploadedFiles(
      names.map((n) => ({ path: `0/${n}`, read: () => readFile(path.join(photos, n)) })),
    );
    const again = await importIntoDataset(t.db, blobs, dataset.id, files);
    expect(again.added).toBe(names.length);
    expect(await danglingRows(dataset.id)).toEqual([]);
  });

  it('an import whose reused blobs were swept meanwhile records none of their rows and says why', async () => {
    const dataset = await newDataset();
    const store = createImageStore(blobs);
    const result = await importEntries(await upload(2, 20), store);
    await store.flush();
    const keys = result.files.flatMap((f) => [`img:${f.hash}`, `thumb:${f.hash}`]);
    await age(keys);
    expect((await sweepOrphanBlobs(t.db, { olderThanMs: HOUR })).deleted).toBe(keys.length);
    await expect(saveImportResult(t.db, dataset.id, result)).rejects.toThrow(
      /4 of the 4 image and thumbnail blobs of this import were removed while it ran/,
    );
    expect(await t.db.datasetFile.count({ where: { datasetId: dataset.id } })).toBe(0);
  });
});
