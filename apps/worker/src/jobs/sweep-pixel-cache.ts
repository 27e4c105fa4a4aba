import os from 'node:os';
import path from 'node:path';
import type { Db } from '@studio/db';
import { DiskPixelStore, type PixelSweepResult } from '@studio/ml';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The worker's cache folder: STUDIO_CACHE_DIR, or ~/.cache/studio. */
export const workerCacheDir = (configured: string | undefined) =>
  configured ?? path.join(os.homedir(), '.cache', 'studio');

/** Where a worker keeps decoded, resized images of the files it trained on. */
export const pixelCacheDir = (cacheDir: string) => path.join(cacheDir, 'pixels');

/**
 * Removes from this host's pixel cache every image whose dataset file no longer exists (its
 * dataset was deleted): a delete leaves nothing behind on a worker's disk either.
 */
export function sweepPixelCache(db: Db, cacheDir: string): Promise<PixelSweepResult> {
  return new DiskPixelStore(pixelCacheDir(cacheDir)).sweep(async (keys) => {
    const ids = keys.filter((key) => UUID.test(key));
    const rows = await db.datasetFile.findMany({
      where: { id: { in: ids } },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  });
}
