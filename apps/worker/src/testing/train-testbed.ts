// The setting of the worker's training integration tests: real Postgres, Redis and worker processes.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Db, Prisma } from '@studio/db';
import { createTestDatabase, seedSignLanguageVersion, type TestDatabase } from '@studio/db/testing';
import { QUEUES, runConfig, TRAIN_JOB_OPTIONS, type StageSpec } from '@studio/shared';
import { killWorkers } from './worker-process';

export interface TrainTestbed {
  /** The Redis key prefix of this test file's queues. */
  readonly prefix: string;
  readonly db: Db;
  readonly url: string;
  /** A dataset version of real sign-language photos. */
  readonly versionId: string;
  readonly redis: Redis;
  /** The train queue, as the web app adds stages to it. */
  readonly queue: Queue;
  /** A run as the web app creates it: stages queued in order, the first one handed to the queue. */
  createRun(stages: StageSpec[], config?: Record<string, unknown>): Promise<CreatedRun>;
}

export interface CreatedRun {
  id: string;
  stages: { id: string; index: number }[];
}

/**
 * Registers the file's hooks: a throwaway database with a version of `perClass` real photos of
 * each of `classes`, the train queue under a prefix of its own, every worker killed after each
 * test, everything removed at the end. The fields are set once `beforeAll` has run. The database
 * lives on the shared Postgres unless `databaseServerUrl` names another server; Redis is REDIS_URL.
 */
export function useTrainTestbed(
  seed: { classes: string[]; perClass: number },
  options: { databaseServerUrl?: () => string } = {},
): TrainTestbed {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  let t: TestDatabase | undefined;
  let versionId = '';
  let redis: Redis | undefined;
  let queue: Queue | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The training testbed is used before beforeAll ran.');
    return value;
  };
  beforeAll(async () => {
    t = await createTestDatabase(options.databaseServerUrl?.());
    versionId = await seedSignLanguageVersion(t.db, seed);
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
    });
    queue = new Queue(QUEUES.train, { connection: redis, prefix });
  });
  afterEach(killWorkers);
  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    redis?.disconnect();
    await t?.drop();
  });
  const createRun = async (stages: StageSpec[], config: Record<string, unknown> = {}) => {
    const db = ready(t).db;
    const run = await db.run.create({
      data: {
        name: 'test run',
        versionId: ready(versionId || undefined),
        arch: 'mobilenet_v2_0.35',
        config: runConfig.parse({ size: 64, bs: 8, ...config }) as Prisma.InputJsonValue,
        status: 'queued',
        stages: {
          createMany: {
            data: stages.map(({ kind, ...params }, index) => ({
              index,
              kind,
              params: params as Prisma.InputJsonValue,
              status: 'queued' as const,
            })),
          },
        },
      },
      include: { stages: { orderBy: { index: 'asc' } } },
    });
    const first = run.stages[0]!.id;
    await ready(queue).add('stage', { stageId: first }, { ...TRAIN_JOB_OPTIONS, jobId: first });
    return run;
  };
  return {
    prefix,
    createRun,
    get db() {
      return ready(t).db;
    },
    get url() {
      return ready(t).url;
    },
    get versionId() {
      return ready(versionId || undefined);
    },
    get redis() {
      return ready(redis);
    },
    get queue() {
      return ready(queue);
    },
  };
}

/**
 * A fit stage that was interrupted and carried on recorded each of its `epochs` once and its
 * batches without a gap or a repeat, and the run holds exactly the `checkpoints` named.
 */
export async function expectRecordedOnce(
  db: Db,
  {
    runId,
    stageId,
    epochs,
    checkpoints,
  }: { runId: string; stageId: string; epochs: number; checkpoints: string[] },
): Promise<void> {
  const epochRows = await db.epochMetric.findMany({
    where: { stageId },
    orderBy: { epoch: 'asc' },
  });
  expect(epochRows.map((e) => e.epoch)).toEqual([...Array(epochs).keys()]);
  const iterations = (
    await db.batchMetric.findMany({ where: { stageId }, orderBy: { iteration: 'asc' } })
  ).map((b) => b.iteration);
  expect(iterations.length % epochs).toBe(0);
  expect(iterations.at(-1)! - iterations[0]!).toBe(iterations.length - 1);
  expect((await db.checkpoint.findMany({ where: { runId } })).map((c) => c.name).sort()).toEqual(
    [...checkpoints].sort(),
  );
}
