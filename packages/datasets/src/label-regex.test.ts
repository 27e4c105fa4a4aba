import { describe, expect, it } from 'vitest';
import { compileUserRegex } from './compile-user-regex';
import { DatasetError } from './errors';
import { labelByRegex } from './label-regex';

const pets = [
  'images/great_pyrenees_173.jpg',
  'images/Abyssinian_1.jpg',
  'images/staffordshire_bull_terrier_12.jpg',
  'images/notes.txt.jpg',
];
const errorOf = (fn: () => unknown): DatasetError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected an error');
};

describe('labelByRegex', () => {
  it('labels Oxford-IIIT Pets with the lesson pattern', () => {
    const result = labelByRegex(pets, { pattern: '/([^/]+)_\\d+.jpg$' });
    expect(Object.fromEntries(result.labels)).toEqual({
      'images/great_pyrenees_173.jpg': 'great_pyrenees',
      'images/Abyssinian_1.jpg': 'Abyssinian',
      'images/staffordshire_bull_terrier_12.jpg': 'staffordshire_bull_terrier',
    });
    expect(result.unlabelled).toEqual([
      { path: 'images/notes.txt.jpg', reason: 'no match for /\\/([^/]+)_\\d+.jpg$/' },
    ]);
    expect(result.classCounts).toEqual({
      Abyssinian: 1,
      great_pyrenees: 1,
      staffordshire_bull_terrier: 1,
    });
  });

  it('matches files at the dataset root as if the path were absolute', () => {
    expect(
      labelByRegex(['beagle_7.jpg'], { pattern: '/([^/]+)_\\d+.jpg$' }).labels.get('beagle_7.jpg'),
    ).toBe('beagle');
  });

  it('accepts JavaScript literals with flags and matches names only when asked', () => {
    const result = labelByRegex(['A/CAT-1.JPG', 'b/dog-2.jpg'], {
      pattern: '/^([a-z]+)-\\d+\\.jpg$/i',
      target: 'name',
    });
    expect(Object.fromEntries(result.labels)).toEqual({
      'A/CAT-1.JPG': 'CAT',
      'b/dog-2.jpg': 'dog',
    });
  });

  it('fails with examples when the pattern matches nothing', () => {
    const paths = Array.from(
      { length: 7390 },
      (_, i) => (i < 3 ? ['a.png', 'b.png', 'c.png'][i] : `x${i}.png`) as string,
    );
    const error = errorOf(() => labelByRegex(paths, { pattern: '/([^/]+)_\\d+.jpg$' }));
    expect(error.code).toBe('REGEX_NO_MATCH');
    expect(error.message).toBe(
      'No file name matched /\\/([^/]+)_\\d+.jpg$/ (0 of 7,390). Example names: "a.png", "b.png", "c.png". Check the pattern and its capture group.',
    );
  });

  it('rejects a pattern without a capture group', () => {
    const error = errorOf(() => labelByRegex(pets, { pattern: '_\\d+\\.jpg$' }));
    expect(error.code).toBe('REGEX_NO_CAPTURE_GROUP');
    expect(error.message).toMatch(/has no capture group/);
    // A non-capturing group is not a capture group; a named one is.
    expect(() => compileUserRegex('(?:a)')).toThrow(/no capture group/);
    expect(compileUserRegex('(?P<breed>[a-z]+)').display).toBe('/(?P<breed>[a-z]+)/');
  });

  it("rejects an invalid pattern with RE2's message, and look-arounds RE2 cannot run", () => {
    const error = errorOf(() => labelByRegex(pets, { pattern: '([a-z]+' }));
    expect(error.code).toBe('REGEX_INVALID');
    expect(error.message).toMatch(
      /^The pattern \/\(\[a-z\]\+\/ is not a valid regular expression: missing \)/,
    );
    expect(() => compileUserRegex('(?=a)(b)')).toThrow(/not a valid regular expression/);
  });

  it('runs a catastrophic pattern on a long name in linear time', () => {
    // A backtracking engine would need years on this name, so finishing at all is the proof.
    const name = `${'a'.repeat(10_000)}b`;
    const error = errorOf(() => labelByRegex([name], { pattern: '(a+)+$', target: 'name' }));
    expect(error.code).toBe('REGEX_NO_MATCH');
  });
});
