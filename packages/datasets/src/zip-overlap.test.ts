import { describe, expect, it } from 'vitest';
import { ZipOverlapGuard } from './zip-overlap';

const overlaps = (spans: Array<[offset: number, compressedSize: number]>): boolean => {
  const guard = new ZipOverlapGuard();
  try {
    spans.forEach(([offset, size], i) => guard.check(offset, size, `e${i}`));
    return false;
  } catch {
    return true;
  }
};

describe('ZipOverlapGuard', () => {
  it('accepts entries that follow each other, in any order', () => {
    // Each entry occupies at least 30 header bytes plus its compressed data.
    expect(
      overlaps([
        [0, 100],
        [130, 50],
        [210, 0],
        [240, 10],
      ]),
    ).toBe(false);
    expect(
      overlaps([
        [240, 10],
        [0, 100],
        [210, 0],
        [130, 50],
      ]),
    ).toBe(false);
  });

  it('refuses entries that share a header or whose data covers another header', () => {
    expect(
      overlaps([
        [0, 100],
        [0, 100],
      ]),
    ).toBe(true);
    // Fifield's quoted overlap: the second header lies inside the first entry's data.
    expect(
      overlaps([
        [0, 1000],
        [60, 900],
      ]),
    ).toBe(true);
    expect(
      overlaps([
        [500, 10],
        [0, 1000],
      ]),
    ).toBe(true);
    expect(
      overlaps([
        [0, 10],
        [1000, 10],
        [30, 1000],
      ]),
    ).toBe(true);
  });

  it('names both entries in the error', () => {
    const guard = new ZipOverlapGuard();
    guard.check(0, 100, 'a.jpg');
    expect(() => guard.check(50, 10, 'b.jpg')).toThrow(
      /the zip entries "a\.jpg" and "b\.jpg" share the same bytes/,
    );
  });

  it('checks thousands of entries in any order, across its internal blocks', () => {
    const count = 5000;
    const orders = {
      forward: (k: number) => k,
      reverse: (k: number) => count - 1 - k,
      shuffled: (k: number) => (k * 7919) % count,
    };
    for (const order of Object.values(orders)) {
      const spans = Array.from({ length: count }, (_, k): [number, number] => [order(k) * 100, 10]);
      expect(overlaps(spans)).toBe(false);
      // One more entry whose header sits inside any existing one's span.
      for (const victim of [0, 1234, count - 1]) {
        expect(overlaps([...spans, [victim * 100 + 20, 0]])).toBe(true);
      }
    }
  });
});
