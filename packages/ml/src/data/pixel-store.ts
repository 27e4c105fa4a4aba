/**
 * A second level under the in-memory ImageCache: decoded, resized pixels kept on disk, so a new
 * run (or a new process) on the same images skips the JPEG decode and resize. Keyed like the
 * cache, by (item key, side, fit); one file per image, written atomically (temporary file, then
 * rename), so concurrent writers and a crash mid-write never leave a torn entry behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

/** Pixels under `dir`, one file per entry, in 256 sub-folders by hash of the id. */
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
    const hash = createHash('sha256').update(id).digest('hex');
    return path.join(this.dir, hash.slice(0, 2), `${hash.slice(2)}.px`);
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
