import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { EntryClassifier } from './entry-classifier';
import { DatasetError } from './errors';
import { LimitTracker, resolveLimits, throwLimitExceeded } from './limits';
import { readCapped } from './read-capped';
import type { EntryType, SourceEntry, SourceOptions } from './source-entry';

/**
 * Reads the entries of a .tar or .tar.gz stream (gzip is detected by its magic bytes), one at
 * a time, as the bytes arrive (for example straight from an HTTP download). Aborts on unsafe
 * names, caps, a compression ratio past the limit across the whole stream, and corrupt data
 * (a tar stream cannot resume after it); skips links, devices and nested archives.
 */
export async function* readTarEntries(
  input: AsyncIterable<Uint8Array>,
  options: SourceOptions = {},
): AsyncGenerator<SourceEntry> {
  const limits = resolveLimits(options.limits);
  const tracker = new LimitTracker(limits);
  const classifier = new EntryClassifier(tracker);
  const extract = tar.extract();
  let feedError: unknown = null;
  const stop = (error: unknown): void => {
    feedError ??= error;
    extract.destroy(error as Error);
  };
  void feedExtract(input, extract, tracker).catch(stop);
  try {
    for await (const entry of extract) {
      options.signal?.throwIfAborted();
      const header = entry.header;
      const decision = classifier.classify(header.name, getTarEntryType(header.type));
      if (decision.action === 'read' && (header.size ?? 0) > limits.maxEntryBytes) {
        throwLimitExceeded(
          'maxEntryBytes',
          limits.maxEntryBytes,
          header.size ?? 0,
          `entry "${decision.key}"`,
        );
      }
      // Skipped entries are still decompressed to reach the next header, so their bytes count too.
      const key = decision.action === 'read' ? decision.key : header.name;
      const bytes = await readCapped(entry as unknown as Readable, tracker, key, {
        isDiscarded: decision.action !== 'read',
      });
      if (decision.action === 'read') yield { kind: 'file', path: decision.key, bytes };
      else if (decision.action === 'skip')
        yield { kind: 'skipped', path: decision.path, reason: decision.reason };
    }
  } catch (error) {
    throw toTarError(feedError ?? error);
  } finally {
    extract.destroy(null);
  }
  if (feedError) throw toTarError(feedError);
}

/** Pushes the (decompressed) bytes into tar-stream, honouring its backpressure. */
async function feedExtract(
  input: AsyncIterable<Uint8Array>,
  extract: tar.Extract,
  tracker: LimitTracker,
): Promise<void> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    extract.end(null);
    return;
  }
  const firstChunk = Buffer.from(first.value);
  const isGzip = firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;
  let compressedBytes = 0;
  const counted = Readable.from(
    (async function* () {
      for (let chunk: Uint8Array | undefined = firstChunk; chunk;) {
        compressedBytes += chunk.length;
        yield chunk;
        const next = await iterator.next();
        chunk = next.done ? undefined : next.value;
      }
    })(),
  );
  const decompressed: Readable = isGzip
    ? pipeline(counted, createGunzip(), () => undefined)
    : counted;
  let decompressedBytes = 0;
  for await (const chunk of decompressed) {
    decompressedBytes += (chunk as Buffer).length;
    if (isGzip) tracker.checkRatio(decompressedBytes, compressedBytes, 'the .tar.gz stream');
    // The consumer may have stopped (error or early return): stop reading the input too.
    if (extract.destroyed) return;
    if (!extract.write(chunk as Buffer)) await waitForDrainOrClose(extract);
  }
  if (!extract.destroyed) extract.end(null);
}

function waitForDrainOrClose(extract: tar.Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

function getTarEntryType(type: tar.Header['type'] | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
      return 'device';
    default:
      return 'other';
  }
}

function toTarError(error: unknown): unknown {
  if (error instanceof DatasetError || (error as Error)?.name === 'AbortError') return error;
  const message = (error as Error)?.message ?? String(error);
  return new DatasetError(
    'ARCHIVE_CORRUPT',
    `The tar archive is corrupt or not a tar file: ${message}. Expected a .tar or .tar.gz; check the download or upload finished.`,
    { cause: message },
  );
}
