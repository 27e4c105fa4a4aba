import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, Worker, Queue, type Job } from 'bullmq';
import { createDb, PostgresBlobStore, retryOnConnectionLoss, sweepOrphanBlobs } from '@studio/db';
import { applyMigrations } from '@studio/db/migrate';
import { parseAllowedImportHosts } from '@studio/datasets';
import { inferenceEngine, initBackend, useOnnxCuda } from '@studio/ml';
import {
  importArchiveJob,
  predictJob,
  previewJob,
  QUEUES,
  readEnv,
  runEventsChannel,
  trainStageJob,
} from '@studio/shared';
import { createWorkerRedis } from './connections';
import { startHeartbeat } from './heartbeat';
import { importArchive, PermanentImportError } from './jobs/import-archive';
import { PermanentPredictError, predictImage } from './jobs/predict';
import { PermanentPreviewError, previewImages } from './jobs/preview';
import { reconcileDatasets } from './jobs/reconcile-datasets';
import { sweepPixelCache, workerCacheDir } from './jobs/sweep-pixel-cache';
import { failStage, givenUpMessage, reconcileStages } from './jobs/reconcile-stages';
import { StageInterruptedError, trainStage } from './jobs/train-stage';
import { StageModels } from './predict/stage-models';
import { forkStage } from './training/fork-stage';

const env = readEnv();
const workerId = env.STUDIO_WORKER_ID ?? `worker-${randomUUID().slice(0, 8)}`;
const log = (msg: string) => console.log(`[${new Date().toISOString()}] [${workerId}] ${msg}`);

await applyMigrations(env.DATABASE_URL);
const db = createDb(env.DATABASE_URL);
const blobs = new PostgresBlobStore(db);
const redis = createWorkerRedis(env.REDIS_URL, log);
const publisher = createWorkerRedis(env.REDIS_URL, log);
const shutdown = new AbortController();
const maxArchiveBytes = env.STUDIO_MAX_UPLOAD_BYTES;
const allowedHosts = parseAllowedImportHosts(env.STUDIO_IMPORT_ALLOWED_HOSTS);
const connection = { connection: redis, prefix: env.STUDIO_PREFIX };

const imports = new Worker(
  QUEUES.imports,
  async (job) => {
    const data = importArchiveJob.parse(job.data);
    try {
      await importArchive({ db, blobs, log, maxArchiveBytes, allowedHosts }, data, {
        number: job.attemptsMade + 1,
        of: job.opts.attempts ?? 1,
      });
    } catch (error) {
      if (error instanceof PermanentImportError) throw new UnrecoverableError(error.message);
      throw error;
    }
  },
  { ...connection, concurrency: 1 },
);

