import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import stateDicts from './golden/torchvision-state-dict.json';
import { createResNet, resnetFeatureChannels } from './resnet';
import { expectedTorchTensors } from './torch-weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each([18, 34, 50] as const)('resnet%i', (depth) => {
  it("has exactly torchvision's state-dict keys and shapes (golden from make_golden.py)", () => {
    const model = createResNet({ depth });
    const ours = expectedTorchTensors(model).map((s) => `${s.key} [${s.torchShape.join(',')}]`);
    const torchvision = (stateDicts.keys[`resnet${depth}`] as Array<[string, number[]]>)
      .filter(([key]) => !key.endsWith('num_batches_tracked'))
      .map(([key, shape]) => `${key} [${shape.join(',')}]`);
    expect(ours.sort()).toEqual(torchvision.sort());
    model.dispose();
  });

  it('as a body ends after layer4, before avgpool and fc', () => {
    const body = createResNet({ depth, includeTop: false });
    expect(body.outputs[0]!.shape).toEqual([null, 7, 7, resnetFeatureChannels(depth)]);
    expect(body.layers.at(-1)!.name).toBe(
      `layer4.${depth === 18 ? 1 : 2}.relu${depth === 50 ? 3 : 2}`,
    );
    expect(body.layers.some((l) => l.name === 'fc' || l.name === 'avgpool')).toBe(false);
    body.dispose();
  });
});

describe('createResNet', () => {
  it('sizes feature maps like PyTorch on odd inputs (explicit symmetric padding)', () => {
    // PyTorch: 67 → conv1 (k7 s2 p3) 34 → maxpool (k3 s2 p1) 17 → layer2 9 → layer3 5 → layer4 3.
    const body = createResNet({ depth: 18, includeTop: false, inputShape: [67, 67, 3] });
    expect(body.getLayer('conv1').outputShape).toEqual([null, 34, 34, 64]);
    expect(body.getLayer('maxpool').outputShape).toEqual([null, 17, 17, 64]);
    expect(body.outputs[0]!.shape).toEqual([null, 3, 3, 512]);
    body.dispose();
  });

  it('uses PyTorch BatchNorm settings and bias-free convs, and a logits head', () => {
    const model = createResNet({ depth: 18, numClasses: 10 });
    const bn = model.getLayer('layer1.0.bn1').getConfig();
    expect([bn.epsilon, bn.momentum]).toEqual([1e-5, 0.9]);
    expect(model.getLayer('layer1.0.conv1').getConfig().useBias).toBe(false);
    expect(model.getLayer('fc').getConfig().activation).toBe('linear');
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    model.dispose();
  });
});
