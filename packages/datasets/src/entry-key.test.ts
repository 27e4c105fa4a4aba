import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toEntryKey } from './entry-key';
import { DatasetError } from './errors';

const keyOf = (name: string): string | null => {
  const verdict = toEntryKey(name);
  return verdict.kind === 'directory' ? null : verdict.key;
};
const unsafeCode = (name: string): string | undefined => {
  try {
    toEntryKey(name);
    return undefined;
  } catch (error) {
    return (error as DatasetError).code;
  }
};

describe('toEntryKey', () => {
  it('keeps ordinary relative names and collapses empty and "." segments', () => {
    expect(keyOf('train/dress/a.jpg')).toBe('train/dress/a.jpg');
    expect(keyOf('./train//dress/./a.jpg')).toBe('train/dress/a.jpg');
    expect(keyOf('train\\dress\\a.jpg')).toBe('train/dress/a.jpg');
  });

  it('treats folders as directories', () => {
    expect(toEntryKey('train/').kind).toBe('directory');
    expect(toEntryKey('train', true).kind).toBe('directory');
    expect(toEntryKey('./').kind).toBe('directory');
  });

  it.each([
    ['../evil.jpg'],
    ['a/../../evil.jpg'],
    ['..\\..\\evil.jpg'],
    ['a\\..\\b.jpg'],
    ['/etc/passwd'],
    ['\\\\server\\share\\x.jpg'],
    ['C:/Windows/x.jpg'],
    ['c:x.jpg'],
    ['a/\u0000.jpg'],
    ['a/\n/b.jpg'],
    ['a/.../b.jpg'],
    ['a/.. /b.jpg'],
  ])('rejects the unsafe name %j', (name) => {
    expect(unsafeCode(name)).toBe('UNSAFE_ENTRY_NAME');
  });

  it('names the offending entry and how to fix it in the error', () => {
    expect(() => toEntryKey('../evil.jpg')).toThrow(
      /"\.\.\/evil\.jpg" is unsafe because it contains the segment "\.\."/,
    );
  });

  it('ignores macOS and Windows clutter', () => {
    expect(toEntryKey('__MACOSX/train/._a.jpg').kind).toBe('ignored');
    expect(toEntryKey('train/.DS_Store').kind).toBe('ignored');
    expect(toEntryKey('train/Thumbs.db').kind).toBe('ignored');
    expect(toEntryKey('train/._a.jpg').kind).toBe('ignored');
  });

  it('turns NFD names into NFC keys', () => {
    const nfd = 'caf\u0065\u0301/cr\u0065\u0300me.jpg';
    expect(keyOf(nfd)).toBe('caf\u00e9/cr\u00e8me.jpg');
  });

  // Segments chosen to hit every rule: separators of both kinds, dots, drive letters, NUL, NFD.
  const segment = fc.oneof(
    fc.constantFrom(
      '..',
      '.',
      '',
      '...',
      ' ',
      'C:',
      '\\',
      '/',
      '\u0000',
      'e\u0301',
      '__MACOSX',
      '.DS_Store',
      'a',
      'b.jpg',
    ),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.string({ maxLength: 8 }),
  );
  const hostileName = fc
    .array(segment, { maxLength: 8 })
    .chain((parts) => fc.constantFrom('/', '\\').map((sep) => parts.join(sep)));

  it('never produces "..", absolute, empty-segment or non-NFC keys (property)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileName, fc.string({ maxLength: 40 })), (name) => {
        let verdict;
        try {
          verdict = toEntryKey(name);
        } catch (error) {
          expect(error).toBeInstanceOf(DatasetError);
          expect((error as DatasetError).code).toBe('UNSAFE_ENTRY_NAME');
          return;
        }
        if (verdict.kind === 'directory') return;
        const key = verdict.key;
        expect(key.length).toBeGreaterThan(0);
        expect(key.startsWith('/')).toBe(false);
        expect(key).not.toMatch(/^[a-z]:/i);
        expect(key).not.toContain('\\');
        expect(key).not.toContain('\u0000');
        expect(key.normalize('NFC')).toBe(key);
        for (const part of key.split('/')) {
          expect(part).not.toBe('');
          expect(part).not.toBe('.');
          expect(part).not.toBe('..');
          expect(part).not.toMatch(/^[. ]+$/);
        }
        // Resolving the key under a root never leaves the root.
        const resolved = new URL(key.split('/').map(encodeURIComponent).join('/'), 'file:///root/')
          .pathname;
        expect(resolved.startsWith('/root/')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps names built only from safe segments exactly (property)', () => {
    const safeSegment = fc
      .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_. -]{0,10}$/)
      .filter((s) => !/^[. ]+$/.test(s) && !/^[a-z]:/i.test(s));
    fc.assert(
      fc.property(fc.array(safeSegment, { minLength: 1, maxLength: 5 }), (parts) => {
        const name = parts.join('/');
        if (/(^|\/)(__macosx|\._|\.ds_store$|thumbs\.db$|desktop\.ini$)/i.test(name)) return;
        expect(keyOf(name)).toBe(name);
      }),
    );
  });
});
