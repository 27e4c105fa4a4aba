import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDataBunch } from './data-bunch';
import { ImageCache } from './image-cache';
import { DiskPixelStore, decodePixels, encodePixels } from './pixel-store';
import type { Pixels } from './pixels';
import { syntheticDataset } from './test-fixtures';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pixel-store-'));
  dirs.push(dir);
  return dir;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const image = (width: number, height: number, seed: number): Pixels => ({
  width,
  height,
  data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31 + seed) % 256),
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('pixel entries', () => {
  it('round-trip through encode and decode', () => {
    const pixels = image(5, 3, 7);
    const back = decodePixels(encodePixels(pixels))!;
    expect([back.width, back.height]).toEqual([5, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(pixels.data));
  });

  it('reject a truncated entry, a wrong magic and a size that does not match', () => {
    const bytes = encodePixels(image(4, 4, 1));
    expect(decodePixels(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(decodePixels(bytes.subarray(0, 8))).toBeNull();
    const wrongMagic = bytes.slice();
    wrongMagic[0] = wrongMagic[0]! ^ 0xff;
    expect(decodePixels(wrongMagic)).toBeNull();
    const wrongSize = bytes.slice();
    new DataView(wrongSize.buffer).setUint32(4, 5, true);
    expect(decodePixels(wrongSize)).toBeNull();
  });
});

describe('DiskPixelStore', () => {
  it('stores pixels in a file per entry and reads them back in a new store', async () => {
    const dir = await tempDir();
    const first = new DiskPixelStore(dir);
    expect(await first.get('a')).toBeNull();
    await first.put('a', image(6, 2, 3));
    const files = await filesUnder(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.px$/);
    const second = new DiskPixelStore(dir);
    const back = await second.get('a');
    expect(back && Array.from(back.data)).toEqual(Array.from(image(6, 2, 3).data));
    expect(second.stats).toMatchObject({ hits: 1, misses: 0 });
    expect(first.stats).toMatchObject({ misses: 1, writes: 1, failedWrites: 0 });
  });

  it('treats a torn or foreign file as a miss and overwrites it', async () => {
    const dir = await tempDir();
    const store = new DiskPixelStore(dir);
    await store.put('a', image(3, 3, 0));
    const [file] = await filesUnder(dir);
    await writeFile(file!, (await readFile(file!)).subarray(0, 20));
    expect(await store.get('a')).toBeNull();
    await store.put('a', image(3, 3, 9));
    expect((await store.get('a'))?.data[0]).toBe(9);
  });

  it('goes on without storing when the directory cannot be written, and says why', async () => {
    // A path under a regular file fails for every user, root included.
    const dir = await tempDir();
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    await chmod(blocker, 0o444);
    const store = new DiskPixelStore(path.join(blocker, 'pixels'));
    await store.put('a', image(2, 2, 0));
    expect(store.stats.failedWrites).toBe(1);
    expect(store.stats.lastError).toMatch(/ENOTDIR|EEXIST|EACCES/);
    expect(await store.get('a')).toBeNull();
  });
});

describe('sweeping a DiskPixelStore', () => {
  it('removes every entry of the items no longer kept, and says what it freed', async () => {
    const dir = await tempDir();
    const store = new DiskPixelStore(dir);
    const kept = '6f1c1d7e-0000-4000-8000-000000000001';
    const gone = '6f1c1d7e-0000-4000-8000-000000000002';
    for (const key of [kept, gone])
      for (const side of [32, 64])
        await store.put(ImageCache.id(key, side, 'cover'), image(4, 4, 1));
    expect(await filesUnder(dir)).toHaveLength(4);
    const asked: string[][] = [];
    const result = await store.sweep(async (keys) => {
      asked.push([...keys].sort());
      return keys.filter((k) => k === kept);
    });
    expect(asked).toEqual([[kept, gone].sort()]);
    expect(result).toEqual({ removed: 1, bytes: 2 * (12 + 4 * 4 * 3) });
    expect(await filesUnder(dir)).toHaveLength(2);
    expect(await store.get(ImageCache.id(kept, 64, 'cover'))).not.toBeNull();
    expect(await store.get(ImageCache.id(gone, 64, 'cover'))).toBeNull();
  });

  it('asks in batches and drops what it cannot name (hashed keys, other layouts)', async () => {
    const dir = await tempDir();
    const store = new DiskPixelStore(dir);
    for (let i = 0; i < 5; i++)
      await store.put(ImageCache.id(`k${i}`, 32, 'cover'), image(2, 2, i));
    await store.put(ImageCache.id('a key/with a slash', 32, 'cover'), image(2, 2, 0));
    await writeFile(path.join(dir, (await readdir(dir))[0]!, 'old-layout.px'), 'x');
    const sizes: number[] = [];
    const result = await store.sweep(async (keys) => {
      sizes.push(keys.length);
      return keys;
    }, 2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5);
    expect(Math.max(...sizes)).toBe(2);
    expect(result.removed).toBe(2);
    expect(await filesUnder(dir)).toHaveLength(5);
  });
});

describe('ImageCache over a DiskPixelStore', () => {
  it('decodes each image once across two data bunches in separate caches', async () => {
    const dir = await tempDir();
    const { items, source } = await syntheticDataset(4, 2);
    let reads = 0;
    const counted = async (key: string) => {
      reads += 1;
      return source(key);
    };
    const options = { size: 32, bs: 4, seed: 1, augment: false } as const;
    const cold = createDataBunch(items, counted, {
      ...options,
      cache: new ImageCache({ store: new DiskPixelStore(dir) }),
    });
    expect(await cold.preload()).toEqual([]);
    const decodedCold = reads;
    expect(decodedCold).toBe(items.length);

    // A new process: an empty in-memory cache over the same directory.
    const store = new DiskPixelStore(dir);
    const warm = createDataBunch(items, counted, { ...options, cache: new ImageCache({ store }) });
    expect(await warm.preload()).toEqual([]);
    expect(reads).toBe(decodedCold);
    expect(store.stats.misses).toBe(0);
    expect(store.stats.hits).toBe(decodedCold);

    // The same batches either way.
    const first = async (bunch: typeof cold) => {
      for await (const b of bunch.valid.batches()) {
        const values = Array.from(await b.x.data());
        tf.dispose([b.x, b.y]);
        return values;
      }
      throw new Error('no validation batch');
    };
    expect(await first(warm)).toEqual(await first(cold));
  });
});
