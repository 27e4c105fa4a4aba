import { truncate } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readArchiveEntries } from './archive-source';
import { collect } from './test-helpers/images';
import { writeTar } from './test-helpers/tar-writer';
import { useTempDir } from './test-helpers/temp-files';
import { writeZip } from './test-helpers/zip-writer';

const temp = await useTempDir();

describe('readArchiveEntries', () => {
  it('opens zip, tar and tar.gz by their bytes, whatever the file is called', async () => {
    const zip = await temp.write('a.bin', writeZip([{ name: 'z/a.jpg', data: 'z' }]));
    const tarFile = await temp.write('b.zip', await writeTar([{ name: 't/b.jpg', data: 't' }]));
    const tgz = await temp.write(
      'c.tgz',
      await writeTar([{ name: 'g/c.jpg', data: 'g' }], { isGzipped: true }),
    );
    expect((await collect(readArchiveEntries(zip))).map((e) => e.path)).toEqual(['z/a.jpg']);
    expect((await collect(readArchiveEntries(tarFile))).map((e) => e.path)).toEqual(['t/b.jpg']);
    expect((await collect(readArchiveEntries(tgz))).map((e) => e.path)).toEqual(['g/c.jpg']);
  });

  it('names an unsupported archive kind', async () => {
    const bz2 = await temp.write('d.tar.bz2', Buffer.from('BZh91AY&SY'));
    await expect(collect(readArchiveEntries(bz2))).rejects.toMatchObject({
      code: 'ARCHIVE_UNSUPPORTED',
      message: expect.stringMatching(
        /^The archive is bzip2 \(\.tar\.bz2\), which the studio cannot open/,
      ),
    });
  });

  it('refuses a zero-filled file from its first bytes, without reading the rest', async () => {
    // 16 GiB of zeros named .zip (sparse: no disk used); reading it as a tar took minutes.
    const zeros = await temp.write('photos.zip', Buffer.alloc(0));
    await truncate(zeros, 16 * 1024 ** 3);
    await expect(collect(readArchiveEntries(zeros))).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringMatching(
        /^The file is not a zip, tar or tar\.gz archive: its first bytes are all zeros\./,
      ),
    });
  });

  it('refuses text and an empty file as no archive', async () => {
    const text = await temp.write('notes.tar', Buffer.from('just some text, not an archive'));
    await expect(collect(readArchiveEntries(text))).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringMatching(/its first bytes are no archive format the studio knows/),
    });
    const empty = await temp.write('empty.tgz', Buffer.alloc(0));
    await expect(collect(readArchiveEntries(empty))).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      message: expect.stringMatching(/^The file is empty \(0 bytes\): not an archive\./),
    });
  });

  it('says an archive with no entries holds no files', async () => {
    const empty = await temp.write('photos.zip', writeZip([]));
    await expect(collect(readArchiveEntries(empty))).rejects.toMatchObject({
      code: 'ARCHIVE_EMPTY',
      message: expect.stringMatching(/^The zip archive holds no files\./),
    });
  });
});
