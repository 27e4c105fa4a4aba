import 'server-only';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { scanImage } from '@studio/datasets';
import {
  JOBS,
  jobArgs,
  MAX_PREDICT_IMAGE_BYTES,
  predictResult,
  QUEUES,
  type PredictResult,
} from '@studio/shared';
import type { Access } from './access';
import { answerWithin } from './answer-within';
import { env } from './env';
import { checkHealth } from './health';
import { ApiError } from './http';
import { getStageExport } from './interpretation';
import { queue, queueUnavailable, REDIS_WAIT_MS, requireQueue } from './queue';
import { readBodyBytes } from './request-body';

/** How long a request waits for a worker's answer before giving up. */
export const PREDICT_TIMEOUT_MS = 60_000;

// QueueEvents blocks on its Redis connection (XREAD BLOCK), so it gets its own, which waits
// for Redis rather than failing (BullMQ's worker profile). One per server process.
const holder = globalThis as unknown as { studioPredictEvents?: Promise<QueueEvents> };

function predictEvents(): Promise<QueueEvents> {
  holder.studioPredictEvents ??= (async () => {
    const connection = new Redis(env().REDIS_URL, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined); // surfaced by the producer's failing commands
    const events = new QueueEvents(QUEUES.predict, { connection, prefix: env().STUDIO_PREFIX });
    events.on('error', () => undefined);
    await events.waitUntilReady();
    return events;
  })().catch((error: unknown) => {
    holder.studioPredictEvents = undefined;
    throw error;
  });
  return holder.studioPredictEvents;
}

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
  // The health check's commands fail rather than wait while the shared connection is still
  // connecting (as on the first request of a server process).
  await requireQueue('No prediction was made.');
  const predictQueue = queue(QUEUES.predict);
  const health = await checkHealth();
  if (!health.workers.list.some((w) => w.queues.includes(QUEUES.predict))) {
    throw new ApiError(
      503,
      'No worker that answers predictions is running (none has reported in the last 15 s). Start a worker (`npm run studio` starts one) and try again.',
    );
  }
  const args = jobArgs(JOBS.predict, { stageId, image: image.toString('base64'), ...options });
  const events = await answerWithin(predictEvents(), REDIS_WAIT_MS).catch((error: unknown) => {
    throw queueUnavailable((error as Error).message, 'No prediction was made.');
  });
  const job = await predictQueue.add(...args);
  let answer: unknown;
  try {
    answer = await job.waitUntilFinished(events, PREDICT_TIMEOUT_MS);
  } catch (error) {
    const message = (error as Error).message;
    if (/timed out before finishing/.test(message)) {
      await job.remove().catch(() => undefined); // still waiting: no worker took it
      throw new ApiError(
        503,
        `No worker answered within ${PREDICT_TIMEOUT_MS / 1000} s; the workers may be busy or stopped. Try again shortly.`,
      );
    }
    const status = /not an image sharp can read/.test(message)
      ? 422
      : /has no exported model/.test(message)
        ? 404
        : 500;
    throw new ApiError(status, message);
  }
  // The job holds the image; it is not needed once answered.
  await job.remove().catch(() => undefined);
  return predictResult.parse(answer);
}
