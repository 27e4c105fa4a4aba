import type { Db, PostgresBlobStore } from '@studio/db';
import { showAugmentations, showBatch, type DataBunch } from '@studio/ml';
import type { PreviewJob, PreviewResult } from '@studio/shared';
import { loadVersionItems, versionDataBunch } from '../training/version-data';

export interface PreviewContext {
  db: Db;
  blobs: PostgresBlobStore;
  cacheDir: string;
}

/** A preview that cannot succeed on a retry (no such version, no images in the split). */
export class PermanentPreviewError extends Error {}

/**
 * fastai v1 `data.show_batch(rows)` and the augmentation preview of a run's settings, through
 * the data bunch training builds (versionDataBunch), so the pictures are what the learner sees.
 * Normalisation is ImageNet's: it is undone for display, so the backbone's own makes no
 * difference to the pictures.
 */
export async function previewImages(ctx: PreviewContext, job: PreviewJob): Promise<PreviewResult> {
  const started = performance.now();
  const version = await loadVersionItems(ctx.db, ctx.blobs, job.versionId);
  const trainCount = version.items.filter((i) => i.split === 'train').length;
  if (trainCount === 0) {
    throw new PermanentPreviewError(
      `Dataset version ${job.versionId} has no training images (or does not exist).`,
    );
  }
  // The batch size changes neither the pictures nor which images are picked.
  const bunch: DataBunch = versionDataBunch(
    version,
    { ...job.config, bs: 1 },
    { cacheDir: ctx.cacheDir },
  );
  let shown;
  try {
    shown =
      job.kind === 'batch'
        ? await showBatch(bunch, { rows: job.rows, seed: job.batch, split: job.split })
        : await showAugmentations(bunch, { n: job.n, seed: 0 });
  } catch (error) {
    if (/has no (training|validation) images|Could not load image/.test((error as Error).message))
      throw new PermanentPreviewError((error as Error).message);
    throw error;
  }
  return {
    images: shown.map((s) => ({ fileId: s.key, label: s.label, png: s.png.toString('base64') })),
    ms: Math.round(performance.now() - started),
  };
}
