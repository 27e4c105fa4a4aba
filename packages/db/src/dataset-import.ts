import {
  importEntries,
  type ImageStore,
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
 * thumbnails are buffered and written many per transaction, flushed every `flushBytes`.
 */
export function createImageStore(
  blobs: PostgresBlobStore,
  flushBytes = 16 * 1024 * 1024,
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
      if (pendingBytes >= flushBytes) await flush();
    },
    flush,
  };
}

/**
 * Records what an import produced: one row per image (a path already present is kept as it
 * was), every skipped file with its reason, and text files for CSV labelling. Call it after the
 * image store's flush: every row names a blob that exists.
 */
export async function saveImportResult(
  db: Db,
  datasetId: string,
  result: ImportResult,
): Promise<{ added: number }> {
  return db.$transaction(async (tx) => {
    // Blobs are content-addressed: an import reuses one already stored, which the orphan sweep
    // may be removing. Holding them FOR SHARE makes the two wait for each other, and a blob
    // gone by now stops the import rather than leaving a row that names nothing.
    const keys = [
      ...new Set(result.files.flatMap((f) => [imageBlobKey(f.hash), thumbnailBlobKey(f.hash)])),
    ];
    if (keys.length > 0) {
      const present = await tx.$queryRawUnsafe<{ key: string }[]>(
        'SELECT key FROM "Blob" WHERE key = ANY($1::text[]) FOR SHARE',
        keys,
      );
      if (present.length < keys.length)
        throw new Error(
          `${keys.length - present.length} of the ${keys.length} image and thumbnail blobs of this import were removed while it ran (the orphan sweep); nothing was recorded. Import again: missing images are stored anew.`,
        );
    }
    const added = await tx.datasetFile.createMany({
      data: result.files.map((f) => ({
        datasetId,
        path: f.path,
        blobKey: imageBlobKey(f.hash),
        sha256: f.hash,
        width: f.width,
        height: f.height,
        format: f.format,
        bytes: f.bytes,
      })),
      skipDuplicates: true,
    });
    if (result.skipped.length > 0) {
      await tx.skippedFile.createMany({
        data: result.skipped.map((s) => ({ datasetId, path: s.path, reason: s.reason })),
      });
    }
    for (const t of result.textFiles) {
      await tx.datasetTextFile.upsert({
        where: { datasetId_path: { datasetId, path: t.path } },
        create: { datasetId, path: t.path, text: t.text },
        update: { text: t.text },
      });
    }
    return { added: added.count };
  });
}

/** Imports entries of any source into a dataset: images to blobs, then the rows that name them. */
export async function importIntoDataset(
  db: Db,
  blobs: PostgresBlobStore,
  datasetId: string,
  entries: AsyncIterable<SourceEntry>,
  options: ImportOptions = {},
): Promise<ImportResult & { added: number }> {
  const store = createImageStore(blobs);
  const result = await importEntries(entries, store, options);
  await store.flush();
  const { added } = await saveImportResult(db, datasetId, result);
  return { ...result, added };
}
