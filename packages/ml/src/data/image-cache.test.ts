import { describe, expect, it } from 'vitest';
import { ImageCache, mapConcurrent } from './image-cache';
import type { Pixels } from './pixels';

const tiny = (): Pixels => ({ data: new Uint8Array(12), width: 2, height: 2 });

describe('ImageCache', () => {
  it('loads each id once, also when asked concurrently', async () => {
    const cache = new ImageCache();
    let loads = 0;
    const load = async (): Promise<Pixels> => {
      loads++;
      return tiny();
    };
    const id = ImageCache.id('a.jpg', 224, 'cover');
    const [a, b] = await Promise.all([cache.get(id, load), cache.get(id, load)]);
    await cache.get(id, load);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    expect(cache.bytes).toBe(12);
    expect(ImageCache.id('a.jpg', 224, 'outside')).not.toBe(id);
  });

  it('forgets failures so they can be retried', async () => {
    const cache = new ImageCache();
    await expect(cache.get('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cache.size).toBe(0);
    await expect(cache.get('x', async () => tiny())).resolves.toBeDefined();
  });
});

describe('mapConcurrent', () => {
  it('keeps order and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3, 0], 2, async (v) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, v));
      running--;
      return v * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
