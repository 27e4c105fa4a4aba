import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend';
import { createDataBunch } from '../data/data-bunch';
import type { Item } from '../data/items';
import { syntheticPng } from '../data/test-fixtures';
import { exportModel } from './export-model';
import { loadExport, type ExportedModel } from './load-export';
import { endsInSoftmax, ImageDecodeError, predict, predictBatch } from './predict';
import type { Preprocessing } from './preprocessing';
import { mobileNetClassifier, tinySoftmaxNet } from './test-fixtures';
import { writeExport } from './write-export';

const classes = ['red', 'green', 'blue'];
const preprocessing = {
  size: 224,
  resizeMode: 'crop',
  normalize: { kind: 'scale', min: -1, max: 1 },
  arch: 'mobilenet_v2_0.35',
} as const;

let model: tfl.LayersModel;
let inMemory: ExportedModel;
let files: Map<string, Uint8Array>;
let dir: string;
let images: Buffer[];

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  model = await mobileNetClassifier(classes.length);
  files = await exportModel(model, { classes, preprocessing });
  inMemory = {
    model,
    classes,
    preprocessing: JSON.parse(text(files, 'preprocessing.json')) as Preprocessing,
  };
  dir = await mkdtemp(join(tmpdir(), 'studio-export-'));
  await writeExport(dir, files);
  // Different shapes, so the centre crop matters.
  images = await Promise.all([
    syntheticPng([200, 40, 40], 300, 200, 1),
    syntheticPng([40, 200, 40], 96, 160, 2),
    syntheticPng([40, 40, 200], 224, 224, 3),
    syntheticPng([120, 120, 20], 50, 40, 4),
  ]);
});

afterAll(async () => {
  model?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const text = (map: Map<string, Uint8Array>, name: string) =>
  new TextDecoder().decode(map.get(name)!);

function expectClose(
  actual: readonly number[],
  expected: readonly number[],
  tolerance = 1e-5,
): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(tolerance));
}

describe('exportModel', () => {
  it('writes model.json with relative shard paths, model.onnx, classes.json and preprocessing.json', () => {
    expect([...files.keys()].sort()).toEqual([
      'classes.json',
      'group1-shard1of1.bin',
      'model.json',
      'model.onnx',
      'preprocessing.json',
    ]);
    const modelJson = JSON.parse(text(files, 'model.json')) as {
      format: string;
      weightsManifest: { paths: string[]; weights: { name: string }[] }[];
    };
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['group1-shard1of1.bin']);
    // The whole network: the nested MobileNet body's weights and the head's.
    expect(modelJson.weightsManifest[0]!.weights.length).toBe(model.weights.length);
    expect(JSON.parse(text(files, 'classes.json'))).toEqual(classes);
    const saved = JSON.parse(text(files, 'preprocessing.json')) as Preprocessing;
    expect(saved).toMatchObject({ ...preprocessing, inputShape: [224, 224, 3], format: 1 });
    expect(Date.parse(saved.createdAt)).not.toBeNaN();
  });

  it('splits weights into 4 MiB shards', async () => {
    // 768 inputs × 1400 units ≈ 1.08M float32 weights ≈ 4.3 MB: two shards.
    const wide = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [16, 16, 3] }),
        tfl.layers.dense({ units: 1400 }),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const out = await exportModel(wide, {
      classes: ['a', 'b'],
      preprocessing: { ...preprocessing, size: 16 },
    });
    const manifest = JSON.parse(text(out, 'model.json')) as {
      weightsManifest: { paths: string[] }[];
    };
    const paths = manifest.weightsManifest[0]!.paths;
    expect(paths).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(out.get(paths[0]!)!.byteLength).toBe(4 * 1024 * 1024);
    const reloaded = await loadExport(out);
    const x = tf.randomUniform([2, 16, 16, 3]);
    const [a, b] = [wide, reloaded.model].map((m) => m.predict(x) as tf.Tensor);
    expectClose([...(await a!.data())], [...(await b!.data())]);
    tf.dispose([x, a!, b!]);
    reloaded.model.dispose();
    wide.dispose();
  });

  it('refuses classes that do not match the model or a bad preprocessing', async () => {
    await expect(exportModel(model, { classes: ['a', 'b'], preprocessing })).rejects.toThrow(
      /outputs shape \[null, ?3\] but there are 2 classes/,
    );
    await expect(exportModel(model, { classes: ['a', 'a', 'b'], preprocessing })).rejects.toThrow(
      /lists "a" twice/,
    );
    await expect(
      exportModel(model, { classes, preprocessing: { ...preprocessing, size: 128 } }),
    ).rejects.toThrow(/takes \[224, 224, 3\] images but preprocessing says \[128, 128, 3\]/);
  });
});

