import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ApiError } from './api-error';
import { readBodyChunks, type BodyLimit } from './request-body';

/** A request body kept in a temporary file, read back once the client has sent all of it. */
export interface SpooledBody {
  bytes: number;
  /** The bytes from the start; call once. */
  read(): Readable;
  /** Up to the first `length` bytes, for a look at the format before storing. */
  head(length: number): Promise<Buffer>;
  /** Frees the file; idempotent. */
  close(): Promise<void>;
}

/**
 * Copies a request body to a temporary file under `limit` (413) and the idle timeout (408), so
 * that storing it afterwards never waits on a slow client while it holds a database connection.
 * The file is unlinked as soon as it is open: the system frees it when it is closed or when the
 * process dies, so a killed web app leaves nothing behind.
 */
export async function spoolBody(request: Request, limit: BodyLimit): Promise<SpooledBody> {
  const dir = await mkdtemp(path.join(tmpdir(), 'studio-upload-'));
  const file = await open(path.join(dir, 'body'), 'w+').finally(() =>
    rm(dir, { recursive: true, force: true }),
  );
  let isClosed = false;
  const close = async () => {
    if (isClosed) return;
    isClosed = true;
    await file.close();
  };
  let bytes = 0;
  try {
    for await (const chunk of readBodyChunks(request, limit)) {
      await file.write(chunk);
      bytes += chunk.byteLength;
    }
  } catch (error) {
    await close();
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new ApiError(
        507,
        "The web server's disk is full: there was no room for the upload in its temporary folder. Free space there, or point TMPDIR at a larger disk, then upload again.",
      );
    }
    throw error;
  }
  return {
    bytes,
    read: () => file.createReadStream({ start: 0, autoClose: false }),
    head: async (length) => {
      const buffer = Buffer.alloc(Math.min(length, bytes));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead);
    },
    close,
  };
}
