import { describe, expect, it } from 'vitest';
import { describeLr, geomspace, lrRange, slice } from './lr-range';
import {
  annealCos,
  annealExp,
  annealLinear,
  annealNo,
  oneCyclePhases,
  scheduleAt,
} from './schedules';

/** Relative closeness for values spanning many orders of magnitude. */
const expectRel = (actual: number, expected: number, tol = 1e-12) =>
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tol);

describe('annealing functions (fastai v1 callback.py)', () => {
  it('give the hand-computed values', () => {
    expect(annealNo(3, 7, 0.6)).toBe(3);
    expect(annealLinear(1, 3, 0.25)).toBe(1.5);
    expect(annealCos(2, 1, 0)).toBe(2);
    expect(annealCos(2, 1, 1)).toBe(1);
    // 1 + (2 − 1)/2 · (cos(π/4) + 1)
    expect(annealCos(2, 1, 0.25)).toBeCloseTo(1.8535533905932737, 15);
    expect(annealCos(1, 0, 0.5)).toBeCloseTo(0.5, 15);
    // 1e-7 · (10 / 1e-7)^0.5 = 1e-7 · 1e4
    expectRel(annealExp(1e-7, 10, 0.5), 1e-3);
    expectRel(annealExp(1e-7, 10, 0), 1e-7);
    expectRel(annealExp(2, 8, 1 / 3), 2 * 4 ** (1 / 3));
  });
});

describe('one-cycle (fastai v1 OneCycleScheduler)', () => {
  // 10 iterations: a1 = int(10 · 0.3) = 3 warm-up, 7 annealing; max 1 → start 1/25, final 1/250000.
  const { lr, mom } = oneCyclePhases(1, 10);
  const final = 1 / 250000;

  it('warms the lr up from max/25 to max with a cosine, then anneals to max/(25·1e4)', () => {
    expect(scheduleAt(lr, 0)).toBeCloseTo(0.04, 15);
    // 1 + (0.04 − 1)/2 · (cos(π/3) + 1) = 1 − 0.48 · 1.5
    expect(scheduleAt(lr, 1)).toBeCloseTo(0.28, 15);
    expect(scheduleAt(lr, 2)).toBeCloseTo(0.76, 15);
    expect(scheduleAt(lr, 3)).toBe(1);
    // final + (1 − final)/2 · (cos(6π/7) + 1)
    expect(scheduleAt(lr, 9)).toBeCloseTo(0.049519367986526286, 15);
    expect(scheduleAt(lr, 10)).toBe(final);
  });

  it('moves the momentum 0.95 → 0.85 → 0.95 in the opposite direction', () => {
    expect(scheduleAt(mom, 0)).toBeCloseTo(0.95, 15);
    expect(scheduleAt(mom, 1)).toBeCloseTo(0.925, 15);
    expect(scheduleAt(mom, 3)).toBe(0.85);
    expect(scheduleAt(mom, 9)).toBeCloseTo(0.945048443395121, 15);
  });

  it('honours pctStart, divFactor, finalDiv and moms', () => {
    const custom = oneCyclePhases(2, 8, {
      pctStart: 0.5,
      divFactor: 10,
      finalDiv: 100,
      moms: [0.9, 0.8],
    });
    expect(custom.lr.map((p) => [p.iterations, p.start, p.end])).toEqual([
      [4, 0.2, 2],
      [4, 2, 0.02],
    ]);
    expect(custom.mom.map((p) => [p.start, p.end])).toEqual([
      [0.9, 0.8],
      [0.8, 0.9],
    ]);
  });

  it('skips an empty warm-up phase', () => {
    const tiny = oneCyclePhases(1, 2); // int(2 · 0.3) = 0 warm-up iterations
    expect(scheduleAt(tiny.lr, 0)).toBe(1);
    expect(scheduleAt(tiny.lr, 1)).toBeCloseTo(final + (1 - final) / 2, 15);
  });
});

describe('lrRange (fastai v1 Learner.lr_range)', () => {
  it('gives a number to every group', () => {
    expect(lrRange(3e-3, 3)).toEqual([3e-3, 3e-3, 3e-3]);
  });

  it('gives slice(b) as b/10 for the earlier groups and b for the head', () => {
    expect(lrRange(slice(3e-3), 3)).toEqual([3e-3 / 10, 3e-3 / 10, 3e-3]);
  });

  it('spreads slice(a, b) geometrically, ends exact (numpy.geomspace)', () => {
    const three = lrRange(slice(1e-5, 1e-3), 3);
    expect(three[0]).toBe(1e-5);
    expectRel(three[1]!, 1e-4);
    expect(three[2]).toBe(1e-3);
    const four = lrRange(slice(1e-6, 1e-3), 4);
    [1e-6, 1e-5, 1e-4, 1e-3].forEach((v, i) => expectRel(four[i]!, v));
    expect(geomspace(2, 2, 3)).toEqual([2, 2, 2]);
    expect(geomspace(4, 9, 1)).toEqual([4]);
  });

  it('takes one rate per group and rejects nonsense', () => {
    expect(lrRange([1, 2, 3], 3)).toEqual([1, 2, 3]);
    expect(() => lrRange([1, 2], 3)).toThrow(/one learning rate per layer group \(3\)/);
    expect(() => lrRange(-1, 2)).toThrow(/finite and >= 0/);
    expect(describeLr(slice(1e-5, 1e-3))).toBe('slice(0.00001, 0.001)');
    expect(describeLr(slice(3e-3))).toBe('slice(0.003)');
  });
});
