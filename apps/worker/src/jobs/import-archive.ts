import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { importIntoDataset, type Db, type PostgresBlobStore } from '@studio/db';
import {
  checkArchiveHead,
  checkImportUrl,
  DatasetError,
  parseAllowedImportHosts,
  readArchiveEntries,
  type AllowedImportHosts,
} from '@studio/datasets';
import type { ImportArchiveJob } from '@studio/shared';
import { describeImportFailure } from './describe-import-failure';
import { downloadToFile } from './download';
import { DownloadError } from './download-error';

export interface ImportContext {
  db: Db;
  blobs: PostgresBlobStore;
  log: (msg: string) => void;
  maxArchiveBytes: number;
  /** Internal hosts URL imports may reach (STUDIO_IMPORT_ALLOWED_HOSTS); none when absent. */
  allowedHosts?: AllowedImportHosts;
  signal?: AbortSignal;
}

/** A failure that retrying cannot fix (bad archive, bad URL, wrong checksum). */
export class PermanentImportError extends Error {}

/**
 * Imports an uploaded archive or a URL into a dataset. Progress goes to the ImportTask row
 * (Postgres is the truth the page polls); a URL is downloaded once and cached by URL+checksum.
 * A failure that may pass (an unreachable host, a broken-off download, a lost database) leaves
 * the task queued for the queue's next attempt, unless `attempt` says this was the last one:
 * then the task fails with the reason, so the page never waits for a retry that will not come.
 */
export async function importArchive(
  ctx: ImportContext,
  job: ImportArchiveJob,
  attempt: { number: number; of: number } = { number: 1, of: 1 },
): Promise<void> {
  const task = await ctx.db.importTask.findUnique({ where: { id: job.importTaskId } });
  // A failed task is final: its upload is gone and the page already says why.
  if (!task || task.status === 'done' || task.status === 'failed') return;
  const update = (data: { done?: number; total?: number; message?: string }) =>
    ctx.db.importTask
      .update({ where: { id: task.id }, data })
      .catch((error: Error) => ctx.log(`import ${task.id}: ${error.message}`));
  await ctx.db.importTask.update({
    where: { id: task.id },
    data: { status: 'running', error: null, message: 'Starting' },
  });
  let recorded = 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'studio-import-'));
  try {
    const file = path.join(dir, 'archive');
    if (task.kind === 'url') {
      await fetchUrlArchive(ctx, task.source!, task.sha256 ?? undefined, file, update);
    } else {
      // Judged by its first bytes before copying what may be gigabytes.
      checkArchiveHead(await ctx.blobs.head(task.source!, 512));
      await pipeline(ctx.blobs.stream(task.source!), createWriteStream(file));
    }

    await update({ message: 'Scanning images' });
    let lastWrite = 0;
    const result = await importIntoDataset(
      ctx.db,
      ctx.blobs,
      task.datasetId,
      readArchiveEntries(file),
      {
        signal: ctx.signal,
        onRecorded: (images) => (recorded = images),
        onProgress: (p) => {
          if (Date.now() - lastWrite < 500) return;
          lastWrite = Date.now();
          void update({
            done: p.processed,
            message: `Scanned ${p.processed.toLocaleString('en')} files (${p.imported.toLocaleString('en')} images)`,
          });
        },
      },
    );
    const total = await ctx.db.datasetFile.count({ where: { datasetId: task.datasetId } });
    await ctx.db.dataset.update({
      where: { id: task.datasetId },
      data:
        total > 0
          ? { status: 'ready', error: null }
          : {
              status: 'failed',
              error: `The archive held no image the studio can read: ${describeNonImages(result.skipped.length, result.textFiles.length)}, listed under Skipped with the reason for each. Add photos to this dataset, or delete it.`,
            },
    });
    const processed = result.files.length + result.skipped.length + result.textFiles.length;
    await ctx.db.importTask.update({
      where: { id: task.id },
      data: {
        status: 'done',
        done: processed,
        total: processed,
        message: `Imported ${result.files.length.toLocaleString('en')} images, skipped ${result.skipped.length.toLocaleString('en')} files`,
      },
    });
    if (task.kind === 'archive') await ctx.blobs.delete(task.source!);
    ctx.log(`import ${task.id}: ${result.added} images, ${result.skipped.length} skipped`);
  } catch (error) {
    const { message: reason, isRetryable } = describeImportFailure(error, recorded);
    if (!(error instanceof DatasetError || error instanceof DownloadError))
      ctx.log(`import ${task.id} failed: ${(error as Error)?.stack ?? String(error)}`);
    const isPermanent = !isRetryable || attempt.number >= attempt.of;
    const message = !isRetryable
      ? reason
      : isPermanent
        ? `${reason} Gave up after ${attempt.of} ${attempt.of === 1 ? 'attempt' : 'attempts'}; start the import again when the source is back.`
        : `${reason} Trying again (attempt ${attempt.number} of ${attempt.of} failed).`;
    await ctx.db.importTask.update({
      where: { id: task.id },
      data: { status: isPermanent ? 'failed' : 'queued', error: message },
    });
    if (isPermanent) {
      // No attempt will read the upload again: it would otherwise stay, named by this task.
      if (task.kind === 'archive') await ctx.blobs.delete(task.source!);
      const files = await ctx.db.datasetFile.count({ where: { datasetId: task.datasetId } });
      if (files === 0)
        await ctx.db.dataset.update({
          where: { id: task.datasetId },
          data: { status: 'failed', error: message },
        });
      throw new PermanentImportError(message);
    }
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fetchUrlArchive(
  ctx: ImportContext,
  url: string,
  sha256: string | undefined,
  file: string,
  update: (data: { done?: number; total?: number; message?: string }) => Promise<unknown>,
): Promise<void> {
  const allowed = ctx.allowedHosts ?? parseAllowedImportHosts();
  // Before the cache too: a download cached from an address now refused is not served.
  checkImportUrl(url, allowed);
  const cached = await ctx.db.urlCache.findFirst({
    where: sha256 ? { url, sha256 } : { url },
    orderBy: { createdAt: 'desc' },
  });
  if (cached && (await ctx.blobs.has(cached.blobKey))) {
    await update({ message: 'Using the cached download' });
    await pipeline(ctx.blobs.stream(cached.blobKey), createWriteStream(file));
    return;
  }
  await update({ message: `Downloading ${url}` });
  const downloaded = await downloadToFile(url, file, {
    sha256,
    maxBytes: ctx.maxArchiveBytes,
    allowed,
    signal: ctx.signal,
    onProgress: (p) =>
      void update({
        done: p.receivedBytes,
        total: p.totalBytes ?? 0,
        message: `Downloading: ${(p.receivedBytes / 1024 ** 2).toFixed(1)}${p.totalBytes ? ` of ${(p.totalBytes / 1024 ** 2).toFixed(1)}` : ''} MB`,
      }),
  });
  const blobKey = `archive:${downloaded.sha256}`;
  if (!(await ctx.blobs.has(blobKey)))
    await ctx.blobs.putStream(blobKey, createReadStream(file), 'application/octet-stream');
  await ctx.db.urlCache.upsert({
    where: { url_sha256: { url, sha256: downloaded.sha256 } },
    create: { url, sha256: downloaded.sha256, blobKey, size: BigInt(downloaded.bytes) },
    update: {},
  });
}

/** "2 files skipped and 1 text file", for the message of an import that found no image. */
function describeNonImages(skipped: number, textFiles: number): string {
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  const parts = [`${plural(skipped, 'file')} skipped`];
  if (textFiles > 0) parts.push(plural(textFiles, 'text file'));
  return parts.join(' and ');
}
