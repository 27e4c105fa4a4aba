import {
  importEntries,
  type ImageStore,
  type ImportedFile,
  type ImportOptions,
  type ImportResult,
  type SourceEntry,
} from '@studio/datasets';
import type { PostgresBlobStore } from './blob-store';
import type { Db } from './client';

export const imageBlobKey = (sha256: string) => `img:${sha256}`;
export const thumbnailBlobKey = (sha256: string) => `thumb:${sha256}`;

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
};

export function imageContentType(format: string): string {
  return CONTENT_TYPES[format] ?? 'application/octet-stream';
}

export interface BufferedImageStore extends ImageStore {
  /** Writes what is still buffered; call before recording the rows that name these blobs. */
  flush(): Promise<void>;
}

/**
 * The datasets library's content-addressed image store, backed by Postgres blobs. Images and
 * thumbnails are buffered and written many per statement, flushed every `flushBytes` or
 * `flushCount` blobs, whichever comes first.
 */
export function createImageStore(
  blobs: PostgresBlobStore,
  { flushBytes = 16 * 1024 * 1024, flushCount = 2000 } = {},
): BufferedImageStore {
  let pending: { key: string; bytes: Uint8Array; contentType: string }[] = [];
  let pendingBytes = 0;
  const pendingHashes = new Set<string>();
  const flush = async () => {
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    pendingHashes.clear();
    await blobs.putMany(batch);
  };
  return {
    has: async (hash) => pendingHashes.has(hash) || blobs.has(imageBlobKey(hash)),
    async put(hash, bytes, meta) {
      pendingHashes.add(hash);
      pending.push({
        key: thumbnailBlobKey(hash),
        bytes: meta.thumbnail.bytes,
        contentType: 'image/webp',
      });
      pending.push({ key: imageBlobKey(hash), bytes, contentType: imageContentType(meta.format) });
      pendingBytes += bytes.length + meta.thumbnail.bytes.length;
      if (pendingBytes >= flushBytes || pending.length >= flushCount) await flush();
    },
    flush,
  };
}

/** Rows recorded per transaction: each commits in well under a second, however large the import. */
const ROWS_PER_BATCH = 1000;

/** Blobs an import named were removed (by the orphan sweep) before its rows could name them. */
export class ImportBlobsRemovedError extends Error {
  readonly code = 'blobs_removed';
}

/**
 * Records what an import produced: one row per image (a path already present is kept as it
 * was), every skipped file with its reason, and text files for CSV labelling. Call it after the
 * image store's flush: every row names a blob that exists. Rows are written in batches, each in
 * its own transaction, and writing the same result again records nothing twice, so an import
 * that failed part-way is completed by running it again.
 */
export async function saveImportResult(
  db: Db,
  datasetId: string,
  result: ImportResult,
  options: { onRecorded?: (images: number) => void } = {},
): Promise<{ added: number }> {
  let added = 0;
  for (const files of inBatches(result.files, ROWS_PER_BATCH)) {
    added += await recordImages(db, datasetId, files);
    options.onRecorded?.(added);
  }
  for (const skipped of inBatches(result.skipped, ROWS_PER_BATCH)) {
    // A path skipped again replaces its earlier reason rather than listing it twice.
    await db.$transaction([
      db.skippedFile.deleteMany({
        where: { datasetId, path: { in: skipped.map((s) => s.path) } },
      }),
      db.skippedFile.createMany({
        data: skipped.map((s) => ({ datasetId, path: s.path, reason: s.reason })),
      }),
    ]);
  }
  for (const t of result.textFiles) {
    await db.datasetTextFile.upsert({
      where: { datasetId_path: { datasetId, path: t.path } },
      create: { datasetId, path: t.path, text: t.text },
      update: { text: t.text },
    });
  }
  return { added };
}

async function recordImages(db: Db, datasetId: string, files: ImportedFile[]): Promise<number> {
  return db.$transaction(
    async (tx) => {
      // Blobs are content-addressed: an import reuses one already stored, which the orphan
      // sweep may be removing. Holding them FOR SHARE makes the two wait for each other, and a
      // blob gone by now stops the import rather than leaving a row that names nothing.
      const keys = [
        ...new Set(files.flatMap((f) => [imageBlobKey(f.hash), thumbnailBlobKey(f.hash)])),
      ];
      const present = await tx.$queryRawUnsafe<{ key: string }[]>(
        'SELECT key FROM "Blob" WHERE key = ANY($1::text[]) FOR SHARE',
        keys,
      );
      if (present.length < keys.length)
        throw new ImportBlobsRemovedError(
          `${keys.length - present.length} of the ${keys.length} image and thumbnail blobs of this import were removed while it ran (the orphan sweep); their rows were not recorded. Import again: missing images are stored anew, and images already recorded are not recorded twice.`,
        );
      // One INSERT from arrays: Prisma's createMany spends ~1 s building 1,000 rows on a busy
      // machine, this ~0.07 s. A path already in the dataset keeps its row.
      return tx.$executeRawUnsafe(
        `INSERT INTO "DatasetFile" (id, "datasetId", path, "blobKey", sha256, width, height, format, bytes)
         SELECT gen_random_uuid(), $1::uuid, f.* FROM unnest(
           $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::int[]) AS f
         ON CONFLICT ("datasetId", path) DO NOTHING`,
        datasetId,
        files.map((f) => f.path),
        files.map((f) => imageBlobKey(f.hash)),
        files.map((f) => f.hash),
        files.map((f) => f.width),
        files.map((f) => f.height),
        files.map((f) => f.format),
        files.map((f) => f.bytes),
      );
    },
    // The limit is for a database so busy that even a small batch waits; it is never the
    // import's size that reaches it.
    { timeout: 60_000, maxWait: 30_000 },
  );
}

function* inBatches<T>(items: T[], size: number): Generator<T[]> {
  for (let at = 0; at < items.length; at += size) yield items.slice(at, at + size);
}

/** Imports entries of any source into a dataset: images to blobs, then the rows that name them. */
export async function importIntoDataset(
  db: Db,
  blobs: PostgresBlobStore,
  datasetId: string,
  entries: AsyncIterable<SourceEntry>,
  options: ImportOptions & { onRecorded?: (images: number) => void } = {},
): Promise<ImportResult & { added: number }> {
  const store = createImageStore(blobs);
  const result = await importEntries(entries, store, options);
  await store.flush();
  const { added } = await saveImportResult(db, datasetId, result, options);
  return { ...result, added };
}
