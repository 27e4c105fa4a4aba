import { z } from 'zod';

/**
 * Queue names; every job's data is ids only, the rest is read from Postgres (except a predict
 * job's image, see predict.ts).
 */
export const QUEUES = { imports: 'imports', train: 'train', predict: 'predict' } as const;

export const importArchiveJob = z.object({ importTaskId: z.string().uuid() });
export type ImportArchiveJob = z.infer<typeof importArchiveJob>;

/** Redis key under which a live worker keeps its heartbeat (expires when the worker dies). */
export function workerHeartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:workers:${workerId}`;
}
export const WORKER_HEARTBEAT_TTL_S = 15;

export const workerHeartbeat = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  backend: z.string().nullable(),
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
