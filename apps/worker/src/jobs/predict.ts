import { ImageDecodeError, predict, type ExportedModel } from '@studio/ml';
import type { PredictJob, PredictResult } from '@studio/shared';
import { MissingExportError } from '../predict/stage-models';

export interface PredictContext {
  /** The stage's exported model, loaded (and kept) by the caller. */
  loadModel: (stageId: string) => Promise<ExportedModel>;
}

/** A prediction that cannot succeed on a retry (no export, not an image). */
export class PermanentPredictError extends Error {}

/**
 * fastai v1 `learn.predict(img)` (or `learn.TTA` on one image) with a stage's exported model:
 * the image is prepared exactly as validation prepared its images.
 */
export async function predictImage(ctx: PredictContext, job: PredictJob): Promise<PredictResult> {
  const started = performance.now();
  let exported: ExportedModel;
  try {
    exported = await ctx.loadModel(job.stageId);
  } catch (error) {
    if (error instanceof MissingExportError) throw new PermanentPredictError(error.message);
    throw error;
  }
  let probs: number[];
  try {
    ({ probs } = await predict(exported, Buffer.from(job.image, 'base64'), { tta: job.tta }));
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    throw new PermanentPredictError(`The upload is not an image sharp can read: ${reason}`);
  }
  const predictions = probs
    .map((prob, index) => ({ label: exported.classes[index]!, index, prob }))
    .sort((a, b) => b.prob - a.prob || a.index - b.index)
    .slice(0, job.topK);
  return { predictions, ms: Math.round(performance.now() - started) };
}
