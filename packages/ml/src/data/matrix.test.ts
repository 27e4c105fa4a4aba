import { describe, expect, it } from 'vitest';
import {
  FLIP_LR,
  IDENTITY,
  applyToPoint,
  compose,
  dihedralMatrix,
  homography,
  rotationMatrix,
  symmetricWarpMatrix,
  toPixelSpace,
  zoomMatrix,
  type Point,
} from './matrix';

function expectPoint(actual: Point, expected: Point): void {
  expect(actual[0]).toBeCloseTo(expected[0], 10);
  expect(actual[1]).toBeCloseTo(expected[1], 10);
}

describe('matrix', () => {
  it('rotates by 90 degrees: output (x, y) samples source (-y, x)', () => {
    const r = rotationMatrix(90);
    expectPoint(applyToPoint(r, [1, 0]), [0, 1]);
    expectPoint(applyToPoint(r, [0.5, -0.25]), [0.25, 0.5]);
  });

  it('zooms about the centre by default and keeps the centre fixed', () => {
    const z = zoomMatrix(2);
    expectPoint(applyToPoint(z, [0, 0]), [0, 0]);
    expectPoint(applyToPoint(z, [1, 1]), [0.5, 0.5]);
  });

  it('zooms towards the focal point: colPct 1 keeps the right edge in view', () => {
    const z = zoomMatrix(2, 0.5, 1);
    expectPoint(applyToPoint(z, [1, 0]), [1, 0]);
    expectPoint(applyToPoint(z, [-1, 0]), [0, 0]);
  });

  it('flips x only', () => {
    expectPoint(applyToPoint(FLIP_LR, [0.3, 0.7]), [-0.3, 0.7]);
  });

  it('builds the 8 dihedral symmetries', () => {
    expect(dihedralMatrix(0)).toEqual(IDENTITY);
    const images = new Set<string>();
    for (let k = 0; k < 8; k++) images.add(applyToPoint(dihedralMatrix(k), [0.2, 0.9]).join(','));
    expect(images.size).toBe(8);
  });

  it('solves a homography through four point pairs', () => {
    const from: Point[] = [
      [-1, -1],
      [-1, 1],
      [1, -1],
      [1, 1],
    ];
    const to: Point[] = [
      [-0.9, -1.1],
      [-1.2, 0.8],
      [1.1, -0.7],
      [0.95, 1.05],
    ];
    const h = homography(from, to);
    from.forEach((p, i) => expectPoint(applyToPoint(h, p), to[i]!));
  });

  it('warps so that the target corners sample the original corners', () => {
    const w = symmetricWarpMatrix([0.1, -0.2, 0.05, 0.15]);
    // fastai v1 _symmetric_warp targets: [-1-m3,-1-m1] → [-1,-1], etc.
    expectPoint(applyToPoint(w, [-1.15, -0.8]), [-1, -1]);
    expectPoint(applyToPoint(w, [-1.05, 0.8]), [-1, 1]);
    expectPoint(applyToPoint(w, [1.15, -1.1]), [1, -1]);
    expectPoint(applyToPoint(w, [1.05, 1.1]), [1, 1]);
    expect(symmetricWarpMatrix([0, 0, 0, 0]).map((v) => Math.round(v * 1e12) / 1e12 + 0)).toEqual([
      ...IDENTITY,
    ]);
  });

  it('maps pixel indices exactly in pixel space', () => {
    const p = toPixelSpace(FLIP_LR, 5, 5);
    expectPoint(applyToPoint(p, [0, 2]), [4, 2]);
    expectPoint(applyToPoint(p, [1, 3]), [3, 3]);
    // A 9-pixel output over a 17-pixel source: pixel 8 of 9 is the last source pixel.
    expectPoint(applyToPoint(toPixelSpace(IDENTITY, 9, 17), [8, 0]), [16, 0]);
  });

  it('composes right to left', () => {
    const m = compose(rotationMatrix(90), FLIP_LR);
    // flip first: (1, 0) → (-1, 0); then rotate: (-1, 0) → (0, -1)
    expectPoint(applyToPoint(m, [1, 0]), [0, -1]);
  });
});
