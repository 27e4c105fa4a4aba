import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { findLabelsCsv, labelByCsv } from './label-csv';
import { parseCsv } from './parse-csv';

const paths = [
  'planet/train/a.jpg',
  'planet/train/b.jpg',
  'planet/train/c d.jpg',
  'planet/train/e.jpg',
];

describe('labelByCsv', () => {
  it('labels from labels.csv with a BOM, quoted fields, names resolved from the CSV folder', () => {
    const csvText =
      '\ufeffimage_name,tags\r\ntrain/a.jpg,cloudy\r\n"train/c d.jpg","haze"\r\n\r\ntrain/b.jpg, clear \r\n';
    const result = labelByCsv(paths, {
      csvText,
      csvPath: 'planet/labels.csv',
      fileColumn: 'image_name',
      labelColumn: 'tags',
    });
    expect(Object.fromEntries(result.labels)).toEqual({
      'planet/train/a.jpg': 'cloudy',
      'planet/train/b.jpg': 'clear',
      'planet/train/c d.jpg': 'haze',
    });
    expect(result.unlabelled).toEqual([
      { path: 'planet/train/e.jpg', reason: 'not listed in labels.csv' },
    ]);
    expect(result.missingFiles).toEqual([]);
    expect(result.problems).toEqual([]);
  });

  it('splits multi-label cells, and uses fastai folder and suffix', () => {
    const csvText = 'id,tags\na,haze primary\nb,primary  water\n';
    const result = labelByCsv(paths, {
      csvText,
      csvPath: 'planet/labels.csv',
      folder: 'train',
      suffix: '.jpg',
      labelDelimiter: ' ',
    });
    expect(result.labels.get('planet/train/a.jpg')).toEqual(['haze', 'primary']);
    expect(result.labels.get('planet/train/b.jpg')).toEqual(['primary', 'water']);
    expect(result.classCounts).toEqual({ haze: 1, primary: 2, water: 1 });
  });

  it('reports ragged rows, empty labels, repeated names and files that do not exist', () => {
    const csvText = [
      'name,label',
      'a.jpg,cat',
      'b.jpg',
      'a.jpg,dog',
      'ghost.jpg,cat',
      'e.jpg,',
      'c d.jpg,dog,extra',
    ].join('\n');
    const result = labelByCsv(paths, { csvText });
    expect(Object.fromEntries(result.labels)).toEqual({
      'planet/train/a.jpg': 'cat',
      'planet/train/c d.jpg': 'dog',
    });
    expect(result.missingFiles).toEqual([{ line: 5, name: 'ghost.jpg' }]);
    expect(result.problems).toEqual([
      { line: 3, reason: 'has 1 column, expected 2; row ignored' },
      { line: 4, reason: '"a.jpg" is already labelled on line 2; this row is ignored' },
      { line: 7, reason: 'has 3 columns, expected 2; used the file and label columns' },
    ]);
    expect(result.unlabelled).toEqual([
      { path: 'planet/train/b.jpg', reason: 'not listed in labels.csv' },
      { path: 'planet/train/e.jpg', reason: 'empty label on line 6 of labels.csv' },
    ]);
  });

  it('names the available columns when a column is missing', () => {
    const run = (config: { fileColumn?: string | number; labelColumn?: string | number }) => () =>
      labelByCsv(paths, { csvText: 'image_name,tags\na.jpg,x\n', ...config });
    expect(run({ fileColumn: 'file' })).toThrow(DatasetError);
    expect(run({ fileColumn: 'file' })).toThrow(
      'labels.csv has no column named "file" (fileColumn). Available columns: "image_name", "tags". Pick one of them.',
    );
    expect(run({ labelColumn: 5 })).toThrow(
      /no column number 5 \(labelColumn\); columns are numbered from 0 and it has 2: "image_name", "tags"/,
    );
  });

  it('reads headerless CSVs by index and tab-separated files', () => {
    const result = labelByCsv(paths, { csvText: 'a.jpg\tcat\nb.jpg\tdog\n', hasHeader: false });
    expect(result.classCounts).toEqual({ cat: 1, dog: 1 });
  });

  it('reports a file name matching several files as ambiguous', () => {
    const result = labelByCsv(['x/a.jpg', 'y/a.jpg'], { csvText: 'f,l\na.jpg,cat\n' });
    expect(result.problems[0]?.reason).toMatch(
      /"a\.jpg" matches 2 files \(x\/a\.jpg, y\/a\.jpg\); use the full path/,
    );
  });

  it('caps huge lines and reports unclosed quotes with the line number', () => {
    expect(() => parseCsv(`a,b\n${'x'.repeat(100_000)},y\n`, { sourceName: 'labels.csv' })).toThrow(
      /Could not read labels\.csv at line 2: .*longer than 64\.0 KiB/,
    );
    expect(() => parseCsv('a,b\nc,"d\n', { sourceName: 'labels.csv' })).toThrow(
      /Could not read labels\.csv at line 2: Quote Not Closed/,
    );
  });

  it('finds the shallowest labels.csv among text files', () => {
    expect(
      findLabelsCsv([{ path: 'a/b/labels.csv' }, { path: 'a/LABELS.csv' }, { path: 'a/other.csv' }])
        ?.path,
    ).toBe('a/LABELS.csv');
  });
});
