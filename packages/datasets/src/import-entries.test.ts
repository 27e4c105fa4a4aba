import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { createMemoryStore, type ImageStore } from './image-store';
import { importEntries, type ImportProgress } from './import-entries';
import type { SourceEntry } from './source-entry';
import { makeImage } from './test-helpers/images';
import { useTempDir } from './test-helpers/temp-files';
import { writeZip } from './test-helpers/zip-writer';
import { readZipEntries } from './zip-source';

async function* fromArray(entries: SourceEntry[]): AsyncGenerator<SourceEntry> {
  yield* entries;
}

describe('importEntries', () => {
  it('imports images, stores each distinct image once and lists every skip with its reason', async () => {
    const red = await makeImage('jpeg', 64, 48, '#f00');
    const blue = await makeImage('png', 30, 40, '#00f');
    const store = createMemoryStore();
    const progress: ImportProgress[] = [];
    const result = await importEntries(
      fromArray([
        { kind: 'file', path: 'b/red.jpg', bytes: red },
        { kind: 'file', path: 'a/red-copy.jpg', bytes: Buffer.from(red) },
        { kind: 'file', path: 'a/blue.png', bytes: blue },
        { kind: 'file', path: 'a/empty.jpg', bytes: Buffer.alloc(0) },
        { kind: 'file', path: 'a/note.jpg', bytes: Buffer.from('hello') },
        { kind: 'file', path: 'labels.csv', bytes: Buffer.from('name,label\nb/red.jpg,red\n') },
        { kind: 'skipped', path: 'inner.zip', reason: 'nested archive' },
      ]),
      store,
      { onProgress: (p) => progress.push(p) },
    );
    expect(result.files).toEqual([
      {
        path: 'a/blue.png',
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        width: 30,
        height: 40,
        format: 'png',
        bytes: blue.length,
      },
      {
        path: 'a/red-copy.jpg',
        hash: result.files[2]?.hash,
        width: 64,
        height: 48,
        format: 'jpeg',
        bytes: red.length,
      },
      {
        path: 'b/red.jpg',
        hash: expect.any(String),
        width: 64,
        height: 48,
        format: 'jpeg',
        bytes: red.length,
      },
    ]);
    expect(result.skipped).toEqual([
      { path: 'a/empty.jpg', reason: 'empty file (0 bytes)' },
      { path: 'a/note.jpg', reason: 'not an image (extension .jpg but content is text)' },
      { path: 'inner.zip', reason: 'nested archive' },
    ]);
    expect(result.textFiles).toEqual([{ path: 'labels.csv', text: 'name,label\nb/red.jpg,red\n' }]);
    expect(result.duplicates).toBe(1);
    expect(result.stored).toBe(2);
    expect(store.images.size).toBe(2);
    const stored = store.images.get(result.files[0]!.hash)!;
    expect(stored.meta).toMatchObject({
      format: 'png',
      width: 30,
      height: 40,
      bytes: blue.length,
      thumbnail: { format: 'webp' },
    });
    expect((await sharp(stored.meta.thumbnail.bytes).metadata()).format).toBe('webp');
    expect(progress.at(-1)).toMatchObject({ processed: 7, imported: 3, skipped: 3 });
  });

  it('does not decode or store again an image the store already has', async () => {
    const image = await makeImage('jpeg');
    const store = createMemoryStore();
    await importEntries(fromArray([{ kind: 'file', path: 'a.jpg', bytes: image }]), store);
    let puts = 0;
    const counting: ImageStore = {
      has: store.has,
      put: async (...args) => void ((puts += 1), await store.put(...args)),
    };
    const again = await importEntries(
      fromArray([{ kind: 'file', path: 'renamed.jpg', bytes: image }]),
      counting,
    );
    expect(puts).toBe(0);
    expect(again).toMatchObject({
      stored: 0,
      files: [{ path: 'renamed.jpg', width: 32, height: 24 }],
    });
  });

  it('keeps at most `concurrency` entries in flight', async () => {
    const images = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        makeImage('png', 16, 16, `#0${(i % 10).toString()}0`).then((b) =>
          Buffer.concat([b, Buffer.from([i])]),
        ),
      ),
    );
    let inFlight = 0;
    let maxInFlight = 0;
    const store: ImageStore = {
      has: async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return false;
      },
      put: async () => {
        inFlight -= 1;
      },
    };
    const result = await importEntries(
      fromArray(images.map((bytes, i) => ({ kind: 'file', path: `${i}.png`, bytes }))),
      store,
      { concurrency: 2 },
    );
    expect(result.files).toHaveLength(12);
    expect(maxInFlight).toBe(2);
  });

  it('aborts with the source error and stops reading the archive', async () => {
    const { write } = await useTempDir();
    const image = await makeImage('jpeg');
    const path = await write(
      'slip.zip',
      writeZip([
        { name: 'ok.jpg', data: image },
        { name: '../../etc/evil.jpg', data: image },
      ]),
    );
    const error = await importEntries(readZipEntries(path), createMemoryStore()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe('UNSAFE_ENTRY_NAME');
  });

  it('imports a zip whose broken files are skipped and whose good files import', async () => {
    const { write } = await useTempDir();
    const good = await makeImage('jpeg', 100, 80);
    const bomb = await sharp({
      create: { width: 8000, height: 8000, channels: 3, background: '#0f0' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const path = await write(
      'mixed.zip',
      writeZip([
        { name: 'cats/good.jpg', data: good },
        { name: 'cats/half.jpg', data: good.subarray(0, good.length / 2) },
        { name: 'cats/bomb.png', data: bomb, isDeflated: true },
      ]),
    );
    const result = await importEntries(readZipEntries(path), createMemoryStore());
    expect(result.files.map((f) => f.path)).toEqual(['cats/good.jpg']);
    expect(result.skipped).toEqual([
      { path: 'cats/bomb.png', reason: 'too many pixels (8000×8000 = 64 MP > 40 MP)' },
      { path: 'cats/half.jpg', reason: 'truncated image' },
    ]);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const images = await Promise.all([1, 2, 3].map((i) => makeImage('png', 8, 8, `#00${i}`)));
    const result = importEntries(
      fromArray(images.map((bytes, i) => ({ kind: 'file', path: `${i}.png`, bytes }))),
      createMemoryStore(),
      {
        signal: controller.signal,
        concurrency: 1,
        onProgress: () => controller.abort(),
      },
    );
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('propagates a store failure', async () => {
    const store: ImageStore = {
      has: async () => false,
      put: async () => Promise.reject(new Error('disk full')),
    };
    await expect(
      importEntries(
        fromArray([{ kind: 'file', path: 'a.png', bytes: await makeImage('png') }]),
        store,
      ),
    ).rejects.toThrow('disk full');
  });
});
