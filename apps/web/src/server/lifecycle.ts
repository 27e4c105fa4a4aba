import 'server-only';
import { z } from 'zod';
import {
  datasetDeleteBlocker,
  datasetFootprint,
  DeleteBlockedError,
  purgeDataset,
  purgeRun,
  runDeleteBlocker,
  runFootprint,
  type Footprint,
} from '@studio/db';
import { canDelete } from '@/lib/roles';
import type { Access } from './access';
import { recordAudit } from './audit';
import { getDatasetOrThrow } from './datasets';
import { db } from './db';
import { ApiError, isUuid } from './http';
import { getRunOrThrow } from './runs';

/** What a delete would take with it, and why it cannot happen now (null when it can). */
export interface DeletionPreview {
  name: string;
  footprint: Footprint;
  blockedBy: string | null;
  /** Whether this caller may delete it (owners and admins anything, members what they made). */
  mayDelete: boolean;
}

const mayDelete = (access: Access, createdById: string | null) =>
  canDelete(access.role, access.userId, createdById);

function checkMayDelete(access: Access, createdById: string | null, what: string): void {
  if (!mayDelete(access, createdById))
    throw new ApiError(
      403,
      `Members can delete only the ${what}s they created; ask an owner or admin to delete this one.`,
    );
}

/** A delete refused because something still writes into it answers 409 with why. */
async function unlessBlocked<T>(purge: Promise<T>): Promise<T> {
  try {
    return await purge;
  } catch (error) {
    if (error instanceof DeleteBlockedError) throw new ApiError(409, error.message);
    throw error;
  }
}

export async function previewDatasetDeletion(access: Access, id: string): Promise<DeletionPreview> {
  const dataset = await getDatasetOrThrow(access, id);
  return {
    name: dataset.name,
    footprint: await datasetFootprint(db(), id),
    blockedBy: await datasetDeleteBlocker(db(), id),
    mayDelete: mayDelete(access, dataset.createdById),
  };
}

/** Deletes a dataset and everything made from it: versions, runs, checkpoints, exports, blobs. */
export async function deleteDataset(access: Access, id: string): Promise<Footprint> {
  const dataset = await getDatasetOrThrow(access, id);
  checkMayDelete(access, dataset.createdById, 'dataset');
  const freed = await unlessBlocked(purgeDataset(db(), id));
  await recordAudit(access, 'dataset.delete', 'dataset', id, { name: dataset.name, ...freed });
  return freed;
}

export async function previewRunDeletion(access: Access, id: string): Promise<DeletionPreview> {
  const run = await getRunOrThrow(access, id);
  return {
    name: run.name,
    footprint: await runFootprint(db(), id),
    blockedBy: await runDeleteBlocker(db(), id),
    mayDelete: mayDelete(access, run.createdById),
  };
}

/** Deletes a run with its stages, metrics, checkpoints, results, exports and their blobs. */
export async function deleteRun(access: Access, id: string): Promise<Footprint> {
  const run = await getRunOrThrow(access, id);
  checkMayDelete(access, run.createdById, 'run');
  const freed = await unlessBlocked(purgeRun(db(), id));
  await recordAudit(access, 'run.delete', 'run', id, { name: run.name, ...freed });
  return freed;
}

/** Deletes a dataset version no run trains on; versions are immutable, so this is its only change. */
export async function deleteVersion(
  access: Access,
  datasetId: string,
  versionId: string,
): Promise<void> {
  const dataset = await getDatasetOrThrow(access, datasetId);
  checkMayDelete(access, dataset.createdById, 'dataset');
  const version = isUuid(versionId)
    ? await db().datasetVersion.findFirst({
        where: { id: versionId, datasetId },
        include: { runs: { select: { name: true } } },
      })
    : null;
  if (!version) throw new ApiError(404, `No version with id ${versionId} in this dataset.`);
  if (version.runs.length > 0)
    throw new ApiError(
      409,
      `Version ${version.number} is used by ${version.runs.length} run${version.runs.length === 1 ? '' : 's'} (${version.runs
        .slice(0, 5)
        .map((r) => `"${r.name}"`)
        .join(', ')}); delete those runs first, or archive the dataset instead.`,
    );
  await db().datasetVersion.delete({ where: { id: version.id } });
  await recordAudit(access, 'version.delete', 'version', version.id, {
    datasetId,
    datasetName: dataset.name,
    number: version.number,
  });
}

/** The fields of a rename, archive or restore request. */
export const renameOrArchiveFields = {
  name: z.string().trim().min(1).max(200).optional(),
  archived: z.boolean().optional(),
};

export const renameOrArchive = z
  .object(renameOrArchiveFields)
  .refine(
    (b) => b.name !== undefined || b.archived !== undefined,
    'Send a name, archived or both.',
  );
export type RenameOrArchive = z.infer<typeof renameOrArchive>;

/** Renames a dataset and archives or restores it; each change is in the audit trail. */
export async function updateDataset(access: Access, id: string, input: RenameOrArchive) {
  const dataset = await getDatasetOrThrow(access, id);
  const updated = await db().dataset.update({
    where: { id },
    data: {
      name: input.name,
      archivedAt: archivedAtFor(input.archived, dataset.archivedAt),
    },
  });
  await auditChanges(access, 'dataset', id, dataset, updated);
  return { id, name: updated.name, archived: updated.archivedAt !== null };
}

/** Renames a run and archives or restores it. */
export async function renameOrArchiveRun(access: Access, id: string, input: RenameOrArchive) {
  const run = await getRunOrThrow(access, id);
  const updated = await db().run.update({
    where: { id },
    data: { name: input.name, archivedAt: archivedAtFor(input.archived, run.archivedAt) },
  });
  await auditChanges(access, 'run', id, run, updated);
  return { name: updated.name, archived: updated.archivedAt !== null };
}

function archivedAtFor(archived: boolean | undefined, current: Date | null) {
  if (archived === undefined) return undefined;
  return archived ? (current ?? new Date()) : null;
}

type Named = { name: string; archivedAt: Date | null };

async function auditChanges(
  access: Access,
  type: 'dataset' | 'run',
  id: string,
  before: Named,
  after: Named,
) {
  if (before.name !== after.name)
    await recordAudit(access, `${type}.rename`, type, id, { from: before.name, to: after.name });
  if (!before.archivedAt && after.archivedAt)
    await recordAudit(access, `${type}.archive`, type, id, { name: after.name });
  if (before.archivedAt && !after.archivedAt)
    await recordAudit(access, `${type}.restore`, type, id, { name: after.name });
}
