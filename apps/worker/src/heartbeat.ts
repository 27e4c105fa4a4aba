import os from 'node:os';
import type { Redis } from 'ioredis';
import { WORKER_HEARTBEAT_TTL_S, workerHeartbeatKey, type WorkerHeartbeat } from '@studio/shared';

/**
 * Keeps a short-lived key in Redis while this worker lives, so the web's health check can tell a
 * running worker from a dead one without asking it.
 */
export function startHeartbeat(
  redis: Redis,
  prefix: string,
  info: Omit<WorkerHeartbeat, 'host' | 'pid' | 'startedAt'>,
): {
  update(info: Partial<Pick<WorkerHeartbeat, 'backend' | 'threads' | 'engines'>>): void;
  close(): Promise<void>;
} {
  let beat: WorkerHeartbeat = {
    ...info,
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const key = workerHeartbeatKey(prefix, info.id);
  const write = () =>
    redis.set(key, JSON.stringify(beat), 'EX', WORKER_HEARTBEAT_TTL_S).catch(() => undefined);
  void write();
  const timer = setInterval(write, (WORKER_HEARTBEAT_TTL_S * 1000) / 3);
  let closed: Promise<void> | undefined;
  return {
    update(info) {
      beat = { ...beat, ...info };
      if (!closed) void write();
    },
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        await redis.del(key).catch(() => undefined);
      })();
      return closed;
    },
  };
}
