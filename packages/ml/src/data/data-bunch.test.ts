import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataBunch, type Batch, type DataBunch } from './data-bunch';
import { syntheticDataset } from './test-fixtures';

async function collect(
  it: AsyncIterable<Batch>,
): Promise<{ keys: string[][]; x: number[][]; y: number[][] }> {
  const out = { keys: [] as string[][], x: [] as number[][], y: [] as number[][] };
  for await (const b of it) {
    out.keys.push(b.keys);
    out.x.push(Array.from(await b.x.data()));
    out.y.push(Array.from(await b.y.data()));
    tf.dispose([b.x, b.y]);
  }
  return out;
}

const maxAbsDiff = (a: number[], b: number[]): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('createDataBunch', () => {
  let data: Awaited<ReturnType<typeof syntheticDataset>>;
  let bunch: DataBunch;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    data = await syntheticDataset(6, 2); // 18 train, 6 valid
    bunch = createDataBunch(data.items, data.source, { size: 24, bs: 4, validBs: 4, seed: 1 });
  });

  it('exposes classes, c and counts like fastai', () => {
    expect(bunch.classes).toEqual(['blue', 'green', 'red']);
    expect(bunch.c).toBe(3);
    expect(bunch.counts).toEqual({ train: 18, valid: 6, test: 0 });
    expect(bunch.classCounts.train).toEqual([6, 6, 6]);
    expect(bunch.classCounts.valid).toEqual([2, 2, 2]);
    expect(bunch.train.length).toBe(4); // 18 / 4, last partial batch dropped
    expect(bunch.valid.length).toBe(2);
  });

  it('yields NHWC float32 batches with int32 labels, drop_last, every key at most once', async () => {
    const seen = new Set<string>();
    for await (const b of bunch.train.batches(0)) {
      expect(b.x.shape).toEqual([4, 24, 24, 3]);
      expect(b.x.dtype).toBe('float32');
      expect(b.y.dtype).toBe('int32');
      const y = await b.y.data();
      b.keys.forEach((k, i) => {
        expect(seen.has(k)).toBe(false);
        seen.add(k);
        expect(bunch.classes[y[i]!]).toBe(k.split('/')[1]);
      });
      tf.dispose([b.x, b.y]);
    }
    expect(seen.size).toBe(16);
  });

  it('returns to the starting tensor count after an epoch and after stopping early', async () => {
    const start = tf.memory().numTensors;
    await collect(bunch.train.batches(1));
    await collect(bunch.valid.batches());
    expect(tf.memory().numTensors).toBe(start);
    for await (const b of bunch.train.batches(2)) {
      tf.dispose([b.x, b.y]);
      break; // the prefetched second batch must be disposed by the loader
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('keeps handed-over batches alive through a scope the consumer holds open', async () => {
    const start = tf.memory().numTensors;
    const batches = bunch.train.batches(5);
    const first = await batches.next(); // batch 1 is now being prepared
    tf.engine().startScope();
    await new Promise((r) => setTimeout(r, 200)); // …and gets built inside this scope
    tf.engine().endScope();
    const second = await batches.next();
    expect(second.done).toBe(false);
    expect(second.value!.x.isDisposed).toBe(false);
    for (const b of [first.value!, second.value!]) tf.dispose([b.x, b.y]);
    await batches.return();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('gives the same batches for the same seed and different ones for another seed or epoch', async () => {
    const again = createDataBunch(data.items, data.source, { size: 24, bs: 4, seed: 1 });
    const other = createDataBunch(data.items, data.source, { size: 24, bs: 4, seed: 2 });
    const a = await collect(bunch.train.batches(3));
    const b = await collect(again.train.batches(3));
    expect(b.keys).toEqual(a.keys);
    expect(maxAbsDiff(b.x.flat(), a.x.flat())).toBe(0);
    const c = await collect(other.train.batches(3));
    expect(c.keys).not.toEqual(a.keys);
    const d = await collect(bunch.train.batches(4));
    expect(d.keys).not.toEqual(a.keys);
  });

  it('augments: the same image differs between epochs, validation is deterministic', async () => {
    const first = createDataBunch(data.items, data.source, { size: 24, bs: 18, seed: 5 });
    const byKey = async (epoch: number): Promise<Map<string, number[]>> => {
      const m = new Map<string, number[]>();
      for await (const b of first.train.batches(epoch)) {
        const x = (await b.x.array()) as number[][][][];
        b.keys.forEach((k, i) => m.set(k, x[i]!.flat(2)));
        tf.dispose([b.x, b.y]);
      }
      return m;
    };
    const [e0, e1] = [await byKey(0), await byKey(1)];
    const key = data.items[0]!.key;
    expect(maxAbsDiff(e0.get(key)!, e1.get(key)!)).toBeGreaterThan(0.1);
    const v1 = await collect(bunch.valid.batches());
    const v2 = await collect(bunch.valid.batches());
    expect(v1.keys.flat()).toEqual(data.items.filter((i) => i.split === 'valid').map((i) => i.key));
    expect(v1.x).toEqual(v2.x);
    expect(v1.keys.map((k) => k.length)).toEqual([4, 2]);
  });

  it('decodes each image once across epochs (cache)', async () => {
    const fresh = await syntheticDataset(3, 1);
    const b = createDataBunch(fresh.items, fresh.source, { size: 16, bs: 3, seed: 0 });
    await collect(b.train.batches(0));
    await collect(b.train.batches(1));
    await collect(b.valid.batches());
    await collect(b.valid.batches());
    expect([...fresh.reads.values()].every((n) => n === 1)).toBe(true);
    expect(fresh.reads.size).toBe(12);
    expect(b.cache.size).toBe(12);
  });

  it('without augmentation trains on the same centre crop validation sees', async () => {
    const trainAsValid = data.items.map((i) => ({ ...i, split: 'valid' as const }));
    const items = [
      ...data.items.filter((i) => i.split === 'train'),
      ...trainAsValid.filter((i) => i.key.startsWith('train/')),
    ];
    const b = createDataBunch(items, data.source, {
      size: 24,
      bs: 18,
      seed: 0,
      augment: false,
      trainScale: 1,
    });
    const [train, valid] = [await collect(b.train.batches(0)), await collect(b.valid.batches())];
    const validByKey = new Map(
      valid.keys
        .flat()
        .map((k, i) => [k, valid.x.flat().slice(i * 24 * 24 * 3, (i + 1) * 24 * 24 * 3)]),
    );
    train.keys[0]!.forEach((k, i) => {
      expect(
        maxAbsDiff(train.x[0]!.slice(i * 1728, (i + 1) * 1728), validByKey.get(k)!),
      ).toBeLessThan(1e-4);
    });
  });

  it('lists every training item once per view: view 0 plain, views ≥ 1 fixed augmentations', async () => {
    const trainKeys = data.items.filter((i) => i.split === 'train').map((i) => i.key);
    const start = tf.memory().numTensors;
    const v0 = await collect(bunch.train.eachItem(0));
    const v1 = await collect(bunch.train.eachItem(1));
    const v1again = await collect(bunch.train.eachItem(1));
    const v2 = await collect(bunch.train.eachItem(2));
    expect(tf.memory().numTensors).toBe(start);
    expect(v0.keys.map((k) => k.length)).toEqual([4, 4, 4, 4, 2]); // 18 items, none dropped
    for (const v of [v0, v1, v2]) expect(v.keys.flat()).toEqual(trainKeys);
    expect(v1.y).toEqual(v0.y);
    expect(maxAbsDiff(v1again.x.flat(), v1.x.flat())).toBe(0);
    expect(maxAbsDiff(v1.x.flat(), v0.x.flat())).toBeGreaterThan(0.1);
    expect(maxAbsDiff(v2.x.flat(), v1.x.flat())).toBeGreaterThan(0.1);
    expect(bunch.train.isAugmented).toBe(true);
    // View 0 is what training gets without augmentation.
    const plain = createDataBunch(data.items, data.source, {
      size: 24,
      bs: 18,
      seed: 1,
      augment: false,
    });
    expect(plain.train.isAugmented).toBe(false);
    const byKey = new Map(
      v0.keys.flat().map((k, i) => [k, v0.x.flat().slice(i * 1728, (i + 1) * 1728)]),
    );
    const batch = await collect(plain.train.batches(0));
    batch.keys[0]!.forEach((k, i) => {
      expect(maxAbsDiff(batch.x[0]!.slice(i * 1728, (i + 1) * 1728), byKey.get(k)!)).toBeLessThan(
        1e-5,
      );
    });
    expect(() => bunch.train.eachItem(-1)).toThrow(/view must be an integer >= 0, received -1/);
  });

  it('preloads everything once and reports broken images with the reason', async () => {
    const fresh = await syntheticDataset(2, 1);
    const bad = { key: 'train/red/broken.png', label: 'red', split: 'train' as const };
    const source = async (key: string): Promise<Uint8Array> =>
      key === bad.key ? Buffer.from('not a png') : fresh.source(key);
    const b = createDataBunch([...fresh.items, bad], source, { size: 16, bs: 2 });
    const progress: number[] = [];
    const broken = await b.preload((done, total) => progress.push(done / total));
    expect(broken).toEqual([
      { key: bad.key, split: 'train', reason: expect.stringMatching(/unsupported image format/) },
    ]);
    expect(progress.at(-1)).toBe(1);
    expect(b.cache.size).toBe(9);
    const clean = createDataBunch(fresh.items, fresh.source, { size: 16, bs: 2, cache: b.cache });
    await collect(clean.train.batches(0));
    await collect(clean.valid.batches());
    expect([...fresh.reads.values()].every((n) => n === 1)).toBe(true);
  });

  it('explains impossible configurations', async () => {
    expect(() => createDataBunch(data.items, data.source, { bs: 64 })).toThrow(
      /only 18 training items for a batch size of 64/,
    );
    const orphan = [
      ...data.items,
      { key: 'valid/cyan/0.png', label: 'cyan', split: 'valid' as const },
    ];
    expect(() => createDataBunch(orphan, data.source, { bs: 4 })).toThrow(
      /labels with no training items \("cyan"/,
    );
    const broken = createDataBunch(data.items, async () => Buffer.from('nope'), {
      size: 16,
      bs: 4,
    });
    await expect(collect(broken.train.batches(0))).rejects.toThrow(/Could not load image "train\//);
  });
});
