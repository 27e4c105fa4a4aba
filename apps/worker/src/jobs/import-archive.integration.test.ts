import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore } from '@studio/db';
import { createTestDatabase, type TestDatabase } from '@studio/db/testing';
import { parseAllowedImportHosts } from '@studio/datasets';
import { makeImage, writeTar, writeZip } from '@studio/datasets/test-helpers';
import { QUEUES } from '@studio/shared';
import { importArchive, PermanentImportError, type ImportContext } from './import-archive';

let t: TestDatabase;
let ctx: ImportContext;
let server: http.Server;
let baseUrl: string;
const served = new Map<string, Buffer>();
const hits = new Map<string, number>();
/** Answers 503 to this many more requests for a path before serving it. */
const unavailable = new Map<string, number>();

beforeAll(async () => {
  t = await createTestDatabase();
  ctx = {
    db: t.db,
    blobs: new PostgresBlobStore(t.db),
    log: () => undefined,
    maxArchiveBytes: 50 * 1024 * 1024,
    // The test's server plays an internal mirror (see import-url-guard for the default).
    allowedHosts: parseAllowedImportHosts('127.0.0.1'),
  };
  server = http.createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    const outages = unavailable.get(req.url!) ?? 0;
    if (outages > 0) {
      unavailable.set(req.url!, outages - 1);
      return res.writeHead(503).end('down for maintenance');
    }
    const body = served.get(req.url!);
    if (!body) return res.writeHead(404).end('not found');
    res
      .writeHead(200, { 'content-length': body.length, 'content-type': 'application/gzip' })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await t?.drop();
});

async function newTask(
  kind: 'archive' | 'url',
  source: string,
  extra: { fileName?: string; sha256?: string } = {},
) {
  const dataset = await t.db.dataset.create({ data: { name: 'test', sourceKind: kind } });
  const task = await t.db.importTask.create({
    data: { datasetId: dataset.id, kind, source, ...extra },
  });
  return { datasetId: dataset.id, taskId: task.id };
}

async function petsTarGz(): Promise<Buffer> {
  return writeTar(
    [
      { name: 'pets/images/pug_1.jpg', data: await makeImage('jpeg', 40, 30, '#aa3300') },
      { name: 'pets/images/pug_2.jpg', data: await makeImage('jpeg', 41, 30, '#aa3311') },
      { name: 'pets/images/Bengal_1.png', data: await makeImage('png', 30, 40, '#0033aa') },
    ],
    { isGzipped: true },
  );
}

async function petsZip(): Promise<Buffer> {
  return writeZip([
    { name: 'pets/pug_1.jpg', data: await makeImage('jpeg', 40, 30, '#aa3300') },
    { name: 'pets/Bengal_1.png', data: await makeImage('png', 30, 40, '#0033aa') },
  ]);
}

