import 'server-only';
import { importIntoDataset } from '@studio/db';
import { readUploadedFiles, type UploadedFile } from '@studio/datasets';
import { QUEUES } from '@studio/shared';
import { blobs, db } from './db';
import { queue } from './queue';

/** Imports one batch of a folder upload: scan, store each distinct image once, record rows. */
export async function importUploadedBatch(datasetId: string, files: File[]) {
  const uploaded: UploadedFile[] = files.map((file) => ({
    path: safeDecode(file.name),
    size: file.size,
    read: () => file.arrayBuffer(),
  }));
  const result = await importIntoDataset(db(), blobs(), datasetId, readUploadedFiles(uploaded));
  return {
    imported: result.added,
    duplicates: result.duplicates,
    skipped: result.skipped,
    textFiles: result.textFiles.map((t) => t.path),
  };
}

function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** Marks a folder upload finished: ready when it holds images, failed (with why) when not. */
export async function completeUpload(datasetId: string) {
  const files = await db().datasetFile.count({ where: { datasetId } });
  return db().dataset.update({
    where: { id: datasetId },
    data:
      files > 0
        ? { status: 'ready', error: null }
        : { status: 'failed', error: 'The upload contained no image the studio can read.' },
  });
}

/** Queues an archive (already in blob storage) or a URL for the worker to import. */
export async function enqueueImport(input: {
  datasetId: string;
  kind: 'archive' | 'url';
  source: string;
  fileName?: string;
  sha256?: string;
}) {
  const task = await db().importTask.create({
    data: {
      datasetId: input.datasetId,
      kind: input.kind,
      source: input.source,
      fileName: input.fileName,
      sha256: input.sha256,
      message: 'Waiting for a worker',
    },
  });
  await queue(QUEUES.imports).add(
    'import-archive',
    { importTaskId: task.id },
    {
      jobId: task.id,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    },
  );
  return task;
}
