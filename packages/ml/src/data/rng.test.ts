import { describe, expect, it } from 'vitest';
import {
  createRng,
  logUniform,
  mixSeeds,
  mulberry32,
  randomBool,
  shuffledIndices,
  uniform,
} from './rng';

describe('rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const c = mulberry32(2);
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
  });

  it('mixes seed parts order-sensitively', () => {
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
    expect(mixSeeds(7, 0)).not.toBe(mixSeeds(7, 1));
    expect(mixSeeds(7, 3)).toBe(mixSeeds(7, 3));
  });

  it('draws uniform values within range with the right mean', () => {
    const rng = createRng(3);
    let sum = 0;
    for (let i = 0; i < 5000; i++) {
      const v = uniform(rng, -10, 10);
      expect(v).toBeGreaterThanOrEqual(-10);
      expect(v).toBeLessThan(10);
      sum += v;
    }
    expect(Math.abs(sum / 5000)).toBeLessThan(0.3);
  });

  it('draws log-uniform values symmetric in log space', () => {
    const rng = createRng(4);
    let sumLog = 0;
    for (let i = 0; i < 5000; i++) {
      const v = logUniform(rng, 0.8, 1.25);
      expect(v).toBeGreaterThanOrEqual(0.8);
      expect(v).toBeLessThanOrEqual(1.25);
      sumLog += Math.log(v);
    }
    // log(0.8) = -log(1.25), so the mean of the logs is 0.
    expect(Math.abs(sumLog / 5000)).toBeLessThan(0.01);
  });

  it('respects a probability over many draws', () => {
    const rng = createRng(5);
    let hits = 0;
    for (let i = 0; i < 4000; i++) if (randomBool(rng, 0.3)) hits++;
    expect(hits / 4000).toBeCloseTo(0.3, 1);
  });

  it('shuffles into a permutation', () => {
    const order = shuffledIndices(50, createRng(6));
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
