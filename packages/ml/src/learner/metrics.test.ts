import { describe, expect, it } from 'vitest';
import { gradient, suggestLrs } from './lr-finder';
import { accuracy, errorRate, topKAccuracy } from './metrics';
import { createSmoother } from './smoothen';

describe('metrics', () => {
  // 4 items, 3 classes; argmax rows: 0, 2, 1, 1; targets 0, 1, 1, 2.
  const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.25, 0.45, 0.3]);
  const targets = Int32Array.from([0, 1, 1, 2]);

  it('computes accuracy, error rate and top-k accuracy', () => {
    expect(accuracy.compute(probs, targets, 3)).toBe(0.5);
    expect(errorRate.compute(probs, targets, 3)).toBe(0.5);
    expect(topKAccuracy(2).compute(probs, targets, 3)).toBe(1);
    expect(topKAccuracy(3).name).toBe('top_3_accuracy');
    expect(errorRate.name).toBe('error_rate');
    expect(() => topKAccuracy(0)).toThrow(/positive integer/);
  });
});

describe('smoothed loss (fastai v1 SmoothenValue)', () => {
  it('is the debiased exponential moving average', () => {
    const s = createSmoother(0.98);
    expect(s.add(2)).toBeCloseTo(2, 12);
    // (0.98·0.02·2 + 0.02·4) / (1 − 0.98²)
    expect(s.add(4)).toBeCloseTo((0.98 * 0.02 * 2 + 0.02 * 4) / (1 - 0.98 ** 2), 12);
    const resumed = createSmoother(0.98, s.state());
    expect(resumed.add(1)).toBe(s.add(1));
  });
});

describe('lr finder suggestions (fastai v1 Recorder.plot)', () => {
  it('takes the gradient as numpy.gradient does', () => {
    expect(gradient([1, 2, 4, 7])).toEqual([1, 1.5, 2.5, 3]);
  });

  it('skips the first 10 and last 5 points, then picks the steepest fall and min/10', () => {
    const lrs = Array.from({ length: 30 }, (_, i) => 10 ** (-7 + i * 0.25));
    // Falls fastest between points 14 and 16 (index 15 of the full list), lowest at 22.
    const losses = lrs.map((_, i) =>
      i < 10 ? -100 : i === 15 ? 1 : i <= 22 ? 2 - 0.01 * i : 5 + i,
    );
    losses[14] = 3;
    losses[16] = 0.5;
    const s = suggestLrs(lrs, losses)!;
    expect(s.steepest).toBe(lrs[15]);
    expect(s.minDiv10).toBe(lrs[16]! / 10);
    expect(suggestLrs(lrs.slice(0, 16), losses.slice(0, 16))).toBeNull();
  });
});
