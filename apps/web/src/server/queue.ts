import 'server-only';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { jobArgs, type JobDefinition, type QUEUES } from '@studio/shared';
import type { z } from 'zod';
import { env } from './env';
import { answerWithin } from './answer-within';
import { ApiError } from './http';

// Producer profile: fail fast instead of queueing commands while Redis is away, so requests
// answer 503 promptly rather than hanging.
const holder = globalThis as unknown as { studioRedis?: Redis; studioQueues?: Map<string, Queue> };

/**
 * How long a request waits on Redis, to come back or to answer, before answering 503. A Redis
 * that is down refuses connections; one that hangs (stopped, overloaded, a dead network path)
 * keeps them open and answers nothing, which only a command timeout notices.
 */
export const REDIS_WAIT_MS = 2_000;

/** Connection options every web-side Redis connection shares. */
export const REDIS_REQUEST_OPTIONS = {
  connectTimeout: REDIS_WAIT_MS,
  commandTimeout: REDIS_WAIT_MS,
  // Retry at least every second, so a request waiting REDIS_WAIT_MS sees Redis come back.
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 1_000),
} as const;

export function redis(): Redis {
  if (!holder.studioRedis) {
    const connection = new Redis(env().REDIS_URL, {
      ...REDIS_REQUEST_OPTIONS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
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
 * Waits until `connection` is ready, at most `ms`; rejects with the last connection error.
 * Without it, a command on a connection that is still connecting fails at once or waits for it
 * indefinitely, depending on its profile.
 */
async function waitUntilReady(connection: Redis, ms: number): Promise<void> {
  if (connection.status === 'ready') return;
  let lastError = 'no connection';
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => (lastError = error.message);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => finish();
    const timer = setTimeout(() => finish(new Error(`${lastError}; waited ${ms / 1000} s`)), ms);
    connection.on('ready', onReady);
    connection.on('error', onError);
  });
}

/**
 * Resolves once Redis answers a PING, waiting for a reconnection if it is away; rejects after
 * REDIS_WAIT_MS. Ready is not enough: a hung Redis keeps its connection open and answers nothing.
 */
export async function pingRedis(): Promise<void> {
  const connection = redis();
  const started = Date.now();
  await waitUntilReady(connection, REDIS_WAIT_MS);
  const left = Math.max(REDIS_WAIT_MS - (Date.now() - started), 200);
  await answerWithin(connection.ping(), left);
}

/**
 * Fails with a 503 naming Redis unless it answers within REDIS_WAIT_MS. Call it before writing
 * rows that only make sense with a job in the queue, so an outage leaves nothing half done.
 */
export async function requireQueue(outcome: string): Promise<void> {
  try {
    await pingRedis();
  } catch (error) {
    throw queueUnavailable((error as Error).message, outcome);
  }
}

/**
 * Adds a job once Redis answers; a failure (Redis went away in between) becomes the same 503.
 * `outcome` says what the person should know about what was (not) done.
 */
export async function addJob<S extends z.ZodType>(
  job: JobDefinition<S>,
  input: z.input<S>,
  outcome: string,
) {
  const args = jobArgs(job, input);
  await requireQueue(outcome);
  try {
    return await queue(job.queue).add(...args);
  } catch (error) {
    throw queueUnavailable((error as Error).message, outcome);
  }
}
