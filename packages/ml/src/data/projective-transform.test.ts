import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLIP_LR,
  IDENTITY,
  rotationMatrix,
  toPixelSpace,
  translation,
  zoomMatrix,
  type Mat3,
} from './matrix';
import { projectiveTransform, requiredMargin } from './projective-transform';

const N = 9;

/** An asymmetric N×N×2 image: channel 0 = 10·row + col, channel 1 = a checkerboard. */
function testImage(): number[][][] {
  return Array.from({ length: N }, (_, r) =>
    Array.from({ length: N }, (_, c) => [10 * r + c, (r + c) % 2]),
  );
}

async function run(img: number[][][][], ms: Mat3[], outSize = N): Promise<number[][][][]> {
  const x = tf.tensor4d(img);
  const y = projectiveTransform(x, ms, outSize);
  const out = (await y.array()) as number[][][][];
  tf.dispose([x, y]);
  return out;
}

function expectImage(actual: number[][][], expected: number[][][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) =>
    row.forEach((px, c) =>
      px.forEach((v, ch) => expect(Math.abs(v - expected[r]![c]![ch]!)).toBeLessThan(1e-3)),
    ),
  );
}

const pixel = (m: Mat3): Mat3 => toPixelSpace(m, N, N);

describe.each(['wasm', 'cpu'])('projectiveTransform on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('leaves the image unchanged under the identity', async () => {
    const src = testImage();
    expectImage((await run([src], [pixel(IDENTITY)]))[0]!, src);
  });

  it('flips a gradient and a checkerboard exactly', async () => {
    const src = testImage();
    const [out] = await run([src], [pixel(FLIP_LR)]);
    expectImage(
      out!,
      src.map((row) => [...row].reverse()),
    );
  });

  it('rotates by 90 degrees: out[r][c] = src[c][N-1-r]', async () => {
    const src = testImage();
    const [out] = await run([src], [pixel(rotationMatrix(90))]);
    expectImage(
      out!,
      src.map((_, r) => src.map((row) => row[N - 1 - r]!)),
    );
  });

  it('zooms with the centre fixed', async () => {
    const src = testImage();
    const [out] = await run([src], [pixel(zoomMatrix(2))]);
    // Centre (4, 4) stays; the corner (8, 8) samples source (6, 6); (0, 0) samples (2, 2).
    expect(out![4]![4]![0]).toBeCloseTo(44, 3);
    expect(out![8]![8]![0]).toBeCloseTo(66, 3);
    expect(out![0]![0]![0]).toBeCloseTo(22, 3);
    expect(out![1]![1]![0]).toBeCloseTo(27.5, 3); // halfway between (2, 2) and (3, 3)
  });

  it('reflects about the border pixel when sampling outside the image', async () => {
    const src = testImage();
    const [out] = await run([src], [translation(-3, 0)]); // out(x) = src(x - 3)
    // x - 3 = -3, -2, -1 mirror to 3, 2, 1 (fastai/grid_sample reflection).
    expect(out![0]!.slice(0, 5).map((px) => px[0])).toEqual([3, 2, 1, 0, 1]);
  });

  it('transforms every image of a batch with its own matrix', async () => {
    const src = testImage();
    const out = await run(
      [src, src, src],
      [pixel(IDENTITY), pixel(FLIP_LR), pixel(rotationMatrix(90))],
    );
    expectImage(out[0]!, src);
    expectImage(
      out[1]!,
      src.map((row) => [...row].reverse()),
    );
    expectImage(
      out[2]!,
      src.map((_, r) => src.map((row) => row[N - 1 - r]!)),
    );
  });

  it('resamples to a smaller output size', async () => {
    const src = testImage();
    const [out] = await run([src], [toPixelSpace(IDENTITY, 5, N)], 5);
    // Output pixel i of 5 samples source pixel 2i of 9.
    expect(out!.map((row) => row[0]![0])).toEqual([0, 20, 40, 60, 80]);
  });

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    await run([testImage(), testImage()], [pixel(rotationMatrix(30)), pixel(FLIP_LR)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('requiredMargin', () => {
  it('is zero when every sample is inside and grows with the reach', () => {
    expect(requiredMargin([toPixelSpace(IDENTITY, N, N)], N, N, N)).toBe(0);
    expect(requiredMargin([translation(-3, 0)], N, N, N)).toBe(4);
    // A 45° rotation reaches √2 times the half-size from the centre.
    const reach = 4 * Math.SQRT2 - 4;
    expect(requiredMargin([toPixelSpace(rotationMatrix(45), N, N)], N, N, N)).toBe(
      Math.ceil(reach) + 1,
    );
  });
});
