import { describe, expect, it } from 'vitest';
import { mcnemarExact, pairErrors, wilsonInterval } from './paired-errors';

describe('wilsonInterval', () => {
  it('matches the textbook intervals', () => {
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    // z² / (n + z²) when nothing is wrong.
    expect(hi0).toBeCloseTo(3.841459 / 13.841459, 6);
    const [lo, hi] = wilsonInterval(5, 10);
    expect(lo).toBeCloseTo(0.2366, 4);
    expect(hi).toBeCloseTo(0.7634, 4);
  });

  it('narrows as the validation set grows and always holds the rate', () => {
    const [lo1, hi1] = wilsonInterval(23, 412);
    const [lo2, hi2] = wilsonInterval(230, 4120);
    expect(lo1).toBeLessThan(23 / 412);
    expect(hi1).toBeGreaterThan(23 / 412);
    expect(hi2 - lo2).toBeLessThan((hi1 - lo1) / 3);
  });
});

describe('mcnemarExact', () => {
  it('is twice the binomial tail', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(5, 0)).toBeCloseTo(2 / 32, 12);
    // 2 · (C(12,0) + C(12,1) + C(12,2) + C(12,3)) / 2¹² = 2 · 299 / 4096
    expect(mcnemarExact(3, 9)).toBeCloseTo(598 / 4096, 12);
    expect(mcnemarExact(9, 3)).toBeCloseTo(598 / 4096, 12);
    expect(mcnemarExact(10, 10)).toBe(1);
  });

  it('stays finite and tiny for thousands of one-sided disagreements', () => {
    const p = mcnemarExact(2000, 100);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(1e-100);
  });
});

describe('pairErrors', () => {
  const first = { fileIds: ['a', 'b', 'c', 'd'], targets: [0, 1, 1, 0], preds: [0, 0, 1, 1] };

  it('counts the images only one model gets wrong, whatever order each listed them in', () => {
    const second = { fileIds: ['d', 'c', 'b', 'a'], targets: [0, 1, 1, 0], preds: [0, 0, 0, 0] };
    // first wrong on b, d; second wrong on c, b.
    expect(pairErrors(first, second)).toEqual({
      images: 4,
      onlyFirstWrong: 1,
      onlySecondWrong: 1,
      p: 1,
    });
  });

  it('refuses to pair models judged on other images or other labels', () => {
    expect(pairErrors(first, { ...first, fileIds: ['a', 'b', 'c', 'e'] })).toBeNull();
    expect(pairErrors(first, { ...first, fileIds: ['a', 'b'] })).toBeNull();
    expect(pairErrors(first, { ...first, targets: [0, 1, 1, 1] })).toBeNull();
    expect(pairErrors({ fileIds: [], targets: [], preds: [] }, first)).toBeNull();
  });
});
