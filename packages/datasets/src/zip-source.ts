import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { EntryClassifier } from './entry-classifier';
import { DatasetError } from './errors';
import { LimitTracker, resolveLimits, throwLimitExceeded } from './limits';
import { readCapped } from './read-capped';
import type { EntryType, SourceEntry, SourceOptions } from './source-entry';
import { decodeZipEntryName, type RawZipEntry } from './yauzl-types';
import { ZipOverlapGuard } from './zip-overlap';

/**
 * Reads the entries of a zip file on disk, one at a time (yauzl seeks to each entry, so the
 * archive is never held in memory). Aborts on unsafe names, caps and overlapping entries; skips links, nested
 * archives, encrypted entries, unsupported compression and entries with corrupt data.
 */
export async function* readZipEntries(
  zipPath: string,
  options: SourceOptions = {},
): AsyncGenerator<SourceEntry> {
  const limits = resolveLimits(options.limits);
  const tracker = new LimitTracker(limits);
  const classifier = new EntryClassifier(tracker);
  const overlapGuard = new ZipOverlapGuard();
  const zip = await openZip(zipPath);
  try {
    // The central directory states the count up front: refuse a million-entry archive before reading any.
    if (zip.entryCount > limits.maxEntries) {
      throwLimitExceeded('maxEntries', limits.maxEntries, zip.entryCount, 'the number of entries');
    }
    for (;;) {
      options.signal?.throwIfAborted();
      const entry = await readNextEntry(zip);
      if (!entry) return;
      const rawName = decodeZipEntryName(entry);
      overlapGuard.check(entry.relativeOffsetOfLocalHeader, entry.compressedSize, rawName);
      const decision = classifier.classify(rawName, getZipEntryType(entry));
      if (decision.action === 'ignore') continue;
      if (decision.action === 'skip') {
        yield { kind: 'skipped', path: decision.path, reason: decision.reason };
        continue;
      }
      const key = decision.key;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throwLimitExceeded(
          'maxEntryBytes',
          limits.maxEntryBytes,
          entry.uncompressedSize,
          `entry "${key}"`,
        );
      }
      const unreadable = describeUnreadableEntry(entry);
      if (unreadable) {
        yield { kind: 'skipped', path: key, reason: unreadable };
        continue;
      }
      const bytes = await readZipEntry(zip, entry, tracker, key);
      yield typeof bytes === 'string'
        ? { kind: 'skipped', path: key, reason: bytes }
        : { kind: 'file', path: key, bytes };
    }
  } finally {
    zip.close();
  }
}

function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      zipPath,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (error, zip) => {
        if (error || !zip) {
          reject(
            new DatasetError(
              'ARCHIVE_CORRUPT',
              `Could not open the zip archive: ${error?.message ?? 'unknown error'}. ` +
                'Expected a complete .zip file; check the upload finished, or re-create the archive.',
              { cause: error?.message },
            ),
          );
        } else {
          // Errors reach the caller through readNextEntry's listener; this one only keeps a late
          // error (after the caller stopped reading) from becoming an uncaught 'error' event.
          zip.on('error', () => undefined);
          resolve(zip);
        }
      },
    );
  });
}

function readNextEntry(zip: yauzl.ZipFile): Promise<RawZipEntry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry): void => {
      cleanup();
      resolve(entry as RawZipEntry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(
        new DatasetError(
          'ARCHIVE_CORRUPT',
          `The zip archive is corrupt: ${error.message}. Re-create the archive and upload it again.`,
          {
            cause: error.message,
          },
        ),
      );
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

const S_IFMT = 0o170000;

/** Unix file type from the high bits of the external attributes (only meaningful for Unix-made zips). */
function getZipEntryType(entry: RawZipEntry): EntryType {
  const isUnixMade = entry.versionMadeBy >> 8 === 3;
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (isUnixMade && mode !== 0) {
    if (mode === 0o120000) return 'symlink';
    if (mode === 0o040000) return 'directory';
    if (mode === 0o020000 || mode === 0o060000) return 'device';
    if (mode !== 0o100000) return 'other';
  }
  return 'file';
}

function describeUnreadableEntry(entry: RawZipEntry): string | null {
  if (entry.isEncrypted()) return 'encrypted entry: password-protected zips are not supported';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return `unsupported zip compression method ${entry.compressionMethod}: re-create the zip with standard (deflate) compression`;
  }
  return null;
}

/** Reads one entry, or returns a skip reason when only this entry's data is broken. */
async function readZipEntry(
  zip: yauzl.ZipFile,
  entry: RawZipEntry,
  tracker: LimitTracker,
  key: string,
): Promise<Buffer | string> {
  let stream: Readable;
  try {
    stream = await new Promise<Readable>((resolve, reject) => {
      zip.openReadStream(entry, (error, s) =>
        error || !s ? reject(error ?? new Error('no stream')) : resolve(s),
      );
    });
  } catch (error) {
    return `corrupt archive entry: ${(error as Error).message}`;
  }
  try {
    return await readCapped(stream, tracker, key, {
      onBytes: (entryBytes) =>
        tracker.checkRatio(entryBytes, entry.compressedSize, `entry "${key}"`),
    });
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    return `corrupt archive entry: ${(error as Error).message}`;
  }
}