const trainQueue = new Queue(QUEUES.train, connection);
// Training runs in a child process, so this event loop stays free to renew the lock; a stage
// whose worker died is picked up again after the lock lapses, and resumes from its checkpoint.
const train = new Worker(
  QUEUES.train,
  async (job: Job, token?: string) => {
    const data = trainStageJob.parse(job.data);
    try {
      await trainStage(
        {
          db,
          trainQueue,
          log,
          workerId,
          publish: (runId, event) =>
            void publisher
              .publish(runEventsChannel(env.STUDIO_PREFIX, runId), JSON.stringify(event))
              .catch(() => undefined),
          runStage: (stageId, hooks) =>
            forkStage(stageId, { env: process.env, shutdown: shutdown.signal, ...hooks }),
        },
        data,
      );
    } catch (error) {
      if (error instanceof StageInterruptedError) {
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      throw error;
    }
  },
  {
    ...connection,
    concurrency: 1,
    lockDuration: env.STUDIO_TRAIN_LOCK_MS,
    stalledInterval: Math.max(1000, Math.round(env.STUDIO_TRAIN_LOCK_MS / 2)),
    maxStalledCount: 10,
  },
);

// The backend is named once it has loaded (null until then).
const heartbeat = startHeartbeat(redis, env.STUDIO_PREFIX, {
  id: workerId,
  backend: null,
  threads: null,
  queues: Object.values(QUEUES),
});

// Predictions are small and answered while someone waits, so they run here rather than in a
// child; the backend loads in the background at start-up so the first request does not wait.
useOnnxCuda(env.STUDIO_ONNX_CUDA === '1');
const backend = initBackend({
  prefer: env.STUDIO_BACKEND,
  wasmThreads: env.STUDIO_WASM_THREADS,
  log,
});
// Training needs gradients and stays on tfjs; the forward passes that do not train (feature
// cache, validation, interpretation) run on ONNX Runtime when it loads.
const engines = Promise.all([backend, inferenceEngine()]).then(
  ([info, inference]) => {
    heartbeat.update({ backend: info.name, threads: info.threads });
    const found = {
      training: `tfjs ${info.name}`,
      inference:
        inference.name === 'onnxruntime'
          ? inference.detail
          : `tfjs ${info.name}: ${inference.detail}`,
    };
    log(`engines: training on ${found.training}; inference on ${found.inference}`);
    return found;
  },
  (error: Error) => {
    log(`no TensorFlow.js backend for predictions: ${error.message}`);
    return undefined;
  },
);
const stageModels = new StageModels(db, blobs, 2);
const predictions = new Worker(
  QUEUES.predict,
  async (job) => {
    const data = predictJob.parse(job.data);
    await backend;
    try {
      return await predictImage({ loadModel: (stageId) => stageModels.get(stageId) }, data);
    } catch (error) {
      if (error instanceof PermanentPredictError) throw new UnrecoverableError(error.message);
      throw error;
    }
  },
  { ...connection, concurrency: 1 },
);

// show_batch and the augmentation preview, answered while someone looks at the run form.
const previews = new Worker(
  QUEUES.preview,
  async (job) => {
    const data = previewJob.parse(job.data);
    await backend;
    try {
      return await previewImages(
        { db, blobs, cacheDir: workerCacheDir(env.STUDIO_CACHE_DIR) },
        data,
      );
    } catch (error) {
      if (error instanceof PermanentPreviewError) throw new UnrecoverableError(error.message);
      throw error;
    }
  },
  { ...connection, concurrency: 1 },
);

for (const [name, worker] of [
  ['imports', imports],
  ['train', train],
  ['predict', predictions],
  ['preview', previews],
] as const) {
  worker.on('error', (error) => log(`${name} queue: ${error.message}`));
  worker.on('failed', (job, error) => log(`${name} job ${job?.id} failed: ${error.message}`));
}
trainQueue.on('error', (error) => log(`train queue: ${error.message}`));
// A stage whose job used up its attempts is failed at once (the reconciler below would find it too).
train.on('failed', (job, error) => {
  if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
  const stageId = trainStageJob.safeParse(job.data).data?.stageId;
  if (!stageId) return;
  void retryOnConnectionLoss(async () => {
    const stage = await db.stage.findUnique({ where: { id: stageId } });
    if (stage && (stage.status === 'running' || stage.status === 'queued'))
      await failStage(db, stage.id, stage.runId, givenUpMessage(job.attemptsMade, error.message));
  }).catch((e: Error) => log(`could not mark stage ${stageId} failed: ${e.message}`));
});

// Postgres and the queue are compared every minute: no stage stays running without a job, and
// no dataset stays importing after its upload stopped.
const RECONCILE_EVERY_MS = 60_000;
const STALLED_UPLOAD_MS = 30 * 60_000;
const reconciler = setInterval(() => {
  reconcileStages({ db, trainQueue, log }, { graceMs: 2 * RECONCILE_EVERY_MS }).catch(
    (error: Error) => log(`reconciling stages with the queue: ${error.message}`),
  );
  reconcileDatasets(db, { graceMs: STALLED_UPLOAD_MS })
    .then((ids) => ids.forEach((id) => log(`dataset ${id}: its upload stopped; marked failed`)))
    .catch((error: Error) => log(`reconciling datasets: ${error.message}`));
}, RECONCILE_EVERY_MS);
reconciler.unref();

// Blobs are stored before the rows that name them, so a crash in between leaves unnamed blobs;
// they are removed once older than any write in progress could be (an import records its rows
// at its end). Several workers may sweep at once: candidates are locked and skipped when locked.
const SWEEP_EVERY_MS = 60 * 60_000;
const ORPHAN_GRACE_MS = 6 * 60 * 60_000;
const sweeper = setInterval(() => {
  sweepOrphanBlobs(db, { olderThanMs: ORPHAN_GRACE_MS })
    .then(({ deleted, bytes }) => {
      if (deleted > 0) log(`removed ${deleted} orphan blobs (${bytes.toLocaleString('en')} bytes)`);
    })
    .catch((error: Error) => log(`sweeping orphan blobs: ${error.message}`));
}, SWEEP_EVERY_MS);
sweeper.unref();

// Each host drops the decoded images of deleted datasets from its own disk, at start and then
// every few minutes (a dataset cannot be deleted while a run trains on it).
const PIXEL_SWEEP_EVERY_MS = 10 * 60_000;
const sweepPixels = () =>
  sweepPixelCache(db, workerCacheDir(env.STUDIO_CACHE_DIR))
    .then(({ removed, bytes }) => {
      if (removed > 0)
        log(
          `removed cached images of ${removed} deleted files (${bytes.toLocaleString('en')} bytes)`,
        );
    })
    .catch((error: Error) => log(`sweeping the image cache: ${error.message}`));
void sweepPixels();
const pixelSweeper = setInterval(() => void sweepPixels(), PIXEL_SWEEP_EVERY_MS);
pixelSweeper.unref();

void engines.then((found) => found && heartbeat.update({ engines: found }));
log(`ready (queues: ${Object.values(QUEUES).join(', ')}; prefix ${env.STUDIO_PREFIX})`);

let stopping: Promise<void> | undefined;
function stop(signal: string) {
  stopping ??= (async () => {
    log(
      `${signal}: stopping the running stage at the next batch (it resumes from its checkpoint), then exiting`,
    );
    const timeout = setTimeout(() => {
      log('shutdown took longer than 45 s; exiting now');
      process.exit(1);
    }, 45_000);
    shutdown.abort();
    clearInterval(reconciler);
    clearInterval(sweeper);
    clearInterval(pixelSweeper);
    await heartbeat.close();
    await Promise.all([imports.close(), train.close(), predictions.close(), previews.close()]);
    stageModels.close();
    await trainQueue.close();
    await Promise.all([
      redis.quit().catch(() => undefined),
      publisher.quit().catch(() => undefined),
    ]);
    await db.$disconnect();
    clearTimeout(timeout);
    process.exit(0);
  })();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
