import { z } from 'zod';

/**
 * fastai v1 `ImageCleaner` on a stage's top losses: images to relabel or to leave out, saved as
 * a new version of the stage's dataset.
 */
export const correctionsRequest = z.object({
  corrections: z
    .array(
      z.discriminatedUnion('action', [
        z.object({
          fileId: z.string().uuid(),
          action: z.literal('relabel'),
          label: z.string().min(1).max(200),
        }),
        z.object({ fileId: z.string().uuid(), action: z.literal('exclude') }),
      ]),
    )
    .min(1)
    .max(50_000),
});
export type CorrectionsRequest = z.infer<typeof correctionsRequest>;
export type Correction = CorrectionsRequest['corrections'][number];

/** Train a new version with another run's backbone, settings and stages. */
export const rerunRequest = z.object({ versionId: z.string().uuid() });