describe('loadExport + predict', () => {
  it('predicts what the in-memory model predicts, from a folder and from files', async () => {
    const expected = await predictBatch(inMemory, images);
    for (const source of [dir, files]) {
      const loaded = await loadExport(source);
      expect(loaded.classes).toEqual(classes);
      expect(loaded.preprocessing).toEqual(inMemory.preprocessing);
      const got = await predictBatch(loaded, images, { bs: 3 });
      got.forEach((p, i) => {
        // Batches of 3 run through other kernel blockings than the whole set: sums in another
        // order, differences up to about 1e-5; a preprocessing slip moves them by 1e-2 or more.
        expectClose(p.probs, expected[i]!.probs, 1e-4);
        expect(p.label).toBe(expected[i]!.label);
      });
      loaded.model.dispose();
    }
  });

  it('feeds the model exactly what the validation loader feeds it', async () => {
    const items: Item[] = images.map((_, i) => ({
      key: `${i}`,
      label: classes[i % 3]!,
      split: 'valid',
    }));
    items.push(...classes.map((label) => ({ key: '0', label, split: 'train' as const })));
    const bunch = createDataBunch(items, async (key) => images[Number(key)]!, {
      ...preprocessing,
      bs: 3,
      validBs: images.length,
    });
    const expected: number[][] = [];
    for await (const { x, y } of bunch.valid.batches()) {
      const probs = tf.tidy(() => tf.softmax(model.predict(x) as tf.Tensor2D));
      expected.push(...((await probs.array()) as number[][]));
      tf.dispose([x, y, probs]);
    }
    const got = await predictBatch(inMemory, images);
    got.forEach((p, i) => expectClose(p.probs, expected[i]!));
  });

  it('returns the label, its index and the top classes, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const p = await predict(inMemory, images[0]!, { topK: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(p.index).toBe(p.probs.indexOf(Math.max(...p.probs)));
    expect(p.label).toBe(classes[p.index]);
    expect(p.top).toHaveLength(2);
    expect(p.top[0]).toEqual({ label: p.label, prob: p.probs[p.index] });
    expect(p.top[0]!.prob).toBeGreaterThanOrEqual(p.top[1]!.prob);
    expect((await predict(inMemory, images[0]!)).top).toHaveLength(3); // default 5, capped at c
  });

  it('with TTA gives other probabilities that still sum to 1, the same every time', async () => {
    const before = tf.memory().numTensors;
    const plain = await predictBatch(inMemory, images);
    const tta = await predictBatch(inMemory, images, { tta: true, bs: 3 });
    const again = await predictBatch(inMemory, images, { tta: true });
    expect(tf.memory().numTensors).toBe(before);
    tta.forEach((p, i) => {
      expect(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(p.probs.some((v, j) => Math.abs(v - plain[i]!.probs[j]!) > 1e-6)).toBe(true);
      expectClose(p.probs, again[i]!.probs, 1e-6);
    });
  });

  it('does not apply softmax twice to a model that ends in softmax', async () => {
    const net = tinySoftmaxNet(32, 2);
    expect(endsInSoftmax(net)).toBe(true);
    expect(endsInSoftmax(model)).toBe(false);
    const exported = await loadExport(
      await exportModel(net, {
        classes: ['a', 'b'],
        preprocessing: { size: 32, resizeMode: 'squish', normalize: { kind: 'imagenet' } },
      }),
    );
    const bunch = createDataBunch(
      [
        { key: '0', label: 'a', split: 'train' },
        { key: '0', label: 'a', split: 'valid' },
      ],
      async () => images[0]!,
      { size: 32, resizeMode: 'squish', bs: 1 },
    );
    for await (const { x, y } of bunch.valid.batches()) {
      const direct = tf.tidy(() => net.predict(x) as tf.Tensor2D);
      expectClose((await predict(exported, images[0]!)).probs, (await direct.array())[0]!);
      tf.dispose([x, y, direct]);
    }
    net.dispose();
    exported.model.dispose();
  });

  it('names the image it cannot decode', async () => {
    await expect(
      predictBatch(inMemory, [images[0]!, new Uint8Array([1, 2, 3])], {
        names: ['a.png', 'b.png'],
      }),
    ).rejects.toThrow(/Could not decode b.png: /);
    await expect(predict(inMemory, new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(
      ImageDecodeError,
    );
  });
});

describe('loadExport errors', () => {
  const without = (name: string) => new Map([...files].filter(([n]) => n !== name));
  const withFile = (name: string, content: string) =>
    new Map([...files, [name, new TextEncoder().encode(content)]]);

  it('says which file is missing', async () => {
    await expect(loadExport(without('preprocessing.json'))).rejects.toThrow(
      /the exported files has no preprocessing.json; an exported model needs model.json, its weight files, classes.json and preprocessing.json/,
    );
    await expect(loadExport(without('classes.json'))).rejects.toThrow(/has no classes.json/);
    const missing = await mkdtemp(join(tmpdir(), 'studio-export-missing-'));
    await writeFile(join(missing, 'model.json'), await readFile(join(dir, 'model.json')));
    await expect(loadExport(missing)).rejects.toThrow(`${missing} has no preprocessing.json`);
    await rm(missing, { recursive: true });
    await expect(loadExport(missing)).rejects.toThrow(
      `${missing} is not a folder; pass the folder writeExport wrote`,
    );
  });

  it('says what is wrong with a corrupted preprocessing.json', async () => {
    await expect(loadExport(withFile('preprocessing.json', '{"size": 224,'))).rejects.toThrow(
      /preprocessing.json is not valid JSON \(.+\)\. Re-export the model/,
    );
    await expect(loadExport(withFile('preprocessing.json', '[1]'))).rejects.toThrow(
      /preprocessing.json must hold a JSON object, found \[1\]/,
    );
    const saved = JSON.parse(text(files, 'preprocessing.json')) as Record<string, unknown>;
    const bad: Record<string, unknown> = {
      ...saved,
      resizeMode: 'zoom',
      normalize: { kind: 'stats', mean: [0, 0], std: [1, 1, 1] },
    };
    delete bad.format;
    await expect(loadExport(withFile('preprocessing.json', JSON.stringify(bad)))).rejects.toThrow(
      'the exported files: preprocessing.json is invalid: "resizeMode" must be "crop", "pad" or "squish", found "zoom"; ' +
        '"normalize" must be { kind: "stats", mean: [3 numbers], std: [3 numbers > 0] }, found {"kind":"stats","mean":[0,0],"std":[1,1,1]}; ' +
        '"format" must be 1, found nothing.',
    );
    await expect(
      loadExport(
        withFile(
          'preprocessing.json',
          JSON.stringify({ ...saved, size: 128, inputShape: [128, 128, 3] }),
        ),
      ),
    ).rejects.toThrow(/takes \[224, 224, 3\] images but preprocessing says \[128, 128, 3\]/);
  });

  it('checks classes.json against the model', async () => {
    await expect(loadExport(withFile('classes.json', '["a","b"]'))).rejects.toThrow(
      /outputs shape \[null, ?3\] but there are 2 classes/,
    );
    await expect(loadExport(withFile('classes.json', '{"a":1}'))).rejects.toThrow(
      /classes.json must be a non-empty array of non-empty class names/,
    );
  });
});
