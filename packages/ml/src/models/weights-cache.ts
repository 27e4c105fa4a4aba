import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArchitectureId,
  type ArchitectureSpec,
  type DownloadableWeights,
  getArchitecture,
} from './architectures';
import {
  ChecksumMismatchError,
  type DownloadProgress,
  downloadVerified,
  hashFile,
} from './download';

export interface EnsureWeightsOptions {
  /** Directory of cached weight files (created if missing). */
  cacheDir: string;
  /** Use this file instead of downloading (offline); it is verified the same way. */
  localFile?: string;
  fetchImpl?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
  maxAttempts?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface EnsuredWeights {
  path: string;
  sha256: string;
  sizeBytes: number;
  source: 'cache' | 'download' | 'local';
  /** false when the registry has no pinned hash yet and the file was trusted on first use. */
  isPinned: boolean;
}

/**
 * The path of a verified weight file for `arch`: the local file if given, else the cache, else a
 * fresh download. A registry entry without a pinned sha256 is trusted on first download, its
 * hash stored next to the file (`.sha256`) and checked on every later use.
 */
export async function ensureWeights(
  arch: ArchitectureId | ArchitectureSpec,
  options: EnsureWeightsOptions,
): Promise<EnsuredWeights> {
  const spec = typeof arch === 'string' ? getArchitecture(arch) : arch;
  if (spec.weights.kind !== 'download') {
    throw new Error(
      `${spec.displayName} has no downloadable weights; load it from its folder "${spec.weights.dirName}".`,
    );
  }
  const file = spec.weights.file;
  const isPinned = file.sha256 !== null;

  if (options.localFile) {
    const actual = await hashFile(options.localFile);
    // The user's own file is reported, never deleted.
    checkAgainst(file, actual, `The local weight file ${options.localFile}`);
    return { path: options.localFile, ...actual, source: 'local', isPinned };
  }

  const path = join(options.cacheDir, file.fileName);
  const sidecar = `${path}.sha256`;
  const expected =
    file.sha256 ??
    (await readFile(sidecar, 'utf8').then(
      (s) => s.trim(),
      () => null,
    ));
  if (await stat(path).catch(() => null)) {
    const actual = await hashFile(path);
    if (expected === null || actual.sha256 === expected)
      return { path, ...actual, source: 'cache', isPinned };
    await rm(path, { force: true }); // a damaged cache entry: fetch it again
  }
  const result = await downloadVerified({
    url: file.url,
    destination: path,
    sha256: expected,
    sizeBytes: file.sizeBytes,
    fetchImpl: options.fetchImpl,
    onProgress: options.onProgress,
    maxAttempts: options.maxAttempts,
    retryDelayMs: options.retryDelayMs,
    signal: options.signal,
  });
  if (!isPinned) await writeFile(sidecar, `${result.sha256}\n`);
  return { ...result, source: 'download', isPinned };
}

function checkAgainst(
  file: DownloadableWeights,
  actual: { sha256: string; sizeBytes: number },
  what: string,
): void {
  if (file.sha256 !== null && actual.sha256 !== file.sha256)
    throw new ChecksumMismatchError(what, file.sha256, actual.sha256);
  if (file.sizeBytes !== null && actual.sizeBytes !== file.sizeBytes) {
    throw new Error(
      `${what} is ${actual.sizeBytes} bytes, expected ${file.sizeBytes} (${file.fileName}).`,
    );
  }
}
