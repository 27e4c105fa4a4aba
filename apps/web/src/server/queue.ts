import 'server-only';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { QUEUES } from '@studio/shared';
import { env } from './env';
import { ApiError } from './http';

// Producer profile: fail fast instead of queueing commands while Redis is away, so requests
// answer 503 promptly rather than hanging.
const holder = globalThis as unknown as { studioRedis?: Redis; studioQueues?: Map<string, Queue> };

/**
 * How long a request waits for Redis to come back before answering 503: a little more than
 * ioredis's longest pause between reconnection attempts (2 s), so the first request after an
 * outage does not fail needlessly.
 */
const QUEUE_WAIT_MS = 3_000;

export function redis(): Redis {
  if (!holder.studioRedis) {
    const connection = new Redis(env().REDIS_URL, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
      lazyConnect: false,
    });
    connection.on('error', () => undefined); // surfaced by the health check and by failing commands
    holder.studioRedis = connection;
  }
  return holder.studioRedis;
}

export function queue(name: (typeof QUEUES)[keyof typeof QUEUES]): Queue {
  holder.studioQueues ??= new Map();
  let q = holder.studioQueues.get(name);
  if (!q) {
    q = new Queue(name, { connection: redis(), prefix: env().STUDIO_PREFIX });
    q.on('error', () => undefined);
    holder.studioQueues.set(name, q);
  }
  return q;
}

/** Where the queue's Redis is, for messages (no credentials). */
function redisAddress(): string {
  const url = new URL(env().REDIS_URL);
  return `${url.hostname}:${url.port || '6379'}`;
}

/** The 503 of a request that needs the queue while Redis is away; `outcome` says what was kept. */
export function queueUnavailable(reason: string, outcome: string): ApiError {
  return new ApiError(
    503,
    `The job queue is unavailable: Redis at ${redisAddress()} does not answer (${reason}). ${outcome} Try again when Redis is back.`,
  );
}

/**
 * Waits up to a few seconds for the queue's Redis and fails with a 503 naming it otherwise. Call
 * it before writing rows that only make sense with a job in the queue, so an outage leaves
 * nothing half done. Without it, a queue created while Redis is down waits for it indefinitely.
 */
export async function requireQueue(outcome: string): Promise<void> {
  const connection = redis();
  if (connection.status === 'ready') return;
  let lastError = 'no connection';
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => (lastError = error.message);
    const finish = (error?: ApiError) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => finish();
    const timer = setTimeout(
      () => finish(queueUnavailable(`${lastError}; waited ${QUEUE_WAIT_MS / 1000} s`, outcome)),
      QUEUE_WAIT_MS,
    );
    connection.on('ready', onReady);
    connection.on('error', onError);
  });
}

/**
 * Adds a job once Redis answers; a failure (Redis went away in between) becomes the same 503.
 * `outcome` says what the person should know about what was (not) done.
 */
export async function addJob<T>(
  name: (typeof QUEUES)[keyof typeof QUEUES],
  jobName: string,
  data: T,
  options: Parameters<Queue['add']>[2],
  outcome: string,
) {
  await requireQueue(outcome);
  try {
    return await queue(name).add(jobName, data, options);
  } catch (error) {
    throw queueUnavailable((error as Error).message, outcome);
  }
}
