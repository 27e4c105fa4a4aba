import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import type { SourceOptions } from './source-entry';
import { readTarEntries } from './tar-source';
import { collect } from './test-helpers/images';
import { toChunks, writeTar, type TarEntrySpec } from './test-helpers/tar-writer';

async function readTar(
  entries: TarEntrySpec[],
  options: SourceOptions & { isGzipped?: boolean } = {},
) {
  return collect(readTarEntries(toChunks(await writeTar(entries, options)), options));
}
async function readTarError(
  entries: TarEntrySpec[],
  options: SourceOptions & { isGzipped?: boolean } = {},
): Promise<DatasetError> {
  const error = await readTar(entries, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('readTarEntries', () => {
  it.each([[false], [true]])('reads plain and gzipped tars (gzip: %s)', async (isGzipped) => {
    const entries = await readTar(
      [
        { name: 'pets', type: 'directory' },
        { name: 'pets/cat_1.jpg', data: 'cat' },
        { name: 'pets/._cat_1.jpg', data: 'apple double' },
        { name: 'pets/labels.csv', data: 'name,label' },
      ],
      { isGzipped },
    );
    expect(entries).toEqual([
      { kind: 'file', path: 'pets/cat_1.jpg', bytes: Buffer.from('cat') },
      { kind: 'file', path: 'pets/labels.csv', bytes: Buffer.from('name,label') },
    ]);
  });

  it.each([['../evil.jpg'], ['/abs/evil.jpg'], ['a/../../evil.jpg']])(
    'aborts on the tar slip name %j',
    async (name) => {
      const error = await readTarError([
        { name: 'ok.jpg', data: 'x' },
        { name, data: 'x' },
      ]);
      expect(error.code).toBe('UNSAFE_ENTRY_NAME');
    },
  );

  it('skips symlinks, hard links, devices and nested archives with a reason', async () => {
    const entries = await readTar([
      { name: 'link.jpg', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'hard.jpg', type: 'link', linkname: 'real.jpg' },
      { name: 'dev.jpg', type: 'character-device' },
      { name: 'inner.tar', data: 'x' },
      { name: 'real.jpg', data: 'x' },
    ]);
    expect(
      entries.map((e) => [
        e.path,
        e.kind === 'skipped' ? e.reason.split(/[:(]/)[0]?.trim() : 'file',
      ]),
    ).toEqual([
      ['link.jpg', 'symbolic link'],
      ['hard.jpg', 'hard link'],
      ['dev.jpg', 'device or special file, not a regular file'],
      ['inner.tar', 'nested archive'],
      ['real.jpg', 'file'],
    ]);
  });

  it('takes long (pax) names and NFD names as NFC keys', async () => {
    const long = `${'d'.repeat(120)}/cre\u0300me.jpg`;
    const entries = await readTar([{ name: long, data: 'x' }]);
    expect(entries.map((e) => e.path)).toEqual([`${'d'.repeat(120)}/cr\u00e8me.jpg`]);
  });

  it('replaces bytes that are not UTF-8 in a tar name', async () => {
    const tarBytes = await writeTar([{ name: 'caf#.jpg', data: 'x' }]);
    tarBytes[3] = 0xe9; // Latin-1 "é": not valid UTF-8 on its own
    rewriteTarChecksum(tarBytes);
    const entries = await collect(readTarEntries(toChunks(tarBytes)));
    expect(entries.map((e) => e.path)).toEqual(['caf\ufffd.jpg']);
  });

  it('aborts past maxEntries, maxEntryBytes and maxTotalBytes', async () => {
    const files = Array.from({ length: 5 }, (_, i) => ({
      name: `f${i}.jpg`,
      data: Buffer.alloc(3000, i),
    }));
    expect((await readTarError(files, { limits: { maxEntries: 4 } })).details).toMatchObject({
      limit: 'maxEntries',
      received: 5,
    });
    expect((await readTarError(files, { limits: { maxEntryBytes: 2000 } })).details).toMatchObject({
      limit: 'maxEntryBytes',
      received: 3000,
    });
    expect(
      (await readTarError(files, { limits: { maxTotalBytes: 10_000 } })).details,
    ).toMatchObject({ limit: 'maxTotalBytes' });
  });

  it('aborts on a .tar.gz bomb by its compression ratio', async () => {
    const error = await readTarError([{ name: 'zeros.jpg', data: Buffer.alloc(8 * 1024 * 1024) }], {
      isGzipped: true,
    });
    expect(error.details).toMatchObject({ limit: 'maxCompressionRatio', max: 100 });
    expect(error.message).toMatch(/compression ratio of the \.tar\.gz stream/);
  });

  it('counts the bytes of skipped entries towards the total', async () => {
    const error = await readTarError([{ name: 'big.zip', data: Buffer.alloc(20_000) }], {
      limits: { maxTotalBytes: 10_000 },
    });
    expect(error.details).toMatchObject({ limit: 'maxTotalBytes' });
  });

  it('reports corrupt gzip and non-tar data as a corrupt archive', async () => {
    const good = await writeTar([{ name: 'a.jpg', data: Buffer.alloc(50_000, 7) }], {
      isGzipped: true,
    });
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    const error1 = await collect(readTarEntries(toChunks(truncated))).catch((e: unknown) => e);
    expect((error1 as DatasetError).code).toBe('ARCHIVE_CORRUPT');
    const error2 = await collect(readTarEntries(toChunks(gzipSync(Buffer.alloc(1024, 'x'))))).catch(
      (e: unknown) => e,
    );
    expect((error2 as DatasetError).code).toBe('ARCHIVE_CORRUPT');
  });

  it('yields nothing for an empty stream', async () => {
    expect(await collect(readTarEntries(toChunks(Buffer.alloc(0))))).toEqual([]);
  });
});

/** Recomputes the first header's checksum after a test edits its bytes (sum of the header with the field as spaces). */
function rewriteTarChecksum(tarBytes: Buffer): void {
  tarBytes.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tarBytes[i] as number;
  tarBytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
