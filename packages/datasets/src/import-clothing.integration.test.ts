import { sharedPath } from '@studio/shared';
import { describe, expect, it } from 'vitest';
import { readDirectoryEntries } from './directory-source';
import { createMemoryStore } from './image-store';
import { importEntries } from './import-entries';
import { labelFiles } from './label-files';
import { splitDataset } from './split-dataset';

// The validation folder only (341 photos) keeps the suite fast; `npm run bench` times all 3,409.
const VALIDATION = sharedPath('datasets', 'clothing-small', 'validation');

describe('clothing-small validation folder, end to end', () => {
  it('imports every photo, labels by folder and splits with a seed', async () => {
    const store = createMemoryStore();
    const imported = await importEntries(readDirectoryEntries(VALIDATION), store);
    expect(imported.skipped).toEqual([]);
    expect(imported.files).toHaveLength(341);
    expect(store.images.size + imported.duplicates).toBe(341);
    for (const file of imported.files.slice(0, 20)) {
      expect(file).toMatchObject({ format: 'jpeg', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(file.width * file.height).toBeGreaterThan(100_000);
    }

    const labelled = await labelFiles(
      imported.files.map((f) => f.path),
      { kind: 'folder' },
    );
    // Counts from ../shared/datasets/README.md.
    expect(labelled.classCounts).toEqual({
      dress: 32,
      hat: 14,
      longsleeve: 49,
      outwear: 24,
      pants: 49,
      shirt: 29,
      shoes: 26,
      shorts: 25,
      skirt: 12,
      't-shirt': 81,
    });

    const split = splitDataset(labelled.labels, { validPct: 0.2, seed: 42, isStratified: true });
    expect(split.c).toBe(10);
    expect(split.counts.valid['t-shirt']).toBe(16);
    expect(split.assignments.size).toBe(341);
  });
});
