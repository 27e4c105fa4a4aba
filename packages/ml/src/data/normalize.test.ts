import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { denormalizeBatch, normalizeBatch, type NormalizeSpec } from './normalize';

async function normalizeOne(rgb: [number, number, number], spec: NormalizeSpec): Promise<number[]> {
  const x = tf.tensor4d(rgb, [1, 1, 1, 3]);
  const y = normalizeBatch(x, spec);
  const back = denormalizeBatch(y, spec);
  const [out, roundTrip] = [Array.from(await y.data()), Array.from(await back.data())];
  tf.dispose([x, y, back]);
  roundTrip.forEach((v, i) => expect(v).toBeCloseTo(rgb[i]!, 5));
  return out;
}

describe('normalize', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('uses ImageNet mean and std', async () => {
    const out = await normalizeOne([0.485, 0.456 + 0.224, 1], { kind: 'imagenet' });
    expect(out[0]).toBeCloseTo(0, 5);
    expect(out[1]).toBeCloseTo(1, 5);
    expect(out[2]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  it('scales to a backbone range', async () => {
    expect(await normalizeOne([0, 0.5, 1], { kind: 'scale', min: -1, max: 1 })).toEqual([-1, 0, 1]);
    expect(await normalizeOne([0, 0.25, 1], { kind: 'scale', min: 0, max: 1 })).toEqual([
      0, 0.25, 1,
    ]);
  });

  it('rejects an empty range', () => {
    const x = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    expect(() => normalizeBatch(x, { kind: 'scale', min: 1, max: 1 })).toThrow(
      /max must exceed min/,
    );
    x.dispose();
  });
});
