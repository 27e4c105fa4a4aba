/**
 * A second level under the in-memory ImageCache: decoded, resized pixels kept on disk, so a new
 * run (or a new process) on the same images skips the JPEG decode and resize. Keyed like the
 * cache, by (item key, side, fit); one file per image, written atomically (temporary file, then
 * rename), so concurrent writers and a crash mid-write never leave a torn entry behind. The
 * entries of one item share a folder named by its key, so `sweep` can drop deleted items.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageCache } from './image-cache';
import type { Pixels } from './pixels';

export interface PixelStore {
  /** The stored pixels, or null when there are none (or the entry is unreadable). */
  get(id: string): Promise<Pixels | null>;
  put(id: string, pixels: Pixels): Promise<void>;
}

const MAGIC = 0x31585850; // "PXX1" little-endian
const HEADER_BYTES = 12;

/** Encodes pixels as a 12-byte header (magic, width, height) followed by the RGB bytes. */
export function encodePixels(pixels: Pixels): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + pixels.data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, pixels.width, true);
  view.setUint32(8, pixels.height, true);
  out.set(pixels.data, HEADER_BYTES);
  return out;
}

/** Null unless `bytes` is a whole entry written by encodePixels. */
export function decodePixels(bytes: Uint8Array): Pixels | null {
  if (bytes.byteLength < HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  if (bytes.byteLength !== HEADER_BYTES + width * height * 3) return null;
  return { width, height, data: bytes.subarray(HEADER_BYTES) };
}

export interface DiskPixelStoreStats {
  hits: number;
  misses: number;
  writes: number;
  /** Writes that failed (for example a full disk); training goes on without storing. */
  failedWrites: number;
  lastError: string | null;
}

export interface PixelSweepResult {
  /** Item keys whose entries were removed. */
  removed: number;
  bytes: number;
}

/** Keys that name a folder as they are (file ids are UUIDs); any other key is hashed. */
const PLAIN_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Pixels under `dir/<bucket>/<item key>/<variant>.px`, in 256 buckets by hash of the key. */
export class DiskPixelStore implements PixelStore {
  readonly stats: DiskPixelStoreStats = {
    hits: 0,
    misses: 0,
    writes: 0,
    failedWrites: 0,
    lastError: null,
  };

  constructor(readonly dir: string) {}

  private fileOf(id: string): string {
    const key = ImageCache.keyOf(id);
    const folder = PLAIN_KEY.test(key) ? key : `~${sha256(key)}`;
    return path.join(this.dir, sha256(folder).slice(0, 2), folder, `${sha256(id).slice(0, 32)}.px`);
  }

  /**
   * Removes the entries of every item key that `keep` does not return (asked in batches), and
   * anything whose key cannot be read back (hashed keys, other layouts): it is only a cache.
   */
  async sweep(
    keep: (keys: string[]) => Promise<Iterable<string>>,
    batchSize = 1000,
  ): Promise<PixelSweepResult> {
    const result: PixelSweepResult = { removed: 0, bytes: 0 };
    const remove = async (target: string) => {
      result.bytes += await bytesUnder(target);
      result.removed += 1;
      await rm(target, { recursive: true, force: true });
    };
    let batch: { key: string; folder: string }[] = [];
    const flush = async () => {
      const kept = new Set(await keep(batch.map((b) => b.key)));
      for (const { key, folder } of batch) if (!kept.has(key)) await remove(folder);
      batch = [];
    };
    for (const bucket of await readdirOrEmpty(this.dir)) {
      const bucketDir = path.join(this.dir, bucket.name);
      if (!bucket.isDirectory()) continue;
      for (const entry of await readdirOrEmpty(bucketDir)) {
        const folder = path.join(bucketDir, entry.name);
        if (!entry.isDirectory() || !PLAIN_KEY.test(entry.name)) await remove(folder);
        else batch.push({ key: entry.name, folder });
        if (batch.length >= batchSize) await flush();
      }
    }
    if (batch.length > 0) await flush();
    return result;
  }

  async get(id: string): Promise<Pixels | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.fileOf(id));
    } catch {
      this.stats.misses += 1;
      return null;
    }
    const pixels = decodePixels(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (pixels) this.stats.hits += 1;
    else this.stats.misses += 1;
    return pixels;
  }

  async put(id: string, pixels: Pixels): Promise<void> {
    const file = this.fileOf(id);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(temporary, encodePixels(pixels));
      await rename(temporary, file);
      this.stats.writes += 1;
    } catch (error) {
      this.stats.failedWrites += 1;
      this.stats.lastError = error instanceof Error ? error.message : String(error);
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }
}

async function readdirOrEmpty(dir: string) {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

async function bytesUnder(target: string): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let bytes = 0;
  for (const entry of await readdirOrEmpty(target))
    bytes += await bytesUnder(path.join(target, entry.name));
  return bytes;
}
