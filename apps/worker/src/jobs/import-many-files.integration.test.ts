import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { makeTinyPng, writeZip } from '@studio/datasets/test-helpers';
import { importArchive, type ImportContext } from './import-archive';

let t: TestDatabase;
let ctx: ImportContext;
const logged: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  ctx = {
    db: t.db,
    blobs: new PostgresBlobStore(t.db),
    log: (message) => logged.push(message),
    maxArchiveBytes: 200 * 1024 * 1024,
  };
});

afterAll(async () => {
  await t?.drop();
});

/** A zip of `count` different tiny PNGs in folders of 1,000, plus `broken` text files named .png. */
function tinyPngZip(count: number, broken = 0): Buffer {
  const entries = Array.from({ length: count }, (_, i) => ({
    name: `tiny/${Math.floor(i / 1000)}/${i}.png`,
    data: makeTinyPng(i),
  }));
  for (let i = 0; i < broken; i += 1)
    entries.push({ name: `broken/${i}.png`, data: Buffer.from(`not a picture ${i}`) });
  entries.push({ name: 'labels.csv', data: Buffer.from('file,label\ntiny/0/0.png,a\n') });
  return writeZip(entries);
}

async function uploadedArchive(zip: Buffer) {
  const key = `upload:${crypto.randomUUID()}`;
  await ctx.blobs.put(key, zip, 'application/zip');
  const dataset = await t.db.dataset.create({ data: { name: 'many', sourceKind: 'archive' } });
  const task = await t.db.importTask.create({
    data: { datasetId: dataset.id, kind: 'archive', source: key, fileName: 'many.zip' },
  });
  return { datasetId: dataset.id, taskId: task.id, key };
}

describe('an archive of many tiny files', () => {
  it('imports 20,000 files in one attempt, recording them in batches', async () => {
    const { datasetId, taskId } = await uploadedArchive(tinyPngZip(20_000));
    const started = Date.now();
    await importArchive(ctx, { importTaskId: taskId }, { number: 1, of: 3 });
    console.log(`20,000 tiny files imported in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect([task.status, task.error]).toEqual(['done', null]);
    expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(20_000);
    expect(await t.db.blob.count({ where: { key: { startsWith: 'img:' } } })).toBe(20_000);
    expect(await t.db.blob.count({ where: { key: { startsWith: 'thumb:' } } })).toBe(20_000);
    expect((await t.db.dataset.findUniqueOrThrow({ where: { id: datasetId } })).status).toBe(
      'ready',
    );
  });

  it('retries after a database error without recording any row twice, and says so safely', async () => {
    const { datasetId, taskId } = await uploadedArchive(tinyPngZip(2_500, 30));
    // A real Postgres error in the middle of the rows: the text file is recorded after the
    // images and the skipped files, so everything before it is committed when it fails.
    await t.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_text_file() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
    await t.db.$executeRawUnsafe(`
      CREATE TRIGGER refuse_text_file BEFORE INSERT ON "DatasetTextFile"
      FOR EACH ROW EXECUTE FUNCTION refuse_text_file()`);
    try {
      await expect(
        importArchive(ctx, { importTaskId: taskId }, { number: 1, of: 3 }),
      ).rejects.toThrow();
    } finally {
      await t.db.$executeRawUnsafe('DROP TRIGGER refuse_text_file ON "DatasetTextFile"');
      await t.db.$executeRawUnsafe('DROP FUNCTION refuse_text_file()');
    }
    const waiting = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(waiting.status).toBe('queued');
    expect(waiting.error).toMatch(/internal error.*Trying again \(attempt 1 of 3 failed\)/);
    // No stack, no source path, no ORM code or query reaches the person reading the import.
    expect(waiting.error).not.toMatch(
      /\/|\\|\.ts\b|prisma|invocation|\bP\d{4}\b|\bat \w|refused by/i,
    );
    expect(logged.join('\n')).toMatch(/refused by the test/);
    expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(2_500);

    await importArchive(ctx, { importTaskId: taskId }, { number: 2, of: 3 });
    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect([task.status, task.error]).toEqual(['done', null]);
    expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(2_500);
    expect(await t.db.skippedFile.count({ where: { datasetId } })).toBe(30);
    expect(await t.db.datasetTextFile.count({ where: { datasetId } })).toBe(1);
  });
});
