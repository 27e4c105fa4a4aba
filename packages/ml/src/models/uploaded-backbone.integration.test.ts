import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { sharedPath } from '@studio/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { exportModel } from '../export/export-model';
import { loadExport } from '../export/load-export';
import { cnnLearner } from '../learner/cnn-learner';
import { syntheticData } from '../learner/test-fixtures';
import { bodyLayerGroups, flattenLayers } from './backbone';
import { loadBackbone } from './load-backbone';
import { loadUploadedBackbone } from './uploaded-backbone';
import { BackboneFilesError, checkBackboneFiles } from './uploaded-backbone-check';

const PRETRAINED = sharedPath('pretrained');
const MOBILENET = 'mobilenet-v2-0.35-teachable-machine';
const SYMMETRIC = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;

/** Every file of a folder, as an upload brings them (including ones the model does not need). */
async function readFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const names = await readdir(dir);
  return new Map(
    await Promise.all(
      names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const),
    ),
  );
}

const sizesOf = (files: Map<string, Uint8Array>) =>
  new Map([...files].map(([name, bytes]) => [name, bytes.byteLength]));

/** model.json + one shard of a model built here, the way tensorflowjs_converter lays them out. */
async function filesOf(model: tfl.LayersModel): Promise<Map<string, Uint8Array>> {
  let files = new Map<string, Uint8Array>();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData!;
      const weights = Array.isArray(data)
        ? tf.io.concatenateArrayBuffers(data)
        : (data as ArrayBuffer);
      const manifest = [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }];
      const json = { modelTopology: artifacts.modelTopology, weightsManifest: manifest };
      files = new Map([
        ['model.json', new TextEncoder().encode(JSON.stringify(json))],
        ['group1-shard1of1.bin', new Uint8Array(weights)],
      ]);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files;
}

function expectFailure(run: () => unknown, code: string, message: RegExp) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BackboneFilesError);
    expect((error as BackboneFilesError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`Expected a ${code} error.`);
}

let mobilenet: Map<string, Uint8Array>;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  mobilenet = await readFolder(join(PRETRAINED, MOBILENET));
});

describe('checkBackboneFiles', () => {
  it('finds the Teachable Machine MobileNetV2 input, weight file and last feature map', () => {
    const check = checkBackboneFiles(mobilenet.get('model.json')!, sizesOf(mobilenet));
    expect(check).toEqual({
      inputShape: [224, 224, 3],
      cutLayer: 'out_relu',
      weightFiles: ['weights.bin'],
    });
  });

  it('cuts DarkNet-tiny where it is asked to, by default at the last 4-D layer before pooling', async () => {
    const darknet = await readFolder(join(PRETRAINED, 'darknet-tiny-imagenet'));
    const sizes = sizesOf(darknet);
    const json = darknet.get('model.json')!;
    expect(checkBackboneFiles(json, sizes).cutLayer).toBe('conv2d_16');
    expect(
      checkBackboneFiles(json, sizes, { cutLayer: 'leaky_re_lu_15' }).weightFiles,
    ).toHaveLength(31);
  });

  it('names a missing shard and a truncated one', () => {
    const sizes = sizesOf(mobilenet);
    sizes.delete('weights.bin');
    expectFailure(
      () => checkBackboneFiles(mobilenet.get('model.json')!, sizes),
      'MISSING_SHARD',
      /missing: "weights\.bin".*uploaded besides model\.json: "metadata\.json"/,
    );
    sizes.set('weights.bin', mobilenet.get('weights.bin')!.byteLength - 4);
    expectFailure(
      () => checkBackboneFiles(mobilenet.get('model.json')!, sizes),
      'SHARD_SIZE',
      /"weights\.bin" hold 2,154,428 bytes, but the 263 weights .* need 2,154,432 bytes\. A file is truncated/,
    );
  });

  it('refuses an unknown cut layer or one after the pooling, suggesting feature-map layers', () => {
    const json = mobilenet.get('model.json')!;
    expectFailure(
      () => checkBackboneFiles(json, sizesOf(mobilenet), { cutLayer: 'block_99_add' }),
      'UNKNOWN_LAYER',
      /no layer named "block_99_add"\. Layers with a 4-D output near the end: .*"out_relu"/,
    );
    expectFailure(
      () =>
        checkBackboneFiles(json, sizesOf(mobilenet), {
          cutLayer: 'global_average_pooling2d_GlobalAveragePooling2D1',
        }),
      'BAD_CUT_LAYER',
      /\(GlobalAveragePooling2D\) outputs a 2-D tensor/,
    );
  });

  it('refuses a model without a feature map, a 1-channel input, a graph model and paths outside the folder', async () => {
    const dense = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [8, 8, 3] }), tfl.layers.dense({ units: 4 })],
    });
    const denseFiles = await filesOf(dense);
    expectFailure(
      () => checkBackboneFiles(denseFiles.get('model.json')!, sizesOf(denseFiles)),
      'NO_FEATURE_MAP',
      /No layer of the model outputs a 4-D feature map .*\(Flatten\)/,
    );
    const gray = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3 })],
    });
    const grayFiles = await filesOf(gray);
    expectFailure(
      () => checkBackboneFiles(grayFiles.get('model.json')!, sizesOf(grayFiles)),
      'BAD_INPUT',
      /input is \[null, 8, 8, 1\]; a backbone takes RGB images/,
    );
    tf.dispose([...dense.weights, ...gray.weights].map((w) => w.read()));
    expectFailure(
      () => checkBackboneFiles('{"format":"graph-model","modelTopology":{}}', new Map()),
      'NOT_LAYERS_MODEL',
      /graph model/,
    );
    const json = JSON.parse(new TextDecoder().decode(mobilenet.get('model.json')!));
    json.weightsManifest[0].paths = ['../weights.bin'];
    expectFailure(
      () => checkBackboneFiles(JSON.stringify(json), sizesOf(mobilenet)),
      'UNSAFE_FILE_NAME',
      /"\.\.\/weights\.bin"/,
    );
  });
});

