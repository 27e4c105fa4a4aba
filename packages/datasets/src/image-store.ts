import type { ImageInfo, Thumbnail } from './scan-image';

/** What is stored with each distinct image. */
export interface StoredImageMeta extends ImageInfo {
  /** Size of the original file in bytes. */
  bytes: number;
  thumbnail: Thumbnail;
}

/**
 * Content-addressed storage the caller provides (disk, S3, Postgres large objects...).
 * `put` is called at most once per distinct sha256 per import, and never for a hash `has` knows.
 */
export interface ImageStore {
  has(hash: string): Promise<boolean>;
  put(hash: string, bytes: Buffer, meta: StoredImageMeta): Promise<void>;
}

/** An in-memory store for tests, previews and benchmarks. */
export function createMemoryStore(): ImageStore & {
  readonly images: Map<string, { bytes: Buffer; meta: StoredImageMeta }>;
} {
  const images = new Map<string, { bytes: Buffer; meta: StoredImageMeta }>();
  return {
    images,
    has: async (hash) => images.has(hash),
    put: async (hash, bytes, meta) => {
      images.set(hash, { bytes, meta });
    },
  };
}
