import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface TarEntrySpec {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device';
  linkname?: string;
}

/** Builds a tar (optionally gzipped) in memory with tar-stream's packer, which writes any name it is given. */
export async function writeTar(
  entries: TarEntrySpec[],
  options: { isGzipped?: boolean } = {},
): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const hasData = (entry.type ?? 'file') === 'file';
    const header = {
      name: entry.name,
      type: entry.type ?? 'file',
      linkname: entry.linkname,
      size: hasData ? data.length : 0,
    };
    await new Promise<void>((resolve, reject) =>
      pack.entry(header, hasData ? data : '', (error) => (error ? reject(error) : resolve())),
    );
  }
  pack.finalize();
  await collected;
  const tarBytes = Buffer.concat(chunks);
  return options.isGzipped ? gzipSync(tarBytes) : tarBytes;
}

/** Feeds a buffer to a source in small chunks, like a network download. */
export async function* toChunks(bytes: Buffer, chunkSize = 16 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize)
    yield bytes.subarray(offset, offset + chunkSize);
}