describe('importing an uploaded archive', () => {
  it('stores the images, reports broken files, keeps labels.csv and removes the upload', async () => {
    const good = await makeImage('jpeg', 64, 48, '#336699');
    const zip = writeZip([
      { name: 'train/cat/1.jpg', data: good },
      { name: 'train/dog/2.png', data: await makeImage('png', 20, 30, '#993366') },
      { name: 'valid/cat/3.jpg', data: good },
      { name: 'train/dog/broken.jpg', data: good.subarray(0, 100) },
      { name: 'labels.csv', data: Buffer.from('file,label\ntrain/cat/1.jpg,cat\n') },
    ]);
    await ctx.blobs.put('upload:a', zip, 'application/zip');
    const { datasetId, taskId } = await newTask('archive', 'upload:a', { fileName: 'pets.zip' });
    await importArchive(ctx, { importTaskId: taskId });

    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('done');
    expect(task.message).toBe('Imported 3 images, skipped 1 files');
    const files = await t.db.datasetFile.findMany({
      where: { datasetId },
      orderBy: { path: 'asc' },
    });
    expect(files.map((f) => [f.path, f.width, f.height])).toEqual([
      ['train/cat/1.jpg', 64, 48],
      ['train/dog/2.png', 20, 30],
      ['valid/cat/3.jpg', 64, 48],
    ]);
    // Identical content is stored once.
    expect(files[0]!.blobKey).toBe(files[2]!.blobKey);
    const skipped = await t.db.skippedFile.findMany({ where: { datasetId } });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.path).toBe('train/dog/broken.jpg');
    expect(skipped[0]!.reason).toMatch(/truncated|corrupt|broken|decode/i);
    expect(
      (await t.db.datasetTextFile.findMany({ where: { datasetId } })).map((f) => f.path),
    ).toEqual(['labels.csv']);
    expect((await t.db.dataset.findUniqueOrThrow({ where: { id: datasetId } })).status).toBe(
      'ready',
    );
    expect(await ctx.blobs.has('upload:a')).toBe(false);
    expect(await ctx.blobs.has(files[0]!.blobKey)).toBe(true);
  });

  it('refuses a zip-slip archive as a whole and imports nothing', async () => {
    const zip = writeZip([
      { name: 'ok/1.jpg', data: await makeImage('jpeg') },
      { name: '../../etc/evil.jpg', data: await makeImage('jpeg') },
    ]);
    await ctx.blobs.put('upload:slip', zip, 'application/zip');
    const { datasetId, taskId } = await newTask('archive', 'upload:slip', { fileName: 'evil.zip' });
    await expect(importArchive(ctx, { importTaskId: taskId })).rejects.toBeInstanceOf(
      PermanentImportError,
    );
    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/\.\./);
    expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(0);
    const dataset = await t.db.dataset.findUniqueOrThrow({ where: { id: datasetId } });
    expect(dataset.status).toBe('failed');
    expect(dataset.error).toBe(task.error);
    // Nothing will read the upload again.
    expect(await ctx.blobs.has('upload:slip')).toBe(false);
  });

  it('keeps the upload while another attempt may come, and deletes it after the last', async () => {
    await ctx.blobs.put('upload:retried', await petsZip(), 'application/zip');
    const { taskId } = await newTask('archive', 'upload:retried', { fileName: 'pets.zip' });
    await t.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_file() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
    await t.db.$executeRawUnsafe(`
      CREATE TRIGGER refuse_file BEFORE INSERT ON "DatasetFile"
      FOR EACH ROW EXECUTE FUNCTION refuse_file()`);
    try {
      await expect(
        importArchive(ctx, { importTaskId: taskId }, { number: 1, of: 2 }),
      ).rejects.toThrow();
      expect((await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } })).status).toBe(
        'queued',
      );
      expect(await ctx.blobs.has('upload:retried')).toBe(true);
      await expect(
        importArchive(ctx, { importTaskId: taskId }, { number: 2, of: 2 }),
      ).rejects.toBeInstanceOf(PermanentImportError);
    } finally {
      await t.db.$executeRawUnsafe('DROP TRIGGER refuse_file ON "DatasetFile"');
      await t.db.$executeRawUnsafe('DROP FUNCTION refuse_file()');
    }
    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/internal error.*Gave up after 2 attempts/);
    expect(await ctx.blobs.has('upload:retried')).toBe(false);
    // A failed task is final: running its job again changes nothing.
    await importArchive(ctx, { importTaskId: taskId }, { number: 2, of: 2 });
    expect((await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } })).error).toBe(
      task.error,
    );
  });

  it('fails a zero-filled ".zip" from its first bytes, for good, and deletes it', async () => {
    await ctx.blobs.put('upload:zeros', Buffer.alloc(8 * 1024 * 1024), 'application/zip');
    const { datasetId, taskId } = await newTask('archive', 'upload:zeros', {
      fileName: 'photos.zip',
    });
    await expect(
      importArchive(ctx, { importTaskId: taskId }, { number: 1, of: 3 }),
    ).rejects.toBeInstanceOf(PermanentImportError);
    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(
      /^The file is not a zip, tar or tar\.gz archive: its first bytes are all zeros\./,
    );
    expect((await t.db.dataset.findUniqueOrThrow({ where: { id: datasetId } })).error).toBe(
      task.error,
    );
    expect(await ctx.blobs.has('upload:zeros')).toBe(false);
  });

  it('says plainly when the upload is not an archive', async () => {
    await ctx.blobs.put(
      'upload:text',
      Buffer.from('just some text, not an archive'),
      'application/octet-stream',
    );
    const { taskId } = await newTask('archive', 'upload:text', { fileName: 'photos.zip' });
    await expect(importArchive(ctx, { importTaskId: taskId })).rejects.toThrow(
      /^The file is not a zip, tar or tar\.gz archive: its first bytes are no archive format/,
    );
  });
});

