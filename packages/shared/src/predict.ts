import { z } from 'zod';

/** Largest image accepted for a prediction (the web answers 413 beyond it). */
export const MAX_PREDICT_IMAGE_BYTES = 10 * 1024 ** 2;

/**
 * fastai v1 `learn.predict(img)` against a finished fit stage's exported model. Unlike the other
 * jobs this one carries its input: the image is small and is not kept anywhere.
 */
export const predictJob = z.object({
  stageId: z.string().uuid(),
  /** The uploaded image's bytes, base64. */
  image: z
    .base64()
    .min(1)
    .max(Math.ceil(MAX_PREDICT_IMAGE_BYTES / 3) * 4),
  topK: z.number().int().min(1).max(20).default(5),
  /** fastai v1 `learn.TTA()`: blend the plain prediction with eight flipped corner crops. */
  tta: z.boolean().default(false),
});
export type PredictJob = z.infer<typeof predictJob>;
export type PredictJobInput = z.input<typeof predictJob>;

/** What a predict job returns: the top classes, most probable first, and the worker's time. */
export const predictResult = z.object({
  predictions: z.array(
    z.object({ label: z.string(), index: z.number().int().min(0), prob: z.number() }),
  ),
  ms: z.number(),
});
export type PredictResult = z.infer<typeof predictResult>;

/**
 * A prediction is answered while someone waits, once: no retries, and the job (with its image)
 * leaves Redis soon after.
 */
export const PREDICT_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { age: 60, count: 50 },
  removeOnFail: { age: 600, count: 50 },
} as const;
