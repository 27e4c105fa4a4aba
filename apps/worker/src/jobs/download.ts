import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

/**
 * A download that failed. `isTemporary` when trying again later may succeed: the host could not
 * be reached, answered 408, 429 or 5xx, or the connection broke off; a 4xx answer, a file over
 * the limit or a wrong checksum will fail the same way again.
 */
export class DownloadError extends Error {
  readonly code = 'download_failed';
  constructor(
    message: string,
    readonly isTemporary = false,
  ) {
    super(message);
  }
}

const isTemporaryStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Downloads a URL to a file (written beside it, renamed when complete), hashing as it goes;
 * a given checksum that does not match is an error and the file is removed.
 */
export async function downloadToFile(
  url: string,
  file: string,
  options: {
    sha256?: string;
    maxBytes: number;
    onProgress?: (p: DownloadProgress) => void;
    signal?: AbortSignal;
  },
): Promise<{ sha256: string; bytes: number }> {
  const partial = `${file}.part`;
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal, redirect: 'follow' });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new DownloadError(
      `Could not reach ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}.`,
      true,
    );
  }
  if (!response.ok || !response.body) {
    throw new DownloadError(
      `Downloading ${url} failed: the server answered HTTP ${response.status} ${response.statusText}.`,
      isTemporaryStatus(response.status),
    );
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const totalBytes = Number.isFinite(declared) ? declared : null;
  if (totalBytes !== null && totalBytes > options.maxBytes) {
    throw new DownloadError(
      `${url} is ${totalBytes.toLocaleString('en')} bytes, more than the limit of ${options.maxBytes.toLocaleString('en')}.`,
    );
  }
  const hash = createHash('sha256');
  const out = createWriteStream(partial);
  let receivedBytes = 0;
  let lastReport = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      receivedBytes += chunk.length;
      if (receivedBytes > options.maxBytes) {
        throw new DownloadError(
          `${url} is larger than the limit of ${options.maxBytes.toLocaleString('en')} bytes.`,
        );
      }
      hash.update(chunk);
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      if (Date.now() - lastReport > 250) {
        lastReport = Date.now();
        options.onProgress?.({ receivedBytes, totalBytes });
      }
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(
      `The download of ${url} broke off after ${receivedBytes.toLocaleString('en')} bytes: ${(error as Error).message}.`,
      true,
    );
  }
  if (totalBytes !== null && receivedBytes !== totalBytes) {
    await rm(partial, { force: true });
    throw new DownloadError(
      `The download of ${url} ended after ${receivedBytes} of ${totalBytes} bytes.`,
      true,
    );
  }
  const sha256 = hash.digest('hex');
  if (options.sha256 && options.sha256 !== sha256) {
    await rm(partial, { force: true });
    throw new DownloadError(
      `The file at ${url} does not match the expected SHA-256 (expected ${options.sha256}, got ${sha256}).`,
    );
  }
  await rename(partial, file);
  options.onProgress?.({ receivedBytes, totalBytes });
  return { sha256, bytes: (await stat(file)).size };
}
