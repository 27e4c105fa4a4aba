import { describe, expect, it } from 'vitest';
import { classesOf, countClasses } from './classes';
import type { Item } from './items';

const item = (label: string, split: Item['split']): Item => ({
  key: `${split}/${label}`,
  label,
  split,
});

describe('classes', () => {
  it('sorts the unique training labels and counts per split', () => {
    const items = [
      item('dog', 'train'),
      item('cat', 'train'),
      item('dog', 'train'),
      item('cat', 'valid'),
      item('', 'test'),
    ];
    const classes = classesOf(items);
    expect(classes).toEqual(['cat', 'dog']);
    expect(
      countClasses(
        classes,
        items.filter((i) => i.split === 'train'),
      ),
    ).toEqual([1, 2]);
    expect(
      countClasses(
        classes,
        items.filter((i) => i.split === 'test'),
      ),
    ).toEqual([0, 0]);
  });

  it('refuses validation labels never seen in training, naming them', () => {
    expect(() => classesOf([item('cat', 'train'), item('cow', 'valid')])).toThrow(
      /\("cow", e\.g\. "valid\/cow"\)/,
    );
    expect(() => classesOf([item('cat', 'valid')])).toThrow(/No training items/);
  });
});
