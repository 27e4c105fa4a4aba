import { describe, expect, it } from 'vitest';
import { labelByList } from './label-list';
import type { Label } from './label-result';

const paths = ['imgs/a.jpg', 'imgs/b.jpg', 'imgs/c.jpg'];

describe('labelByList', () => {
  it('labels pasted file,label lines, with or without a header', () => {
    for (const text of ['imgs/a.jpg,cat\nb.jpg,dog\n', 'file,label\nimgs/a.jpg,cat\nb.jpg,dog\n']) {
      const result = labelByList(paths, { text });
      expect(Object.fromEntries(result.labels)).toEqual({
        'imgs/a.jpg': 'cat',
        'imgs/b.jpg': 'dog',
      });
      expect(result.unlabelled).toEqual([{ path: 'imgs/c.jpg', reason: 'not listed in the list' }]);
    }
  });

  it('labels from a hand-labelling map and reports names that are not files', () => {
    const result = labelByList(paths, {
      labels: new Map<string, Label>([
        ['imgs/a.jpg', 'cat'],
        ['c.jpg', ['x', 'y']],
        ['nope.jpg', 'dog'],
        ['imgs/b.jpg', ''],
      ]),
    });
    expect(Object.fromEntries(result.labels)).toEqual({
      'imgs/a.jpg': 'cat',
      'imgs/c.jpg': ['x', 'y'],
    });
    expect(result.missingFiles).toEqual([{ line: 3, name: 'nope.jpg' }]);
    expect(result.unlabelled).toEqual([
      { path: 'imgs/b.jpg', reason: 'empty label on line 4 of the labels' },
    ]);
  });
});
