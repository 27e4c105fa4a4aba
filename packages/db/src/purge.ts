import type { Db } from './client';
import { IS_REFERENCED } from './blob-sweep';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** What deleting a dataset or a run takes with it; `bytesFreed` counts only blobs nothing else names. */
export interface Footprint {
  versions: number;
  runs: number;
  checkpoints: number;
  exports: number;
  images: number;
  /** Blobs removed: images and thumbnails, checkpoints, exported models, uploaded archives. */
  blobs: number;
  bytesFreed: number;
}

/** A delete that has to wait: an import still writing into the dataset, or a run still training. */
export class DeleteBlockedError extends Error {
  readonly code = 'busy';
}

/** Why these runs (and, with `datasetId`, that dataset) cannot be deleted now, or null. */
async function blockerOf(
  db: Db | Tx,
  runIds: string[],
  datasetId: string | null,
): Promise<string | null> {
  if (datasetId) {
    const importing = await db.importTask.count({
      where: { datasetId, status: { in: ['queued', 'running'] } },
    });
    if (importing > 0)
      return 'An import into this dataset is still running; delete it once the import has finished.';
  }
  const busy = await db.run.findMany({
    where: { id: { in: runIds }, stages: { some: { status: { in: ['queued', 'running'] } } } },
    select: { name: true },
  });
  if (busy.length === 0) return null;
  if (!datasetId) return 'The run is still training; cancel it first, then delete it.';
  return `${busy.map((r) => `Run "${r.name}"`).join(', ')} ${busy.length === 1 ? 'is' : 'are'} still training on it; cancel ${busy.length === 1 ? 'it' : 'them'} first.`;
}

export const datasetDeleteBlocker = async (db: Db, datasetId: string) =>
  blockerOf(db, await runsOfDataset(db, datasetId), datasetId);

export const runDeleteBlocker = (db: Db, runId: string) => blockerOf(db, [runId], null);

/** Blob key patterns (SQL LIKE) of a run's checkpoints and exports, superseded ones included. */
async function runBlobPatterns(db: Db | Tx, runIds: string[]): Promise<string[]> {
  const stages = await db.stage.findMany({
    where: { runId: { in: runIds } },
    select: { id: true },
  });
  return [...runIds.map((id) => `ckpt:${id}:%`), ...stages.map((s) => `export/${s.id}/%`)];
}

/**
 * Blobs that deleting these runs (and, with `datasetId`, that dataset) would leave unnamed:
 * the runs' checkpoints and exports; the dataset's images and thumbnails that no other dataset
 * holds, its uploaded archives, and downloaded archives no other dataset imported.
 */
async function freedBlobs(
  db: Db | Tx,
  runIds: string[],
  datasetId: string | null,
): Promise<{ key: string; size: bigint }[]> {
  const patterns = await runBlobPatterns(db, runIds);
  const runBlobs = await db.$queryRawUnsafe<{ key: string; size: bigint }[]>(
    `SELECT key, size FROM "Blob" WHERE key LIKE ANY($1::text[])`,
    patterns,
  );
  if (!datasetId) return runBlobs;
  const datasetBlobs = await db.$queryRawUnsafe<{ key: string; size: bigint }[]>(
    `WITH own AS (
       SELECT DISTINCT sha256 FROM "DatasetFile" f WHERE f."datasetId" = $1::uuid
         AND NOT EXISTS (SELECT 1 FROM "DatasetFile" o WHERE o.sha256 = f.sha256 AND o."datasetId" <> $1::uuid)
     ), keys AS (
       SELECT 'img:' || sha256 AS key FROM own
       UNION ALL SELECT 'thumb:' || sha256 FROM own
       UNION ALL SELECT source FROM "ImportTask" WHERE "datasetId" = $1::uuid AND source LIKE 'upload:%'
       UNION ALL SELECT u."blobKey" FROM "UrlCache" u
         WHERE EXISTS (SELECT 1 FROM "ImportTask" t WHERE t."datasetId" = $1::uuid AND t.source = u.url)
           AND NOT EXISTS (SELECT 1 FROM "ImportTask" t WHERE t."datasetId" <> $1::uuid AND t.source = u.url)
     )
     SELECT b.key, b.size FROM "Blob" b JOIN keys USING (key)`,
    datasetId,
  );
  return [...runBlobs, ...datasetBlobs];
}

