import type { Db } from './client';

/**
 * Blob keys the sweep may remove, each with what names it. Blobs are written before the rows
 * that name them (so a crash leaves at worst an unnamed blob, never a row naming nothing); the
 * sweep removes what a crash left. Keys of any other shape are never touched. A failed import's
 * upload is removed by the worker when it gives up; the sweep frees any it could not remove.
 */
export const IS_REFERENCED = `(
  (b.key LIKE 'img:%' AND EXISTS (SELECT 1 FROM "DatasetFile" f WHERE f.sha256 = substr(b.key, 5)))
  OR (b.key LIKE 'thumb:%' AND EXISTS (SELECT 1 FROM "DatasetFile" f WHERE f.sha256 = substr(b.key, 7)))
  OR (b.key LIKE 'ckpt:%' AND EXISTS (SELECT 1 FROM "Checkpoint" c WHERE c."blobKey" = b.key))
  OR (b.key LIKE 'upload:%' AND EXISTS (
    SELECT 1 FROM "ImportTask" t WHERE t.source = b.key AND t.status <> 'failed'))
  OR (b.key LIKE 'archive:%' AND EXISTS (SELECT 1 FROM "UrlCache" u WHERE u."blobKey" = b.key))
  OR (b.key LIKE 'export/%' AND EXISTS (
    SELECT 1 FROM "StageExport" e, jsonb_array_elements(e.files) x WHERE x->>'blobKey' = b.key))
  OR (b.key LIKE 'backbone/%' AND EXISTS (
    SELECT 1 FROM "UploadedBackbone" u, jsonb_array_elements(u.files) x WHERE x->>'blobKey' = b.key))
)`;
const IS_SWEEPABLE = `(b.key LIKE 'img:%' OR b.key LIKE 'thumb:%' OR b.key LIKE 'ckpt:%'
  OR b.key LIKE 'upload:%' OR b.key LIKE 'archive:%' OR b.key LIKE 'export/%' OR b.key LIKE 'backbone/%')`;

export interface SweepResult {
  deleted: number;
  bytes: number;
}

/**
 * Removes blobs no row names that are older than `olderThanMs` (a writer names its blob within
 * that time), at most `limit` per call. Candidates are locked first and skipped when locked, and
 * checked again in a fresh statement before deleting: a transaction that is about to name an
 * existing blob holds it `FOR SHARE` (see saveImportResult), so the two never cross.
 */
export async function sweepOrphanBlobs(
  db: Db,
  options: { olderThanMs: number; limit?: number; now?: Date },
): Promise<SweepResult> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.olderThanMs);
  return db.$transaction(async (tx) => {
    const candidates = await tx.$queryRawUnsafe<{ key: string }[]>(
      `SELECT b.key FROM "Blob" b
       WHERE b."createdAt" < $1 AND ${IS_SWEEPABLE} AND NOT ${IS_REFERENCED}
       ORDER BY b."createdAt" LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      cutoff,
      options.limit ?? 1000,
    );
    if (candidates.length === 0) return { deleted: 0, bytes: 0 };
    const deleted = await tx.$queryRawUnsafe<{ size: bigint }[]>(
      `DELETE FROM "Blob" b WHERE b.key = ANY($1::text[]) AND NOT ${IS_REFERENCED} RETURNING b.size`,
      candidates.map((c) => c.key),
    );
    return {
      deleted: deleted.length,
      bytes: deleted.reduce((sum, row) => sum + Number(row.size), 0),
    };
  });
}
