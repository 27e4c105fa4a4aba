import 'server-only';
import { importIntoDataset, purgeDataset } from '@studio/db';
import {
  checkImportUrl,
  DatasetError,
  parseAllowedImportHosts,
  readUploadedFiles,
  type AllowedImportHosts,
  type UploadedFile,
} from '@studio/datasets';
import { JOBS } from '@studio/shared';
import type { Access } from './access';
import { recordAudit } from './audit';
import { getDatasetOrThrow } from './datasets';
import { blobs, db } from './db';
import { env } from './env';
import { ApiError, isUuid } from './http';
import { addJob, requireQueue } from './queue';

/** Imports one batch of a folder upload: scan, store each distinct image once, record rows. */
export async function importUploadedBatch(access: Access, datasetId: string, files: File[]) {
  await getDatasetOrThrow(access, datasetId);
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

/**
 * Marks a folder upload finished: ready when it holds images. An upload that imported nothing
 * leaves no dataset behind (422 with why); the skipped files' reasons came with each batch.
 */
export async function completeUpload(access: Access, datasetId: string) {
  await getDatasetOrThrow(access, datasetId);
  const files = await db().datasetFile.count({ where: { datasetId } });
  if (files === 0) {
    await discardEmptyDataset(access, datasetId, 'nothing was imported');
    throw new ApiError(
      422,
      'None of the files was an image the studio can read, so no dataset was made. The reasons are listed with each file.',
    );
  }
  return db().dataset.update({ where: { id: datasetId }, data: { status: 'ready', error: null } });
}

/**
 * Deletes a dataset that an import just made and that holds nothing: no images, no versions,
 * no other import under way. A dataset with anything in it is left as it is.
 */
export async function discardEmptyDataset(access: Access, datasetId: string, reason: string) {
  const dataset = await db().dataset.findFirst({
    where: {
      id: datasetId,
      teamId: access.teamId,
      files: { none: {} },
      versions: { none: {} },
      imports: { none: { status: { in: ['queued', 'running'] } } },
    },
  });
  if (!dataset) return;
  await purgeDataset(db(), datasetId);
  await recordAudit(access, 'dataset.delete', 'dataset', datasetId, { name: dataset.name, reason });
}

let allowedHosts: AllowedImportHosts | undefined;

/**
 * Refuses, before anything is written, a URL whose host is an internal address in any spelling
 * (`127.1`, `[::1]`, `localhost`). Names are resolved by the worker, which checks again on the
 * address it connects to.
 */
export function checkImportUrlOrThrow(url: string): void {
  allowedHosts ??= parseAllowedImportHosts(env().STUDIO_IMPORT_ALLOWED_HOSTS);
  try {
    checkImportUrl(url, allowedHosts);
  } catch (error) {
    if (error instanceof DatasetError) throw new ApiError(400, error.message);
    throw error;
  }
}

/** Queues an archive (already in blob storage) or a URL for the worker to import. */
export async function enqueueImport(
  access: Access,
  input: {
    datasetId: string;
    kind: 'archive' | 'url';
    source: string;
    fileName?: string;
    sha256?: string;
  },
) {
  await getDatasetOrThrow(access, input.datasetId);
  const outcome = 'The import was not started.';
  await requireQueue(outcome);
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
  try {
    await addJob(JOBS.importArchive, { importTaskId: task.id }, outcome);
  } catch (error) {
    // No job will ever take this task: it must not wait for a worker forever.
    await db().importTask.delete({ where: { id: task.id } });
    throw error;
  }
  await recordAudit(access, 'import.create', 'dataset', input.datasetId, {
    importId: task.id,
    kind: input.kind,
  });
  return task;
}

/** One import's live progress, for the import's own team only. */
export async function getImportOrThrow(access: Access, id: string) {
  const task = isUuid(id)
    ? await db().importTask.findFirst({ where: { id, dataset: { teamId: access.teamId } } })
    : null;
  if (!task) throw new ApiError(404, `No import with id ${id}.`);
  return task;
}
