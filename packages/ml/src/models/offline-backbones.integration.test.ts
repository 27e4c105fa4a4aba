import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { sharedPath } from '@studio/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyLayerGroups, flattenLayers, userBackbone } from './backbone';
import { loadLayersModelFromDir, loadLayersModelFromFiles } from './layers-model-files';
import { loadBackbone } from './load-backbone';
import { loadDarknetTinyClassifier } from './offline-backbones';

const PRETRAINED = sharedPath('pretrained');
const DARKNET = join(PRETRAINED, 'darknet-tiny-imagenet');
const CLOTHING = sharedPath('datasets', 'clothing-small', 'validation');

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** 224x224 RGB in [0, 1], centre-cropped, EXIF-oriented. */
async function loadImage(path: string): Promise<tf.Tensor4D> {
  const raw = await sharp(path)
    .rotate()
    .removeAlpha()
    .resize(224, 224, { fit: 'cover' })
    .raw()
    .toBuffer();
  return tf.tensor4d(
    Float32Array.from(raw, (v) => v / 255),
    [1, 224, 224, 3],
  );
}

const seededImage = (seed: number) =>
  tf.tidy(() => tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', seed) as tf.Tensor4D);

describe('MobileNetV2 0.35 backbone', () => {
  it('is the exported backbone without its pooling: pooled, it equals model.layers[0]', async () => {
    const backbone = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
    expect(backbone.body.outputs[0]!.shape).toEqual([null, 7, 7, 1280]);
    expect(backbone.spec.normalization).toEqual({ kind: 'scale', min: -1, max: 1 });

    const exported = await loadLayersModelFromDir(
      join(PRETRAINED, 'mobilenet-v2-0.35-teachable-machine'),
    );
    const x = tf.tidy(() => tf.sub(tf.mul(seededImage(1), 2), 1));
    const [ours, reference] = tf.tidy(() => [
      tf.mean(backbone.body.predict(x) as tf.Tensor, [1, 2]),
      exported.layers[0]!.apply(x) as tf.Tensor,
    ]);
    expect(reference!.shape).toEqual([2, 1280]);
    expect(tf.max(tf.abs(tf.sub(ours!, reference!))).dataSync()[0]).toBeLessThan(1e-5);

    const groups = bodyLayerGroups(backbone);
    expect(groups.map((g) => g[0]!.name)).toEqual(['Conv1_pad', 'block_6_expand']);
    expect(groups.flat()).toHaveLength(flattenLayers(backbone.body).length);
    tf.dispose([x, ours!, reference!]);
    exported.dispose();
    backbone.body.dispose();
  });

  it('takes the input size it is asked for, computing what the 224 px declaration computes', async () => {
    const at96 = await loadBackbone('mobilenet_v2_0.35', {
      pretrainedDir: PRETRAINED,
      inputShape: [96, 96, 3],
    });
    const declared = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
    expect(at96.body.inputs[0]!.shape).toEqual([null, 96, 96, 3]);
    expect(at96.body.outputs[0]!.shape).toEqual([null, 3, 3, 1280]);
    const x = tf.tidy(() => tf.randomUniform([2, 96, 96, 3], -1, 1, 'float32', 5) as tf.Tensor4D);
    // predict checks the declared input shape; apply (what training uses) does not.
    expect(() => declared.body.predict(x)).toThrow(/224/);
    const difference = tf.tidy(() =>
      tf.max(
        tf.abs(tf.sub(at96.body.predict(x) as tf.Tensor, declared.body.apply(x) as tf.Tensor)),
      ),
    );
    expect(difference.dataSync()[0]).toBeLessThan(1e-6);
    await expect(loadLayersModelFromDir(DARKNET, { inputShape: [96, 96, 1] })).rejects.toThrow(
      /takes 3-channel images; inputShape \[96, 96, 1\] asks for 1/,
    );
    tf.dispose([x, difference]);
    at96.body.dispose();
    declared.body.dispose();
  });

  it('holds only the body: disposing it frees every tensor the load made', async () => {
    const before = tf.memory().numTensors;
    const backbone = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
    expect(tf.memory().numTensors - before).toBe(backbone.body.weights.length);
    backbone.body.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MobileNetV2 1.0 backbone', () => {
  const DIR = join(PRETRAINED, 'mobilenet-v2-1.0-imagenet');

  it('is the ImageNet model cut before global_pool, in three thirds of its convolutions', async () => {
    const before = tf.memory().numTensors;
    const backbone = await loadBackbone('mobilenet_v2_1.0', { pretrainedDir: PRETRAINED });
    expect(backbone.body.outputs[0]!.shape).toEqual([null, 7, 7, 1280]);
    expect(backbone.body.layers.at(-1)!.name).toBe('conv_35');
    expect(backbone.spec.normalization).toEqual({ kind: 'scale', min: -1, max: 1 });
    // Only the body's weights stay alive: the 1001-class classifier is freed.
    expect(tf.memory().numTensors - before).toBe(backbone.body.weights.length);

    const full = await loadLayersModelFromDir(DIR);
    const pooled = tfl.model({
      inputs: full.inputs,
      outputs: full.getLayer('global_pool').output as tfl.SymbolicTensor,
    });
    const x = tf.tidy(() => tf.sub(tf.mul(seededImage(3), 2), 1));
    const difference = tf.tidy(() =>
      tf.max(
        tf.abs(
          tf.sub(
            tf.mean(backbone.body.predict(x) as tf.Tensor, [1, 2]),
            pooled.predict(x) as tf.Tensor,
          ),
        ),
      ),
    );
    expect(difference.dataSync()[0]).toBeLessThan(1e-5);

    const groups = bodyLayerGroups(backbone);
    expect(groups.map((g) => g[0]!.name)).toEqual(['conv_1', 'conv_13', 'conv_25']);
    const weighted = groups.map((g) => g.filter((l) => l.weights.length > 0).length);
    expect(weighted).toEqual([18, 18, 16]);
    expect(groups.flat()).toHaveLength(flattenLayers(backbone.body).length);
    tf.dispose([x, difference]);
    full.dispose();
    backbone.body.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes another input size', async () => {
    const at128 = await loadBackbone('mobilenet_v2_1.0', {
      pretrainedDir: PRETRAINED,
      inputShape: [128, 128, 3],
    });
    expect(at128.body.outputs[0]!.shape).toEqual([null, 4, 4, 1280]);
    at128.body.dispose();
  });
});

describe('DarkNet-tiny', () => {
  it('as a backbone ends before the 1x1 conv classifier', async () => {
    const backbone = await loadBackbone('darknet_tiny', { pretrainedDir: PRETRAINED });
    expect(backbone.body.outputs[0]!.shape).toEqual([null, 14, 14, 128]);
    expect(backbone.body.layers.at(-1)!.name).toBe('leaky_re_lu_15');
    expect(backbone.body.layers.some((l) => l.name === 'conv2d_16')).toBe(false);
    expect(bodyLayerGroups(backbone).map((g) => g[0]!.name)).toEqual(['conv2d_1', 'conv2d_11']);
    backbone.body.dispose();
  });

  it('names footwear for shoe photos and not for t-shirts (real ImageNet weights, real photos)', async () => {
    const { model, labels } = await loadDarknetTinyClassifier(DARKNET);
    const footwear = new Set(['cowboy boot', 'Loafer', 'sandal', 'running shoe', 'clog']);
    const top5 = async (path: string) => {
      const image = await loadImage(path);
      const scores = model.predict(image) as tf.Tensor;
      const { indices } = tf.topk(scores, 5);
      const names = [...(await indices.data())].map((i) => labels[i]!);
      tf.dispose([image, scores, indices]);
      return names;
    };
    const firstFiles = (folder: string, n: number) =>
      readdirSync(join(CLOTHING, folder))
        .sort()
        .slice(0, n)
        .map((f) => join(CLOTHING, folder, f));

    const shoes = await Promise.all(firstFiles('shoes', 8).map(top5));
    expect(
      shoes.filter((names) => names.some((n) => footwear.has(n))).length,
    ).toBeGreaterThanOrEqual(7);
    expect(shoes.filter((names) => footwear.has(names[0]!)).length).toBeGreaterThanOrEqual(6);
    const shirts = await Promise.all(firstFiles('t-shirt', 4).map(top5));
    expect(shirts.filter((names) => footwear.has(names[0]!))).toHaveLength(0);
    model.dispose();
  });
});

describe('user-supplied LayersModel backbone', () => {
  it('loads model.json + weight files from memory and cuts at a named layer', async () => {
    const names = ['model.json', ...readdirSync(DARKNET).filter((f) => f.startsWith('group'))];
    const files = new Map(
      await Promise.all(
        names.map(async (n) => [n, new Uint8Array(await readFile(join(DARKNET, n)))] as const),
      ),
    );
    const backbone = userBackbone(await loadLayersModelFromFiles(files), {
      cutAfter: 'leaky_re_lu_15',
    });
    expect(backbone.spec).toMatchObject({
      featureChannels: 128,
      defaultSize: 224,
      normalization: { kind: 'scale', min: 0, max: 1 },
    });
    expect(bodyLayerGroups(backbone)).toHaveLength(2);

    const reference = await loadBackbone('darknet_tiny', { pretrainedDir: PRETRAINED });
    const x = seededImage(2);
    const difference = tf.tidy(
      () =>
        tf
          .max(
            tf.abs(
              tf.sub(backbone.body.predict(x) as tf.Tensor, reference.body.predict(x) as tf.Tensor),
            ),
          )
          .dataSync()[0],
    );
    expect(difference).toBe(0);
    tf.dispose(x);
    reference.body.dispose();
  });

  it('says which file is missing, and refuses manifest paths outside the model folder', async () => {
    const json = await readFile(join(DARKNET, 'model.json'));
    await expect(loadLayersModelFromFiles({ 'model.json': json })).rejects.toThrow(
      /lack "group1-shard1of1"/,
    );
    await expect(
      loadLayersModelFromFiles({
        'model.json': new TextEncoder().encode('{"format":"graph-model"}'),
      }),
    ).rejects.toThrow(/needs "modelTopology" and "weightsManifest"/);
    const dir = await mkdtemp(join(tmpdir(), 'evil-model-'));
    const evil = {
      modelTopology: {},
      weightsManifest: [{ paths: ['../etc/passwd'], weights: [] }],
    };
    await writeFile(join(dir, 'model.json'), JSON.stringify(evil));
    await expect(loadLayersModelFromDir(dir)).rejects.toThrow(
      /Refusing weight path "\.\.\/etc\/passwd"/,
    );
    await rm(dir, { recursive: true });
  });

  it('rejects a cut at an unknown layer', () => {
    const input = tfl.input({ shape: [8] });
    const model = tfl.model({
      inputs: input,
      outputs: tfl.layers.dense({ units: 2, name: 'd' }).apply(input) as tfl.SymbolicTensor,
    });
    expect(() => userBackbone(model, { cutAfter: 'nope' })).toThrow(
      /no such top-level layer \(last layers: .*d\)/,
    );
  });
});
