import { describe, expect, it } from 'vitest';
import { labellingConfig, versionRequest } from './labelling';

describe('labelling request schemas', () => {
  it("fills fastai's split defaults, stratified per class", () => {
    const parsed = versionRequest.parse({ labelling: { scheme: 'folder' }, split: {} });
    expect(parsed.split).toEqual({
      useFolderSplit: true,
      validPct: 0.2,
      seed: 42,
      stratified: true,
    });
  });

  it('defaults the CSV file and regex target', () => {
    expect(
      labellingConfig.parse({ scheme: 'csv', fileColumn: 0, labelColumn: 'breed' }),
    ).toMatchObject({ csvPath: 'labels.csv' });
    expect(labellingConfig.parse({ scheme: 'regex', pattern: '([^/]+)_\\d+.jpg$' })).toMatchObject({
      target: 'path',
    });
  });

  it('rejects unknown schemes, empty patterns and impossible shares', () => {
    expect(labellingConfig.safeParse({ scheme: 'eval', code: 'x' }).success).toBe(false);
    expect(labellingConfig.safeParse({ scheme: 'regex', pattern: '' }).success).toBe(false);
    expect(
      versionRequest.safeParse({ labelling: { scheme: 'folder' }, split: { validPct: 1.5 } })
        .success,
    ).toBe(false);
    expect(
      versionRequest.safeParse({ labelling: { scheme: 'folder' }, split: { seed: -1 } }).success,
    ).toBe(false);
  });
});
