import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { DatasetError } from './errors';
import type { SourceEntry, SourceOptions } from './source-entry';
import { readTarEntries } from './tar-source';
import { readZipEntries } from './zip-source';

export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz' | 'unsupported';

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
  // "ustar" at 257 marks POSIX and GNU tars; anything else is left for the tar reader to judge.
  return {
    format: 'tar',
    name: startsWith(head, [0x75, 0x73, 0x74, 0x61, 0x72], 257) ? 'tar' : 'unknown',
  };
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
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const { format, name } = detectArchiveFormat(head);
  if (format === 'unsupported') {
    throw new DatasetError(
      'ARCHIVE_UNSUPPORTED',
      `The archive is ${name}, which the studio cannot open. Expected .zip, .tar or .tar.gz; re-pack it in one of those.`,
      {
        format: name,
      },
    );
  }
  yield* format === 'zip'
    ? readZipEntries(filePath, options)
    : readTarEntries(createReadStream(filePath), options);
}
