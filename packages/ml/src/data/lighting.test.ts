import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLighting, brightness, contrast, lighting, logit, sigmoid } from './lighting';

describe('fastai v1 lighting formulas', () => {
  it('shifts brightness in logit space', () => {
    // odds(0.25) = 1/3, odds(0.6) = 3/2 → odds 1/2 → 1/3.
    expect(brightness(0.25, 0.6)).toBeCloseTo(1 / 3, 12);
    expect(brightness(0.5, 0.4)).toBeCloseTo(0.4, 12);
    expect(brightness(0.73, 0.5)).toBeCloseTo(0.73, 12);
  });

  it('scales contrast in logit space around 0.5', () => {
    // odds(0.25)^2 = 1/9 → 0.1; odds(0.8)^0.5 = 2 → 2/3.
    expect(contrast(0.25, 2)).toBeCloseTo(0.1, 12);
    expect(contrast(0.8, 0.5)).toBeCloseTo(2 / 3, 12);
    expect(contrast(0.5, 1.25)).toBeCloseTo(0.5, 12);
  });

  it('applies brightness before contrast', () => {
    // (logit(0.25) + logit(0.6)) * 2 = 2·log(1/2) → odds 1/4 → 0.2.
    expect(lighting(0.25, 0.6, 2)).toBeCloseTo(0.2, 12);
    expect(lighting(0.25, 0.6, 2)).not.toBeCloseTo(brightness(contrast(0.25, 2), 0.6), 3);
    expect(sigmoid(logit(0.3))).toBeCloseTo(0.3, 12);
  });
});

describe('applyLighting', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('matches the scalar formula per image, including black and white pixels', async () => {
    const x = tf.tensor4d([0.25, 0.8, 0, 1, 0.25, 0.8, 0, 1], [2, 1, 2, 2]);
    const y = applyLighting(x, [0.6, 0.5], [2, 0.5]);
    const v = Array.from(await y.data());
    tf.dispose([x, y]);
    expect(v[0]).toBeCloseTo(0.2, 5);
    expect(v[1]).toBeCloseTo(lighting(0.8, 0.6, 2), 5);
    expect(v[2]).toBeCloseTo(0, 5);
    expect(v[3]).toBeCloseTo(1, 5);
    expect(v[4]).toBeCloseTo(contrast(0.25, 0.5), 5);
    expect(v[5]).toBeCloseTo(2 / 3, 5);
    expect(v.every(Number.isFinite)).toBe(true);
  });
});
