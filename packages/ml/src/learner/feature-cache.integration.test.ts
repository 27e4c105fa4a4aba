import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyPool, closeBodyPools } from '../parallel/body-pool';
import { initBackend } from '../backend/index';
import type { Callback } from './callback';
import { CheckpointCallback } from './checkpoint';
import { cnnLearner } from './cnn-learner';
import { flattenLayers } from '../models/backbone';
import { Learner } from './learner';
import { prepareFeatureCache } from './feature-cache';
import { defaultBodyBnStatistics, describePrecompute } from './precompute';
import { ProgressCallback, type ProgressEvent } from './progress';
import {
  maxDifference,
  readCache,
  readWeights,
  syntheticData,
  tinyBackbone,
} from './test-fixtures';

let data: ReturnType<typeof syntheticData>;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  data = syntheticData({ classes: 3, train: 50, valid: 24, bs: 16, seed: 5 });
});
afterAll(async () => {
  data.dispose();
  await closeBodyPools();
});

/** Deterministic learners: seeded initial weights, no dropout. */
const makeLearner = (): Learner =>
  cnnLearner(data, tinyBackbone(8, 7), { seed: 1, psDropout: [0, 0] });

const isHead = (name: string) => name.startsWith('head.');

async function maxChange(
  a: Map<string, Float32Array>,
  b: Map<string, Float32Array>,
  keep: (name: string) => boolean,
) {
  let worst = 0;
  for (const [name, values] of a) {
    if (!keep(name)) continue;
    const other = b.get(name)!;
    values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - other[i]!))));
  }
  return worst;
}