describe('importing from a URL', () => {
  it('downloads once, then serves the same URL from the cache', async () => {
    const archive = await petsTarGz();
    served.set('/pets.tgz', archive);
    const sha256 = createHash('sha256').update(archive).digest('hex');
    const first = await newTask('url', `${baseUrl}/pets.tgz`, { sha256 });
    await importArchive(ctx, { importTaskId: first.taskId });
    const second = await newTask('url', `${baseUrl}/pets.tgz`);
    await importArchive(ctx, { importTaskId: second.taskId });
    expect(hits.get('/pets.tgz')).toBe(1);
    for (const { datasetId } of [first, second]) {
      expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(3);
    }
    const cached = await t.db.urlCache.findFirstOrThrow({ where: { url: `${baseUrl}/pets.tgz` } });
    expect(cached.sha256).toBe(sha256);
    expect(Number(cached.size)).toBe(archive.length);
  });

  it('rejects a download whose checksum differs, and a URL that answers 404', async () => {
    served.set('/other.tgz', await petsTarGz());
    const wrong = await newTask('url', `${baseUrl}/other.tgz`, { sha256: '0'.repeat(64) });
    await expect(importArchive(ctx, { importTaskId: wrong.taskId })).rejects.toThrow(
      /does not match the expected SHA-256/,
    );
    expect(await t.db.urlCache.count({ where: { url: `${baseUrl}/other.tgz` } })).toBe(0);
    const missing = await newTask('url', `${baseUrl}/missing.tgz`);
    await expect(importArchive(ctx, { importTaskId: missing.taskId })).rejects.toThrow(/HTTP 404/);
  });
});

describe('a URL import that fails for a while', () => {
  it('stays queued for the next attempt while the server answers 503, then imports', async () => {
    served.set('/flaky.tgz', await petsTarGz());
    unavailable.set('/flaky.tgz', 1);
    const { datasetId, taskId } = await newTask('url', `${baseUrl}/flaky.tgz`);
    await expect(
      importArchive(ctx, { importTaskId: taskId }, { number: 1, of: 3 }),
    ).rejects.toThrow(/HTTP 503/);
    const waiting = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(waiting.status).toBe('queued');
    expect(waiting.error).toMatch(/HTTP 503 .*Trying again \(attempt 1 of 3 failed\)/);
    expect((await t.db.dataset.findUniqueOrThrow({ where: { id: datasetId } })).status).not.toBe(
      'failed',
    );

    await importArchive(ctx, { importTaskId: taskId }, { number: 2, of: 3 });
    expect((await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } })).status).toBe(
      'done',
    );
    expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(3);
  });

  it('fails the task and the empty dataset with the reason after the last attempt', async () => {
    served.set('/down.tgz', await petsTarGz());
    unavailable.set('/down.tgz', 10);
    const { datasetId, taskId } = await newTask('url', `${baseUrl}/down.tgz`);
    await expect(
      importArchive(ctx, { importTaskId: taskId }, { number: 3, of: 3 }),
    ).rejects.toBeInstanceOf(PermanentImportError);
    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/HTTP 503 .*Gave up after 3 attempts/);
    const dataset = await t.db.dataset.findUniqueOrThrow({ where: { id: datasetId } });
    expect(dataset.status).toBe('failed');
    expect(dataset.error).toMatch(/HTTP 503/);
  });

  it('gives up at once on an answer that will not change (404)', async () => {
    const { taskId } = await newTask('url', `${baseUrl}/never-there.tgz`);
    await expect(
      importArchive(ctx, { importTaskId: taskId }, { number: 1, of: 3 }),
    ).rejects.toBeInstanceOf(PermanentImportError);
    const task = await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('failed');
    expect(task.error).not.toMatch(/Trying again|Gave up/);
  });
});

describe('the worker process', () => {
  let worker: ChildProcess | undefined;
  afterAll(() => {
    worker?.kill('SIGTERM');
  });

  it('takes an import from the real queue, reports its heartbeat, and exits cleanly on SIGTERM', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    worker = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'apps/worker/src/main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: t.url,
          STUDIO_PREFIX: prefix,
          STUDIO_WORKER_ID: 'test-worker',
          STUDIO_IMPORT_ALLOWED_HOSTS: '127.0.0.1',
        },
        stdio: 'pipe',
      },
    );
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
    });
    const queue = new Queue(QUEUES.imports, { connection: redis, prefix });
    try {
      served.set('/queued.tgz', await petsTarGz());
      const { datasetId, taskId } = await newTask('url', `${baseUrl}/queued.tgz`);
      await queue.add('import-archive', { importTaskId: taskId }, { jobId: taskId });
      // The same job id twice is one job.
      await queue.add('import-archive', { importTaskId: taskId }, { jobId: taskId });
      await expect
        .poll(
          async () => (await t.db.importTask.findUniqueOrThrow({ where: { id: taskId } })).status,
          { timeout: 60_000, interval: 250 },
        )
        .toBe('done');
      expect(await t.db.datasetFile.count({ where: { datasetId } })).toBe(3);
      expect(hits.get('/queued.tgz')).toBe(1);
      expect(JSON.parse((await redis.get(`${prefix}:workers:test-worker`))!)).toMatchObject({
        id: 'test-worker',
        queues: ['imports', 'train', 'predict', 'preview'],
      });
      const exited = new Promise<number | null>((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await redis.get(`${prefix}:workers:test-worker`)).toBeNull();
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
    }
  });
});
