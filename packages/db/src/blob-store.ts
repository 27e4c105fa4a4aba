import { Readable } from 'node:stream';
import type { Db } from './client';

/** Chunk size for blobs: big enough that images are one row, small enough to stream weights. */
export const BLOB_CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes of blobs sent in one `putMany` statement (a single larger blob goes alone). */
const PUT_MANY_STATEMENT_BYTES = 16 * 1024 * 1024;

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

  /**
   * Stores several blobs, many per statement (one round trip for hundreds of small images). Each
   * statement is atomic on its own, so a blob is stored whole or not at all, without an
   * interactive transaction's time limit however busy the database is.
   */
  async putMany(items: { key: string; bytes: Uint8Array; contentType: string }[]): Promise<void> {
    const unique = [...new Map(items.map((item) => [item.key, item])).values()];
    for (const group of groupByBytes(unique, PUT_MANY_STATEMENT_BYTES)) {
      const chunked = group.map((item) => ({ ...item, chunks: splitIntoChunks(item.bytes) }));
      const chunks = chunked.flatMap((c) =>
        c.chunks.map((data, index) => ({ key: c.key, index, data })),
      );
      await this.db.$executeRawUnsafe(
        // unnest() in the select list streams rows; in FROM it would buffer them in a
        // tuplestore, which spills megabytes of image bytes to temporary files.
        `WITH created AS (
           INSERT INTO "Blob" (key, size, "contentType", "chunkCount")
           SELECT unnest($1::text[]), unnest($2::bigint[]), unnest($3::text[]), unnest($4::int[])
           ON CONFLICT (key) DO NOTHING
           RETURNING key)
         INSERT INTO "BlobChunk" ("blobKey", index, data)
         SELECT c.key, c.index, c.data
         FROM (SELECT unnest($5::text[]) AS key, unnest($6::int[]) AS index, unnest($7::bytea[]) AS data) AS c
         WHERE c.key IN (SELECT key FROM created)`,
        chunked.map((c) => c.key),
        chunked.map((c) => c.bytes.length),
        chunked.map((c) => c.contentType),
        chunked.map((c) => c.chunks.length),
        chunks.map((c) => c.key),
        chunks.map((c) => c.index),
        chunks.map((c) => c.data),
      );
    }
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

  /** The first `bytes` bytes of a blob (fewer when it is shorter, none when it does not exist). */
  async head(key: string, bytes: number): Promise<Buffer> {
    const rows = await this.db.$queryRawUnsafe<{ head: Uint8Array }[]>(
      'SELECT substring(data FROM 1 FOR $2) AS head FROM "BlobChunk" WHERE "blobKey" = $1 AND index = 0',
      key,
      bytes,
    );
    return Buffer.from(rows[0]?.head ?? []);
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

/** Consecutive groups of items holding about `maxBytes` each; an item is never split. */
function groupByBytes<T extends { bytes: Uint8Array }>(items: T[], maxBytes: number): T[][] {
  const groups: T[][] = [];
  let bytes = Infinity;
  for (const item of items) {
    if (bytes + item.bytes.length > maxBytes) {
      groups.push([]);
      bytes = 0;
    }
    groups.at(-1)!.push(item);
    bytes += item.bytes.length;
  }
  return groups;
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
