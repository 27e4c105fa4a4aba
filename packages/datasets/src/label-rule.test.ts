import { describe, expect, it } from 'vitest';
import { labelByRule } from './label-rule';

describe('labelByRule', () => {
  it('labels the pets lesson: capitalised names are cats', () => {
    const result = labelByRule(
      ['images/Abyssinian_1.jpg', 'images/beagle_7.jpg', 'images/_odd.jpg'],
      {
        steps: [{ op: 'basename' }, { op: 'isUppercaseFirst', then: 'cat', else: 'dog' }],
      },
    );
    expect(Object.fromEntries(result.labels)).toEqual({
      'images/Abyssinian_1.jpg': 'cat',
      'images/beagle_7.jpg': 'dog',
      'images/_odd.jpg': 'dog',
    });
    expect(result.classCounts).toEqual({ cat: 1, dog: 2 });
  });

  it('splits, takes parts from either end, and rejoins a range', () => {
    const paths = ['x/great_pyrenees_173.jpg'];
    const run = (take: number | [number, number]) =>
      labelByRule(paths, {
        steps: [
          { op: 'basename' },
          { op: 'stripExtension' },
          { op: 'split', separator: '_', take },
        ],
      }).labels.get(paths[0]!);
    expect(run(0)).toBe('great');
    expect(run(-1)).toBe('173');
    expect(run([0, -1])).toBe('great_pyrenees');
  });

  it('reports a missing part as unlabelled with the step that failed', () => {
    const result = labelByRule(['a.jpg'], { steps: [{ op: 'split', separator: '_', take: 2 }] });
    expect(result.unlabelled).toEqual([
      { path: 'a.jpg', reason: 'step 1 (split): split by "_" gives 1 part; part 2 does not exist' },
    ]);
  });

  it('maps through a table with a default or leaves the file unlabelled', () => {
    const steps = [
      { op: 'basename' as const },
      { op: 'split' as const, separator: '-', take: 0 },
      { op: 'lowercase' as const },
      { op: 'replace' as const, find: ' ', replaceWith: '_' },
    ];
    const table = { tabby_cat: 'cat', hound: 'dog' };
    const paths = ['Tabby Cat-1.png', 'HOUND-2.png', 'fox-3.png', 'constructor-4.png'];
    const strict = labelByRule(paths, { steps: [...steps, { op: 'map', table }] });
    expect(Object.fromEntries(strict.labels)).toEqual({
      'Tabby Cat-1.png': 'cat',
      'HOUND-2.png': 'dog',
    });
    expect(strict.unlabelled.map((u) => u.reason)).toEqual([
      'step 5 (map): "constructor" is not in the table',
      'step 5 (map): "fox" is not in the table',
    ]);
    const lenient = labelByRule(paths, {
      steps: [...steps, { op: 'map', table, otherwise: 'other' }],
    });
    expect(lenient.classCounts).toEqual({ cat: 1, dog: 1, other: 2 });
  });

  it('rejects a malformed rule with the step number', () => {
    expect(() => labelByRule(['a'], { steps: [] })).toThrow(/no steps/);
    expect(() =>
      labelByRule(['a'], { steps: [{ op: 'basename' }, { op: 'split', separator: '', take: 0 }] }),
    ).toThrow(/Rule step 2 is invalid: split needs a non-empty separator/);
    expect(() => labelByRule(['a'], { steps: [{ op: 'eval' } as never] })).toThrow(
      /unknown operation "eval"/,
    );
  });
});