describe('loadUploadedBackbone', () => {
  it('builds the same MobileNetV2 body as the offline loader, at the run size, in two groups', async () => {
    const before = tf.memory().numTensors;
    const uploaded = await loadUploadedBackbone(mobilenet, {
      displayName: 'my mobilenet',
      cutLayer: 'out_relu',
      normalization: SYMMETRIC,
      inputShape: [64, 64, 3],
    });
    // The 260 backbone weights stay; the Teachable Machine head's 3 were disposed with the cut.
    expect(uploaded.body.weights).toHaveLength(260);
    expect(tf.memory().numTensors - before).toBe(260);
    const offline = await loadBackbone('mobilenet_v2_0.35', {
      pretrainedDir: PRETRAINED,
      inputShape: [64, 64, 3],
    });
    expect(uploaded.body.outputs[0]!.shape).toEqual([null, 2, 2, 1280]);
    expect(uploaded.spec).toMatchObject({
      family: 'uploaded',
      displayName: 'my mobilenet',
      normalization: { kind: 'stats', ...SYMMETRIC },
      featureChannels: 1280,
      defaultSize: 64,
    });
    const groups = bodyLayerGroups(uploaded);
    expect(groups).toHaveLength(2);
    expect(groups.flat()).toHaveLength(flattenLayers(uploaded.body).length);

    const [shape, difference] = tf.tidy(() => {
      const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 7);
      const ours = uploaded.body.predict(x) as tf.Tensor;
      const reference = offline.body.predict(x) as tf.Tensor;
      return [ours.shape, tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]];
    });
    expect(shape).toEqual([2, 2, 2, 1280]);
    expect(difference).toBe(0);
    offline.body.dispose();
    const held = tf.memory().numTensors;
    uploaded.body.dispose();
    expect(tf.memory().numTensors).toBe(held - 260);
  });

  it('cuts inside a nested model of a Sequential stack, after the stack’s earlier layers', async () => {
    const input = tfl.input({ shape: [10, 10, 3] });
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'inner_conv' });
    const relu = tfl.layers.reLU({ name: 'inner_relu' });
    const last = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'inner_classifier' });
    const features = relu.apply(conv.apply(input)) as tfl.SymbolicTensor;
    const inner = tfl.model({ inputs: input, outputs: last.apply(features) as tfl.SymbolicTensor });
    const outer = tfl.sequential({
      layers: [
        tfl.layers.zeroPadding2d({ inputShape: [8, 8, 3], padding: 1, name: 'pad' }),
        inner,
        tfl.layers.globalAveragePooling2d({}),
      ],
    });
    const files = await filesOf(outer);
    expect(checkBackboneFiles(files.get('model.json')!, sizesOf(files)).cutLayer).toBe(
      'inner_classifier',
    );
    const backbone = await loadUploadedBackbone(files, {
      displayName: 'nested',
      cutLayer: 'inner_relu',
      normalization: SYMMETRIC,
    });
    const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 3);
    const [ours, expected] = tf.tidy(() => [
      backbone.body.predict(x) as tf.Tensor,
      relu.apply(
        conv.apply(
          tf.pad(x, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]),
        ),
      ) as tf.Tensor,
    ]);
    expect(ours!.shape).toEqual([1, 8, 8, 4]);
    expect(tf.max(tf.abs(tf.sub(ours!, expected!))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, ours!, expected!]);
  });

  it('gives cnnLearner a body it trains and exports like a built-in one', async () => {
    const backbone = await loadUploadedBackbone(mobilenet, {
      displayName: 'my mobilenet',
      cutLayer: 'out_relu',
      normalization: SYMMETRIC,
      inputShape: [32, 32, 3],
    });
    const data = syntheticData({ classes: 2, train: 8, valid: 4, size: 32, bs: 4 });
    const learner = cnnLearner(data, backbone, { seed: 1 });
    try {
      expect(learner.layerGroups).toHaveLength(3);
      const firstKernel = () => backbone.body.getLayer('Conv1').getWeights()[0]!.dataSync();
      const kernelBefore = firstKernel().slice();
      const result = await learner.fit(1, 1e-3);
      expect(result.epochsDone).toBe(1);
      // Frozen: the first conv kernel of the body did not move.
      expect(firstKernel()).toEqual(kernelBefore);

      const files = await exportModel(learner.model, {
        classes: data.classes,
        preprocessing: { size: 32, resizeMode: 'crop', normalize: backbone.spec.normalization },
      });
      const exported = await loadExport(files);
      const difference = tf.tidy(() => {
        const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 5);
        const ours = learner.model.predict(x) as tf.Tensor;
        const theirs = exported.model.predict(x) as tf.Tensor;
        return tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!;
      });
      expect(difference).toBeLessThan(1e-5);
      exported.model.dispose();
    } finally {
      learner.dispose();
      data.dispose();
    }
  });
});
