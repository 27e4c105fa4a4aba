import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sharedPath } from '@studio/shared';
import { describe, expect, it } from 'vitest';
import { folderItems, splitByRandomPct, type Item } from './items';

// The PyTorch reference of the recipe draws its split with this Python port of the studio's.
const PORT = path.resolve(__dirname, '../../scripts/parity/studio_split.py');

function pythonValidIndices(n: number, seed: number, validPct: number): number[] {
  const out = execFileSync('python3', [PORT, String(n), String(seed), String(validPct)]);
  return JSON.parse(out.toString()) as number[];
}

const validIndices = (items: readonly Item[]) =>
  items.flatMap((item, i) => (item.split === 'valid' ? [i] : []));

describe('the Python port of the studio split', () => {
  it.each([
    [10, 42, 0.2],
    [2062, 42, 0.2],
    [2062, 1, 0.2],
    [777, -5, 0.35],
    [3000, 2 ** 31 + 7, 0.1],
  ])('draws the same validation set for %i items, seed %i, %f', (n, seed, pct) => {
    const items = Array.from({ length: n }, (_, i): Item => ({
      key: `${i}.jpg`,
      label: 'a',
      split: 'train',
    }));
    const ours = validIndices(splitByRandomPct(items, pct, seed));
    expect(ours).toHaveLength(Math.floor(pct * n));
    expect(pythonValidIndices(n, seed, pct)).toEqual(ours);
  });

  it('picks the same sign-language-digits photos as the lesson with seed 42', async () => {
    const items = await folderItems(sharedPath('datasets', 'sign-language-digits'));
    const valid = validIndices(splitByRandomPct(items, 0.2, 42));
    expect(valid).toHaveLength(412);
    expect(pythonValidIndices(items.length, 42, 0.2)).toEqual(valid);
  });
});
