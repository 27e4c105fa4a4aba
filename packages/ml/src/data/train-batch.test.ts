import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_AUGMENT, drawImageAugment, resolveAugment, type ImageAugment } from './augment';
import { IDENTITY, rotationMatrix } from './matrix';
import type { Pixels } from './pixels';
import { createRng } from './rng';
import { buildEvalBatch, buildTrainBatch, cropWindow } from './train-batch';

/** Red = column, green = row (scaled ×20), blue 0. */
function ramp(width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([x * 20, y * 20, 0], (y * width + x) * 3);
  return { data, width, height };
}

const plain = (over: Partial<ImageAugment> = {}): ImageAugment => ({
  cropRowPct: 0.5,
  cropColPct: 0.5,
  isFlipped: false,
  dihedral: null,
  warp: null,
  rotateDegrees: null,
  zoom: null,
  brightness: null,
  contrast: null,
  matrix: IDENTITY,
  ...over,
});

const unit = { kind: 'scale', min: 0, max: 1 } as const;

describe('cropWindow', () => {
  it('takes a short-side square at the drawn position along the long side', () => {
    const img = ramp(10, 6);
    const at = (pct: number): number => cropWindow(img, plain({ cropColPct: pct })).data[0]! / 20;
    expect([at(0), at(0.5), at(0.999)]).toEqual([0, 2, 4]);
    const tall = cropWindow(ramp(6, 10), plain({ cropRowPct: 0.25 }));
    expect([tall.width, tall.height, tall.data[1]! / 20]).toEqual([6, 6, 1]);
  });
});

describe('buildTrainBatch', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('with flips only, each image is the centre crop or its exact mirror', async () => {
    const options = resolveAugment({ ...NO_AUGMENT, doFlip: true });
    const rng = createRng(11);
    const draws = Array.from({ length: 8 }, () => drawImageAugment(rng, options));
    expect(new Set(draws.map((d) => d.isFlipped)).size).toBe(2);
    const x = buildTrainBatch(
      Array.from({ length: 8 }, () => ramp(9, 6)),
      draws,
      6,
      unit,
    );
    const out = (await x.array()) as number[][][][];
    x.dispose();
    draws.forEach((d, i) => {
      const red = out[i]![0]!.map((px) => Math.round(px[0]! * 255) / 20);
      expect(red).toEqual(d.isFlipped ? [7, 6, 5, 4, 3, 2] : [2, 3, 4, 5, 6, 7]);
    });
  });

  it('scales the cached window to the output size and applies lighting and normalisation', async () => {
    const x = buildTrainBatch([ramp(11, 11)], [plain({ brightness: 0.6, contrast: 1 })], 6, {
      kind: 'scale',
      min: -1,
      max: 1,
    });
    const v = (await x.array()) as number[][][][];
    x.dispose();
    // Output pixel 1 of 6 samples source 2 of 11: red 40/255, then brightness 0.6, then ×2−1.
    const p = 40 / 255;
    const bright = 1 / (1 + ((1 - p) / p) * (0.4 / 0.6));
    expect(v[0]![0]![1]![0]).toBeCloseTo(2 * bright - 1, 4);
  });

  it('rotates through the fused matrix and keeps the tensor count', async () => {
    const before = tf.memory().numTensors;
    const x = buildTrainBatch([ramp(5, 5)], [plain({ matrix: rotationMatrix(90) })], 5, unit);
    const v = (await x.array()) as number[][][][];
    x.dispose();
    // out[r][c] = src[c][4 - r]: red (column) of out[0][c] is 4, green (row) is c.
    expect(v[0]![0]!.map((px) => Math.round((px[0]! * 255) / 20))).toEqual([4, 4, 4, 4, 4]);
    expect(v[0]![0]!.map((px) => Math.round((px[1]! * 255) / 20))).toEqual([0, 1, 2, 3, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildEvalBatch', () => {
  it('normalises cached squares without resampling', async () => {
    const x = buildEvalBatch([ramp(4, 4)], { kind: 'imagenet' });
    const v = (await x.array()) as number[][][][];
    x.dispose();
    expect(v[0]![1]![2]![0]).toBeCloseTo((40 / 255 - 0.485) / 0.229, 5);
  });
});
