import { z } from 'zod';

/**
 * Queue names; every job's data is ids only, the rest is read from Postgres (except a predict
 * job's image, see predict.ts, and a preview's settings, see preview.ts).
 */
export const QUEUES = {
  imports: 'imports',
  train: 'train',
  predict: 'predict',
  preview: 'preview',
} as const;

export const importArchiveJob = z.object({ importTaskId: z.string().uuid() });
export type ImportArchiveJob = z.infer<typeof importArchiveJob>;

/** Imports: a few retries with growing pauses (a busy database, a flaky download). */
export const IMPORT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: 1000,
  removeOnFail: 1000,
} as const;

/** Redis key under which a live worker keeps its heartbeat (expires when the worker dies). */
export function workerHeartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:workers:${workerId}`;
}
export const WORKER_HEARTBEAT_TTL_S = 15;

export const workerHeartbeat = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  /** The TensorFlow.js backend it trains and predicts on, once loaded. */
  backend: z.string().nullable(),
  /** The backend's kernel threads (null where the library decides or before it loaded). */
  threads: z.number().int().nullable().default(null),
  /** What trains and what runs inference here, once the worker has loaded them. */
  engines: z.object({ training: z.string(), inference: z.string() }).optional(),
  startedAt: z.string(),
  queues: z.array(z.string()),
});
export type WorkerHeartbeat = z.infer<typeof workerHeartbeat>;

/**
 * Training stages: retried after a crash (resuming from the last epoch checkpoint), never
 * removed while a person may still look at them.
 */
export const TRAIN_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'fixed', delay: 1_000 },
  removeOnComplete: 1000,
  removeOnFail: 1000,
} as const;
