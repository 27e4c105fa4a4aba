import 'server-only';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { QUEUES } from '@studio/shared';
import { env } from './env';

// Producer profile: fail fast instead of queueing commands while Redis is away, so requests
// answer 503 promptly rather than hanging.
const holder = globalThis as unknown as { studioRedis?: Redis; studioQueues?: Map<string, Queue> };

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
