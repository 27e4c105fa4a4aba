import { z } from 'zod';
import { augmentConfig, runConfig } from './runs';

/** The data settings of a run that decide what its images look like. */
export const previewConfig = runConfig
  .pick({ size: true, resizeMode: true, seed: true })
  .extend({ augment: augmentConfig.default(augmentConfig.parse({})) });
export type PreviewConfig = z.infer<typeof previewConfig>;

const batchPreview = z.object({
  kind: z.literal('batch'),
  config: previewConfig.default(previewConfig.parse({})),
  rows: z.number().int().min(1).max(6).default(3),
  /** Which batch: another number, another batch. */
  batch: z.number().int().min(0).max(1e9).default(0),
  split: z.enum(['train', 'valid']).default('train'),
});
const augmentPreview = z.object({
  kind: z.literal('augment'),
  config: previewConfig.default(previewConfig.parse({})),
  n: z.number().int().min(1).max(16).default(8),
});

/**
 * fastai v1 `data.show_batch(rows)` (a batch of the training or validation set) or one photo
 * under `n` draws of the augmentation settings, of a dataset version.
 */
export const previewRequest = z.discriminatedUnion('kind', [batchPreview, augmentPreview]);
export type PreviewRequest = z.input<typeof previewRequest>;

/** A preview computed by a worker with the learner's own data pipeline. */
export const previewJob = z.discriminatedUnion('kind', [
  batchPreview.extend({ versionId: z.string().uuid() }),
  augmentPreview.extend({ versionId: z.string().uuid() }),
]);
export type PreviewJob = z.infer<typeof previewJob>;

export const previewResult = z.object({
  images: z.array(
    z.object({
      /** The dataset file's id. */
      fileId: z.string(),
      label: z.string(),
      /** PNG bytes, base64. */
      png: z.string(),
    }),
  ),
  ms: z.number(),
});
export type PreviewResult = z.infer<typeof previewResult>;

/** Answered while someone waits, once; the answer (images) leaves Redis soon after. */
export const PREVIEW_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { age: 60, count: 20 },
  removeOnFail: { age: 600, count: 50 },
} as const;
