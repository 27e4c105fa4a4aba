import { describe, expect, it } from 'vitest';
import { escapeCsvCell, toCsv } from './csv';

describe('escapeCsvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tcat', "'\tcat"],
    ['\rcat', `"'\rcat"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=a,"b"', `"'=a,""b"""`],
    ['mid=dle', 'mid=dle'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(escapeCsvCell(input)).toBe(expected);
  });

  it('writes numbers as they are', () => {
    expect(escapeCsvCell(-0.5)).toBe('-0.5');
    expect(escapeCsvCell(12)).toBe('12');
  });
});

describe('toCsv', () => {
  it('writes a header of predicted classes and one row per actual class', () => {
    const csv = toCsv(
      [
        [5, 1, 0],
        [2, 7, 0],
        [0, 0, 3],
      ],
      ['=HYPERLINK("x")', 'a,b', 'bird'],
    );
    expect(csv).toBe(
      'actual \\ predicted,"\'=HYPERLINK(""x"")","a,b",bird\r\n' +
        '"\'=HYPERLINK(""x"")",5,1,0\r\n' +
        '"a,b",2,7,0\r\n' +
        'bird,0,0,3\r\n',
    );
  });

  it('refuses a matrix that does not match the classes', () => {
    expect(() => toCsv([[1, 2]], ['a', 'b'])).toThrow(
      /must be 2×2 to match 2 classes, received 1 rows of lengths \[2\]/,
    );
  });
});
