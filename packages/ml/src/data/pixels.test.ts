import { describe, expect, it } from 'vitest';
import {
  capLongSide,
  cropOffset,
  cropPixels,
  reflectIndex,
  reflectPadToSquare,
  type Pixels,
} from './pixels';

/** A w×h image whose red channel is the column, green the row, blue 7. */
function coords(width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  }
  return { data, width, height };
}

const at = (p: Pixels, x: number, y: number): number[] =>
  Array.from(p.data.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3));

describe('pixels', () => {
  it('computes fastai crop offsets: centre at 0.5, every position over [0, 1)', () => {
    expect(cropOffset(10, 6, 0.5)).toBe(2);
    expect(cropOffset(10, 6, 0)).toBe(0);
    expect(cropOffset(10, 6, 0.9999)).toBe(4);
    expect(new Set(Array.from({ length: 100 }, (_, i) => cropOffset(10, 6, i / 100)))).toEqual(
      new Set([0, 1, 2, 3, 4]),
    );
    expect(cropOffset(6, 6, 0.7)).toBe(0);
  });

  it('crops the requested rectangle', () => {
    const c = cropPixels(coords(8, 5), 3, 1, 4, 2);
    expect([c.width, c.height]).toEqual([4, 2]);
    expect(at(c, 0, 0)).toEqual([3, 1, 7]);
    expect(at(c, 3, 1)).toEqual([6, 2, 7]);
    expect(() => cropPixels(coords(8, 5), 6, 0, 4, 2)).toThrow(/does not fit/);
  });

  it('caps the long side with a centre crop', () => {
    const c = capLongSide(coords(30, 10), 20);
    expect([c.width, c.height]).toEqual([20, 10]);
    expect(at(c, 0, 0)).toEqual([5, 0, 7]);
  });

  it('reflects without repeating the edge, also past one period', () => {
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4))).toEqual([
      3, 2, 1, 0, 1, 2, 3, 2, 1, 0,
    ]);
    expect(reflectIndex(-5, 1)).toBe(0);
  });

  it('reflection-pads to a square, mirroring the border', () => {
    const p = reflectPadToSquare(coords(6, 3), 6);
    // Rows: 1 padded above, 2 below: source rows [1 | 0 1 2 | 1 0].
    expect([0, 1, 2, 3, 4, 5].map((y) => at(p, 2, y)[1])).toEqual([1, 0, 1, 2, 1, 0]);
    expect([0, 1, 2, 3, 4, 5].map((x) => at(p, x, 0)[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
