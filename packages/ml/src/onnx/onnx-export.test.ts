/**
 * The exported model.onnx as a user runs it: loaded from the written folder by ONNX Runtime,
 * fed the images as preprocessing.json describes, it gives the studio's predictions.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend';
import { decodeImage } from '../data/decode';
import { buildEvalBatch } from '../data/train-batch';
import { exportModel } from '../export/export-model';
import { disposeExport, loadExport } from '../export/load-export';
import { predictBatch } from '../export/predict';
import { parsePreprocessing } from '../export/preprocessing';
import { DIGITS_DIR, mobileNetClassifier } from '../export/test-fixtures';
import { writeExport } from '../export/write-export';

// ONNX Runtime's threaded kernels split work by timing: the same input's probabilities move by
// up to ~1.6e-5 between runs on a loaded machine (under 1e-6 on a quiet one).
const THREADED_TOLERANCE = 2e-5;

let dir: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'onnx-export-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('model.onnx in an export', () => {
  it('gives the studio predictions to 2e-5 in ONNX Runtime', async () => {
    const classes = ['0', '1', '2'];
    const model = await mobileNetClassifier(classes.length);
    await writeExport(
      dir,
      await exportModel(model, {
        classes,
        preprocessing: {
          size: 224,
          resizeMode: 'crop',
          normalize: { kind: 'scale', min: -1, max: 1 },
        },
      }),
    );
    model.dispose();
    const photos = await Promise.all(
      classes.map(async (c) => {
        const file = readdirSync(join(DIGITS_DIR, c)).sort()[0]!;
        return new Uint8Array(await readFile(join(DIGITS_DIR, c, file)));
      }),
    );
    // The studio's tfjs model: the reference the ONNX file must reproduce.
    const exported = await loadExport(dir, { engine: 'tfjs' });
    expect(exported.onnx).toBeUndefined();
    const studio = await predictBatch(exported, photos);
    disposeExport(exported);

    // What a user does: the preprocessing file says how to feed the model.
    const pre = parsePreprocessing(
      await readFile(join(dir, 'preprocessing.json')),
      'preprocessing.json',
    );
    const pixels = await Promise.all(photos.map((p) => decodeImage(p, pre.size, 'cover')));
    const x = buildEvalBatch(pixels, pre.normalize);
    // The studio's own session level (onnx-forward.ts); ONNX Runtime's default 'all' differs by ~1e-5.
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
      graphOptimizationLevel: 'extended',
    });
    const { output } = await session.run({
      input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape),
    });
    await session.release();
    x.dispose();
    const probs = tf.tidy(
      () =>
        tf
          .softmax(tf.tensor(output!.data as Float32Array, output!.dims as number[]))
          .arraySync() as number[][],
    );
    let worst = 0;
    studio.forEach((p, i) =>
      p.probs.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - probs[i]![j]!)))),
    );
    console.info(
      `model.onnx against the studio: largest probability difference ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(THREADED_TOLERANCE);
    expect(probs.map((row) => row.indexOf(Math.max(...row)))).toEqual(studio.map((p) => p.index));
  });

  it('predicts, with and without TTA, on ONNX Runtime as on tfjs', async () => {
    const photos = await Promise.all(
      ['0', '1', '2'].map(async (c) => {
        const file = readdirSync(join(DIGITS_DIR, c)).sort()[1]!;
        return new Uint8Array(await readFile(join(DIGITS_DIR, c, file)));
      }),
    );
    const onOnnx = await loadExport(dir);
    const onTfjs = await loadExport(dir, { engine: 'tfjs' });
    expect(onOnnx.onnx).toBeDefined();
    for (const tta of [false, true]) {
      const [a, b] = [
        await predictBatch(onOnnx, photos, { tta }),
        await predictBatch(onTfjs, photos, { tta }),
      ];
      let worst = 0;
      a.forEach((p, i) =>
        p.probs.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]!.probs[j]!)))),
      );
      expect(worst).toBeLessThan(THREADED_TOLERANCE);
      expect(a.map((p) => p.label)).toEqual(b.map((p) => p.label));
    }
    disposeExport(onOnnx);
    disposeExport(onTfjs);
  });
});
