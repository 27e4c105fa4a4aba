import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { sharedPath } from '@studio/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHead } from '../learner/cnn-learner';
import { flattenLayers, userBackbone, type Backbone } from '../models/backbone';
import type { InputNormalization } from '../models/architectures';
import { loadLayersModelFromDir } from '../models/layers-model-files';
import { loadBackbone } from '../models/load-backbone';
import { createResNet, type ResNetDepth } from '../models/resnet';
import { toOnnx, UnsupportedLayerError } from './index';

const PRETRAINED = sharedPath('pretrained');
const CLOTHING = sharedPath('datasets', 'clothing-small', 'validation');
const SIZE = 224;

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** One photo of each of the first `n` classes, centre-cropped to 224 px, RGB in [0, 1]. */
async function photos(n: number): Promise<tf.Tensor4D> {
  const classes = readdirSync(CLOTHING).sort().slice(0, n);
  const images = await Promise.all(
    classes.map(async (c) => {
      const file = readdirSync(join(CLOTHING, c)).sort()[0]!;
      const raw = await sharp(join(CLOTHING, c, file))
        .rotate()
        .removeAlpha()
        .resize(SIZE, SIZE, { fit: 'cover' })
        .raw()
        .toBuffer();
      return Float32Array.from(raw, (v) => v / 255);
    }),
  );
  const data = new Float32Array(n * SIZE * SIZE * 3);
  images.forEach((img, i) => data.set(img, i * img.length));
  return tf.tensor4d(data, [n, SIZE, SIZE, 3]);
}

function normalize(x: tf.Tensor4D, norm: InputNormalization): tf.Tensor4D {
  return tf.tidy(() => {
    if (norm.kind === 'scale') return tf.add(tf.mul(x, norm.max - norm.min), norm.min);
    const [mean, std] =
      norm.kind === 'imagenet'
        ? [
            [0.485, 0.456, 0.406],
            [0.229, 0.224, 0.225],
          ]
        : [norm.mean, norm.std];
    return tf.div(tf.sub(x, tf.tensor1d([...mean])), tf.tensor1d([...std]));
  });
}

/**
 * The learner's network (body + fastai head) with every BatchNorm given non-trivial running
 * statistics, so inference-mode normalisation is really exercised.
 */
function learnerModel(backbone: Backbone, classes = 10): tfl.LayersModel {
  const head = createHead(backbone.body.outputs[0]!, classes);
  const model = tfl.model({ inputs: backbone.body.inputs, outputs: head.output });
  let seed = 1;
  for (const layer of flattenLayers(model)) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    for (const w of layer.weights) {
      const kind = w.originalName.split('/').at(-1)!;
      const [lo, hi] = {
        gamma: [0.5, 1.5],
        beta: [-0.2, 0.2],
        moving_mean: [-0.3, 0.3],
        moving_variance: [0.5, 2],
      }[kind] ?? [0, 1];
      tf.tidy(() => {
        w.write(tf.randomUniform(w.shape as number[], lo, hi, 'float32', seed++));
      });
    }
  }
  return model;
}

async function runOnnx(
  bytes: Uint8Array,
  x: tf.Tensor,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) };
    const out = (await session.run(feeds)).output!;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** tfjs and ONNX Runtime on the same photos; the largest difference relative to the outputs' scale. */
async function compare(model: tfl.LayersModel, norm: InputNormalization) {
  const x = normalize(await photos(4), norm);
  const expected = tf.tidy(() => model.predict(x) as tf.Tensor);
  const want = expected.dataSync() as Float32Array;
  const got = await runOnnx(toOnnx(model), x);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  let worst = 0;
  want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got.data[i]!))));
  const shape = expected.shape;
  tf.dispose([x, expected]);
  return { shape, dims: got.dims, relative: worst / scale, scale };
}

describe('ONNX conversion matches tfjs on real photos', () => {
  it.each([18, 34, 50] as ResNetDepth[])('ResNet-%i with the fastai head', async (depth) => {
    const body = createResNet({ depth, includeTop: false, inputShape: [null, null, 3] });
    const model = learnerModel({
      id: `resnet${depth}`,
      body,
      spec: userBackbone(body).spec,
    } as Backbone);
    const { shape, dims, relative } = await compare(model, { kind: 'imagenet' });
    expect(dims).toEqual(shape);
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });

  it('MobileNetV2 0.35 (ReLU6, depthwise, padding, add)', async () => {
    const backbone = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED });
    const model = learnerModel(backbone);
    const { relative } = await compare(model, backbone.spec.normalization);
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });

  it('MobileNetV2 1.0, the whole ImageNet classifier (softmax output)', async () => {
    const model = await loadLayersModelFromDir(join(PRETRAINED, 'mobilenet-v2-1.0-imagenet'));
    const { shape, relative } = await compare(model, { kind: 'scale', min: -1, max: 1 });
    expect(shape).toEqual([4, 1001]);
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });

  it('MobileNetV2 1.0 cut before its pooling, with the head', async () => {
    const full = await loadLayersModelFromDir(join(PRETRAINED, 'mobilenet-v2-1.0-imagenet'));
    const names = full.layers.map((l) => l.name);
    const backbone = userBackbone(full, { cutAfter: names[names.indexOf('global_pool') - 1]! });
    const model = learnerModel(backbone);
    const { relative } = await compare(model, { kind: 'scale', min: -1, max: 1 });
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });

  it('DarkNet-tiny (LeakyReLU, max pooling)', async () => {
    const backbone = await loadBackbone('darknet_tiny', { pretrainedDir: PRETRAINED });
    const model = learnerModel(backbone);
    const { relative } = await compare(model, backbone.spec.normalization);
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });

  it('an uploaded backbone: nested model, same padding, separable conv, flatten', async () => {
    const input = tfl.input({ shape: [SIZE, SIZE, 3] });
    let y = tfl.layers
      .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' })
      .apply(input) as tfl.SymbolicTensor;
    y = tfl.layers
      .separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' })
      .apply(y) as tfl.SymbolicTensor;
    y = tfl.layers
      .averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })
      .apply(y) as tfl.SymbolicTensor;
    const branch = tfl.layers
      .conv2d({ filters: 12, kernelSize: 1, activation: 'sigmoid' })
      .apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.multiply().apply([y, branch]) as tfl.SymbolicTensor;
    y = tfl.layers.concatenate().apply([y, branch]) as tfl.SymbolicTensor;
    const inner = tfl.model({ inputs: input, outputs: y, name: 'inner' });
    const outerInput = tfl.input({ shape: [SIZE, SIZE, 3] });
    const features = inner.apply(outerInput) as tfl.SymbolicTensor;
    const flat = tfl.layers
      .flatten()
      .apply(
        tfl.layers.maxPooling2d({ poolSize: 8 }).apply(features) as tfl.SymbolicTensor,
      ) as tfl.SymbolicTensor;
    const out = tfl.layers
      .dense({ units: 5, activation: 'softmax' })
      .apply(flat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: outerInput, outputs: out });
    const { relative } = await compare(model, { kind: 'scale', min: 0, max: 1 });
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });

  it('names a layer it cannot convert', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const out = tfl.layers.upSampling2d({ name: 'up' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(() => toOnnx(model)).toThrow(UnsupportedLayerError);
    expect(() => toOnnx(model)).toThrow(/"up" \(UpSampling2D\)/);
  });
});
