import { describe, expect, it } from 'vitest';
import { labelByFolder } from './label-folder';
import type { Label } from './label-result';
import { createMulberry32 } from './seeded-random';
import { splitDataset } from './split-dataset';

const makeLabels = (counts: Record<string, number>): Map<string, Label> =>
  new Map(
    Object.entries(counts).flatMap(([label, n]) =>
      Array.from({ length: n }, (_, i) => [`${label}/${i}.jpg`, label] as [string, Label]),
    ),
  );

describe('splitDataset', () => {
  // Values from the canonical mulberry32 (bryc's JavaScript), so a split never silently changes.
  it('mulberry32 gives the reference sequence', () => {
    const random = createMulberry32(42);
    expect([random(), random(), random()].map((x) => x.toFixed(8))).toEqual([
      '0.60110375',
      '0.44829056',
      '0.85246579',
    ]);
  });

  it('takes int(validPct × n) files at random, the same for the same seed whatever the input order', () => {
    const labels = makeLabels({ cat: 60, dog: 43 });
    const reversed = new Map([...labels].reverse());
    const a = splitDataset(labels, { seed: 7 });
    const b = splitDataset(reversed, { seed: 7 });
    const c = splitDataset(labels, { seed: 8 });
    expect(a.method).toBe('random');
    expect([...a.assignments.values()].filter((s) => s === 'valid')).toHaveLength(20);
    expect([...a.assignments].sort()).toEqual([...b.assignments].sort());
    expect([...a.assignments].sort()).not.toEqual([...c.assignments].sort());
    expect(a.classes).toEqual(['cat', 'dog']);
    expect(a.c).toBe(2);
    expect(a.counts.train.cat! + a.counts.valid.cat!).toBe(60);
  });

  it('stratifies per class so rare classes reach validation', () => {
    const split = splitDataset(makeLabels({ common: 100, rare: 5 }), {
      isStratified: true,
      validPct: 0.2,
    });
    expect(split.method).toBe('stratified');
    expect(split.counts.valid).toEqual({ common: 20, rare: 1 });
    expect(split.counts.train).toEqual({ common: 80, rare: 4 });
  });

  it("uses the folders' split when present and reports files outside split folders", () => {
    const folder = labelByFolder([
      'train/cat/1.jpg',
      'train/dog/2.jpg',
      'valid/cat/3.jpg',
      'test/dog/4.jpg',
      'extra/cat/5.jpg',
    ]);
    const split = splitDataset(folder.labels, { folderSplit: folder.folderSplit });
    expect(split.method).toBe('folders');
    expect(split.counts).toEqual({
      train: { cat: 1, dog: 1 },
      valid: { cat: 1 },
      test: { dog: 1 },
    });
    expect(split.excluded).toEqual([
      { path: 'extra/cat/5.jpg', reason: 'not inside a train/, valid/ or test/ folder' },
    ]);
    const random = splitDataset(folder.labels, {
      folderSplit: folder.folderSplit,
      useFolderSplit: false,
      validPct: 0.4,
    });
    expect(random.assignments.size).toBe(5);
  });

  it('rejects a bad validPct and a folder split without validation folders', () => {
    expect(() => splitDataset(makeLabels({ a: 3 }), { validPct: 1.5 })).toThrow(
      /validPct must be at least 0 and below 1, got 1.5/,
    );
    expect(() => splitDataset(makeLabels({ a: 3 }), { useFolderSplit: true })).toThrow(
      /no labelled file is inside a valid\/ or validation\/ folder/,
    );
  });
});