describe('precompute (frozen-body feature cache)', () => {
  it('trains the head only, with the plain strategy schedule, events and epoch rows', async () => {
    const plain = makeLearner();
    await plain.fitOneCycle(4, 1e-2);
    const learn = makeLearner();
    const before = await readWeights(learn.model);
    const events: string[] = [];
    const spy: Callback = {
      afterCacheBatch: (s) => void events.push(`cache ${s.cache!.done}/${s.cache!.total}`),
      beforeEpoch: (s) => void events.push(`epoch ${s.epoch}`),
    };
    const result = await learn.fitOneCycle(4, 1e-2, {
      precompute: { views: 2 },
      callbacks: [spy],
    });
    const after = await readWeights(learn.model);

    // Body: weights untouched, BatchNorm statistics adapted to the data once; head: trained.
    const isStatistic = (n: string) => /moving_(mean|variance)/.test(n);
    expect(await maxChange(before, after, (n) => !isHead(n) && !isStatistic(n))).toBe(0);
    expect(await maxChange(before, after, (n) => !isHead(n) && isStatistic(n))).toBeGreaterThan(
      1e-4,
    );
    // Every whole training batch (3 of 16 from 50 images) ran once in training mode first.
    expect(result.precompute?.adaptImages).toBe(48);
    expect(await maxChange(before, after, isHead)).toBeGreaterThan(1e-3);
    // 2 views × 50 training images + 24 validation images, batch by batch, before epoch 0.
    expect(events).toEqual([
      ...[16, 32, 48, 50, 66, 82, 98, 100, 116, 124].map((n) => `cache ${n}/124`),
      ...[0, 1, 2, 3].map((e) => `epoch ${e}`),
    ]);
    expect(result).toMatchObject({ cancelled: false, epochsDone: 4, iterations: 12 });
    expect(result.precompute).toMatchObject({
      views: 2,
      trainImages: 50,
      validImages: 24,
      featureSize: 32, // max ‖ avg pooling of the 16-channel feature map
    });
    expect(result.timing.cacheS).toBeGreaterThan(0);
    expect(result.timing.trainS).toBeGreaterThan(0);
    expect(describePrecompute(result)).toMatch(
      /50 training images × 2 augmented views \+ 24 validation images .* first adapted to this data/,
    );
    expect(describePrecompute({ ...result, precompute: null })).toBeNull();
    expect(result.precompute?.bodyBatchNorms).toBeGreaterThan(0);
    // A body whose BatchNorm layers are folded into its convolutions (mobilenet_v2_1.0) has
    // nothing to adapt, and the line says so rather than naming statistics it does not have.
    expect(
      describePrecompute({ ...result, precompute: { ...result.precompute!, bodyBatchNorms: 0 } }),
    ).toMatch(/The body has no BatchNorm layers .*: the cache changes nothing/);

    const { recorder } = learn;
    expect(recorder.lrs).toEqual(plain.recorder.lrs);
    expect(recorder.moms).toEqual(plain.recorder.moms);
    expect(recorder.losses).toHaveLength(plain.recorder.losses.length);
    expect(recorder.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    for (const e of recorder.epochs) {
      expect(Number.isFinite(e.trainLoss)).toBe(true);
      expect(Number.isFinite(e.validLoss)).toBe(true);
      expect(Object.keys(e.metrics)).toEqual(['error_rate']);
    }
    // The head alone learns the patterns from the cached features (chance: 0.67 error).
    expect(recorder.epochs.at(-1)!.metrics['error_rate']).toBeLessThan(0.34);
    plain.dispose();
    learn.dispose();
  });

  it('gives each image a different cached view in each epoch of a run of as many', async () => {
    const learn = makeLearner();
    const build = prepareFeatureCache(learn, { views: 2 }, { epochs: 2, firstDataEpoch: 5 });
    const cache = await build({ withValidation: false, onProgress: async () => {} });
    expect(cache.summary).toMatchObject({ views: 2, trainImages: 50, validImages: 0 });
    const rows = new Map<string, string[]>();
    for (const dataEpoch of [5, 6]) {
      for await (const { x, y, keys } of cache.strategy.trainBatches(dataEpoch)) {
        const values = (await x.array()) as number[][];
        keys.forEach((k, i) => rows.set(k, [...(rows.get(k) ?? []), values[i]!.join()]));
        tf.dispose([x, y]);
      }
    }
    const twice = [...rows.values()].filter((r) => r.length === 2);
    expect(twice.length).toBeGreaterThanOrEqual(46); // 48 of 50 per epoch (drop_last)
    for (const [first, second] of twice) expect(first).not.toBe(second);
    learn.dispose();
  });

  it('runs the LR finder on cached features and restores the learner afterwards', async () => {
    const learn = makeLearner();
    const before = await readWeights(learn.model);
    const start = tf.memory().numTensors;
    const found = await learn.lrFind({ numIt: 5, precompute: true });
    expect(found.lrs).toHaveLength(5);
    expect(found.losses.every(Number.isFinite)).toBe(true);
    expect(await maxChange(before, await readWeights(learn.model), () => true)).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
    learn.dispose();
  });

  it("lets an LR finder after a frozen fit train on that fit's activations while the body is unchanged", async () => {
    const precompute = { views: 2, adaptBatches: 0 };
    const cacheEvents = (counter: { n: number }): Callback => ({
      afterCacheBatch: () => void counter.n++,
    });
    const fitted = async () => {
      const learn = makeLearner();
      const built = { n: 0 };
      const fit = await learn.fitOneCycle(2, 1e-2, { precompute, callbacks: [cacheEvents(built)] });
      expect(built.n).toBeGreaterThan(0);
      expect(fit.precompute?.reused).toBe(false);
      return learn;
    };
    /** The finder's curve, and the batches it ran through the body to cache them. */
    const findCounting = async (learn: Learner) => {
      const built = { n: 0 };
      const found = await learn.lrFind({ numIt: 5, precompute, callbacks: [cacheEvents(built)] });
      return { losses: found.losses, cacheBatches: built.n };
    };
    const reusing = await fitted();
    const reused = await findCounting(reusing);
    expect(reused.cacheBatches).toBe(0);
    // The same finder on activations built afresh from the same body: the same curve.
    const rebuilding = await fitted();
    rebuilding.cachedFeatures = null;
    const rebuilt = await findCounting(rebuilding);
    expect(rebuilt.cacheBatches).toBeGreaterThan(0);
    expect(reused.losses).toEqual(rebuilt.losses);

    // A second precomputed fit reuses them too and says so; unfreezing drops them.
    const again = await reusing.fitOneCycle(1, 1e-3, { precompute });
    expect(again.precompute?.reused).toBe(true);
    expect(describePrecompute(again)).toMatch(/reused the activations of 50 training images × 2/);
    expect(reusing.cachedFeatures).not.toBeNull();
    reusing.unfreeze();
    expect(reusing.cachedFeatures).toBeNull();
    // So do loading saved weights and a plain fit (it trains the body's BatchNorm layers).
    expect(rebuilding.cachedFeatures).not.toBeNull();
    await rebuilding.load(await rebuilding.save());
    expect(rebuilding.cachedFeatures).toBeNull();
    await rebuilding.fitOneCycle(1, 1e-3, { precompute });
    expect(rebuilding.cachedFeatures).not.toBeNull();
    await rebuilding.fitOneCycle(1, 1e-3);
    expect(rebuilding.cachedFeatures).toBeNull();
    reusing.dispose();
    rebuilding.dispose();
  });

  it('rejects a learner whose body is not frozen, saying why and what to do', async () => {
    const learn = makeLearner();
    learn.unfreeze();
    await expect(learn.fitOneCycle(1, 1e-3, { precompute: true })).rejects.toThrow(
      /precompute .* needs the body frozen \(learner\.freeze\(\)\); this learner has 3 of its 3 layer groups trainable/,
    );
    learn.freezeTo(1);
    await expect(learn.fit(1, 1e-3, { precompute: { views: 1 } })).rejects.toThrow(
      /2 of its 3 layer groups trainable \(frozenGroups = 1\)/,
    );
    expect(learn.recorder.losses).toHaveLength(0);
    learn.dispose();
  });

  it('refuses data without per-view passes and heads it cannot split', async () => {
    const plainData = { ...data, train: { ...data.train, eachItem: undefined } };
    const other = cnnLearner(plainData, tinyBackbone(8, 7), { seed: 1 });
    await expect(other.fit(1, 1e-3, { precompute: true })).rejects.toThrow(
      /precompute needs data that lists every training item once per view/,
    );
    other.dispose();

    // Two dense branches summed: the head is not a chain after its pooling.
    const { body } = tinyBackbone(8, 7);
    const head = [
      tfl.layers.globalAveragePooling2d({ name: 'head.pool' }),
      tfl.layers.dense({ name: 'head.a', units: 3 }),
      tfl.layers.dense({ name: 'head.b', units: 3 }),
      tfl.layers.add({ name: 'head.sum' }),
    ] as const;
    const pooled = head[0].apply(body.outputs[0]!) as tfl.SymbolicTensor;
    const sum = head[3].apply([
      head[1].apply(pooled) as tfl.SymbolicTensor,
      head[2].apply(pooled) as tfl.SymbolicTensor,
    ]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: body.inputs, outputs: sum });
    const branched = new Learner(data, model, [flattenLayers(body), [...head]]);
    branched.freeze();
    await expect(branched.fit(1, 1e-3, { precompute: true })).rejects.toThrow(
      /cannot cache this model's body: head layer "head.b" is not fed by "head.a"/,
    );
    branched.dispose();
  });

  it('frees every tensor, after a fit and after a cancel during the cache build', async () => {
    const learn = makeLearner();
    await learn.fitOneCycle(1, 1e-2, { precompute: true }); // creates the head's Adam moments
    const start = tf.memory().numTensors;
    const twoEpochs = await learn.fitOneCycle(2, 1e-2, { precompute: { views: 4 } });
    expect(twoEpochs.precompute?.views).toBe(2); // no more views than epochs to use them
    expect(tf.memory().numTensors).toBe(start);

    const seen: ProgressEvent[] = [];
    // Aborted after the third batch of the cache build: the fit ends before its first epoch.
    const stop = new AbortController();
    let cacheBatches = 0;
    const stopped = await learn.fitOneCycle(4, 1e-2, {
      precompute: { views: 4 },
      callbacks: [
        new ProgressCallback((e) => void seen.push(e)),
        { afterCacheBatch: () => void (++cacheBatches === 3 && stop.abort()) },
      ],
      signal: stop.signal,
    });
    expect(stopped).toMatchObject({
      cancelled: true,
      epochsDone: 0,
      iterations: 0,
      precompute: null,
    });
    expect(seen.map((e) => `${e.phase} ${e.batch}/${e.batches}`)).toEqual([
      'cache 16/224',
      'cache 32/224',
      'cache 48/224',
    ]);
    expect(seen.at(-1)!.etaS).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(start);
    learn.dispose();
  });

  it('resumes from a mid-fit checkpoint to the same weights and epoch rows', async () => {
    const full = makeLearner();
    await full.fitOneCycle(3, 1e-2, { precompute: { views: 2 } });

    const crashed = makeLearner();
    let first: Uint8Array | null = null;
    const crash: Callback = {
      beforeBatch: (s) => {
        if (s.iteration === 4) throw new Error('worker died');
      },
    };
    await expect(
      crashed.fitOneCycle(3, 1e-2, {
        precompute: { views: 2 },
        callbacks: [new CheckpointCallback(async (b) => void (first ??= b)), crash],
      }),
    ).rejects.toThrow('worker died');
    crashed.dispose();

    const resumed = makeLearner();
    const result = await resumed.fitOneCycle(3, 1e-2, {
      precompute: { views: 2 },
      resumeFrom: first!,
    });
    expect(result).toMatchObject({ epochsDone: 3, iterations: 9 });
    expect(result.timing.epochs).toBe(2);
    expect(resumed.recorder.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(resumed.recorder.epochs.map((e) => e.validLoss)).toEqual(
      full.recorder.epochs.map((e) => e.validLoss),
    );
    expect(resumed.recorder.lrs).toEqual(full.recorder.lrs);
    const [a, b] = [await readWeights(resumed.model), await readWeights(full.model)];
    expect(await maxChange(a, b, () => true)).toBeLessThanOrEqual(1e-6);
    resumed.dispose();
    full.dispose();
  });

  it('builds the same cache on worker threads as in the main thread', async () => {
    const learn = makeLearner();
    learn.inferenceEngine = 'tfjs'; // the tfjs worker threads, not ONNX Runtime
    const start = tf.memory().numTensors;
    const build = (threads: number) => {
      learn.cachedFeatures = null; // each build from the body, not from the last one's activations
      return prepareFeatureCache(
        learn,
        // Adapting BatchNorm first would move the statistics again at every build.
        { views: 2, threads, adaptBatches: 0 },
        { epochs: 2, firstDataEpoch: 0 },
      )({
        withValidation: true,
        onProgress: async () => {},
      });
    };
    const inThread = await build(1);
    expect(inThread.summary.threads).toBe(1);
    for (const threads of [2, 3]) {
      const pooled = await build(threads);
      expect(pooled.summary.threads).toBe(threads);
      for (const dataEpoch of [0, 1]) {
        const [a, b] = [await readCache(pooled, dataEpoch), await readCache(inThread, dataEpoch)];
        expect(a.keys).toEqual(b.keys);
        expect(a.labels).toEqual(b.labels);
        expect(maxDifference(a.features, b.features)).toBeLessThanOrEqual(1e-5);
      }
      const [c, d] = [await pooled.strategy.validate(), await inThread.strategy.validate()];
      expect(c.validLoss).toBeCloseTo(d.validLoss, 5);
      expect(c.metrics).toEqual(d.metrics);
    }
    expect(tf.memory().numTensors).toBe(start);
    expect(() =>
      prepareFeatureCache(learn, { threads: 0 }, { epochs: 1, firstDataEpoch: 0 }),
    ).toThrow('precompute.threads must be an integer >= 1, received 0.');
    learn.dispose();
  });

  it('fails the build, saying so, when a worker thread dies', async () => {
    const learn = makeLearner();
    learn.inferenceEngine = 'tfjs'; // the tfjs worker threads, not ONNX Runtime
    const start = tf.memory().numTensors;
    const build = prepareFeatureCache(
      learn,
      { views: 2, threads: 2 },
      { epochs: 2, firstDataEpoch: 0 },
    );
    await expect(
      build({
        withValidation: true,
        onProgress: async ({ done }) => {
          if (done === 16) await bodyPool('wasm').workers[0]!.terminate();
        },
      }),
    ).rejects.toThrow(
      /^The feature cache build failed in a worker thread: Body worker 0 exited with code 1\. Retry the fit, or set precompute\.threads to 1/,
    );
    expect(tf.memory().numTensors).toBe(start);
    // The pool starts a new worker in its place.
    const cache = await build({ withValidation: false, onProgress: async () => {} });
    expect(cache.summary).toMatchObject({ threads: 2, trainImages: 50 });
    learn.dispose();
  });
});

describe('the body statistics a run trains with by default', () => {
  it('keeps the pretrained ones at the backbone size, measured ones at other sizes', () => {
    expect(defaultBodyBnStatistics(224, 224)).toBe('running');
    expect(defaultBodyBnStatistics(224, 128)).toBe('adapted');
    expect(defaultBodyBnStatistics(96, 224)).toBe('adapted');
    expect(defaultBodyBnStatistics(224, 128, false)).toBe('batch');
  });

  it('adapted: moves them once towards training batches (momentum 0.1), and saves that', async () => {
    const learn = cnnLearner(data, tinyBackbone(8, 7), { seed: 1, bodyBnStatistics: 'adapted' });
    const conv1 = tfl.model({
      inputs: learn.model.inputs,
      outputs: learn.model.getLayer('conv1').output as tfl.SymbolicTensor,
    });
    const means: tf.Tensor[] = [];
    for await (const { x, y } of data.train.batches(learn.dataEpoch)) {
      if (means.length < 2)
        means.push(tf.tidy(() => tf.mean(conv1.predict(x) as tf.Tensor, [0, 1, 2])));
      tf.dispose([x, y]);
    }
    // bn1 reads conv1 directly; from its initial mean 0, two steps of momentum 0.1.
    const expected = tf.tidy(() => tf.mul(tf.add(tf.mul(means[0]!, 0.9), means[1]!), 0.1));
    expect(await learn.adaptBodyStatistics(2)).toBe(2 * data.train.bs!);
    const bn1Mean = learn.model.getLayer('bn1').getWeights()[2]!;
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(bn1Mean, expected))));
    expect((await difference.data())[0]).toBeLessThan(1e-5);
    expect(learn.isBnAdapted).toBe(true);
    expect(await learn.adaptBodyStatistics(2)).toBe(0); // once per learner

    const copy = cnnLearner(data, tinyBackbone(8, 7), { seed: 1, bodyBnStatistics: 'adapted' });
    await copy.load(await learn.save());
    expect(copy.isBnAdapted).toBe(true);
    tf.dispose([...means, expected, difference]);
    learn.dispose();
    copy.dispose();
  });
});

