import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AUGMENT,
  NO_AUGMENT,
  drawImageAugment,
  resolveAugment,
  type ImageAugment,
} from './augment';
import { IDENTITY } from './matrix';
import { createRng } from './rng';

function draws(n: number, seed = 1, options = DEFAULT_AUGMENT): ImageAugment[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => drawImageAugment(rng, options));
}

function rate(ds: ImageAugment[], fired: (d: ImageAugment) => boolean): number {
  return ds.filter(fired).length / ds.length;
}

describe('drawImageAugment with fastai defaults', () => {
  const ds = draws(2000);
  // 3 standard deviations of a binomial proportion over 2000 draws is ≤ 0.034.
  const tolerance = 0.035;

  it('flips with p = 0.5', () => {
    expect(Math.abs(rate(ds, (d) => d.isFlipped) - 0.5)).toBeLessThan(tolerance);
  });

  it('fires rotate, zoom and warp each with p = 0.75', () => {
    expect(Math.abs(rate(ds, (d) => d.rotateDegrees !== null) - 0.75)).toBeLessThan(tolerance);
    expect(Math.abs(rate(ds, (d) => d.zoom !== null) - 0.75)).toBeLessThan(tolerance);
    expect(Math.abs(rate(ds, (d) => d.warp !== null) - 0.75)).toBeLessThan(tolerance);
  });

  it('fires brightness and contrast each with p = 0.75', () => {
    expect(Math.abs(rate(ds, (d) => d.brightness !== null) - 0.75)).toBeLessThan(tolerance);
    expect(Math.abs(rate(ds, (d) => d.contrast !== null) - 0.75)).toBeLessThan(tolerance);
  });

  it('draws every parameter inside its fastai range', () => {
    for (const d of ds) {
      if (d.rotateDegrees !== null) expect(Math.abs(d.rotateDegrees)).toBeLessThanOrEqual(10);
      if (d.zoom) {
        expect(d.zoom.scale).toBeGreaterThanOrEqual(1);
        expect(d.zoom.scale).toBeLessThanOrEqual(1.1);
      }
      if (d.warp) for (const m of d.warp) expect(Math.abs(m)).toBeLessThanOrEqual(0.2);
      if (d.brightness !== null) {
        expect(d.brightness).toBeGreaterThanOrEqual(0.4);
        expect(d.brightness).toBeLessThanOrEqual(0.6);
      }
      if (d.contrast !== null) {
        expect(d.contrast).toBeGreaterThanOrEqual(0.8);
        expect(d.contrast).toBeLessThanOrEqual(1.25);
      }
      expect(d.cropRowPct).toBeGreaterThanOrEqual(0);
      expect(d.cropRowPct).toBeLessThan(1);
    }
  });

  it('spreads rotation across the whole range', () => {
    const degrees = ds.flatMap((d) => (d.rotateDegrees === null ? [] : [d.rotateDegrees]));
    expect(Math.min(...degrees)).toBeLessThan(-9.5);
    expect(Math.max(...degrees)).toBeGreaterThan(9.5);
  });

  it('is reproducible per seed', () => {
    expect(draws(20, 9)).toEqual(draws(20, 9));
    expect(draws(20, 9)).not.toEqual(draws(20, 10));
  });
});

describe('augment options', () => {
  it('with augment off draws a centre crop and the identity', () => {
    for (const d of draws(50, 2, NO_AUGMENT)) {
      expect(d.matrix).toEqual(IDENTITY);
      expect([d.cropRowPct, d.cropColPct]).toEqual([0.5, 0.5]);
      expect(d.brightness).toBeNull();
      expect(d.contrast).toBeNull();
    }
  });

  it('uses dihedral symmetries instead of flips with flipVert', () => {
    const ds = draws(400, 3, resolveAugment({ flipVert: true }));
    expect(ds.every((d) => !d.isFlipped && d.dihedral !== null)).toBe(true);
    expect(new Set(ds.map((d) => d.dihedral)).size).toBe(8);
  });

  it('merges partial overrides onto the defaults and rejects nonsense', () => {
    expect(resolveAugment({ maxRotate: 30 })).toEqual({ ...DEFAULT_AUGMENT, maxRotate: 30 });
    expect(resolveAugment(true)).toBe(DEFAULT_AUGMENT);
    expect(resolveAugment({ maxRotate: undefined })).toEqual(DEFAULT_AUGMENT);
    expect(() => resolveAugment({ maxZoom: 0.5 })).toThrow(/maxZoom must be >= 1/);
  });

  it('keeps other draws stable when one transform is switched off', () => {
    const on = draws(30, 4);
    const noWarp = draws(30, 4, resolveAugment({ maxWarp: 0 }));
    expect(noWarp.map((d) => d.rotateDegrees)).toEqual(on.map((d) => d.rotateDegrees));
    expect(noWarp.every((d) => d.warp === null)).toBe(true);
  });
});
