import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import type { SourceEntry, SourceOptions } from './source-entry';
import { collect } from './test-helpers/images';
import { useTempDir } from './test-helpers/temp-files';
import { writeZip, type ZipEntrySpec } from './test-helpers/zip-writer';
import { readZipEntries } from './zip-source';

const temp = await useTempDir();
let counter = 0;

async function readZip(entries: ZipEntrySpec[], options?: SourceOptions): Promise<SourceEntry[]> {
  const path = await temp.write(`t${counter++}.zip`, writeZip(entries));
  return collect(readZipEntries(path, options));
}
async function readZipError(
  entries: ZipEntrySpec[],
  options?: SourceOptions,
): Promise<DatasetError> {
  const error = await readZip(entries, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('readZipEntries', () => {
  it('yields files under safe keys and ignores folders and OS clutter', async () => {
    const entries = await readZip([
      { name: 'pets/' },
      { name: 'pets/cat_1.jpg', data: 'x', isDeflated: true },
      { name: 'pets\\dog_2.jpg', data: 'y' },
      { name: '__MACOSX/pets/._cat_1.jpg', data: 'junk' },
      { name: 'pets/.DS_Store', data: 'junk' },
    ]);
    expect(entries.map((e) => [e.kind, e.path])).toEqual([
      ['file', 'pets/cat_1.jpg'],
      ['file', 'pets/dog_2.jpg'],
    ]);
    expect(entries[0]?.kind === 'file' && entries[0].bytes.toString()).toBe('x');
  });

  it('decodes names without the UTF-8 flag as CP437 and NFD names as NFC', async () => {
    // 0x82 is "é" in CP437; 0xFF is a non-breaking space. Names written without the UTF-8 flag.
    const cp437 = Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2f, 0x61, 0x2e, 0x6a, 0x70, 0x67]);
    const entries = await readZip([
      { name: cp437, data: 'a' },
      { name: 'cre\u0300me/b.jpg', data: 'b' },
    ]);
    expect(entries.map((e) => e.path)).toEqual(['caf\u00e9/a.jpg', 'cr\u00e8me/b.jpg']);
  });

  it('replaces invalid UTF-8 bytes when the UTF-8 flag is set', async () => {
    const path = await temp.write(
      'flagged.zip',
      flagAsUtf8(
        writeZip([{ name: Buffer.from([0x61, 0xff, 0x2e, 0x6a, 0x70, 0x67]), data: 'a' }]),
      ),
    );
    const entries = await collect(readZipEntries(path));
    expect(entries.map((e) => e.path)).toEqual(['a\ufffd.jpg']);
  });

  it.each([['../../evil.jpg'], ['/etc/evil.jpg'], ['ok/..\\..\\evil.jpg'], ['C:\\evil.jpg']])(
    'aborts on the zip slip name %j',
    async (name) => {
      const error = await readZipError([
        { name: 'ok.jpg', data: 'x' },
        { name, data: 'x' },
      ]);
      expect(error.code).toBe('UNSAFE_ENTRY_NAME');
    },
  );

  it('skips symlinks and nested archives with a reason', async () => {
    const entries = await readZip([
      { name: 'link.jpg', data: '/etc/passwd', unixMode: 0o120777 },
      { name: 'inner.zip', data: 'PK' },
      { name: 'more.tar.gz', data: 'x' },
      { name: 'real.jpg', data: 'x', unixMode: 0o100644 },
    ]);
    expect(entries).toEqual([
      { kind: 'skipped', path: 'link.jpg', reason: expect.stringMatching(/^symbolic link/) },
      {
        kind: 'skipped',
        path: 'inner.zip',
        reason: expect.stringMatching(/^nested archive \(inner\.zip\)/),
      },
      { kind: 'skipped', path: 'more.tar.gz', reason: expect.stringMatching(/^nested archive/) },
      { kind: 'file', path: 'real.jpg', bytes: Buffer.from('x') },
    ]);
  });

  it('skips encrypted entries and duplicate names', async () => {
    const entries = await readZip([
      { name: 'secret.jpg', data: 'x', isEncrypted: true },
      { name: 'a.jpg', data: '1' },
      { name: './a.jpg', data: '2' },
    ]);
    expect(
      entries.map((e) => [e.path, e.kind === 'skipped' ? e.reason.split(':')[0] : 'file']),
    ).toEqual([
      ['secret.jpg', 'encrypted entry'],
      ['a.jpg', 'file'],
      ['a.jpg', 'duplicate entry name'],
    ]);
  });

  it('aborts when the entry count exceeds maxEntries', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.jpg`, data: 'x' }));
    const error = await readZipError(many, { limits: { maxEntries: 10 } });
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.details).toMatchObject({ limit: 'maxEntries', max: 10, received: 11 });
    expect(error.message).toMatch(/maxEntries limit \(11 > 10\)/);
  });

  it('aborts when one entry exceeds maxEntryBytes', async () => {
    const error = await readZipError(
      [{ name: 'big.jpg', data: Buffer.alloc(5000), isDeflated: true }],
      { limits: { maxEntryBytes: 4096 } },
    );
    expect(error.details).toMatchObject({ limit: 'maxEntryBytes', max: 4096, received: 5000 });
    expect(error.message).toMatch(/entry "big\.jpg" exceeds the maxEntryBytes limit/);
  });

  it('aborts when the total decompressed size exceeds maxTotalBytes', async () => {
    const files = Array.from({ length: 4 }, (_, i) => ({
      name: `f${i}.jpg`,
      data: Buffer.alloc(3000, i),
    }));
    const error = await readZipError(files, { limits: { maxTotalBytes: 10_000 } });
    expect(error.details).toMatchObject({ limit: 'maxTotalBytes', max: 10_000 });
  });

  it('aborts on a zip bomb by its compression ratio', async () => {
    // 4 MiB of zeros deflates to about 4 KiB: a ratio near 1000.
    const error = await readZipError([
      { name: 'bomb.jpg', data: Buffer.alloc(4 * 1024 * 1024), isDeflated: true },
    ]);
    expect(error.details).toMatchObject({ limit: 'maxCompressionRatio', max: 100 });
    expect(error.message).toMatch(
      /compression ratio of entry "bomb\.jpg" exceeds the maxCompressionRatio limit/,
    );
  });

  it('reports a file that is not a zip as a corrupt archive', async () => {
    const path = await temp.write('not.zip', Buffer.from('this is not a zip archive at all'));
    const error = await collect(readZipEntries(path)).catch((e: unknown) => e);
    expect((error as DatasetError).code).toBe('ARCHIVE_CORRUPT');
  });
});

/** Sets the UTF-8 flag on every header of a zip written by writeZip with raw-byte names. */
function flagAsUtf8(zip: Buffer): Buffer {
  for (let i = 0; i + 4 <= zip.length; i++) {
    const signature = zip.readUInt32LE(i);
    if (signature === 0x04034b50) zip.writeUInt16LE(zip.readUInt16LE(i + 6) | 0x800, i + 6);
    if (signature === 0x02014b50) zip.writeUInt16LE(zip.readUInt16LE(i + 8) | 0x800, i + 8);
  }
  return zip;
}
