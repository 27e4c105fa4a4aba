import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { createDb, PostgresBlobStore } from '@studio/db';
import { applyMigrations } from '@studio/db/migrate';
import { importArchiveJob, QUEUES, readEnv } from '@studio/shared';
import { createWorkerRedis } from './connections';
import { startHeartbeat } from './heartbeat';
import { importArchive, PermanentImportError } from './jobs/import-archive';

const env = readEnv();
const workerId = env.STUDIO_WORKER_ID ?? `worker-${randomUUID().slice(0, 8)}`;
const log = (msg: string) => console.log(`[${new Date().toISOString()}] [${workerId}] ${msg}`);

await applyMigrations(env.DATABASE_URL);
const db = createDb(env.DATABASE_URL);
const blobs = new PostgresBlobStore(db);
const redis = createWorkerRedis(env.REDIS_URL, log);

const imports = new Worker(
  QUEUES.imports,
  async (job) => {
    const data = importArchiveJob.parse(job.data);
    try {
      await importArchive({ db, blobs, log, maxArchiveBytes: env.STUDIO_MAX_UPLOAD_BYTES }, data);
    } catch (error) {
      if (error instanceof PermanentImportError) throw new UnrecoverableError(error.message);
      throw error;
    }
  },
  { connection: redis, prefix: env.STUDIO_PREFIX, concurrency: 1 },
);
imports.on('error', (error) => log(`imports queue: ${error.message}`));
imports.on('failed', (job, error) => log(`job ${job?.id} failed: ${error.message}`));

const heartbeat = startHeartbeat(redis, env.STUDIO_PREFIX, {
  id: workerId,
  backend: null,
  queues: [QUEUES.imports],
});
log(`ready (queues: ${QUEUES.imports}; prefix ${env.STUDIO_PREFIX})`);

let shutdown: Promise<void> | undefined;
function stop(signal: string) {
  shutdown ??= (async () => {
    log(`${signal}: finishing the current job, then exiting`);
    const timeout = setTimeout(() => {
      log('shutdown took longer than 30 s; exiting now');
      process.exit(1);
    }, 30_000);
    await heartbeat.close();
    await imports.close();
    await redis.quit().catch(() => undefined);
    await db.$disconnect();
    clearTimeout(timeout);
    process.exit(0);
  })();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
