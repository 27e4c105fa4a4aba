import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import golden from './golden/resnet-parity.json';
import stateDicts from './golden/torchvision-state-dict.json';
import { PARITY_INPUT_KEY, parityStateDict, parityTensor } from './parity-weights';
import { loadResNet } from './resnet-pretrained';
import { writeSafetensors } from './safetensors';

// Parity with PyTorch: scripts/parity/make_golden.py loaded these formula weights into
// torchvision and recorded the logits; here the same bytes go through the real file loader,
// the OIHW → HWIO mapper and the tfjs ResNet. CI needs only the committed JSON.

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'resnet-parity-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each([
  ['resnet18', 18],
  ['resnet50', 50],
] as const)('%s matches torchvision', (arch, depth) => {
  const model = golden.models[arch];
  const keys = stateDicts.keys[arch] as Array<[string, number[]]>;

  it('to 1e-4 of the largest logit', async () => {
    const bytes = writeSafetensors(parityStateDict(keys));
    // Same bytes as the file PyTorch read: the TS and Python weight formulas agree exactly.
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(model.weightsSha256);
    const file = join(dir, `${arch}.safetensors`);
    await writeFile(file, bytes);

    const net = await loadResNet(depth, { weights: file, inputShape: [null, null, 3] });
    const [n, c, h, w] = model.inputShapeNCHW as [number, number, number, number];
    const logits = tf.tidy(() => {
      const nchw = tf.tensor4d(parityTensor(PARITY_INPUT_KEY, [n, c, h, w]), [n, c, h, w]);
      return net.predict(tf.transpose(nchw, [0, 2, 3, 1])) as tf.Tensor;
    });
    const actual = (await logits.array()) as number[][];
    logits.dispose();
    net.dispose();

    const expected = model.logits;
    expect(actual.length).toBe(expected.length);
    let maxError = 0;
    expected.forEach((row, i) =>
      row.forEach((v, j) => (maxError = Math.max(maxError, Math.abs(v - actual[i]![j]!)))),
    );
    expect(maxError / model.maxAbsLogit).toBeLessThan(1e-4);
  });
});
