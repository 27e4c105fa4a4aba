import type { Readable } from 'node:stream';
import type { LimitTracker } from './limits';

/**
 * Reads one entry's stream into memory while enforcing the per-entry and total caps on the
 * bytes that actually arrive (headers can lie about sizes). `onBytes` lets a source add its
 * own check, such as the compression ratio. `isDiscarded` counts the bytes without keeping
 * them, for entries a stream must read past (tar) but will not import.
 */
export async function readCapped(
  stream: Readable,
  tracker: LimitTracker,
  key: string,
  options: { onBytes?: (entryBytes: number) => void; isDiscarded?: boolean } = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let entryBytes = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      entryBytes += buffer.length;
      tracker.addBytes(buffer.length, entryBytes, key);
      options.onBytes?.(entryBytes);
      if (!options.isDiscarded) chunks.push(buffer);
    }
  } catch (error) {
    stream.destroy();
    throw error;
  }
  return Buffer.concat(chunks);
}
