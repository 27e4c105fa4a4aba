import type { Db, PostgresBlobStore } from '@studio/db';
import {
  createDataBunch,
  DiskPixelStore,
  ImageCache,
  type DataBunch,
  type Item,
  type NormalizeSpec,
} from '@studio/ml';
import type { RunConfig } from '@studio/shared';
import { pixelCacheDir } from '../jobs/sweep-pixel-cache';

/** A dataset version's items, keyed by file id, and a source that reads their bytes from blobs. */
export async function loadVersionItems(db: Db, blobs: PostgresBlobStore, versionId: string) {
  const rows = await db.datasetVersionItem.findMany({
    where: { versionId },
    select: { split: true, labels: true, file: { select: { id: true, blobKey: true } } },
  });
  const blobKeyOf = new Map(rows.map((r) => [r.file.id, r.file.blobKey]));
  const items: Item[] = rows.map((r) => ({ key: r.file.id, label: r.labels[0]!, split: r.split }));
  return { items, source: (key: string) => blobs.get(blobKeyOf.get(key)!) };
}

/**
 * The data bunch of a run's settings: what training sees, and what show_batch and the
 * augmentation preview show. Decoded, resized images stay on this host's disk, so the next
 * stage, run or preview skips the decode.
 */
export function versionDataBunch(
  version: Awaited<ReturnType<typeof loadVersionItems>>,
  config: Pick<RunConfig, 'size' | 'resizeMode' | 'bs' | 'seed' | 'augment'>,
  options: { normalize?: NormalizeSpec; cacheDir: string },
): DataBunch {
  const { enabled, ...strengths } = config.augment;
  return createDataBunch(version.items, version.source, {
    size: config.size,
    resizeMode: config.resizeMode,
    bs: config.bs,
    seed: config.seed,
    augment: enabled ? strengths : false,
    ...(options.normalize ? { normalize: options.normalize } : {}),
    cache: new ImageCache({ store: new DiskPixelStore(pixelCacheDir(options.cacheDir)) }),
  });
}
