import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { cnnLearner } from '../learner/cnn-learner';
import type { Learner } from '../learner/learner';
import { syntheticData, tinyBackbone } from '../learner/test-fixtures';
import { leanVariableGrads } from './lean-gradients';
import { MicroBatcher } from './micro-batch';
import { wholeBatchHead } from './whole-batch-head';

let data: ReturnType<typeof syntheticData>;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  data = syntheticData({ classes: 3, train: 48, valid: 24, bs: 16, seed: 5 });
});
afterAll(() => data.dispose());

/** cnnLearner's head (BatchNorm, seeded dropout, Linear) on a backbone, whole model unfrozen. */
function learner(backbone = tinyBackbone(8, 7, { batchNorm: false })): Learner {
  const learn = cnnLearner(data, backbone, { seed: 3 });
  learn.unfreeze();
  return learn;
}

async function firstBatch() {
  for await (const batch of data.train.batches(0)) return batch;
  throw new Error('no batch');
}

type Grads = { value: tf.Scalar; grads: tf.NamedTensorMap };

/** Loss and gradients by weight key (learners built alike differ in variable names only). */
async function byKey(learn: Learner, { value, grads }: Grads) {
  const out = new Map<string, Float32Array>();
  for (const p of learn.opt.groups.flat()) {
    const g = grads[p.variable.name];
    if (g != null) out.set(p.key, (await g.data()) as Float32Array);
  }
  const loss = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

/** max |a − b| / max |b| over every gradient; both must have the same weights. */
function relativeDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let worst = 0;
  for (const [key, vb] of b) {
    const va = a.get(key)!;
    const scale = Math.max(...Array.from(vb, Math.abs), 1e-12);
    for (let i = 0; i < vb.length; i++) worst = Math.max(worst, Math.abs(va[i]! - vb[i]!) / scale);
  }
  return worst;
}

/** Running statistics of the model's BatchNorm layers, by layer and weight. */
async function statistics(learn: Learner, which: (layer: string) => boolean) {
  const out = new Map<string, Float32Array>();
  for (const layer of learn.model.layers) {
    if (layer.getClassName() !== 'BatchNormalization' || !which(layer.name)) continue;
    for (const w of layer.nonTrainableWeights)
      out.set(`${layer.name}/${w.originalName}`, (await w.read().data()) as Float32Array);
  }
  return out;
}

const isBody = (name: string) => /^bn\d$/.test(name);

describe('the head over the whole batch of a split step', () => {
  it("gives one pass's loss, gradients and head statistics, chunk by chunk, leaking nothing", async () => {
    const { x, y } = await firstBatch();
    const [whole, split, perChunk] = [learner(), learner(), learner()];
    const start = tf.memory().numTensors;

    const expected = await byKey(
      whole,
      leanVariableGrads(() => whole.trainingLoss(x, y), whole.opt.variables),
    );
    const head = split.wholeBatchHead()!;
    expect(head.headLayers.length).toBeGreaterThan(0);
    const actual = await byKey(
      split,
      await new MicroBatcher(5).splitGradients(head, (a, b) => split.trainingLoss(a, b), x, y),
    );
    expect(Math.abs(actual.loss - expected.loss)).toBeLessThan(1e-5);
    expect(relativeDifference(actual.grads, expected.grads)).toBeLessThan(1e-4);
    const [headStats, wholeStats] = [
      await statistics(split, () => true),
      await statistics(whole, () => true),
    ];
    expect(headStats.size).toBeGreaterThan(0);
    for (const [key, values] of wholeStats)
      expect(
        relativeDifference(new Map([[key, headStats.get(key)!]]), new Map([[key, values]])),
        key,
      ).toBeLessThan(1e-5);

    // The head split with the batch normalises each chunk alone: measurably other gradients.
    const chunked = await byKey(
      perChunk,
      await new MicroBatcher(5).gradients(
        (a, b) => perChunk.trainingLoss(a, b),
        perChunk.opt.variables,
        x,
        y,
      ),
    );
    expect(relativeDifference(chunked.grads, expected.grads)).toBeGreaterThan(1e-2);

    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, y]);
    [whole, split, perChunk].forEach((l) => l.dispose());
  });

  it("moves a body's running statistics once a chunk, as a split step without it", async () => {
    const { x, y } = await firstBatch();
    const [split, perChunk] = [learner(tinyBackbone()), learner(tinyBackbone())];
    const head = split.wholeBatchHead()!;
    expect(head.bodyStatistics.length).toBe(4);
    tf.dispose(
      Object.values(
        (await new MicroBatcher(5).splitGradients(head, (a, b) => split.trainingLoss(a, b), x, y))
          .grads,
      ),
    );
    tf.dispose(
      Object.values(
        (
          await new MicroBatcher(5).gradients(
            (a, b) => perChunk.trainingLoss(a, b),
            perChunk.opt.variables,
            x,
            y,
          )
        ).grads,
      ),
    );
    const [a, b] = [await statistics(split, isBody), await statistics(perChunk, isBody)];
    expect(a.size).toBe(4);
    expect(relativeDifference(a, b)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    [split, perChunk].forEach((l) => l.dispose());
  });

  it('trains only the head, without a second body pass, when the body is frozen', async () => {
    const { x, y } = await firstBatch();
    const [whole, split] = [learner(), learner()];
    whole.freeze();
    split.freeze();
    const head = split.wholeBatchHead()!;
    expect(head.bodyVariables).toHaveLength(0);
    const expected = await byKey(
      whole,
      leanVariableGrads(() => whole.trainingLoss(x, y), whole.opt.variables),
    );
    // A whole batch in one chunk still takes the split path: its body forward needs no tape.
    for (const chunk of [5, 'off'] as const) {
      const fresh = learner();
      fresh.freeze();
      const actual = await byKey(
        fresh,
        await new MicroBatcher(chunk).splitGradients(
          fresh.wholeBatchHead()!,
          (a, b) => fresh.trainingLoss(a, b),
          x,
          y,
        ),
      );
      expect(relativeDifference(actual.grads, expected.grads)).toBeLessThan(1e-4);
      fresh.dispose();
    }
    tf.dispose([x, y]);
    [whole, split].forEach((l) => l.dispose());
  });

  it('is not offered for a body with dropout, whose second forward would draw other masks', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    let h = tfl.layers
      .conv2d({ name: 'c', filters: 4, kernelSize: 3, padding: 'same' })
      .apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.dropout({ name: 'drop', rate: 0.2 }).apply(h) as tfl.SymbolicTensor;
    const pool = tfl.layers.globalAveragePooling2d({ name: 'pool' });
    const bn = tfl.layers.batchNormalization({ name: 'bn' });
    const fc = tfl.layers.dense({ name: 'fc', units: 3 });
    const output = fc.apply(bn.apply(pool.apply(h))) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    expect(wholeBatchHead(model, [pool, bn, fc], [], 3)).toBeNull();
    // The same model without dropout is split before the BatchNorm.
    const plain = tfl.model({
      inputs: input,
      outputs: tfl.layers
        .dense({ name: 'fc2', units: 3 })
        .apply(
          tfl.layers
            .batchNormalization({ name: 'bn2' })
            .apply(tfl.layers.globalAveragePooling2d({ name: 'pool2' }).apply(input)),
        ) as tfl.SymbolicTensor,
    });
    const head = plain.layers.slice(1);
    expect(wholeBatchHead(plain, head, [], 3)?.headLayers).toEqual(['bn2', 'fc2']);
    model.dispose();
    plain.dispose();
  });
});
