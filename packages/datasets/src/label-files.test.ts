import { describe, expect, it } from 'vitest';
import { labelFiles } from './label-files';

const paths = ['images/Abyssinian_1.jpg', 'images/beagle_7.jpg'];

describe('labelFiles', () => {
  it('runs each scheme the UI offers', async () => {
    const cat = (
      await labelFiles(paths, { kind: 'regex', pattern: '/([^/]+)_\\d+.jpg$' })
    ).labels.get(paths[0]!);
    expect(cat).toBe('Abyssinian');
    expect((await labelFiles(paths, { kind: 'folder' })).classCounts).toEqual({ images: 2 });
    expect(
      (
        await labelFiles(paths, {
          kind: 'rule',
          steps: [{ op: 'basename' }, { op: 'isUppercaseFirst', then: 'cat', else: 'dog' }],
        })
      ).classCounts,
    ).toEqual({ cat: 1, dog: 1 });
    expect(
      (
        await labelFiles(paths, {
          kind: 'script',
          source: '(name) => name.length > 14 ? "long" : "short"',
        })
      ).classCounts,
    ).toEqual({ long: 1, short: 1 });
    expect(
      (await labelFiles(paths, { kind: 'csv', csvText: 'f,l\nAbyssinian_1.jpg,cat\n' }))
        .missingFiles,
    ).toEqual([]);
    expect(
      (await labelFiles(paths, { kind: 'list', text: 'beagle_7.jpg,dog' })).classCounts,
    ).toEqual({ dog: 1 });
  });
});
