import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedPath } from '@studio/shared';
import { describe, expect, it } from 'vitest';
import { labelByFolder } from './label-folder';

const CLOTHING = sharedPath('datasets', 'clothing-small');

/** Lists clothing-small's image paths (names only; the images are not read). */
async function listClothingPaths(): Promise<string[]> {
  const paths: string[] = [];
  for (const split of await readdir(CLOTHING)) {
    for (const label of await readdir(join(CLOTHING, split))) {
      for (const file of await readdir(join(CLOTHING, split, label)))
        paths.push(`clothing-small/${split}/${label}/${file}`);
    }
  }
  return paths;
}

describe('labelByFolder', () => {
  it('labels clothing-small by class folder and reads validation/ as the split', async () => {
    const result = labelByFolder(await listClothingPaths());
    expect(result.classCounts).toEqual({
      dress: 273,
      hat: 137,
      longsleeve: 504,
      outwear: 208,
      pants: 517,
      shirt: 319,
      shoes: 224,
      shorts: 227,
      skirt: 124,
      't-shirt': 876,
    });
    expect(result.unlabelled).toEqual([]);
    const splits = [...result.folderSplit.values()];
    expect(splits.filter((s) => s === 'train')).toHaveLength(3068);
    expect(splits.filter((s) => s === 'valid')).toHaveLength(341);
    expect(result.examples.slice(0, 2).map((e) => e.label)).toEqual(['dress', 'hat']);
  });

  it('labels flat class folders without a split and reports files it cannot label', () => {
    const result = labelByFolder([
      'cats/a.jpg',
      'dogs/b.jpg',
      'loose.jpg',
      'train/c.jpg',
      'Valid/dogs/d.jpg',
      'test/x/e.jpg',
    ]);
    expect(Object.fromEntries(result.labels)).toEqual({
      'cats/a.jpg': 'cats',
      'dogs/b.jpg': 'dogs',
      'Valid/dogs/d.jpg': 'dogs',
      'test/x/e.jpg': 'x',
    });
    expect(Object.fromEntries(result.folderSplit)).toEqual({
      'Valid/dogs/d.jpg': 'valid',
      'test/x/e.jpg': 'test',
    });
    expect(result.unlabelled.map((u) => [u.path, u.reason.split(':')[0]])).toEqual([
      ['loose.jpg', 'not inside a folder'],
      ['train/c.jpg', 'directly inside the split folder "train"'],
    ]);
  });
});
