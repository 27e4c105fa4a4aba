import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { AllowedImportHosts } from '@studio/datasets';
import { DownloadError } from './download-error';
import { guardedGet } from './guarded-get';

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

const isTemporaryStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Downloads a URL to a file (written beside it, renamed when complete), hashing as it goes;
 * a given checksum that does not match is an error and the file is removed. Internal addresses
 * are refused unless `allowed` lists them (see guardedGet).
 */
export async function downloadToFile(
  url: string,
  file: string,
  options: {
    sha256?: string;
    maxBytes: number;
    allowed: AllowedImportHosts;
    onProgress?: (p: DownloadProgress) => void;
    signal?: AbortSignal;
  },
): Promise<{ sha256: string; bytes: number }> {
  const partial = `${file}.part`;
  const response = await guardedGet(url, { allowed: options.allowed, signal: options.signal });
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    response.resume();
    const reason = response.statusMessage ? ` ${response.statusMessage}` : '';
    throw new DownloadError(
      `Downloading ${url} failed: the server answered HTTP ${status}${reason}.`,
      isTemporaryStatus(status),
    );
  }
  const declared = Number(response.headers['content-length'] ?? NaN);
  const totalBytes = Number.isFinite(declared) ? declared : null;
  if (totalBytes !== null && totalBytes > options.maxBytes) {
    response.destroy();
    throw new DownloadError(
      `${url} is ${totalBytes.toLocaleString('en')} bytes, more than the limit of ${options.maxBytes.toLocaleString('en')}.`,
    );
  }
  const hash = createHash('sha256');
  const out = createWriteStream(partial);
  let receivedBytes = 0;
  let lastReport = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
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
    response.destroy();
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
