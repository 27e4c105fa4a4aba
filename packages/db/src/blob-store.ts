import { Readable } from 'node:stream';
import type { Db } from './client';

/** Chunk size for blobs: big enough that images are one row, small enough to stream weights. */
export const BLOB_CHUNK_BYTES = 4 * 1024 * 1024;

export interface BlobInfo {
  key: string;
  size: number;
  contentType: string;
}

/**
 * Blob storage in Postgres: every host (web, workers) reads the same bytes, none keeps them
 * only on its own disk. Blob row and chunks commit in one transaction, so a crash leaves either
 * the whole blob or nothing.
 */
export class PostgresBlobStore {
  constructor(private readonly db: Db) {}

  async has(key: string): Promise<boolean> {
    return (await this.db.blob.count({ where: { key } })) > 0;
  }

  async info(key: string): Promise<BlobInfo | null> {
    const row = await this.db.blob.findUnique({ where: { key } });
    return row ? { key: row.key, size: Number(row.size), contentType: row.contentType } : null;
  }

  /** Stores bytes under a key; an existing key is left as it is (keys are content addresses). */
  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.putMany([{ key, bytes, contentType }]);
  }

  /** Stores several blobs in one transaction (one round trip for many small images). */
  async putMany(items: { key: string; bytes: Uint8Array; contentType: string }[]): Promise<void> {
    if (items.length === 0) return;
    const chunked = items.map((item) => ({ ...item, chunks: splitIntoChunks(item.bytes) }));
    await this.db.$transaction(async (tx) => {
      const created = await tx.blob.createManyAndReturn({
        data: chunked.map((c) => ({
          key: c.key,
          size: BigInt(c.bytes.length),
          contentType: c.contentType,
          chunkCount: c.chunks.length,
        })),
        skipDuplicates: true,
        select: { key: true },
      });
      const isNew = new Set(created.map((c) => c.key));
      const rows = chunked
        .filter((c) => isNew.has(c.key))
        .flatMap((c) => c.chunks.map((data, index) => ({ blobKey: c.key, index, data })));
      if (rows.length > 0) await tx.blobChunk.createMany({ data: rows });
    });
  }

  /**
   * Stores a stream chunk by chunk, never holding more than one chunk in memory; aborts with
   * an error (and stores nothing) past `maxBytes`.
   */
  async putStream(
    key: string,
    source: AsyncIterable<Uint8Array>,
    contentType: string,
    maxBytes = Number.MAX_SAFE_INTEGER,
  ): Promise<number> {
    return this.db.$transaction(
      async (tx) => {
        await tx.blob.deleteMany({ where: { key } });
        await tx.blob.create({ data: { key, size: 0n, contentType, chunkCount: 0 } });
        let size = 0;
        let index = 0;
        const write = async (data: Buffer) => {
          await tx.blobChunk.create({ data: { blobKey: key, index, data: Uint8Array.from(data) } });
          index += 1;
        };
        let parts: Buffer[] = [];
        let partsBytes = 0;
        for await (const part of source) {
          size += part.length;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes, size);
          parts.push(Buffer.from(part));
          partsBytes += part.length;
          if (partsBytes < BLOB_CHUNK_BYTES) continue;
          let all = Buffer.concat(parts);
          for (; all.length >= BLOB_CHUNK_BYTES; all = all.subarray(BLOB_CHUNK_BYTES)) {
            await write(all.subarray(0, BLOB_CHUNK_BYTES));
          }
          parts = [all];
          partsBytes = all.length;
        }
        if (partsBytes > 0 || index === 0) await write(Buffer.concat(parts));
        await tx.blob.update({ where: { key }, data: { size: BigInt(size), chunkCount: index } });
        return size;
      },
      { timeout: 30 * 60_000, maxWait: 10_000 },
    );
  }

  /** Reads a whole blob; use `stream` for large ones. */
  async get(key: string): Promise<Buffer> {
    const chunks = await this.db.blobChunk.findMany({
      where: { blobKey: key },
      orderBy: { index: 'asc' },
    });
    if (chunks.length === 0 && !(await this.has(key)))
      throw new Error(`Blob ${key} does not exist.`);
    return Buffer.concat(chunks.map((c) => c.data));
  }

  /** Streams a blob chunk by chunk, holding one chunk in memory at a time. */
  stream(key: string): Readable {
    const db = this.db;
    let index = 0;
    return new Readable({
      async read() {
        try {
          const chunk = await db.blobChunk.findUnique({
            where: { blobKey_index: { blobKey: key, index } },
          });
          index += 1;
          this.push(chunk ? chunk.data : null);
        } catch (error) {
          this.destroy(error as Error);
        }
      },
    });
  }

  async delete(key: string): Promise<void> {
    await this.db.blob.deleteMany({ where: { key } });
  }
}

function splitIntoChunks(bytes: Uint8Array): Uint8Array<ArrayBuffer>[] {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < bytes.length || chunks.length === 0; at += BLOB_CHUNK_BYTES) {
    chunks.push(Uint8Array.from(bytes.subarray(at, at + BLOB_CHUNK_BYTES)));
  }
  return chunks;
}

export class BlobTooLargeError extends Error {
  readonly code = 'too_large';
  constructor(
    readonly limit: number,
    readonly received: number,
  ) {
    super(
      `The upload is larger than the limit of ${(limit / 1024 ** 3).toFixed(2)} GiB (received more than ${received.toLocaleString('en')} bytes). Split it into smaller archives or raise STUDIO_MAX_UPLOAD_BYTES.`,
    );
  }
}
