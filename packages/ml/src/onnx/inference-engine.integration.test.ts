/**
 * The inference engines side by side on real photos (signLanguageLearner: 4 classes of
 * sign-language-digits at 96 px, MobileNetV2-0.35 with the fastai head): after a fit, ONNX
 * Runtime and tfjs give the same validation error rate and the same probabilities, and a feature
 * cache built on ONNX Runtime holds tfjs's features.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBodyPools } from '../parallel/body-pool';
import { initBackend } from '../backend/index';
import { readCache, signLanguageLearner, tinyBackbone } from '../learner/test-fixtures';
import { prepareFeatureCache } from '../learner/feature-cache';
import { inferenceEngine, openOnnxForward, useOnnxCuda } from './onnx-forward';

describe('inference on ONNX Runtime and on tfjs', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });
  afterAll(() => closeBodyPools());

  it('ONNX Runtime loads here and is the default engine', async () => {
    expect(await inferenceEngine()).toEqual({
      name: 'onnxruntime',
      detail: 'ONNX Runtime 1.30.0 on CPU',
    });
  });

  it('stays on the CPU, saying why, when the CUDA provider asked for cannot start', async () => {
    useOnnxCuda(true);
    try {
      const { name, detail } = await inferenceEngine();
      expect(name).toBe('onnxruntime');
      expect(detail).toMatch(
        /^ONNX Runtime 1\.30\.0 on CPU \(the CUDA provider did not start: .+\)$/,
      );
      const model = tinyBackbone().body;
      const onnx = await openOnnxForward(model);
      const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3);
      const [got, want] = [await onnx.forward(x), model.predict(x) as tf.Tensor];
      expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-4);
      tf.dispose([x, got, want]);
      await onnx.close();
    } finally {
      useOnnxCuda(false);
    }
  });

  it('give the same validation error rate and probabilities after a fit', async () => {
    const { learn } = await signLanguageLearner();
    await learn.fitOneCycle(1, 1e-2);
    const start = tf.memory().numTensors;
    const onnx = await learn.getPreds('valid', { engine: 'onnxruntime' });
    const tfjs = await learn.getPreds('valid', { engine: 'tfjs' });
    expect(tf.memory().numTensors).toBe(start);
    expect(onnx.keys).toEqual(tfjs.keys);
    let worst = 0;
    onnx.probs.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - tfjs.probs[i]!))));
    expect(worst).toBeLessThan(1e-4);
    const [a, b] = await Promise.all([
      learn.validate({ engine: 'onnxruntime' }),
      learn.validate({ engine: 'tfjs' }),
    ]);
    console.info(
      `error rate: onnxruntime ${a.metrics['error_rate']}, tfjs ${b.metrics['error_rate']}`,
    );
    expect(a.metrics['error_rate']).toBe(b.metrics['error_rate']);
    expect(Math.abs(a.validLoss - b.validLoss)).toBeLessThan(1e-4);
    learn.dispose();
  });

  it('builds the feature cache on ONNX Runtime with the features tfjs computes', async () => {
    const { learn } = await signLanguageLearner();
    const cacheOn = async (engine: 'onnxruntime' | 'tfjs') => {
      learn.inferenceEngine = engine;
      learn.cachedFeatures = null;
      const build = prepareFeatureCache(
        learn,
        { views: 0, adaptBatches: 0 },
        { epochs: 1, firstDataEpoch: 0 },
      );
      return readCache(await build({ withValidation: false, onProgress: async () => {} }), 0);
    };
    const a = await cacheOn('onnxruntime');
    const b = await cacheOn('tfjs');
    expect(a.keys).toEqual(b.keys);
    expect(a.features.length).toBe(b.features.length);
    let worst = 0;
    a.features.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b.features[i]!))));
    // Relative to the features' scale (ReLU6 activations pooled: up to 6), as the parity tests.
    const scale = b.features.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    expect(worst / scale).toBeLessThan(1e-4);
    learn.dispose();
  });
});
