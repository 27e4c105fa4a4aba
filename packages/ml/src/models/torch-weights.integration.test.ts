import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import stateDicts from './golden/torchvision-state-dict.json';
import { parityStateDict, parityTensor } from './parity-weights';
import { createResNet } from './resnet';
import { readSafetensors, type SafetensorsInput, writeSafetensors } from './safetensors';
import { loadTorchWeights, WeightMappingError } from './torch-weights';

const keys = stateDicts.keys.resnet18 as Array<[string, number[]]>;
let stateDict: SafetensorsInput[];
let body: tfl.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  stateDict = parityStateDict(keys);
  body = createResNet({ depth: 18, includeTop: false, inputShape: [32, 32, 3] });
});
afterAll(() => body.dispose());

const replace = (name: string, shape: number[]): SafetensorsInput[] =>
  stateDict.map((t) =>
    t.name === name ? { name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) } : t,
  );

describe('loadTorchWeights', () => {
  it('transposes conv OIHW → HWIO and maps BatchNorm parameters and running stats', () => {
    const result = loadTorchWeights(body, readSafetensors(writeSafetensors(stateDict)));
    expect(result.unused).toEqual(['fc.weight', 'fc.bias']); // a body has no classifier
    expect(result.loaded).toHaveLength(
      keys.filter(([k]) => !k.startsWith('fc.') && !k.endsWith('num_batches_tracked')).length,
    );

    const torchConv = parityTensor('layer2.0.conv1.weight', [128, 64, 3, 3]); // [O, I, kh, kw]
    const kernel = body.getLayer('layer2.0.conv1').getWeights()[0]!;
    expect(kernel.shape).toEqual([3, 3, 64, 128]);
    const hwio = kernel.arraySync() as number[][][][];
    for (const [o, i, y, x] of [
      [0, 0, 0, 0],
      [5, 17, 2, 1],
      [127, 63, 1, 2],
    ] as const) {
      expect(hwio[y]![x]![i]![o]).toBe(torchConv[((o * 64 + i) * 3 + y) * 3 + x]);
    }

    const [gamma, beta, mean, variance] = body
      .getLayer('layer3.1.bn2')
      .getWeights()
      .map((w) => w.dataSync());
    expect(gamma).toEqual(parityTensor('layer3.1.bn2.weight', [256]));
    expect(beta).toEqual(parityTensor('layer3.1.bn2.bias', [256]));
    expect(mean).toEqual(parityTensor('layer3.1.bn2.running_mean', [256]));
    expect(variance).toEqual(parityTensor('layer3.1.bn2.running_var', [256]));
  });

  it('transposes a linear weight [out, in] → [in, out]', () => {
    const model = createResNet({ depth: 18, inputShape: [32, 32, 3] });
    loadTorchWeights(model, readSafetensors(writeSafetensors(stateDict)));
    const fc = parityTensor('fc.weight', [1000, 512]);
    const kernel = model.getLayer('fc').getWeights()[0]!;
    expect(kernel.shape).toEqual([512, 1000]);
    const values = kernel.dataSync();
    expect(values[3 * 1000 + 7]).toBe(fc[7 * 512 + 3]);
    model.dispose();
  });

  it('names the tensor, its shape and the expected shape when a shape is wrong, and writes nothing', () => {
    const before = body.getLayer('conv1').getWeights()[0]!.dataSync().slice();
    const file = readSafetensors(
      writeSafetensors(replace('layer1.0.conv1.weight', [64, 64, 1, 1])),
    );
    expect(() => loadTorchWeights(body, file)).toThrow(WeightMappingError);
    expect(() => loadTorchWeights(body, file)).toThrow(
      'Weight "layer1.0.conv1.weight" has shape [64, 64, 1, 1] in the weight file, expected [64, 64, 3, 3] for layer "layer1.0.conv1".',
    );
    expect(body.getLayer('conv1').getWeights()[0]!.dataSync()).toEqual(before);
  });

  it('names a missing tensor and its expected shape', () => {
    const file = readSafetensors(
      writeSafetensors(stateDict.filter((t) => t.name !== 'layer4.0.downsample.1.running_var')),
    );
    expect(() => loadTorchWeights(body, file)).toThrow(
      /Weight "layer4\.0\.downsample\.1\.running_var" \(expected shape \[512\]\) is missing from the weight file/,
    );
  });

  it('accepts keys saved with a DataParallel "module." prefix', () => {
    const prefixed = stateDict.map((t) => ({ ...t, name: `module.${t.name}` }));
    expect(loadTorchWeights(body, readSafetensors(writeSafetensors(prefixed))).unused).toEqual([
      'fc.weight',
      'fc.bias',
    ]);
  });
});
