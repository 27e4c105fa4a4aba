import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readArchiveEntries } from './archive-source';
import { DatasetError } from './errors';
import { importEntries, type ImportResult } from './import-entries';
import type { SourceOptions } from './source-entry';
import { readTarEntries } from './tar-source';
import { createDiskStore, listTree } from './test-helpers/disk-store';
import { makeImage } from './test-helpers/images';
import { failureOf, measureCost, type Cost } from './test-helpers/measure';
import { toChunks, writeTar } from './test-helpers/tar-writer';
import { useTempDir } from './test-helpers/temp-files';
import { writeSharedBodyZip, writeZip } from './test-helpers/zip-writer';
import { readUploadedFiles } from './upload-source';

// Every hostile archive here is built by the test; each must be refused or contained quickly,
// with resident memory far below 1 GiB and no file written outside the store's folder.
const GiB = 1024 ** 3;
const temp = await useTempDir();
const red = await makeImage('jpeg', 40, 30, '#f00');
const blue = await makeImage('png', 30, 40, '#00f');
let counter = 0;

/** Imports an archive file into a fresh on-disk store under its own folder, measuring the cost. */
async function importArchive(
  bytes: Buffer,
  options: SourceOptions = {},
): Promise<Cost<ImportResult> & { root: string }> {
  const root = join(temp.dir, `import-${counter++}`);
  await mkdir(root);
  const archive = await temp.write(`archive-${counter}.bin`, bytes);
  const store = await createDiskStore(join(root, 'store'));
  const cost = await measureCost(() =>
    importEntries(readArchiveEntries(archive, options), store, {}),
  );
  return { ...cost, root };
}

/** The import wrote only `store/<sha256>` files under its folder (and nothing named by an entry). */
async function expectOnlyStoreFiles(root: string): Promise<void> {
  for (const path of await listTree(root)) expect(path).toMatch(/^store\/[0-9a-f]{64}$/);
  const outside = await listTree(temp.dir);
  expect(outside.filter((path) => /evil|passwd|secret/.test(path))).toEqual([]);
}

function expectCheap(cost: Cost<unknown>, maxMs: number): void {
  expect(cost.ms).toBeLessThan(maxMs);
  expect(cost.peakRssDeltaBytes).toBeLessThan(GiB);
}

