import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { DatasetError } from './errors';
import type { SourceEntry, SourceOptions } from './source-entry';
import { readTarEntries } from './tar-source';
import { readZipEntries } from './zip-source';

export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz' | 'unsupported' | 'unknown';

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  signature.every((byte, i) => bytes[offset + i] === byte);

/** Names an archive by its first 512 bytes; the file name's extension is not trusted. */
export function detectArchiveFormat(head: Uint8Array): { format: ArchiveFormat; name: string } {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]))
    return { format: 'zip', name: 'zip' };
  if (startsWith(head, [0x1f, 0x8b])) return { format: 'tar.gz', name: 'gzip' };
  if (startsWith(head, [0x42, 0x5a, 0x68]))
    return { format: 'unsupported', name: 'bzip2 (.tar.bz2)' };
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
    return { format: 'unsupported', name: 'xz (.tar.xz)' };
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd]))
    return { format: 'unsupported', name: 'zstd (.tar.zst)' };
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return { format: 'unsupported', name: '7z' };
  if (startsWith(head, [0x52, 0x61, 0x72, 0x21])) return { format: 'unsupported', name: 'RAR' };
  // "ustar" at 257 marks POSIX and GNU tars, the ones the tar reader opens.
  if (startsWith(head, [0x75, 0x73, 0x74, 0x61, 0x72], 257)) return { format: 'tar', name: 'tar' };
  return { format: 'unknown', name: describeUnknownHead(head) };
}

/**
 * Refuses, from its first bytes, a file that is no archive the studio opens: a zero-filled or
 * text file would otherwise be read to its end (gigabytes, minutes) as a tar with no entries.
 */
export function checkArchiveHead(head: Uint8Array): 'zip' | 'tar' | 'tar.gz' {
  if (head.length === 0)
    throw new DatasetError(
      'ARCHIVE_CORRUPT',
      'The file is empty (0 bytes): not an archive. Check that it finished downloading, then upload it again.',
      { format: 'empty' },
    );
  // A zip that starts with its end-of-directory record has no entries at all.
  if (startsWith(head, [0x50, 0x4b, 0x05, 0x06]))
    throw new DatasetError(
      'ARCHIVE_EMPTY',
      'The zip archive holds no files. Add the photos to it, or upload the folder itself.',
      { format: 'zip' },
    );
  const { format, name } = detectArchiveFormat(head);
  if (format === 'unsupported')
    throw new DatasetError(
      'ARCHIVE_UNSUPPORTED',
      `The archive is ${name}, which the studio cannot open. Expected .zip, .tar or .tar.gz; re-pack it in one of those.`,
      { format: name },
    );
  if (format === 'unknown')
    throw new DatasetError(
      'ARCHIVE_CORRUPT',
      `The file is not a zip, tar or tar.gz archive: its first bytes are ${name}. Check that the upload or download is the archive itself and that it finished.`,
      { format: 'unknown' },
    );
  return format;
}

function describeUnknownHead(head: Uint8Array): string {
  if (head.length === 0) return 'missing (the file is empty)';
  if (head.every((byte) => byte === 0)) return 'all zeros';
  return 'no archive format the studio knows';
}

/**
 * Reads a downloaded or uploaded archive file of any supported kind (zip, tar, tar.gz/tgz),
 * chosen by its magic bytes. What the worker calls after a URL import.
 */
export async function* readArchiveEntries(
  filePath: string,
  options: SourceOptions = {},
): AsyncGenerator<SourceEntry> {
  const head = Buffer.alloc(512);
  const handle = await open(filePath, 'r');
  let length = 0;
  try {
    ({ bytesRead: length } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  const format = checkArchiveHead(head.subarray(0, length));
  yield* format === 'zip'
    ? readZipEntries(filePath, options)
    : readTarEntries(createReadStream(filePath), options);
}
