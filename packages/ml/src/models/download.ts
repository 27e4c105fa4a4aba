import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface DownloadProgress {
  phase: 'downloading' | 'verifying' | 'done';
  /** Never decreases, even when a server without Range support makes a retry start over. */
  receivedBytes: number;
  totalBytes: number | null;
  attempt: number;
}

export interface DownloadOptions {
  url: string;
  /** Final path; the data goes to `${destination}.part` first and is renamed once verified. */
  destination: string;
  /** Expected lower-case hex sha256, or null to accept any content (the hash is returned). */
  sha256: string | null;
  sizeBytes?: number | null;
  fetchImpl?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
  /** Attempts including the first; each retry resumes from the bytes already written. Default 5. */
  maxAttempts?: number;
  /** Wait before retry n is n × this. Default 500 ms. */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  sizeBytes: number;
}

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `${what} has sha256 ${actual}, expected ${expected}. The file is corrupt or not the published one; it was not used.`,
    );
  }
}

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly isRetryable: boolean,
  ) {
    super(message);
  }
}

/** sha256 and size of a file, streamed (weight files are ~100 MB). */
export async function hashFile(path: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

/**
 * Downloads `url` to `destination` with resume (HTTP Range) after a dropped connection, a clean
 * restart when the server ignores Range, and sha256 verification. A file that fails the check
 * is deleted and reported, never renamed into place.
 */
export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const {
    url,
    destination,
    fetchImpl = fetch,
    onProgress,
    maxAttempts = 5,
    retryDelayMs = 500,
    signal,
  } = options;
  const part = `${destination}.part`;
  await mkdir(dirname(destination), { recursive: true });
  let highWater = 0;
  let totalBytes: number | null = options.sizeBytes ?? null;
  const report = (phase: DownloadProgress['phase'], received: number, attempt: number) => {
    highWater = Math.max(highWater, received);
    onProgress?.({ phase, receivedBytes: highWater, totalBytes, attempt });
  };

  let attempt = 0;
  for (;;) {
    attempt += 1;
    try {
      const onBytes = (received: number, total: number | null) => {
        totalBytes = total;
        report('downloading', received, attempt);
      };
      await fetchInto(part, { url, fetchImpl, signal, totalBytes, onBytes });
      break;
    } catch (error) {
      if ((error instanceof DownloadError && !error.isRetryable) || signal?.aborted) throw error;
      if (attempt >= maxAttempts) {
        // The .part file stays: the next call resumes where this one stopped.
        throw new DownloadError(
          `Downloading ${url} failed after ${attempt} attempts: ${(error as Error).message} Run again to resume.`,
          false,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }

  report('verifying', highWater, attempt);
  const { sha256, sizeBytes } = await hashFile(part);
  const expectedSize = options.sizeBytes ?? null;
  if (
    (options.sha256 && sha256 !== options.sha256) ||
    (expectedSize !== null && sizeBytes !== expectedSize)
  ) {
    await rm(part, { force: true });
    if (options.sha256 && sha256 !== options.sha256)
      throw new ChecksumMismatchError(`The download of ${url}`, options.sha256, sha256);
    throw new DownloadError(
      `The download of ${url} is ${sizeBytes} bytes, expected ${expectedSize}; it was deleted.`,
      false,
    );
  }
  await rename(part, destination);
  report('done', sizeBytes, attempt);
  return { path: destination, sha256, sizeBytes };
}

interface FetchIntoOptions {
  url: string;
  fetchImpl: typeof fetch;
  signal: AbortSignal | undefined;
  totalBytes: number | null;
  onBytes: (receivedBytes: number, totalBytes: number | null) => void;
}

/** One request: appends to `part` from its current size, or rewrites it if the server sends everything. */
async function fetchInto(
  part: string,
  { url, fetchImpl, signal, totalBytes, onBytes }: FetchIntoOptions,
): Promise<void> {
  let offset = (await stat(part).catch(() => null))?.size ?? 0;
  if (totalBytes !== null && offset === totalBytes) return; // finished before a crash
  const response = await fetchImpl(url, {
    // identity: byte offsets and Content-Length must count the file's bytes, not a compressed stream.
    headers: {
      'Accept-Encoding': 'identity',
      ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
    },
    signal,
  });
  if (response.status === 416) {
    // The part is not a prefix the server can continue (stale or too long): start over.
    await response.body?.cancel();
    await rm(part, { force: true });
    throw new DownloadError(
      `${url} refused to resume at byte ${offset} (HTTP 416); restarting.`,
      true,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DownloadError(
      `Downloading ${url} failed: HTTP ${response.status} ${response.statusText}.`,
      response.status >= 500 || response.status === 429,
    );
  }
  const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (response.status !== 206) {
    offset = 0; // the server ignored Range: a full body follows
  } else if (!range || Number(range[1]) !== offset) {
    await response.body?.cancel();
    await rm(part, { force: true });
    throw new DownloadError(
      `${url} answered a resume at byte ${offset} with "${response.headers.get('content-range')}"; restarting.`,
      true,
    );
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total =
    range && range[2] !== '*'
      ? Number(range[2])
      : Number.isFinite(length)
        ? offset + length
        : totalBytes;
  if (!response.body) throw new DownloadError(`${url} returned no body.`, true);

  const file = await open(part, offset === 0 ? 'w' : 'a');
  let received = offset;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await file.write(value);
      received += value.byteLength;
      onBytes(received, total);
    }
  } finally {
    await file.close();
  }
  if (total !== null && received < total)
    throw new DownloadError(`The connection closed at byte ${received} of ${total}.`, true);
}