describe('the settle view', () => {
  it("caches one augmented view for an un-augmented cache's last epoch, unless switched off", async () => {
    const learn = makeLearner();
    const rowsOf = async (cache: Awaited<ReturnType<ReturnType<typeof prepareFeatureCache>>>) => {
      const rows: Array<Map<string, string>> = [];
      for (const dataEpoch of [0, 1, 2]) {
        const epoch = new Map<string, string>();
        for await (const { x, y, keys } of cache.strategy.trainBatches(dataEpoch)) {
          const values = (await x.array()) as number[][];
          keys.forEach((k, i) => epoch.set(k, values[i]!.join()));
          tf.dispose([x, y]);
        }
        rows.push(epoch);
      }
      return rows;
    };
    const fit = { epochs: 3, firstDataEpoch: 0 };
    const settled = await prepareFeatureCache(
      learn,
      {},
      fit,
    )({
      withValidation: false,
      onProgress: async () => {},
    });
    expect(settled.summary).toMatchObject({ views: 2, isAugmented: false });
    const [first, second, last] = await rowsOf(settled);
    const shared = (a: Map<string, string>, b: Map<string, string>) =>
      [...a.keys()].filter((k) => b.has(k));
    expect(shared(first!, second!).every((k) => first!.get(k) === second!.get(k))).toBe(true);
    expect(shared(second!, last!).some((k) => second!.get(k) !== last!.get(k))).toBe(true);
    expect(shared(second!, last!).every((k) => second!.get(k) !== last!.get(k))).toBe(true);

    learn.cachedFeatures = null;
    const plain = await prepareFeatureCache(
      learn,
      { settleView: false },
      fit,
    )({
      withValidation: false,
      onProgress: async () => {},
    });
    expect(plain.summary).toMatchObject({ views: 1, isAugmented: false });
    learn.dispose();
  });
});
