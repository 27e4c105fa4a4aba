import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AUGMENT,
  NO_AUGMENT,
  drawImageAugment,
  resolveAugment,
  type ImageAugment,
} from './augment';
import { IDENTITY, rotationMatrix, toPixelSpace } from './matrix';
import type { Pixels } from './pixels';
import { createRng, uniform } from './rng';
import { applyLighting } from './lighting';
import { normalizeBatch, type NormalizeSpec } from './normalize';
import { projectiveTransform } from './projective-transform';
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

/** Copies equally sized square images into one [n, side, side, 3] float32 tensor. */
function stackSquares(images: readonly Pixels[]): tf.Tensor4D {
  const side = images[0]!.width;
  const data = new Float32Array(images.length * side * side * 3);
  images.forEach((img, i) => {
    data.set(img.data, i * side * side * 3);
  });
  return tf.tensor4d(data, [images.length, side, side, 3]);
}

/** buildTrainBatch as tensor ops: the reference its single pass is tested against. */
function buildTrainBatchOps(
  images: readonly Pixels[],
  draws: readonly ImageAugment[],
  size: number,
  normalize: NormalizeSpec,
): tf.Tensor4D {
  const windows = images.map((img, i) => cropWindow(img, draws[i]!));
  const matrices = draws.map((d) => toPixelSpace(d.matrix, size, windows[0]!.width));
  const hasLighting = draws.some((d) => d.brightness !== null || d.contrast !== null);
  return tf.tidy(() => {
    const source = stackSquares(windows);
    const x01 = tf.mul(projectiveTransform(source, matrices, size), 1 / 255) as tf.Tensor4D;
    const lit = hasLighting
      ? applyLighting(
          x01,
          draws.map((d) => d.brightness ?? 0.5),
          draws.map((d) => d.contrast ?? 1),
        )
      : x01;
    return normalizeBatch(lit, normalize);
  });
}

/** A photo-like image: smooth gradients with a few sharp edges and noise. */
function photo(width: number, height: number, seed: number): Pixels {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const edge = (x + 2 * y) % 37 < 18 ? 60 : 0;
      for (let c = 0; c < 3; c++) {
        const v = 100 + 80 * Math.sin((x * (c + 1)) / 17 + y / 11) + edge + uniform(rng, 0, 20);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  return { data, width, height };
}

describe('buildTrainBatch in one pass', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([
    ['every default augmentation', DEFAULT_AUGMENT],
    ['no augmentation', NO_AUGMENT],
    [
      'strong warps and lighting',
      { ...DEFAULT_AUGMENT, maxWarp: 0.4, maxRotate: 30, maxLighting: 0.5 },
    ],
  ])('gives what the tensor ops give, with %s', async (_, augment) => {
    const options = resolveAugment(augment);
    const rng = createRng(5);
    const images = Array.from({ length: 6 }, (_, i) =>
      i % 2 ? photo(30, 36 + i, i) : photo(37 + i * 3, 30, i),
    );
    const draws = images.map(() => drawImageAugment(rng, options));
    const imagenet = { kind: 'imagenet' } as const;
    const fused = buildTrainBatch(images, draws, 24, imagenet);
    const ops = buildTrainBatchOps(images, draws, 24, imagenet);
    const [a, b] = [await fused.data(), await ops.data()];
    tf.dispose([fused, ops]);
    expect(fused.shape).toEqual([6, 24, 24, 3]);
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      worst = Math.max(worst, d);
      sum += d;
    }
    // float32 coordinates (wasm) against float64 ones: the values differ by about 1e-5.
    expect(worst).toBeLessThan(1e-4);
    expect(sum / a.length).toBeLessThan(1e-5);
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
