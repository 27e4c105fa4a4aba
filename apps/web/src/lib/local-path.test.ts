import { describe, expect, it } from 'vitest';
import { localPath } from './local-path';

describe('localPath', () => {
  it('keeps paths on the studio', () => {
    expect(localPath('/invite/abc_DEF-123')).toBe('/invite/abc_DEF-123');
    expect(localPath('/runs?tag=a%20b')).toBe('/runs?tag=a%20b');
  });

  it('refuses anything that could lead to another site', () => {
    for (const value of [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'runs',
      '',
      ['/runs'],
      undefined,
    ])
      expect(localPath(value), JSON.stringify(value)).toBeNull();
  });
});
