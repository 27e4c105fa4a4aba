import 'server-only';
import { scanImage } from '@studio/datasets';
import { JOBS, MAX_PREDICT_IMAGE_BYTES, predictResult, type PredictResult } from '@studio/shared';
import type { Access } from './access';
import { askWorker } from './ask-worker';
import { ApiError } from './http';
import { getStageExport } from './interpretation';
import { readBodyBytes } from './request-body';

/** How long a request waits for a worker's answer before giving up. */
export const PREDICT_TIMEOUT_MS = 60_000;

/**
 * Reads the image of a predict request, refusing a larger one (413) as soon as it is known to
 * be larger, from Content-Length or while streaming.
 */
export async function readImageBody(request: Request, limit = MAX_PREDICT_IMAGE_BYTES) {
  const image = await readBodyBytes(request, {
    maxBytes: limit,
    tooLarge: (received) =>
      new ApiError(
        413,
        `The image is larger than ${limit / 1024 ** 2} MiB (${received.toLocaleString('en')} bytes or more). Send a smaller image; the model sees it at its training size anyway.`,
      ),
  });
  if (image.length === 0) {
    throw new ApiError(400, 'The request has no image: send the image bytes as the body.');
  }
  return image;
}

/**
 * The image policy of dataset imports (format by its bytes, header, pixel limit): what an import
 * would skip, a prediction refuses before any worker decodes it.
 */
async function checkImage(image: Buffer): Promise<void> {
  const scanned = await scanImage(image, '', { shouldDecode: false });
  if (!scanned.ok) {
    throw new ApiError(
      415,
      `The upload is not an image the studio reads: ${scanned.reason}. Predictions take what dataset imports take: JPEG, PNG, WebP, GIF, AVIF or TIFF.`,
    );
  }
}

/**
 * fastai v1 `learn.predict(img)` with a finished fit stage's exported model, answered by a
 * worker through the predict queue.
 */
export async function predictWithStage(
  access: Access,
  stageId: string,
  image: Buffer,
  options: { topK: number; tta: boolean },
): Promise<PredictResult> {
  await getStageExport(access, stageId); // 404 unless this team's stage has an exported model
  await checkImage(image);
  const answer = await askWorker(
    JOBS.predict,
    { stageId, image: image.toString('base64'), ...options },
    {
      timeoutMs: PREDICT_TIMEOUT_MS,
      outcome: 'No prediction was made.',
      workerDoes: 'answers predictions',
      statusOf: (message) =>
        /not an image sharp can read/.test(message)
          ? 422
          : /has no exported model/.test(message)
            ? 404
            : 500,
    },
  );
  return predictResult.parse(answer);
}
