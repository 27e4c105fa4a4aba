import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { collect } from './test-helpers/images';
import { readUploadedFiles, type UploadedFile } from './upload-source';

const upload = (path: string, text = 'x', size?: number): UploadedFile => ({
  path,
  size,
  read: async () => new TextEncoder().encode(text),
});

describe('readUploadedFiles', () => {
  it('normalises relative paths and skips what an archive would skip', async () => {
    const entries = await collect(
      readUploadedFiles([
        upload('pets\\cats/a.jpg'),
        upload('pets/.DS_Store'),
        upload('pets/inner.7z'),
        upload('pets/cats/./a.jpg'),
        upload('pets/cre\u0300me.jpg'),
      ]),
    );
    expect(entries).toEqual([
      { kind: 'file', path: 'pets/cats/a.jpg', bytes: Buffer.from('x') },
      { kind: 'skipped', path: 'pets/inner.7z', reason: expect.stringMatching(/^nested archive/) },
      {
        kind: 'skipped',
        path: 'pets/cats/a.jpg',
        reason: expect.stringMatching(/^duplicate entry name/),
      },
      { kind: 'file', path: 'pets/cr\u00e8me.jpg', bytes: Buffer.from('x') },
    ]);
  });

  it('aborts on a path that climbs out, and on a declared size past the cap', async () => {
    await expect(collect(readUploadedFiles([upload('../x.jpg')]))).rejects.toMatchObject({
      code: 'UNSAFE_ENTRY_NAME',
    });
    const error = await collect(
      readUploadedFiles([upload('big.jpg', 'x', 10_000)], { limits: { maxEntryBytes: 100 } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).details).toMatchObject({
      limit: 'maxEntryBytes',
      received: 10_000,
    });
  });
});
