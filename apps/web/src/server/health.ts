import 'server-only';
import { workerHeartbeat, type WorkerHeartbeat } from '@studio/shared';
import { answerWithin } from './answer-within';
import { db } from './db';
import { env } from './env';
import { pingRedis, redis, REDIS_WAIT_MS } from './queue';

export interface ComponentHealth {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

export interface Health {
  ok: boolean;
  down: string[];
  database: ComponentHealth;
  queue: ComponentHealth;
  workers: ComponentHealth & { count: number; list: WorkerHeartbeat[] };
}

async function timed(check: () => Promise<unknown>, timeoutMs = 2_000): Promise<ComponentHealth> {
  const started = performance.now();
  try {
    await answerWithin(check(), timeoutMs);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function listWorkers(): Promise<WorkerHeartbeat[]> {
  const keys = await redis().keys(`${env().STUDIO_PREFIX}:workers:*`);
  if (keys.length === 0) return [];
  const values = await redis().mget(...keys);
  return values.flatMap((v) => {
    const parsed = v ? workerHeartbeat.safeParse(JSON.parse(v)) : undefined;
    return parsed?.success ? [parsed.data] : [];
  });
}

/** The state of everything the studio needs: Postgres, Redis (the queue) and live workers. */
export async function checkHealth(): Promise<Health> {
  const [database, queue] = await Promise.all([
    timed(() => db().$queryRawUnsafe('SELECT 1')),
    // pingRedis has its own deadline (REDIS_WAIT_MS); it waits for a connection still opening.
    timed(pingRedis, REDIS_WAIT_MS + 250),
  ]);
  let list: WorkerHeartbeat[] = [];
  const workersCheck = queue.ok
    ? await timed(async () => (list = await listWorkers()))
    : { ok: false, error: 'queue is down' };
  const workers = {
    ...workersCheck,
    ok: workersCheck.ok && list.length > 0,
    error:
      workersCheck.ok && list.length === 0
        ? 'no worker has reported in the last 15 s'
        : workersCheck.error,
    count: list.length,
    list,
  };
  const down = [
    ...(database.ok ? [] : ['database']),
    ...(queue.ok ? [] : ['queue']),
    ...(workers.ok ? [] : ['worker']),
  ];
  return { ok: down.length === 0, down, database, queue, workers };
}

/** What anyone may know: which parts are up and how many workers. */
export interface PublicHealth {
  ok: boolean;
  down: string[];
  database: { ok: boolean };
  queue: { ok: boolean };
  workers: { ok: boolean; count: number };
}

/**
 * The report for a caller who is not signed in: counts only. Workers' host names and process
 * ids, and the services' error messages (which name hosts and ports), are for signed-in people.
 */
export function publicHealth(health: Health): PublicHealth {
  return {
    ok: health.ok,
    down: health.down,
    database: { ok: health.database.ok },
    queue: { ok: health.queue.ok },
    workers: { ok: health.workers.ok, count: health.workers.count },
  };
}