async function runsOfDataset(db: Db | Tx, datasetId: string): Promise<string[]> {
  const runs = await db.run.findMany({ where: { version: { datasetId } }, select: { id: true } });
  return runs.map((r) => r.id);
}

/** The footprint, and the keys of the blobs it counts. */
async function measure(db: Db | Tx, runIds: string[], datasetId: string | null) {
  const versions = datasetId ? await db.datasetVersion.count({ where: { datasetId } }) : 0;
  const images = datasetId ? await db.datasetFile.count({ where: { datasetId } }) : 0;
  const checkpoints = await db.checkpoint.count({ where: { runId: { in: runIds } } });
  const exports = await db.stageExport.count({ where: { stage: { runId: { in: runIds } } } });
  const blobs = await freedBlobs(db, runIds, datasetId);
  const footprint: Footprint = {
    versions,
    runs: runIds.length,
    checkpoints,
    exports,
    images,
    blobs: blobs.length,
    bytesFreed: blobs.reduce((sum, b) => sum + Number(b.size), 0),
  };
  return { footprint, blobKeys: blobs.map((b) => b.key) };
}

export const datasetFootprint = async (db: Db, datasetId: string) =>
  (await measure(db, await runsOfDataset(db, datasetId), datasetId)).footprint;

export const runFootprint = async (db: Db, runId: string) =>
  (await measure(db, [runId], null)).footprint;

/**
 * Deletes the rows, then every blob they alone named, in one transaction: a crash leaves all
 * or nothing. The runs are locked before they are checked for training, so a launch waits for
 * the delete; blobs are locked before the re-check, as the orphan sweep does, so an import that
 * is naming an existing image (it holds it FOR SHARE) keeps it. Throws DeleteBlockedError
 * while a run trains or an import runs.
 */
async function purge(
  db: Db,
  runIds: (tx: Tx) => Promise<string[]>,
  datasetId: string | null,
): Promise<Footprint> {
  return db.$transaction(
    async (tx) => {
      const runs = await runIds(tx);
      await tx.$queryRawUnsafe(
        `SELECT id FROM "Run" WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        runs,
      );
      const blocker = await blockerOf(tx, runs, datasetId);
      if (blocker) throw new DeleteBlockedError(blocker);
      const { footprint, blobKeys: candidates } = await measure(tx, runs, datasetId);
      const archives = datasetId
        ? await tx.$queryRawUnsafe<{ id: string }[]>(
            `SELECT u.id::text FROM "UrlCache" u WHERE u."blobKey" = ANY($1::text[])`,
            candidates,
          )
        : [];
      await tx.run.deleteMany({ where: { id: { in: runs } } });
      if (datasetId) await tx.dataset.delete({ where: { id: datasetId } });
      await tx.urlCache.deleteMany({ where: { id: { in: archives.map((a) => a.id) } } });
      await tx.$queryRawUnsafe(
        `SELECT key FROM "Blob" WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
        candidates,
      );
      const deleted = await tx.$queryRawUnsafe<{ size: bigint }[]>(
        `DELETE FROM "Blob" b WHERE b.key = ANY($1::text[]) AND NOT ${IS_REFERENCED} RETURNING b.size`,
        candidates,
      );
      return {
        ...footprint,
        blobs: deleted.length,
        bytesFreed: deleted.reduce((sum, row) => sum + Number(row.size), 0),
      };
    },
    { timeout: 10 * 60_000, maxWait: 10_000 },
  );
}

/** Deletes a dataset with its versions, runs, checkpoints, exports, imports and blobs. */
export const purgeDataset = (db: Db, datasetId: string) =>
  purge(db, (tx) => runsOfDataset(tx, datasetId), datasetId);

/** Deletes a run with its stages, metrics, checkpoints, interpretations, exports and blobs. */
export const purgeRun = (db: Db, runId: string) => purge(db, async () => [runId], null);
