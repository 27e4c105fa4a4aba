// A finished fit stage leaves its interpretation and a self-contained exported model; the model
// reloads with plain tfjs outside the studio and agrees with the worker's predict queue.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore, type Prisma } from '@studio/db';
import { createTestDatabase, seedSignLanguageVersion, type TestDatabase } from '@studio/db/testing';
import {
  PREDICT_JOB_OPTIONS,
  predictResult,
  QUEUES,
  runConfig,
  TRAIN_JOB_OPTIONS,
  type PredictJobInput,
  type PredictResult,
} from '@studio/shared';
import { killWorkers, startWorker, until } from '../testing/worker-process';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t${randomBytes(4).toString('hex')}`;
const classes = ['0', '1', '2'];
let t: TestDatabase;
let redis: Redis;
let events: Redis;
let trainQueue: Queue;
let predictQueue: Queue;
let queueEvents: QueueEvents;
let dir: string | undefined;

beforeAll(async () => {
  t = await createTestDatabase();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  events = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  trainQueue = new Queue(QUEUES.train, { connection: redis, prefix });
  predictQueue = new Queue(QUEUES.predict, { connection: redis, prefix });
  queueEvents = new QueueEvents(QUEUES.predict, { connection: events, prefix });
  await queueEvents.waitUntilReady();
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await killWorkers();
  for (const q of [trainQueue, predictQueue]) {
    await q?.obliterate({ force: true }).catch(() => undefined);
    await q?.close();
  }
  await queueEvents?.close();
  events?.disconnect();
  redis?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
  await t?.drop();
});

/** Sends one image through the predict queue and waits for the worker's answer. */
async function predictThroughQueue(
  data: PredictJobInput,
): Promise<{ result: PredictResult; roundTripMs: number }> {
  const started = performance.now();
  const job = await predictQueue.add('predict', data, PREDICT_JOB_OPTIONS);
  const result = predictResult.parse(await job.waitUntilFinished(queueEvents, 60_000));
  return { result, roundTripMs: performance.now() - started };
}

interface PreprocessingJson {
  size: number;
  resizeMode: string;
  normalize:
    | { kind: 'imagenet' }
    | { kind: 'stats'; mean: number[]; std: number[] }
    | { kind: 'scale'; min: number; max: number };
}

/**
 * preprocessing.json read the way a third party would: sharp resize (centre crop for 'crop',
 * stretch for 'squish'), pixels / 255, then the normalisation the file names.
 */
async function referenceInput(bytes: Uint8Array, p: PreprocessingJson): Promise<Float32Array> {
  const fit = ({ crop: 'cover', squish: 'fill' } as const)[p.resizeMode as 'crop' | 'squish'];
  if (!fit) throw new Error(`this reference reader handles crop and squish, not ${p.resizeMode}`);
  const { data } = await sharp(bytes)
    .rotate()
    .resize({ width: p.size, height: p.size, fit, position: 'centre' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = p.normalize;
  const stats =
    n.kind === 'imagenet' ? { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } : n;
  return Float32Array.from(data, (v, i) =>
    'min' in stats
      ? (v / 255) * (stats.max - stats.min) + stats.min
      : (v / 255 - stats.mean[i % 3]!) / stats.std[i % 3]!,
  );
}

/** A tfjs IOHandler over an export written to a folder (tfjs-node's file:// handler, in short). */
function folderHandler(folder: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
      const manifest = json.weightsManifest as {
        paths: string[];
        weights: tf.io.WeightsManifestEntry[];
      }[];
      const shards = await Promise.all(
        manifest.flatMap((g) => g.paths).map((p) => readFile(join(folder, p))),
      );
      const weights = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
      };
    },
  };
}

describe('artefacts of a fit stage and predictions from its export', () => {
  it('stores the interpretation and the export, which reloads outside the studio and matches the predict queue', async () => {
    const versionId = await seedSignLanguageVersion(t.db, { classes, perClass: 20 });
    startWorker({ databaseUrl: t.url, prefix });
    const run = await t.db.run.create({
      data: {
        name: 'artefacts',
        versionId,
        arch: 'mobilenet_v2_0.35',
        config: runConfig.parse({ size: 96, bs: 8 }) as Prisma.InputJsonValue,
        status: 'queued',
        stages: {
          create: {
            index: 0,
            kind: 'fit_one_cycle',
            params: { epochs: 1, maxLr: 3e-3 },
            status: 'queued',
          },
        },
      },
      include: { stages: true },
    });
    const stageId = run.stages[0]!.id;
    await trainQueue.add('stage', { stageId }, { ...TRAIN_JOB_OPTIONS, jobId: stageId });
    const stage = await until(
      () => t.db.stage.findUniqueOrThrow({ where: { id: stageId } }),
      (s) => ['done', 'failed'].includes(s.status),
    );
    expect([stage.status, stage.error]).toEqual(['done', null]);
    const result = stage.result as {
      errorRate: number;
      artefactsMs: { interpretation: number; export: number };
    };
    console.log(
      `interpretation ${result.artefactsMs.interpretation} ms, export ${result.artefactsMs.export} ms`,
    );

    // The interpretation: fastai's ClassificationInterpretation over every validation item.
    const interp = await t.db.stageInterpretation.findUniqueOrThrow({ where: { stageId } });
    const validIds = (
      await t.db.datasetVersionItem.findMany({
        where: { versionId, split: 'valid' },
        select: { fileId: true },
      })
    ).map((r) => r.fileId);
    const n = validIds.length;
    const c = classes.length;
    expect(n).toBeGreaterThan(5);
    expect(interp.classes).toEqual(classes);
    expect([...interp.fileIds].sort()).toEqual([...validIds].sort());
    expect([interp.targets.length, interp.preds.length, interp.losses.length]).toEqual([n, n, n]);
    const view = new DataView(interp.probs.buffer, interp.probs.byteOffset, interp.probs.length);
    expect(interp.probs.length).toBe(n * c * 4);
    const probs = Array.from({ length: n }, (_, i) =>
      Array.from({ length: c }, (_, j) => view.getFloat32((i * c + j) * 4, true)),
    );
    probs.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(interp.preds[i]).toBe(row.indexOf(Math.max(...row)));
    });
    const confusion = interp.confusion as number[][];
    expect(confusion.map((row) => row.length)).toEqual([c, c, c]);
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(n);
    const diagonal = confusion.reduce((sum, row, k) => sum + row[k]!, 0);
    expect(interp.errorRate).toBeCloseTo((n - diagonal) / n, 12);
    expect(result.errorRate).toBe(interp.errorRate);
    // The epoch table's error_rate was computed on the same model and items.
    const lastEpoch = await t.db.epochMetric.findFirstOrThrow({ where: { stageId } });
    expect(interp.errorRate).toBeCloseTo(lastEpoch.errorRate, 12);
    const perClass = interp.perClass as { class: string; support: number; recall: number }[];
    expect(perClass.map((p) => [p.class, p.support])).toEqual(
      classes.map((name, k) => [name, confusion[k]!.reduce((a, b) => a + b, 0)]),
    );

    // The export: every file a blob, model.json's shards among them.
    const exported = await t.db.stageExport.findUniqueOrThrow({ where: { stageId } });
    const files = exported.files as { name: string; blobKey: string; bytes: number }[];
    const blobs = new PostgresBlobStore(t.db);
    dir = await mkdtemp(join(tmpdir(), 'studio-export-'));
    for (const file of files) {
      const bytes = await blobs.get(file.blobKey);
      expect([file.blobKey, bytes.length]).toEqual([`export/${stageId}/${file.name}`, file.bytes]);
      await writeFile(join(dir, file.name), bytes);
    }
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const shards = (modelJson.weightsManifest as { paths: string[] }[]).flatMap((g) => g.paths);
    expect(shards.length).toBeGreaterThan(0);
    expect(files.map((f) => f.name).sort()).toEqual(
      ['model.json', 'model.onnx', 'classes.json', 'preprocessing.json', ...shards].sort(),
    );
    expect(Number(exported.bytes)).toBe(files.reduce((sum, f) => sum + f.bytes, 0));
    expect(JSON.parse(await readFile(join(dir, 'classes.json'), 'utf8'))).toEqual(classes);
    const preprocessing = JSON.parse(
      await readFile(join(dir, 'preprocessing.json'), 'utf8'),
    ) as PreprocessingJson;
    expect(preprocessing).toMatchObject({ size: 96, resizeMode: 'crop' });

    // Reloaded with plain tfjs-layers on the cpu backend, fed by the reader above.
    const model = await tfl.loadLayersModel(folderHandler(dir));
    expect(model.layers.at(-1)!.getConfig().activation).toBe('linear');
    const picked = interp.fileIds.slice(0, 5);
    const rows = await t.db.datasetFile.findMany({
      where: { id: { in: picked } },
      select: { id: true, blobKey: true },
    });
    const images = await Promise.all(
      picked.map((id) => blobs.get(rows.find((r) => r.id === id)!.blobKey)),
    );
    const inputs = await Promise.all(images.map((bytes) => referenceInput(bytes, preprocessing)));
    const size = preprocessing.size;
    const reference = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(inputs.flatMap((a) => [...a])), [5, size, size, 3]);
      return tf.softmax(model.predict(x) as tf.Tensor2D);
    });
    const expected = (await reference.array()) as number[][];
    reference.dispose();
    model.dispose();

    // The same images through the worker's predict queue.
    const roundTrips: number[] = [];
    const workerMs: number[] = [];
    let largestDifference = 0;
    for (const [i, bytes] of images.entries()) {
      const { result: answer, roundTripMs } = await predictThroughQueue({
        stageId,
        image: bytes.toString('base64'),
        topK: c,
      });
      roundTrips.push(roundTripMs);
      workerMs.push(answer.ms);
      const want = expected[i]!;
      expect(answer.predictions[0]!.index).toBe(want.indexOf(Math.max(...want)));
      expect(answer.predictions.map((p) => p.label)).toEqual(
        answer.predictions.map((p) => classes[p.index]),
      );
      expect(answer.predictions.map((p) => p.prob)).toEqual(
        [...answer.predictions.map((p) => p.prob)].sort((a, b) => b - a),
      );
      for (const p of answer.predictions) {
        expect(Math.abs(p.prob - want[p.index]!)).toBeLessThan(1e-3);
        largestDifference = Math.max(largestDifference, Math.abs(p.prob - want[p.index]!));
        // And as the interpretation recorded it during training.
        expect(Math.abs(p.prob - probs[i]![p.index]!)).toBeLessThan(1e-3);
      }
    }
    console.log(
      `predict through the queue: round trips ${roundTrips.map((ms) => ms.toFixed(0)).join(', ')} ms ` +
        `(first loads the model); worker time ${workerMs.join(', ')} ms; ` +
        `largest |Δp| against plain tfjs ${largestDifference.toExponential(1)} on 5 of ${n} validation images`,
    );

    const top1 = await predictThroughQueue({
      stageId,
      image: images[0]!.toString('base64'),
      topK: 1,
      tta: true,
    });
    expect(top1.result.predictions).toHaveLength(1);
    expect(top1.result.predictions[0]!.prob).toBeGreaterThan(0);
    expect(Math.abs(top1.result.predictions[0]!.prob - Math.max(...expected[0]!))).toBeGreaterThan(
      1e-7,
    );

    await expect(
      predictThroughQueue({
        stageId,
        image: Buffer.from('this is not an image').toString('base64'),
      }),
    ).rejects.toThrow(/not an image sharp can read: /);
    await expect(
      predictThroughQueue({ stageId: crypto.randomUUID(), image: images[0]!.toString('base64') }),
    ).rejects.toThrow(/has no exported model; only finished fit stages have one/);
  });
});
