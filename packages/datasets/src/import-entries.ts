import { createHash } from 'node:crypto';
import type { ImageStore } from './image-store';
import { compareCodeUnits, getExtension } from './path-parts';
import { runPool } from './run-pool';
import { scanImage, type ImageInfo, type ScanOptions } from './scan-image';
import type { SourceEntry } from './source-entry';

/** An image that imported: where it was in the dataset and which stored blob it is. */
export interface ImportedFile extends ImageInfo {
  path: string;
  /** sha256 of the file's bytes, hex; identical files share it and are stored once. */
  hash: string;
  /** Size of the file in bytes. */
  bytes: number;
}

/** A file that did not import, and why (shown to the user; never silently dropped). */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** A small text file found next to the images (`labels.csv`, split lists), kept for labelling. */
export interface TextFile {
  path: string;
  text: string;
}

export interface ImportProgress {
  /** Entries finished so far (imported, skipped or kept as text). */
  processed: number;
  imported: number;
  skipped: number;
  /** The entry just finished. */
  path: string;
}

export interface ImportOptions extends Omit<ScanOptions, 'shouldDecode'> {
  onProgress?: (progress: ImportProgress) => void;
  /** Images decoded at once. Default 3: sharp decodes on libuv's pool, and the machines have 2 cores. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Largest `.csv`/`.tsv`/`.txt` kept as text. Default 16 MiB. */
  maxTextBytes?: number;
}

export interface ImportResult {
  /** Imported images, sorted by path. */
  files: ImportedFile[];
  /** Entries not imported, sorted by path. */
  skipped: SkippedFile[];
  /** Text files (CSV, TSV, TXT), sorted by path. */
  textFiles: TextFile[];
  /** Files whose content repeated an earlier file of this import. */
  duplicates: number;
  /** Distinct images handed to `store.put` (the rest were duplicates or already stored). */
  stored: number;
}

const TEXT_EXTENSIONS = new Set(['.csv', '.tsv', '.txt']);
type Outcome = { ok: true; info: ImageInfo } | { ok: false; reason: string };

/**
 * Imports the entries of any source: images are verified, hashed, thumbnailed and stored
 * once per distinct content; broken files are skipped with a reason; the import itself only
 * fails for source errors (unsafe names, caps, corrupt archives) or store errors.
 */
export async function importEntries(
  entries: AsyncIterable<SourceEntry>,
  store: ImageStore,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const result: ImportResult = { files: [], skipped: [], textFiles: [], duplicates: 0, stored: 0 };
  const outcomesByHash = new Map<string, Promise<Outcome>>();
  const maxTextBytes = options.maxTextBytes ?? 16 * 1024 * 1024;
  let processed = 0;

  const scanAndStore = async (
    hash: string,
    entry: { path: string; bytes: Buffer },
  ): Promise<Outcome> => {
    // An image already in the store was verified when it was first stored; skip the decode.
    const isStored = await store.has(hash);
    const scan = await scanImage(entry.bytes, entry.path, { ...options, shouldDecode: !isStored });
    if (!scan.ok) return scan;
    if (scan.thumbnail) {
      await store.put(hash, entry.bytes, {
        ...scan.info,
        bytes: entry.bytes.length,
        thumbnail: scan.thumbnail,
      });
      result.stored += 1;
    }
    return { ok: true, info: scan.info };
  };

  const processEntry = async (entry: SourceEntry): Promise<void> => {
    options.signal?.throwIfAborted();
    if (entry.kind === 'skipped') {
      result.skipped.push({ path: entry.path, reason: entry.reason });
    } else if (TEXT_EXTENSIONS.has(getExtension(entry.path))) {
      if (entry.bytes.length > maxTextBytes)
        result.skipped.push({
          path: entry.path,
          reason: `text file too large (${entry.bytes.length} bytes > ${maxTextBytes})`,
        });
      else result.textFiles.push({ path: entry.path, text: entry.bytes.toString('utf8') });
    } else {
      const hash = createHash('sha256').update(entry.bytes).digest('hex');
      const earlier = outcomesByHash.get(hash);
      const outcome = await (earlier ?? remember(outcomesByHash, hash, scanAndStore(hash, entry)));
      if (!outcome.ok) {
        result.skipped.push({ path: entry.path, reason: outcome.reason });
      } else {
        if (earlier) result.duplicates += 1;
        result.files.push({ path: entry.path, hash, bytes: entry.bytes.length, ...outcome.info });
      }
    }
    processed += 1;
    options.onProgress?.({
      processed,
      imported: result.files.length,
      skipped: result.skipped.length,
      path: entry.path,
    });
  };

  await runPool(entries, Math.max(1, options.concurrency ?? 3), processEntry);
  const byPath = (a: { path: string }, b: { path: string }): number =>
    compareCodeUnits(a.path, b.path);
  result.files.sort(byPath);
  result.skipped.sort(byPath);
  result.textFiles.sort(byPath);
  return result;
}

function remember<T>(map: Map<string, Promise<T>>, key: string, promise: Promise<T>): Promise<T> {
  map.set(key, promise);
  return promise;
}