function datasetErrorOf(cost: Cost<unknown>): DatasetError {
  const error = failureOf(cost);
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('hostile archives', () => {
  it.each([
    ['../evil.jpg'],
    ['../../../../../../tmp/evil.jpg'],
    ['ok/../../evil.jpg'],
    ['./../evil.jpg'],
    ['/tmp/evil.jpg'],
    ['//server/share/evil.jpg'],
    ['..\\..\\evil.jpg'],
    ['ok\\..\\..\\evil.jpg'],
    ['\\\\server\\share\\evil.jpg'],
    ['C:\\Windows\\evil.jpg'],
    ['c:/evil.jpg'],
    ['D:evil.jpg'],
    ['./C:/evil.jpg'],
    ['a/.../evil.jpg'],
    ['a/.. /evil.jpg'],
    ['a/\u0000/evil.jpg'],
  ])('stops a zip slip named %j before writing anything it names', async (name) => {
    const cost = await importArchive(
      writeZip([
        { name: 'good/red.jpg', data: red },
        { name, data: blue },
        { name: 'good/blue.png', data: blue },
      ]),
    );
    const error = datasetErrorOf(cost);
    expect(error.code).toBe('UNSAFE_ENTRY_NAME');
    expect(error.message).toMatch(/^Import stopped: the entry name ".*" is unsafe because/);
    expectCheap(cost, 2000);
    await expectOnlyStoreFiles(cost.root);
  });

  it('stops the same names in a tar.gz stream', async () => {
    for (const name of ['../evil.jpg', '/etc/evil.jpg', 'C:\\evil.jpg']) {
      const tgz = await writeTar(
        [
          { name: 'good/red.jpg', data: red },
          { name, data: blue },
        ],
        { isGzipped: true },
      );
      const cost = await importArchive(tgz);
      expect(datasetErrorOf(cost).code).toBe('UNSAFE_ENTRY_NAME');
      await expectOnlyStoreFiles(cost.root);
    }
  });

  it('keeps percent-encoded, full-width and overlong-UTF-8 "dots" as literal names that cannot climb', async () => {
    const overlong = Buffer.from([0xc0, 0xae, 0xc0, 0xae, 0x2f, 0x65, 0x76, 0x69, 0x6c, 0x2e]);
    const cost = await importArchive(
      writeZip([
        { name: '%2e%2e%2fevil.jpg', data: red },
        { name: '..%2f..%2fevil.png', data: blue },
        { name: '\uff0e\uff0e\uff0fevil.jpg', data: red },
        { name: Buffer.concat([overlong, Buffer.from('png')]), data: blue },
      ]),
    );
    expect(cost.outcome.ok).toBe(true);
    const result = (cost.outcome as { value: ImportResult }).value;
    // Names are lookup keys, never decoded or joined onto a path.
    expect(result.files.map((file) => file.path)).toEqual([
      '%2e%2e%2fevil.jpg',
      '..%2f..%2fevil.png',
      '\u2514\u00ab\u2514\u00ab/evil.png', // CP437, as the name carries no UTF-8 flag
      '\uff0e\uff0e\uff0fevil.jpg',
    ]);
    await expectOnlyStoreFiles(cost.root);
  });

  it('skips symlink and hard-link entries with a reason and imports the rest', async () => {
    const zip = writeZip([
      { name: 'pets/link.jpg', data: '/etc/passwd', unixMode: 0o120777 },
      { name: 'pets/up.jpg', data: '../../secret.jpg', unixMode: 0o120777 },
      { name: 'pets/red.jpg', data: red, unixMode: 0o100644 },
    ]);
    const tar = await writeTar([
      { name: 'pets/link.jpg', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'pets/hard.jpg', type: 'link', linkname: '../../secret.jpg' },
      { name: 'pets/fifo.jpg', type: 'character-device' },
      { name: 'pets/blue.png', data: blue },
    ]);
    const fromZip = await importArchive(zip);
    const fromTar = await importArchive(tar);
    for (const cost of [fromZip, fromTar]) {
      expect(cost.outcome.ok).toBe(true);
      await expectOnlyStoreFiles(cost.root);
    }
    const zipResult = (fromZip.outcome as { value: ImportResult }).value;
    expect(zipResult.files.map((file) => file.path)).toEqual(['pets/red.jpg']);
    expect(zipResult.skipped).toEqual([
      {
        path: 'pets/link.jpg',
        reason: expect.stringMatching(/^symbolic link: links are never followed/),
      },
      { path: 'pets/up.jpg', reason: expect.stringMatching(/^symbolic link/) },
    ]);
    const tarResult = (fromTar.outcome as { value: ImportResult }).value;
    expect(tarResult.files.map((file) => file.path)).toEqual(['pets/blue.png']);
    expect(tarResult.skipped.map((skip) => [skip.path, skip.reason.split(':')[0]])).toEqual([
      ['pets/fifo.jpg', 'device or special file, not a regular file'],
      ['pets/hard.jpg', 'hard link'],
      ['pets/link.jpg', 'symbolic link'],
    ]);
  });

  it('refuses an overlapping-entry bomb (one compressed body, 60,000 central-directory entries) at the second entry', async () => {
    // 1 MiB that barely compresses, so the compression-ratio cap alone would not catch it:
    // the archive is ~4 MiB but names 60 GB of data.
    const bomb = writeSharedBodyZip(60_000, randomBytes(1024 * 1024));
    expect(bomb.length).toBeLessThan(8 * 1024 * 1024);
    const cost = await importArchive(bomb);
    const error = datasetErrorOf(cost);
    expect(error.code).toBe('ARCHIVE_CORRUPT');
    expect(error.message).toBe(
      'Import stopped: the zip entries "copy-0.jpg" and "copy-1.jpg" share the same bytes in the archive. ' +
        'Zip tools never write overlapping entries; it is the shape of a zip bomb. Re-create the archive with a standard zip tool.',
    );
    expectCheap(cost, 2000);
  });

  it('refuses a deflate bomb by its compression ratio before inflating it all', async () => {
    const cost = await importArchive(
      writeZip([
        { name: 'red.jpg', data: red },
        // 48 MiB of zeros deflate to ~48 KiB: under the per-entry cap, a ratio near 1000.
        { name: 'zeros.jpg', data: Buffer.alloc(48 * 1024 * 1024), isDeflated: true },
      ]),
    );
    expect(datasetErrorOf(cost).details).toMatchObject({ limit: 'maxCompressionRatio' });
    expectCheap(cost, 3000);
  });

  it('does not expand archives inside archives (42.zip), even disguised as photos', async () => {
    const inner = writeZip(
      Array.from({ length: 16 }, (_, i) => ({
        name: `zeros-${i}.jpg`,
        data: Buffer.alloc(1024 * 1024),
        isDeflated: true,
      })),
    );
    const middle = writeZip(
      Array.from({ length: 16 }, (_, i) => ({ name: `inner-${i}.zip`, data: inner })),
    );
    const innerTgz = await writeTar([{ name: 'x.jpg', data: red }], { isGzipped: true });
    const cost = await importArchive(
      writeZip([
        { name: 'pets/red.jpg', data: red },
        { name: 'nested/42.zip', data: middle, isDeflated: true },
        { name: 'nested/photo.jpg', data: middle },
        { name: 'nested/more.tar.gz', data: innerTgz },
        { name: 'nested/more.tgz', data: innerTgz },
        { name: 'pets/blue.png', data: blue },
      ]),
    );
    expect(cost.outcome.ok).toBe(true);
    expectCheap(cost, 3000);
    const result = (cost.outcome as { value: ImportResult }).value;
    expect(result.files.map((file) => file.path)).toEqual(['pets/blue.png', 'pets/red.jpg']);
    expect(result.skipped).toEqual([
      {
        path: 'nested/42.zip',
        reason: 'nested archive (42.zip) not opened: unpack it and add its contents instead',
      },
      {
        path: 'nested/more.tar.gz',
        reason: 'nested archive (more.tar.gz) not opened: unpack it and add its contents instead',
      },
      {
        path: 'nested/more.tgz',
        reason: 'nested archive (more.tgz) not opened: unpack it and add its contents instead',
      },
      {
        path: 'nested/photo.jpg',
        reason: 'not an image (extension .jpg but content is a zip archive)',
      },
    ]);
    await expectOnlyStoreFiles(cost.root);
  });

  it('refuses a zip of 200,000 tiny entries from its central directory, before reading any', async () => {
    const names = Array.from({ length: 200_000 }, (_, i) => ({ name: `f/${i}.jpg`, data: 'x' }));
    const cost = await importArchive(writeZip(names));
    const error = datasetErrorOf(cost);
    expect(error.details).toEqual({ limit: 'maxEntries', max: 100_000, received: 200_000 });
    expect(error.message).toMatch(
      /^Import stopped: the number of entries exceeds the maxEntries limit \(200,000 > 100,000\)/,
    );
    expectCheap(cost, 2000);
  });

  it('stops a tar.gz stream of 200,000 tiny entries at the entry cap', async () => {
    const tgz = gzipSync(writeTinyTar(200_000));
    const cost = await measureCost(() =>
      importEntries(readTarEntries(toChunks(tgz)), { has: async () => false, put: async () => {} }),
    );
    expect(datasetErrorOf(cost).details).toEqual({
      limit: 'maxEntries',
      max: 100_000,
      received: 100_001,
    });
    expectCheap(cost, 30_000);
  });

  it('imports NFC and NFD spellings of one name once, and decodes CP437 names', async () => {
    const cp437 = Buffer.from('caf\x82/d.png', 'latin1');
    const cost = await importArchive(
      writeZip([
        { name: 'caf\u00e9/a.jpg', data: red },
        { name: 'cafe\u0301/a.jpg', data: blue },
        { name: 'cre\u0300me/b.png', data: blue },
        { name: cp437, data: blue },
        { name: Buffer.from([0x61, 0xff, 0x2e, 0x6a, 0x70, 0x67]), data: red },
      ]),
    );
    const result = (cost.outcome as { value: ImportResult }).value;
    expect(result.files.map((file) => [file.path, file.format])).toEqual([
      ['a\u00a0.jpg', 'jpeg'],
      ['caf\u00e9/a.jpg', 'jpeg'],
      ['caf\u00e9/d.png', 'png'],
      ['cr\u00e8me/b.png', 'png'],
    ]);
    expect(result.skipped).toEqual([
      {
        path: 'caf\u00e9/a.jpg',
        reason: 'duplicate entry name: an earlier entry has the same path',
      },
    ]);
  });

  it('imports the good entries of a partially bad archive and gives every bad one a reason', async () => {
    const truncated = (await makeImage('jpeg', 200, 200)).subarray(0, 300);
    const cost = await importArchive(
      writeZip([
        { name: 'ok/red.jpg', data: red },
        { name: 'bad/truncated.jpg', data: truncated },
        { name: 'bad/secret.jpg', data: red, isEncrypted: true },
        { name: 'bad/link.jpg', data: '/etc/passwd', unixMode: 0o120777 },
        { name: 'bad/page.png', data: '<html><script>alert(1)</script></html>' },
        { name: 'bad/inner.zip', data: writeZip([{ name: 'x.jpg', data: red }]) },
        { name: 'ok/blue.png', data: blue, isDeflated: true },
      ]),
    );
    const result = (cost.outcome as { value: ImportResult }).value;
    expect(result.files.map((file) => file.path)).toEqual(['ok/blue.png', 'ok/red.jpg']);
    expect(Object.fromEntries(result.skipped.map((skip) => [skip.path, skip.reason]))).toEqual({
      'bad/inner.zip':
        'nested archive (inner.zip) not opened: unpack it and add its contents instead',
      'bad/link.jpg': 'symbolic link: links are never followed; add the file itself',
      'bad/page.png': 'not an image (extension .png but content is text)',
      'bad/secret.jpg': 'encrypted entry: password-protected zips are not supported',
      // libvips words a cut-off JPEG either way, depending on where the cut falls.
      'bad/truncated.jpg': expect.stringMatching(/^(truncated image|corrupt image \(jpeg\))/),
    });
    await expectOnlyStoreFiles(cost.root);
  });
});

describe('oversized uploads', () => {
  it('stops an endless tar stream at the total-size cap, having read little past it', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const entry = await writeTar([{ name: 'x', data: randomBytes(256 * 1024) }]);
      // One 256 KiB entry per chunk, forever, without the end-of-archive blocks.
      const body = entry.subarray(0, 512 + 256 * 1024);
      for (let i = 0; ; i++) {
        const chunk = Buffer.from(body);
        chunk.write(`f${i}.jpg`.padEnd(10, '\0'), 0, 'latin1');
        fixTarChecksum(chunk);
        pulled += chunk.length;
        yield chunk;
      }
    }
    const maxTotalBytes = 8 * 1024 * 1024;
    const cost = await measureCost(async () => {
      for await (const entry of readTarEntries(endless(), { limits: { maxTotalBytes } }))
        void entry;
    });
    expect(datasetErrorOf(cost).details).toMatchObject({
      limit: 'maxTotalBytes',
      max: maxTotalBytes,
    });
    expect(pulled).toBeLessThan(2 * maxTotalBytes);
    expectCheap(cost, 5000);
  });

  it('refuses an uploaded file by its declared size without reading it, and by its real size when the size lies', async () => {
    let reads = 0;
    const declared = {
      path: 'big.jpg',
      size: 10 * GiB,
      read: async () => {
        reads += 1;
        return new Uint8Array(0);
      },
    };
    await expect(
      (async () => {
        for await (const entry of readUploadedFiles([declared])) void entry;
      })(),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'maxEntryBytes' } });
    expect(reads).toBe(0);
    const lying = { path: 'small.jpg', size: 10, read: async () => new Uint8Array(5000) };
    await expect(
      (async () => {
        for await (const entry of readUploadedFiles([lying], { limits: { maxEntryBytes: 4096 } }))
          void entry;
      })(),
    ).rejects.toMatchObject({ details: { limit: 'maxEntryBytes', received: 5000 } });
  });
});

/** A tar of `count` one-byte files, written header by header (tar-stream would take seconds). */
function writeTinyTar(count: number): Buffer {
  const block = Buffer.alloc(1024);
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write('00000000001\0', 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write('0', 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  block.write('x', 512, 'latin1');
  const blocks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(block);
    copy.write(`t/${i}.jpg`, 0, 'latin1');
    fixTarChecksum(copy);
    blocks.push(copy);
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Recomputes a tar header's checksum after its name was changed. */
function fixTarChecksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += header[i] as number;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
