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
});
