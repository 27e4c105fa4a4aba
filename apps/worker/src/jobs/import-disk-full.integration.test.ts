import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore, sweepOrphanBlobs, type Db } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { writeZip } from '@studio/datasets/test-helpers';
import { startPrivatePostgres, type PrivatePostgres } from '../testing/private-services';
import { importArchive, PermanentImportError } from './import-archive';

const MIB = 1024 * 1024;
// Small disks are tmpfs mounts, which need root; elsewhere these cases cannot be staged.
const canMount = process.getuid?.() === 0;

/** A zip of `count` photos of noise (incompressible), each about 0.5 MiB as PNG. */
async function noiseZip(count: number): Promise<Buffer> {
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    const pixels = randomBytes(420 * 420 * 3);
    const data = await sharp(pixels, { raw: { width: 420, height: 420, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    entries.push({ name: `noise/${i}.png`, data });
  }
  return writeZip(entries);
}

/** An uploaded archive waiting for the worker, as the web app leaves it. */
async function uploadedArchive(db: Db, zip: Buffer) {
  const key = `upload:${randomBytes(8).toString('hex')}`;
  await new PostgresBlobStore(db).put(key, zip, 'application/zip');
  const dataset = await db.dataset.create({ data: { name: 'noise', sourceKind: 'archive' } });
  const task = await db.importTask.create({
    data: { datasetId: dataset.id, kind: 'archive', source: key },
  });
  return { datasetId: dataset.id, taskId: task.id };
}

async function importOn(db: Db, taskId: string) {
  const blobs = new PostgresBlobStore(db);
  const logged: string[] = [];
  const ctx = { db, blobs, log: (m: string) => logged.push(m), maxArchiveBytes: 100 * MIB };
  return importArchive(ctx, { importTaskId: taskId });
}

async function expectNothingImported(db: Db, datasetId: string, taskId: string, error: RegExp) {
  const task = await db.importTask.findUniqueOrThrow({ where: { id: taskId } });
  expect(task.status).toBe('failed');
  expect(task.error).toMatch(error);
  const dataset = await db.dataset.findUniqueOrThrow({ where: { id: datasetId } });
  expect([dataset.status, dataset.error]).toEqual(['failed', task.error]);
  expect(await db.datasetFile.count({ where: { datasetId } })).toBe(0);
}

describe.skipIf(!canMount)('a disk filling up during an import (tmpfs, as root)', () => {
  describe("the worker's temporary disk", () => {
    let t: TestDatabase;
    let disk = '';
    const tmpdir = process.env.TMPDIR;
    beforeAll(async () => {
      t = await createTestDatabase();
      disk = mkdtempSync(path.join(os.tmpdir(), 'studio-small-disk-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${1 * MIB}`, 'tmpfs', disk]);
      process.env.TMPDIR = disk; // os.tmpdir(), where the archive is copied, reads it each call
    });
    afterAll(async () => {
      process.env.TMPDIR = tmpdir;
      if (tmpdir === undefined) delete process.env.TMPDIR;
      if (disk) execFileSync('umount', [disk]);
      rmSync(disk, { recursive: true, force: true });
      await t?.drop();
    });

    it('fails the import at once, naming the disk and the fix, and leaves no file behind', async () => {
      const { datasetId, taskId } = await uploadedArchive(t.db, await noiseZip(6));
      const started = Date.now();
      await expect(importOn(t.db, taskId)).rejects.toThrow(PermanentImportError);
      console.log(`worker disk full: failed in ${Date.now() - started} ms`);
      await expectNothingImported(
        t.db,
        datasetId,
        taskId,
        /^The worker's disk is full: there was no room to copy the archive to its temporary folder \(ENOSPC\)\. Free space there, or point TMPDIR at a larger disk, then import again\. Nothing was added to the dataset\.$/,
      );
      // The folder is named in the worker's log, not to the person importing.
      const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
      expect(task.error).not.toContain(disk);
      expect(readdirSync(disk)).toEqual([]);
    });
  });

  describe("the database's disk", () => {
    let postgres: PrivatePostgres;
    let t: TestDatabase;
    beforeAll(async () => {
      postgres = await startPrivatePostgres({ sizeBytes: 256 * MIB });
      t = await createTestDatabase(postgres.url);
    });
    afterAll(async () => {
      await t?.drop().catch(() => undefined);
      await postgres?.close();
    });

    it('fails the import naming the database, records no row, and the sweep frees what was stored', async () => {
      const { datasetId, taskId } = await uploadedArchive(t.db, await noiseZip(44));
      // Room for the first batch of images (written every 16 MiB), not for all 22 MiB.
      postgres.leaveFreeSpace(19 * MIB);
      const started = Date.now();
      await expect(importOn(t.db, taskId)).rejects.toThrow(PermanentImportError);
      console.log(`database disk full: failed in ${Date.now() - started} ms`);
      await expectNothingImported(
        t.db,
        datasetId,
        taskId,
        /^The database's disk is full \(No space left on device\)\. Free space on the database server, then import again\. Nothing was added to the dataset\.$/,
      );
      // Images stored before the disk filled are named by no row: the sweep removes them.
      const stored = await t.db.blob.count({ where: { key: { startsWith: 'img:' } } });
      const swept = await sweepOrphanBlobs(t.db, { olderThanMs: 0 });
      console.log(`${stored} images stored before the disk filled; ${swept.deleted} blobs swept`);
      expect(stored).toBeGreaterThan(0);
      expect(await t.db.blob.count({ where: { key: { startsWith: 'img:' } } })).toBe(0);
      postgres.leaveFreeSpace(64 * MIB);
    });
  });
});
