import 'server-only';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { jobArgs, type JobDefinition, type QUEUES } from '@studio/shared';
import type { z } from 'zod';
import { answerWithin } from './answer-within';
import { env } from './env';
import { checkHealth } from './health';
import { ApiError } from './http';
import { queue, queueUnavailable, REDIS_WAIT_MS, requireQueue } from './queue';

type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

// QueueEvents blocks on its Redis connection (XREAD BLOCK), so each gets its own, which waits
// for Redis rather than failing (BullMQ's worker profile). One per queue per server process.
const holder = globalThis as unknown as { studioQueueEvents?: Map<string, Promise<QueueEvents>> };

function queueEvents(name: QueueName): Promise<QueueEvents> {
  holder.studioQueueEvents ??= new Map();
  const events = holder.studioQueueEvents;
  let ready = events.get(name);
  if (!ready) {
    ready = (async () => {
      const connection = new Redis(env().REDIS_URL, { maxRetriesPerRequest: null });
      connection.on('error', () => undefined); // surfaced by the producer's failing commands
      const listener = new QueueEvents(name, { connection, prefix: env().STUDIO_PREFIX });
      listener.on('error', () => undefined);
      await listener.waitUntilReady();
      return listener;
    })().catch((error: unknown) => {
      events.delete(name);
      throw error;
    });
    events.set(name, ready);
  }
  return ready;
}

/**
 * Puts a job on a queue that a worker answers while the person waits, and returns the worker's
 * answer. 503 when no worker serves the queue or none answers within `timeoutMs`; a worker's
 * failure becomes an ApiError with the status `statusOf` gives its message (500 by default).
 */
export async function askWorker<S extends z.ZodType>(
  job: JobDefinition<S>,
  input: z.input<S>,
  options: {
    timeoutMs: number;
    /** What stays undone when the queue is unavailable, e.g. "No prediction was made." */
    outcome: string;
    /** The workers this takes, for the 503 message: "answers predictions". */
    workerDoes: string;
    statusOf?: (message: string) => number;
    /** The caller's request: when it goes away, a job still waiting is taken off the queue. */
    signal?: AbortSignal;
  },
): Promise<unknown> {
  const name = job.queue;
  const args = jobArgs(job, input);
  // The health check's commands fail rather than wait while the shared connection is still
  // connecting (as on the first request of a server process).
  await requireQueue(options.outcome);
  const health = await checkHealth();
  if (!health.workers.list.some((w) => w.queues.includes(name))) {
    throw new ApiError(
      503,
      `No worker that ${options.workerDoes} is running (none has reported in the last 15 s). Start a worker (\`npm run studio\` starts one) and try again.`,
    );
  }
  const events = await answerWithin(queueEvents(name), REDIS_WAIT_MS).catch((error: unknown) => {
    throw queueUnavailable((error as Error).message, options.outcome);
  });
  const gone = () => new ApiError(499, 'The request was cancelled before a worker answered.');
  if (options.signal?.aborted) throw gone();
  const added = await queue(name).add(...args);
  // A superseded preview would otherwise hold the worker while the newer ones wait behind it.
  let cancel: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    cancel = () => reject(gone());
    options.signal?.addEventListener('abort', cancel, { once: true });
  });
  let answer: unknown;
  try {
    answer = await Promise.race([added.waitUntilFinished(events, options.timeoutMs), cancelled]);
  } catch (error) {
    if (error instanceof ApiError) {
      await added.remove().catch(() => undefined); // a job a worker holds finishes unread
      throw error;
    }
    const message = (error as Error).message;
    if (/timed out before finishing/.test(message)) {
      await added.remove().catch(() => undefined); // still waiting: no worker took it
      throw new ApiError(
        503,
        `No worker answered within ${options.timeoutMs / 1000} s; the workers may be busy or stopped. Try again shortly.`,
      );
    }
    throw new ApiError(options.statusOf?.(message) ?? 500, message);
  } finally {
    if (cancel) options.signal?.removeEventListener('abort', cancel);
  }
  // The job holds its input and answer; neither is needed once answered.
  await added.remove().catch(() => undefined);
  return answer;
}
